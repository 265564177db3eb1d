#pragma once
// Internal to net/: the client certificate and private key a TLS session
// presents when the server asks for one (tls_client_cert, tls_client_key),
// read from PEM files for each connection, so that a renewed certificate is
// used from the next poll on.
//
// Owns the parsed certificate chain and key (mbedTLS contexts, freed and the
// key zeroized by the destructor). Reads the two files; touches nothing else.
// Errors: ErrorKind::Config when a file cannot be read or parsed (an
// encrypted key is refused: there is nobody to ask for its passphrase), or
// when the key does not belong to the certificate.

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <memory>
#include <string>

#include "common/result.hpp"

namespace net::detail {

class Rng;  // tls_trust.hpp

class ClientCertificate {
 public:
  // `rng` is needed by mbedTLS 3.x to parse and check the key.
  static common::Result<std::unique_ptr<ClientCertificate>> load(const std::string& cert_file,
                                                                 const std::string& key_file, Rng& rng);
  ~ClientCertificate();
  ClientCertificate(const ClientCertificate&) = delete;
  ClientCertificate& operator=(const ClientCertificate&) = delete;

  mbedtls_x509_crt* chain() { return &chain_; }
  mbedtls_pk_context* key() { return &key_; }
  // "sha256:..." of the leaf certificate's DER: what a resumed session was
  // authenticated with (part of the session cache key).
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  ClientCertificate();
  mbedtls_x509_crt chain_;
  mbedtls_pk_context key_;
  std::string fingerprint_;
};

}  // namespace net::detail
