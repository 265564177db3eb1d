#include "support/test_certificates.hpp"

#include <cstdint>
#include <random>
#include <sstream>

#include "support/child_process.hpp"
#include "support/files.hpp"

#ifndef POPFETCHD_TEST_OPENSSL
#define POPFETCHD_TEST_OPENSSL ""
#endif

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;

std::vector<std::string> new_key_args(const CertificateOptions& options) {
  if (options.rsa) return {"-newkey", "rsa:2048"};
  return {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"};
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Our own openssl config, so nothing depends on the system's openssl.cnf.
std::string openssl_config(const CertificateOptions& options) {
  std::ostringstream out;
  out << "[req]\n"
         "distinguished_name = dn\n"
         "prompt = no\n"
         "[dn]\n"
         "CN = popfetchd test CA\n"
         "[v3_ca]\n"
         "basicConstraints = critical,CA:TRUE\n"
         "keyUsage = critical,keyCertSign,cRLSign\n"
         "subjectKeyIdentifier = hash\n"
         "[v3_server]\n"
         "basicConstraints = critical,CA:FALSE\n"
         "keyUsage = critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = serverAuth\n"
         "subjectKeyIdentifier = hash\n"
         "authorityKeyIdentifier = keyid\n";
  if (!options.subject_alt_names.empty())
    out << "subjectAltName = " << join(options.subject_alt_names, ",") << "\n";
  return out.str();
}

std::string random_serial() {
  std::random_device device;
  const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32 | device()) & 0x7fffffffffffffffULL;
  std::ostringstream out;
  out << "0x" << std::hex << (value | 1);
  return out.str();
}

}  // namespace

std::string openssl_program() { return POPFETCHD_TEST_OPENSSL; }

common::Result<CertificateFiles> make_test_certificates(const std::filesystem::path& dir,
                                                        const CertificateOptions& options) {
  const std::string openssl = openssl_program();
  if (openssl.empty())
    return make_error(ErrorKind::Io, "openssl was not found when the tests were configured");

  const auto config = dir / "openssl.cnf";
  const auto log = dir / "openssl.log";
  const auto ca_key = dir / "ca.key";
  const auto csr = dir / "server.csr";
  CertificateFiles files{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  if (auto written = write_file(config, openssl_config(options)); !written) return written.error();
  const std::string days = std::to_string(options.days);

  const auto key_args = new_key_args(options);
  std::vector<std::string> ca = {openssl, "req", "-x509"};
  ca.insert(ca.end(), key_args.begin(), key_args.end());
  ca.insert(ca.end(), {"-config", config, "-extensions", "v3_ca", "-nodes", "-days", days, "-keyout", ca_key,
                       "-out", files.ca_file});
  if (auto status = ChildProcess::run(ca, log); !status) return status.error();

  std::vector<std::string> request = {openssl, "req", "-new"};
  request.insert(request.end(), key_args.begin(), key_args.end());
  request.insert(request.end(), {"-config", config, "-nodes", "-subj", "/CN=" + options.common_name,
                                 "-keyout", files.key_file, "-out", csr});
  if (auto status = ChildProcess::run(request, log); !status) return status.error();

  const std::vector<std::string> sign = {
      openssl,     "x509",        "-req",          "-in",   csr,  "-CA",      files.ca_file, "-CAkey",
      ca_key,      "-set_serial", random_serial(), "-days", days, "-extfile", config,        "-extensions",
      "v3_server", "-out",        files.cert_file};
  if (auto status = ChildProcess::run(sign, log); !status) return status.error();
  return files;
}

}  // namespace test_support
