#pragma once
// Test-only: a throw-away PKI generated at run time with mbedTLS's x509write
// API (no private key is ever committed, nothing expires in the repository,
// and no `openssl` program is needed). The one certificate maker of the tests:
// - TestPki: built once per test process, for servers that take PEM in memory;
//   the CA certificate is written to a temporary directory removed at exit.
// - make_test_certificates: a fresh CA and one server certificate as files,
//   for a server that reads PEM files (the Dovecot fixture).
// Errors: make_test_certificates returns common::ErrorKind::Io when a file
// cannot be written or a name is malformed; everything else throws
// std::runtime_error when mbedTLS fails (a broken test set-up).

#include <mbedtls/pk.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace test_support {

// The SHA-256 of the DER of the first certificate in `pem` (a chain, leaf
// first): what `tls_fingerprint` pins. All zeros when `pem` holds none.
std::array<std::uint8_t, 32> leaf_sha256(std::string_view pem);

// The test process's random generator (mbedTLS CTR-DRBG), for keys and servers.
// Thread-safe (a mutex): several fake servers may run TLS at once.
int test_random(void* unused, unsigned char* out, std::size_t length);

// An EC P-256 key pair.
class Key {
 public:
  Key();
  ~Key();
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  mbedtls_pk_context* get() { return &pk_; }

 private:
  mbedtls_pk_context pk_;
};

// What a server presents: its certificate chain (leaf first) and key.
struct Credential {
  std::string chain_pem;
  std::shared_ptr<Key> key;
};

struct TestPki {
  static const TestPki& instance();

  std::string ca_pem;        // the trusted test CA
  std::string ca_file;       // a file holding ca_pem
  Credential good;           // CN=localhost; SAN localhost, 127.0.0.1, ::1; by the CA
  Credential wrong_host;     // CN/SAN mail.example.org; by the CA
  Credential expired;        // localhost, valid 2000-2001; by the CA
  Credential self_signed;    // localhost, its own issuer
  Credential unknown_ca;     // localhost, by a CA not in ca_file (chain includes that CA)
  Credential ip_in_cn_only;  // CN=127.0.0.1, no iPAddress SAN; by the CA
  std::shared_ptr<Key> ca_key;  // signs client certificates (write_client_certificate)
  std::string ca_name;
};

// A TLS client certificate (CN=<common_name>, digitalSignature) and its key
// as PEM files: <dir>/<stem>.crt.pem and <dir>/<stem>.key.pem (mode 0600).
struct ClientCertificateFiles {
  std::string cert_file;
  std::string key_file;
  Credential credential;  // the same, in memory
};
enum class ClientCertIssuer { TestCa, OtherCa };
ClientCertificateFiles write_client_certificate(const std::filesystem::path& dir, const std::string& stem,
                                                const std::string& common_name,
                                                ClientCertIssuer issuer = ClientCertIssuer::TestCa);

struct CertificateOptions {
  std::string common_name = "localhost";
  // "DNS:<name>" or "IP:<address>"; a test of a host name mismatch passes other names.
  std::vector<std::string> subject_alt_names = {"DNS:localhost", "IP:127.0.0.1"};
  int days = 30;
};

struct CertificateFiles {
  std::filesystem::path ca_file;    // PEM, the CA certificate clients trust
  std::filesystem::path cert_file;  // PEM, the server certificate
  std::filesystem::path key_file;   // PEM, the server's private key (EC P-256, mode 0600)
};

// Writes <dir>/ca.pem, <dir>/server.pem and <dir>/server.key: a CA made for
// this call only (its key never leaves memory), so a second call gives a CA
// the first one's clients do not trust.
common::Result<CertificateFiles> make_test_certificates(const std::filesystem::path& dir,
                                                        const CertificateOptions& options = {});

}  // namespace test_support
