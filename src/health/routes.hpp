#pragma once
// The health socket's routes (DESIGN.md §4) as a pure function from a parsed
// request to an answer, and the answer's HTTP/1.1 serialisation. No socket,
// no loop: the server feeds it, the tests call it directly.
//
//   GET|HEAD /livez        200 {"status":"alive"} while the loop answers, whatever
//                          the accounts (liveness; needs no callback)
//   GET|HEAD /health       200 when healthy, else 503; the health JSON
//   GET|HEAD /metrics      200; Prometheus text format 0.0.4
//   POST     /poll         202 when a poll of every account was started, else 503
//   POST     /poll/<name>  202 when a poll of the account was started, 404 when unknown,
//                          429 when it is held after a rejected password and was
//                          retried by hand a short while ago (POST /poll: 429 when
//                          every account is in that state)
//   other method on those  405 with Allow; any other path 404
//
// The read-only set (Routes::ReadOnly, for the TCP listener of metrics_listen)
// has only /livez, /health and /metrics: any method but GET and HEAD is 405
// whatever the path, so no request from the network ever reaches the POST
// callbacks.
//
// HEAD answers like GET without the body. Every answer carries
// "Connection: close": one request per connection. The callbacks run on the
// caller's thread; an exception from one becomes a 500 and never escapes.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/http_request.hpp"
#include "health/poll_request.hpp"
#include "health/state.hpp"

namespace health {

// Given by the owner of the server (in popfetchd, the daemon); both run on the
// loop thread.
struct HealthCallbacks {
  std::function<HealthSnapshot()> snapshot;
  // Starts a poll of `account` (all accounts for nullopt) as soon as possible.
  // Must not block.
  std::function<PollRequest(std::optional<std::string> account)> request_poll;
  // Retries the delivery of `account`'s (every account's for nullopt)
  // failed and waiting messages now. Must not block. RateLimited is not used.
  std::function<PollRequest(std::optional<std::string> account)> request_delivery;
};

struct HttpAnswer {
  int status = 200;
  std::string content_type;
  std::string body;
  // A body too large to build at once (/metrics of many accounts): when set,
  // it replaces `body` and is called until it returns false, each call
  // appending the next piece. The head then has no Content-Length; closing
  // the connection ends the body.
  std::function<bool(std::string& out)> body_stream;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. Allow
  bool head = false;  // answer to HEAD: headers as for GET, no body
};

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Routes { All, ReadOnly };

HttpAnswer answer_request(const HttpRequest& request, const HealthCallbacks& callbacks,
                          Routes routes = Routes::All);
// An answer with body {"error": reason}, for parse errors and the like.
HttpAnswer error_answer(int status, std::string_view reason);
// The complete response: status line, headers, blank line, body.
std::string serialize(const HttpAnswer& answer);
// Only the status line, the headers and the blank line (the server sends
// the body from the answer itself, a body_stream piece by piece).
std::string serialize_head(const HttpAnswer& answer);

}  // namespace health
