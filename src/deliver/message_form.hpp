#pragma once
// The shapes an archived message (CRLF line ends, as retrieved) takes on its
// way to an MDA or an LMTP server, and the envelope sender read from it.
// Pure functions on bytes: no I/O, never fail.

#include <cstddef>
#include <string>
#include <string_view>

namespace deliver {

// A Return-Path address longer than this is not used (the sender becomes <>):
// RFC 5321 §4.5.3.1.3 caps a path at 256 octets.
inline constexpr std::size_t kMaxSenderLength = 256;

// An MDA gets the message in LF form: deliver::crlf_to_lf (line_ends.hpp).

// The DATA payload of RFC 5321 §4.5.2: CRLF line ends (a bare LF becomes
// CRLF), a '.' added before each line that begins with '.', a final CRLF when
// the message lacks one, then the terminating ".\r\n".
std::string dot_stuffed_data(std::string_view raw);

// The address inside the first Return-Path field's angle brackets
// ("Return-Path: <a@b>" -> "a@b"); "" when there is none, it is "<>", or it
// holds characters that cannot go into MAIL FROM (controls, space, '<', '>',
// bytes >= 0x7f) or is longer than kMaxSenderLength. Untrusted input.
std::string return_path_sender(std::string_view raw);

// True when `address` can go between the angle brackets of MAIL FROM / RCPT
// TO as given: non-empty, printable ASCII without space, '<' or '>'.
bool usable_mailbox(std::string_view address);

}  // namespace deliver
