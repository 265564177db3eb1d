#pragma once
// Line ends for local mailboxes: the archive keeps a message's bytes as
// retrieved (CRLF), while Maildir, mbox and MDAs expect the Unix LF.
// Pure: no I/O, no errors.

#include <string>
#include <string_view>

namespace deliver {

// CRLF pairs become LF; a lone CR (not followed by LF) stays.
std::string crlf_to_lf(std::string_view raw);

}  // namespace deliver
