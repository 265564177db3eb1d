#pragma once
// Test PKI made with the `openssl` command line: a throw-away CA and one
// server certificate signed by it, so clients can verify the chain against
// ca_file and check the host name (tests of the "tls"/"starttls" modes).
// Owns: the files it writes into the given directory, nothing else. Keys are
// unencrypted and mode 0600; the CA key never leaves the directory.
// Errors: common::ErrorKind::Io when openssl cannot run or fails (with its output).

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace test_support {

struct CertificateOptions {
  std::string common_name = "localhost";
  // openssl subjectAltName syntax; a test of a host name mismatch passes other names.
  std::vector<std::string> subject_alt_names = {"DNS:localhost", "IP:127.0.0.1"};
  int days = 30;
  // false: ECDSA P-256 (fast to make); true: RSA 2048, for RSA-only code paths.
  bool rsa = false;
};

struct CertificateFiles {
  std::filesystem::path ca_file;    // PEM, the CA certificate clients trust
  std::filesystem::path cert_file;  // PEM, the server certificate
  std::filesystem::path key_file;   // PEM, the server's private key
};

// The openssl binary found at configure time ("" when none was found).
std::string openssl_program();

common::Result<CertificateFiles> make_test_certificates(const std::filesystem::path& dir,
                                                        const CertificateOptions& options = {});

}  // namespace test_support
