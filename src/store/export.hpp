#pragma once
// `popfetchd export`: the archive written out as a Maildir or an mbox file.
// Reads the Archive (never writes to it); owns only the files it creates.
// Line ends become LF in both formats (the Unix convention of both); the
// archive itself keeps the CRLF bytes exactly as fetched.
//
// Maildir: DIR and DIR/{tmp,new,cur} are created when missing (DIR's parent
// must exist). Each message gets the name deliver/maildir_name.hpp derives
// from its archive row, the one the Maildir delivery target uses, and is
// written by deliver::MaildirWriter (tmp/, fsync, link into new/); new/ is
// fsync()ed at the end. A message already in new/ or cur/ under that name
// (from an earlier export or a delivery, with any flags a mail reader set) is
// not written again, so the export can be re-run from a timer.
//
// mbox: the mboxrd variant: every message starts with a
// "From <sender> <asctime date>" line (the date is when popfetchd fetched
// it), every body line matching /^>*From / gets one more '>', and an empty
// line ends each message. The file must not exist yet (an export never
// overwrites or appends to a mailbox); it is fsync()ed at the end and removed
// again if the export fails.
//
// Errors: Io for file-system failures (with the path), Storage from the archive;
// the Maildir writer's TempFail (a full disk) and PermFail (a path that cannot
// work) as deliver/file_error.hpp classifies them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/archive.hpp"

namespace store {

struct ExportStats {
  std::int64_t messages = 0;       // messages written
  std::int64_t already_there = 0;  // Maildir: messages found there, not written again
  std::int64_t bytes = 0;          // bytes written (after line-end conversion and quoting)
};

common::Result<ExportStats> export_maildir(Archive& archive, const std::string& dir,
                                           std::optional<std::string_view> account = std::nullopt);

common::Result<ExportStats> export_mbox(Archive& archive, const std::string& file,
                                        std::optional<std::string_view> account = std::nullopt);

}  // namespace store
