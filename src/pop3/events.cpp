#include "pop3/events.hpp"

namespace pop3 {

std::string_view to_string(SessionErrorKind kind) {
  switch (kind) {
    case SessionErrorKind::Protocol:
      return "protocol";
    case SessionErrorKind::Auth:
      return "auth";
    case SessionErrorKind::TempFail:
      return "temporary failure";
    case SessionErrorKind::PermFail:
      return "permanent failure";
    case SessionErrorKind::TlsRequired:
      return "tls required";
    case SessionErrorKind::AuthUnavailable:
      return "auth unavailable";
    case SessionErrorKind::ConnectionClosed:
      return "connection closed";
    case SessionErrorKind::GreetingRejected:
      return "greeting rejected";
    case SessionErrorKind::CommandRejected:
      return "command rejected";
    case SessionErrorKind::Usage:
      return "usage";
  }
  return "unknown";
}

}  // namespace pop3
