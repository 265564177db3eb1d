#include "support/test_pki.hpp"

#include <arpa/inet.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <stdlib.h>

#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace test_support {
namespace {

struct Drbg {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Drbg() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0) != 0) {
      throw std::runtime_error("cannot seed the test DRBG");
    }
  }
  ~Drbg() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};

void check(int ret, const char* what) {
  if (ret != 0) throw std::runtime_error(std::string(what) + " failed: " + std::to_string(ret));
}

std::string x509_time(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &tm);
  return text;
}

std::vector<std::uint8_t> ip(const char* text) {
  std::array<std::uint8_t, 16> buffer{};
  if (inet_pton(AF_INET, text, buffer.data()) == 1) return {buffer.begin(), buffer.begin() + 4};
  if (inet_pton(AF_INET6, text, buffer.data()) == 1) return {buffer.begin(), buffer.end()};
  throw std::runtime_error("bad IP literal in test");
}

// DER of a SubjectAltName extension value (RFC 5280 §4.2.1.6); every element
// here is shorter than 128 bytes, so lengths fit in one octet.
std::string subject_alt_name(const std::vector<std::string>& dns,
                             const std::vector<std::vector<std::uint8_t>>& ips) {
  std::string body;
  for (const auto& name : dns) {
    body += '\x82';
    body += static_cast<char>(name.size());
    body += name;
  }
  for (const auto& address : ips) {
    body += '\x87';
    body += static_cast<char>(address.size());
    body.append(address.begin(), address.end());
  }
  return std::string("\x30", 1) + static_cast<char>(body.size()) + body;
}

struct Spec {
  std::string subject;
  std::vector<std::string> dns;
  std::vector<std::vector<std::uint8_t>> ips;
  bool is_ca = false;
  std::string not_before;
  std::string not_after;
};

std::string issue(const Spec& spec, Key& subject_key, Key& issuer_key, const std::string& issuer_name) {
  static int serial = 1;
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  struct Guard {
    mbedtls_x509write_cert* crt;
    ~Guard() { mbedtls_x509write_crt_free(crt); }
  } guard{&crt};

  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, subject_key.get());
  mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key.get());
  check(mbedtls_x509write_crt_set_subject_name(&crt, spec.subject.c_str()), "subject name");
  check(mbedtls_x509write_crt_set_issuer_name(&crt, issuer_name.c_str()), "issuer name");
  const unsigned char serial_bytes[] = {static_cast<unsigned char>(serial++)};
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
  check(mbedtls_x509write_crt_set_serial_raw(&crt, const_cast<unsigned char*>(serial_bytes), 1), "serial");
#else
  mbedtls_mpi mpi;
  mbedtls_mpi_init(&mpi);
  check(mbedtls_mpi_read_binary(&mpi, serial_bytes, 1), "serial");
  const int serial_ret = mbedtls_x509write_crt_set_serial(&crt, &mpi);
  mbedtls_mpi_free(&mpi);
  check(serial_ret, "serial");
#endif
  check(mbedtls_x509write_crt_set_validity(&crt, spec.not_before.c_str(), spec.not_after.c_str()),
        "validity");
  check(mbedtls_x509write_crt_set_basic_constraints(&crt, spec.is_ca ? 1 : 0, -1), "basic constraints");
  check(mbedtls_x509write_crt_set_key_usage(
            &crt, spec.is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                             : MBEDTLS_X509_KU_DIGITAL_SIGNATURE),
        "key usage");
  if (!spec.dns.empty() || !spec.ips.empty()) {
    const std::string san = subject_alt_name(spec.dns, spec.ips);
    check(mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                              reinterpret_cast<const unsigned char*>(san.data()), san.size()),
          "subjectAltName");
  }
  std::array<unsigned char, 4096> pem{};
  check(mbedtls_x509write_crt_pem(&crt, pem.data(), pem.size(), test_random, nullptr), "write PEM");
  return reinterpret_cast<const char*>(pem.data());
}

TestPki build() {
  static TempDir dir("popfetchd-test-pki-");
  const auto now = std::chrono::system_clock::now();
  const std::string valid_from = x509_time(now - std::chrono::hours(24));
  const std::string valid_to = x509_time(now + std::chrono::hours(24 * 30));
  const std::vector<std::string> localhost = {"localhost"};
  const std::vector<std::vector<std::uint8_t>> loopback = {ip("127.0.0.1"), ip("::1")};

  TestPki pki;
  auto ca_key = std::make_shared<Key>();
  const std::string ca_name = "CN=popfetchd test CA,O=popfetchd";
  pki.ca_pem = issue({ca_name, {}, {}, true, valid_from, valid_to}, *ca_key, *ca_key, ca_name);
  pki.ca_key = ca_key;
  pki.ca_name = ca_name;
  pki.ca_file = (dir.path() / "ca.pem").string();
  std::ofstream(pki.ca_file) << pki.ca_pem;

  auto leaf = [&](Spec spec) {
    auto key = std::make_shared<Key>();
    return Credential{issue(spec, *key, *ca_key, ca_name), key};
  };
  pki.good = leaf({"CN=localhost", localhost, loopback, false, valid_from, valid_to});
  pki.wrong_host = leaf({"CN=mail.example.org", {"mail.example.org"}, {}, false, valid_from, valid_to});
  pki.expired = leaf({"CN=localhost", localhost, loopback, false, "20000101000000", "20010101000000"});
  pki.ip_in_cn_only = leaf({"CN=127.0.0.1", {}, {}, false, valid_from, valid_to});

  auto self_key = std::make_shared<Key>();
  pki.self_signed = Credential{issue({"CN=localhost", localhost, loopback, false, valid_from, valid_to},
                                     *self_key, *self_key, "CN=localhost"),
                               self_key};

  auto other_ca_key = std::make_shared<Key>();
  const std::string other_ca_name = "CN=someone else's CA";
  const std::string other_ca_pem =
      issue({other_ca_name, {}, {}, true, valid_from, valid_to}, *other_ca_key, *other_ca_key, other_ca_name);
  auto unknown_key = std::make_shared<Key>();
  pki.unknown_ca = Credential{issue({"CN=localhost", localhost, loopback, false, valid_from, valid_to},
                                    *unknown_key, *other_ca_key, other_ca_name) +
                                  other_ca_pem,
                              unknown_key};
  return pki;
}

std::string key_pem(Key& key) {
  std::array<unsigned char, 4096> pem{};
  check(mbedtls_pk_write_key_pem(key.get(), pem.data(), pem.size()), "write key PEM");
  return reinterpret_cast<const char*>(pem.data());
}

// "DNS:<name>" / "IP:<address>" into the spec's lists; false on anything else.
bool add_subject_alt_names(const std::vector<std::string>& names, Spec& spec) {
  for (const std::string& name : names) {
    std::array<std::uint8_t, 16> buffer{};
    if (name.rfind("DNS:", 0) == 0) {
      spec.dns.push_back(name.substr(4));
    } else if (name.rfind("IP:", 0) == 0 && inet_pton(AF_INET, name.c_str() + 3, buffer.data()) == 1) {
      spec.ips.emplace_back(buffer.begin(), buffer.begin() + 4);
    } else if (name.rfind("IP:", 0) == 0 && inet_pton(AF_INET6, name.c_str() + 3, buffer.data()) == 1) {
      spec.ips.emplace_back(buffer.begin(), buffer.end());
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int test_random(void* /*unused*/, unsigned char* out, std::size_t length) {
  static Drbg drbg;
  // FakePop3Server threads (one per server) and the test thread share it.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  return mbedtls_ctr_drbg_random(&drbg.drbg, out, length);
}

Key::Key() {
  mbedtls_pk_init(&pk_);
  check(mbedtls_pk_setup(&pk_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "pk setup");
  check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk_), test_random, nullptr), "EC key");
}

Key::~Key() { mbedtls_pk_free(&pk_); }

ClientCertificateFiles write_client_certificate(const std::filesystem::path& dir, const std::string& stem,
                                                const std::string& common_name, ClientCertIssuer issuer) {
  const TestPki& pki = TestPki::instance();
  const auto now = std::chrono::system_clock::now();
  const std::string valid_from = x509_time(now - std::chrono::hours(24));
  const std::string valid_to = x509_time(now + std::chrono::hours(24 * 30));
  std::shared_ptr<Key> issuer_key = pki.ca_key;
  std::string issuer_name = pki.ca_name;
  if (issuer == ClientCertIssuer::OtherCa) {
    issuer_key = std::make_shared<Key>();
    issuer_name = "CN=an unrelated client CA";
  }
  auto key = std::make_shared<Key>();
  ClientCertificateFiles files;
  files.credential =
      Credential{issue({"CN=" + common_name, {}, {}, false, valid_from, valid_to}, *key, *issuer_key, issuer_name),
                 key};
  files.cert_file = (dir / (stem + ".crt.pem")).string();
  files.key_file = (dir / (stem + ".key.pem")).string();
  std::ofstream(files.cert_file) << files.credential.chain_pem;
  std::ofstream(files.key_file) << key_pem(*key);
  std::filesystem::permissions(files.key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  return files;
}

common::Result<CertificateFiles> make_test_certificates(const std::filesystem::path& dir,
                                                        const CertificateOptions& options) {
  const auto now = std::chrono::system_clock::now();
  const std::string valid_from = x509_time(now - std::chrono::hours(24));
  const std::string valid_to = x509_time(now + std::chrono::hours(24) * options.days);
  Spec leaf{"CN=" + options.common_name, {}, {}, false, valid_from, valid_to};
  if (!add_subject_alt_names(options.subject_alt_names, leaf)) {
    return common::make_error(common::ErrorKind::Io, "a subject_alt_names entry is neither DNS:<name> nor IP:<address>");
  }
  const std::string ca_name = "CN=popfetchd test CA";
  Key ca_key;
  Key server_key;
  const std::string ca_pem = issue({ca_name, {}, {}, true, valid_from, valid_to}, ca_key, ca_key, ca_name);
  CertificateFiles files{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  if (auto written = write_file(files.ca_file, ca_pem); !written) return written.error();
  if (auto written = write_file(files.cert_file, issue(leaf, server_key, ca_key, ca_name)); !written) {
    return written.error();
  }
  if (auto written = write_file(files.key_file, key_pem(server_key), 0600); !written) return written.error();
  return files;
}

const TestPki& TestPki::instance() {
  static const TestPki pki = build();
  return pki;
}

std::array<std::uint8_t, 32> leaf_sha256(std::string_view pem) {
  std::array<std::uint8_t, 32> digest{};
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  // mbedtls_x509_crt_parse wants PEM NUL-terminated, length included.
  const std::string text(pem);
  if (mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(text.c_str()), text.size() + 1) == 0) {
    mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), chain.raw.p, chain.raw.len, digest.data());
  }
  mbedtls_x509_crt_free(&chain);
  return digest;
}

}  // namespace test_support
