#pragma once
// Reading mail written by other programs, for `popfetchd import`: splitting an
// mbox file into its messages, undoing its From-quoting, and turning Unix line
// ends into the CRLF the archive stores (DESIGN.md §3).
// Pure: no files, no I/O; the caller reads the file and feeds it line by
// line, so a mailbox of many gigabytes needs memory for one message only.
// Never throws except std::bad_alloc.
//
// The mbox rules followed (those of Python's mailbox, mutt, getmail and
// popfetchd's own export):
// - every line that starts with "From " begins a new message (the writers
//   of mboxo and mboxrd quote such lines inside a message as ">From ");
//   the separator line itself is not part of the message;
// - a line matching /^>+From / loses one '>' (mboxrd). For mboxo, which
//   quoted only "From ", this is also right except for a body line that
//   was ">From " before quoting: mboxo cannot tell those apart;
// - the empty line a writer puts before the next separator (or at the end
//   of the file) is not part of the message;
// - text before the first separator is not a message and is dropped
//   (dropped_lines() counts it, so a caller can tell an mbox from a file
//   that is not one).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mail {

// LF and CRLF line ends both become CRLF; a lone CR stays as it is. Text
// whose last line has no line end gets one, so the result ends in CRLF
// (empty text stays empty).
std::string to_crlf(std::string_view text);

// mboxrd's unquoting of one line (without its line end): ">From x" ->
// "From x", ">>From x" -> ">From x"; any other line unchanged.
std::string_view unquote_from_line(std::string_view line);

class MboxSplitter {
 public:
  // One line of the file without its "\n" (a "\r" before it is allowed and
  // dropped). Returns the message that `line` ended, if it starts a new one:
  // the complete message with CRLF line ends, unquoted.
  std::optional<std::string> add_line(std::string_view line);
  // The last message of the file, once all lines have been added.
  std::optional<std::string> finish();

  // Lines before the first "From " line (not part of any message).
  std::size_t dropped_lines() const { return dropped_lines_; }

 private:
  std::optional<std::string> take_message();

  std::string message_;  // the current message so far, CRLF line ends
  bool in_message_ = false;
  bool pending_empty_line_ = false;  // the last line was empty: kept back, may be the separator's
  std::size_t dropped_lines_ = 0;
};

}  // namespace mail
