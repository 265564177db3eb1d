#include "deliver/file_error.hpp"

#include <cerrno>
#include <cstring>

namespace deliver {

common::Error file_error(const std::string& what, int err) {
  common::ErrorKind kind = common::ErrorKind::Io;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      kind = common::ErrorKind::TempFail;
      break;
    case EACCES:
    case EPERM:
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
    case ENAMETOOLONG:
      kind = common::ErrorKind::PermFail;
      break;
    default:
      break;
  }
  return common::make_error(kind, what + ": " + std::strerror(err));
}

Verdict verdict_of(const common::Error& error) {
  return error.kind == common::ErrorKind::PermFail ? Verdict::Permanent : Verdict::Temporary;
}

bool is_disk_full(const common::Error& error) { return error.kind == common::ErrorKind::TempFail; }

}  // namespace deliver
