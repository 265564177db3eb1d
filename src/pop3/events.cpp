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

SessionErrorKind kind_for(ResponseCode code, SessionErrorKind fallback) {
  switch (code) {
    case ResponseCode::Auth:
      return SessionErrorKind::Auth;
    case ResponseCode::SysTemp:
    case ResponseCode::InUse:
    case ResponseCode::LoginDelay:
      return SessionErrorKind::TempFail;
    case ResponseCode::SysPerm:
      return SessionErrorKind::PermFail;
    case ResponseCode::None:
    case ResponseCode::Other:
      break;
  }
  return fallback;
}

}  // namespace pop3
