#pragma once
// The mboxrd entry of one message, as `export --mbox` and the mbox target
// write it: a "From <sender> <asctime date>" line (the date is when popfetchd
// fetched the message, in UTC), the message with LF line ends where every
// line matching /^>*From / gets one more '>', and an empty line after it.
// The bytes depend only on the archived message, so an entry can be looked
// for again in a mailbox (MboxWriter::already_there).
// Pure: no I/O, no errors.

#include <cstdint>
#include <string>
#include <string_view>

#include "deliver/target.hpp"

namespace deliver {

// `from` is the decoded From: header (store::MessageSummary::from, or "");
// the From_ line carries its address when it is one plain token, else
// MAILER-DAEMON.
std::string mboxrd_entry(std::string_view from, std::int64_t fetched_at, std::string_view raw);

// The same, with the From: header read from the message itself (as the
// archive reads it for its `from` column).
std::string mboxrd_entry(const Message& message);

}  // namespace deliver
