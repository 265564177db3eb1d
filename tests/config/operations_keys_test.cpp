// The operations keys (README "Watching it"): metrics_listen, and what a
// wrong value says.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace {

const std::string kAccounts = "accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n";

config::LoadResult load(const std::string& top) { return config::load_string(top + kAccounts, "t.yaml"); }

std::string first_error(const config::LoadResult& result) {
  return result.errors.empty() ? std::string() : result.errors.front().to_string();
}

TEST(MetricsListen, OffByDefault) {
  const auto result = load("");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.config->metrics_listen.has_value());
  const auto empty = load("metrics_listen: \"\"\n");
  ASSERT_TRUE(empty.ok()) << first_error(empty);
  EXPECT_FALSE(empty.config->metrics_listen.has_value());
}

TEST(MetricsListen, IPv4AndBracketedIPv6) {
  const auto v4 = load("metrics_listen: 127.0.0.1:9423\n");
  ASSERT_TRUE(v4.ok()) << first_error(v4);
  EXPECT_EQ(v4.config->metrics_listen, (config::ListenAddress{"127.0.0.1", 9423}));
  const auto v6 = load("metrics_listen: \"[::1]:9423\"\n");
  ASSERT_TRUE(v6.ok()) << first_error(v6);
  EXPECT_EQ(v6.config->metrics_listen, (config::ListenAddress{"::1", 9423}));
  const auto any = load("metrics_listen: 0.0.0.0:65535\n");
  ASSERT_TRUE(any.ok()) << first_error(any);
}

TEST(MetricsListen, MalformedValuesAreRejectedWithTheExpectedForm) {
  for (const char* value : {"localhost:9423", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "'::1:9423'",
                            "'[::1]'", "127.0.0.1:94x", ":9423", "'[]:9423'", "300.1.1.1:9423"}) {
    const auto result = load("metrics_listen: " + std::string(value) + "\n");
    ASSERT_FALSE(result.ok()) << value;
    ASSERT_EQ(result.errors.size(), 1u) << value;
    EXPECT_EQ(result.errors[0].location.line, 1) << value;
    EXPECT_NE(first_error(result).find("metrics_listen must be an IP address and port such as 127.0.0.1:9423"),
              std::string::npos)
        << first_error(result);
  }
}

TEST(MetricsListen, InsideAnAccountIsATopLevelSetting) {
  const auto result = config::load_string(kAccounts + "    metrics_listen: 127.0.0.1:9423\n", "t.yaml");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(first_error(result).find("is a top-level setting"), std::string::npos) << first_error(result);
}

}  // namespace

namespace {

TEST(HealthSocketAccess, DefaultsKeepTheDaemonsGroupAndMode0660) {
  const auto result = load("");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config->health_socket_group, "");
  EXPECT_EQ(result.config->health_socket_mode, 0660u);
}

TEST(HealthSocketAccess, GroupAndOctalMode) {
  const auto result = load("health_socket_group: prometheus\nhealth_socket_mode: 0640\n");
  ASSERT_TRUE(result.ok()) << first_error(result);
  EXPECT_EQ(result.config->health_socket_group, "prometheus");
  EXPECT_EQ(result.config->health_socket_mode, 0640u);
  const auto short_form = load("health_socket_mode: \"666\"\n");
  ASSERT_TRUE(short_form.ok()) << first_error(short_form);
  EXPECT_EQ(short_form.config->health_socket_mode, 0666u);
}

TEST(HealthSocketAccess, ModesThatLockOutTheDaemonOrAreNotOctalAreRejected) {
  for (const char* value : {"0440", "0060", "0888", "rw-rw----", "04660", "\"\"", "0o660"}) {
    const auto result = load("health_socket_mode: " + std::string(value) + "\n");
    ASSERT_FALSE(result.ok()) << value;
    EXPECT_NE(first_error(result).find("health_socket_mode must be an octal mode such as 0660"),
              std::string::npos)
        << first_error(result);
  }
}

}  // namespace
