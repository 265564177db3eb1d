// tls_min_version: 1.2 (the default) or 1.3, per account or in defaults; 1.3
// only where this build's mbedTLS has TLS 1.3.
#include <gtest/gtest.h>

#include <string>

#include "config/config.hpp"
#include "config/tls_library.hpp"

namespace {

using config::TlsMinVersion;

const std::string kAccount = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

TEST(TlsMinVersion, DefaultsTo12) {
  const auto result = config::load_string(kAccount, "t.yaml");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->accounts[0].tls_min_version, TlsMinVersion::Tls1_2);
}

TEST(TlsMinVersion, TwelveIsAlwaysAccepted) {
  for (const char* spelling : {"1.2", "\"1.2\""}) {
    const auto result = config::load_string(kAccount + "    tls_min_version: " + spelling + "\n", "t.yaml");
    ASSERT_TRUE(result.ok()) << spelling;
    EXPECT_EQ(result.config->accounts[0].tls_min_version, TlsMinVersion::Tls1_2);
  }
}

TEST(TlsMinVersion, ThirteenWhereMbedTlsHasIt) {
  const std::string yaml = "defaults:\n  tls_min_version: 1.3\n" + kAccount +
                           "  - name: b\n    server: s\n    username: u\n"
                           "    password: p\n    tls_min_version: 1.2\n";
  const auto result = config::load_string(yaml, "t.yaml");
  if (!config::tls_library().tls1_3) {
    ASSERT_FALSE(result.ok());
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].to_string(),
              "t.yaml:2:20: tls_min_version 1.3 needs TLS 1.3, which this build's mbedTLS " +
                  config::tls_library().version + " lacks (mbedTLS 3.x has it); use 1.2");
    return;
  }
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->accounts[0].tls_min_version, TlsMinVersion::Tls1_3);  // from defaults
  EXPECT_EQ(result.config->accounts[1].tls_min_version, TlsMinVersion::Tls1_2);  // its own
}

TEST(TlsMinVersion, OtherValuesAreRefused) {
  for (const char* value : {"1.1", "1.0", "tls1.3", "1.30", "[1.3]"}) {
    const auto result = config::load_string(kAccount + "    tls_min_version: " + value + "\n", "t.yaml");
    ASSERT_FALSE(result.ok()) << value;
    ASSERT_EQ(result.errors.size(), 1u) << value;
    EXPECT_NE(result.errors[0].to_string().find("t.yaml:6:22: tls_min_version must be"), std::string::npos)
        << result.errors[0].to_string();
  }
}

TEST(TlsMinVersion, NamesRoundTrip) {
  EXPECT_EQ(config::to_string(TlsMinVersion::Tls1_2), "1.2");
  EXPECT_EQ(config::to_string(TlsMinVersion::Tls1_3), "1.3");
}

TEST(TlsMinVersion, LibraryVersionIsNamed) {
  EXPECT_FALSE(config::tls_library().version.empty());
  // 2.x never has TLS 1.3.
  if (config::tls_library().version[0] == '2') {
    EXPECT_FALSE(config::tls_library().tls1_3);
  }
}

}  // namespace
