#pragma once
// A small blocking HTTP client for the health socket, used by
// `popfetchd status` (and by the tests): connect to the Unix socket, send one
// request, read the one answer, all within a deadline.
//
// Owns its socket for the duration of one call; never touches a loop. Errors:
//   Io       no socket file, nothing listening, permission denied, reset
//   Timeout  no connection, or no complete answer, within `timeout`
//   Protocol the answer is not HTTP, or larger than the parser's bound
//   Config   the path cannot be a Unix socket path

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "health/http_response.hpp"

namespace health {

inline constexpr std::chrono::milliseconds kHealthClientTimeout{5'000};

// Sends `request` (a complete HTTP/1.1 request, sent as is) and returns the
// parsed answer. The server may close its side while we are still sending (it
// cuts oversized requests off): the answer it wrote before is still read.
common::Result<HttpResponse> http_exchange(const std::string& socket_path, std::string_view request,
                                           std::chrono::milliseconds timeout = kHealthClientTimeout);

// GET /health with "Connection: close".
common::Result<HttpResponse> fetch_health(const std::string& socket_path,
                                          std::chrono::milliseconds timeout = kHealthClientTimeout);

}  // namespace health
