#pragma once
// `popfetchd export`: the archive written out as a Maildir or an mbox file.
// Reads the Archive (never writes to it); owns only the files it creates.
// Line ends become LF in both formats (the Unix convention of both); the
// archive itself keeps the CRLF bytes exactly as fetched.
//
// Maildir: DIR and DIR/{tmp,new,cur} are created when missing (DIR's parent
// must exist). Each message is written to tmp/ under a unique name
// ("<fetched_at>.M<id>P<pid>Q<n>.<host>,S=<size>"), fsync()ed, then renamed
// into new/; new/ is fsync()ed at the end. Running it twice exports twice.
//
// mbox: the mboxrd variant: every message starts with a
// "From <sender> <asctime date>" line (the date is when popfetchd fetched
// it), every body line matching /^>*From / gets one more '>', and an empty
// line ends each message. The file must not exist yet (an export never
// overwrites or appends to a mailbox); it is fsync()ed at the end and removed
// again if the export fails.
//
// Errors: Io for file-system failures (with the path), Storage from the archive.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "store/archive.hpp"

namespace store {

struct ExportStats {
  std::int64_t messages = 0;
  std::int64_t bytes = 0;  // bytes written (after line-end conversion and quoting)
};

common::Result<ExportStats> export_maildir(Archive& archive, const std::string& dir,
                                           std::optional<std::string_view> account = std::nullopt);

common::Result<ExportStats> export_mbox(Archive& archive, const std::string& file,
                                        std::optional<std::string_view> account = std::nullopt);

// CRLF line ends become LF; lone CRs stay.
std::string crlf_to_lf(std::string_view raw);

// One mboxrd entry: From_ line, quoted message with LF line ends, empty line.
std::string mboxrd_entry(const MessageSummary& message, std::string_view raw);

}  // namespace store
