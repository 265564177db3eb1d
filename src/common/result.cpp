#include "common/result.hpp"

namespace common {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Io: return "io";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Tls: return "tls";
    case ErrorKind::Protocol: return "protocol";
    case ErrorKind::Auth: return "auth";
    case ErrorKind::TempFail: return "temporary failure";
    case ErrorKind::PermFail: return "permanent failure";
    case ErrorKind::Config: return "config";
    case ErrorKind::Storage: return "storage";
    case ErrorKind::Aborted: return "aborted";
  }
  return "unknown";
}

}  // namespace common
