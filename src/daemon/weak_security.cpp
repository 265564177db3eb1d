#include "daemon/weak_security.hpp"

#include "common/log.hpp"

namespace popfetchd::daemon {

void warn_about_weak_security(const config::Account& account) {
  switch (account.security) {
    case config::Security::None:
      common::log_warn(account.name, "security none: the session, mail and credentials travel in clear text");
      break;
    case config::Security::TlsIfAvailable:
      common::log_warn(account.name, "security tls-if-available: the server's certificate is not checked");
      break;
    case config::Security::StartTlsIfAvailable:
      common::log_warn(account.name,
                       "security starttls-if-available: the certificate is not checked, and without STLS "
                       "the session stays in clear text");
      break;
    case config::Security::Tls:
    case config::Security::StartTls:
      break;
  }
}

}  // namespace popfetchd::daemon
