#pragma once
// How a message travels through Dovecot's Maildir and POP3 server, as measured
// against Dovecot 2.3.19 (tests/integration/dovecot_smoke_test.cpp re-checks it):
//
// - Maildir files hold LF line ends, so deliver() stores every CRLF as LF.
// - On RETR Dovecot turns every LF that has no CR before it into CRLF; a CR
//   that is not followed by LF (a bare CR) is sent unchanged.
// - A message whose last byte is not LF (including an empty message) gets a
//   CRLF appended before the terminating ".CRLF"; the sizes in LIST/STAT and
//   in "+OK <n> octets" do NOT count that CRLF.
// - Lines starting with "." are dot-stuffed on the wire; after unstuffing a
//   client has the original line back.
// - 8-bit bytes and NUL bytes are sent unchanged (no 0x80 substitution as in
//   IMAP) and count in the sizes.
// - The ",W=<n>" in a Maildir file name is trusted for LIST/STAT: it must be
//   the CRLF size above, or Dovecot reports a wrong size.
//
// Pure functions; no I/O, no errors.

#include <cstddef>
#include <string>
#include <string_view>

namespace test_support {

// The bytes deliver() writes into the Maildir: every CRLF pair becomes LF.
std::string to_maildir_form(std::string_view raw);

// What Dovecot reports in LIST/STAT for a stored Maildir file (the W= value):
// its size with every LF not preceded by CR counted as two bytes.
std::size_t pop3_list_size(std::string_view stored);

// The exact bytes a POP3 client holds after RETR of a message delivered with
// deliver(raw), dot-unstuffed, without the terminating ".CRLF" line: the
// `raw` column of the archive (DESIGN.md §3).
std::string expected_pop3_bytes(std::string_view raw);

// "<unique>,S=<stored size>,W=<list size>": lets Dovecot answer LIST and STAT
// without reading the file.
std::string maildir_file_name(std::string_view unique, std::string_view stored);

}  // namespace test_support
