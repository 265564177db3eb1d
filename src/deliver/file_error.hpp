#pragma once
// How a failed file operation of a local target (Maildir, mbox) is reported,
// and what the delivery queue does with it. One choice, made here:
//
//   ENOSPC, EDQUOT                    TempFail  "disk full": retried with backoff;
//                                               the archive keeps the mail meanwhile
//   EACCES, EPERM, ENOTDIR, EISDIR,   PermFail  the path or its permissions are wrong:
//   ELOOP, ENAMETOOLONG                         nothing changes until the user acts
//   a held mailbox lock               Timeout   another program holds it: retried
//   anything else (EIO, ENOENT, ...)  Io        retried: a missing parent directory
//                                               may be a file system not mounted yet
//
// Pure: no I/O.

#include <string>

#include "common/result.hpp"
#include "deliver/target.hpp"

namespace deliver {

// `what` names the operation and the path ("creating /srv/mail/x/tmp/...");
// the message is "<what>: <strerror(err)>".
common::Error file_error(const std::string& what, int err);

// PermFail is Permanent; every other kind is Temporary.
Verdict verdict_of(const common::Error& error);

// A full disk or an exceeded quota (ENOSPC, EDQUOT).
bool is_disk_full(const common::Error& error);

}  // namespace deliver
