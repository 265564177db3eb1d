#include "health/routes.hpp"

#include <http_parser.h>

#include <exception>
#include <memory>
#include <utility>
#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "config/config.hpp"
#include "health/metrics_stream.hpp"
#include "health/process_stats.hpp"

namespace health {
namespace {

constexpr std::string_view kPollPrefix = "/poll/";
constexpr std::string_view kDeliverPrefix = "/deliver/";

HttpAnswer json_answer(int status, const nlohmann::ordered_json& body) {
  HttpAnswer answer;
  answer.status = status;
  answer.content_type = kJsonContentType;
  answer.body = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return answer;
}

HttpAnswer method_not_allowed(std::string_view allow) {
  HttpAnswer answer = error_answer(405, "method not allowed");
  answer.extra_headers.emplace_back("Allow", allow);
  return answer;
}

HttpAnswer read_only(const HttpRequest& request, HttpAnswer (*render)(const HealthCallbacks&),
                     const HealthCallbacks& callbacks) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET, HEAD");
  if (!callbacks.snapshot) return error_answer(503, "health not available");
  HttpAnswer answer = render(callbacks);
  answer.head = request.method == "HEAD";
  return answer;
}

// Liveness: answering at all proves the loop turns. It asks the owner for
// nothing, so a throwing or missing snapshot callback cannot make it fail.
HttpAnswer livez(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET, HEAD");
  HttpAnswer answer = json_answer(200, {{"status", "alive"}});
  answer.head = request.method == "HEAD";
  return answer;
}

HttpAnswer health(const HealthCallbacks& callbacks) {
  const HealthSnapshot snapshot = callbacks.snapshot();
  HttpAnswer answer;
  answer.status = snapshot.healthy() ? 200 : 503;
  answer.content_type = kJsonContentType;
  answer.body = render_health_json(snapshot);
  return answer;
}

// Streamed in pieces of this size: 10,000 accounts are 22 MB of text, which
// as one buffer would be fresh memory (and page faults) on every scrape.
constexpr std::size_t kMetricsPieceBytes = 64 * 1024;

// One scrape: the snapshot and the stream that renders it, kept together
// (the stream refers to the snapshot) until the last piece is sent.
struct Scrape {
  explicit Scrape(HealthSnapshot taken) : snapshot(std::move(taken)) {}
  HealthSnapshot snapshot;
  MetricsStream stream{snapshot};
};

HttpAnswer metrics(const HealthCallbacks& callbacks) {
  HttpAnswer answer;
  answer.content_type = kMetricsContentType;
  HealthSnapshot snapshot = callbacks.snapshot();
  snapshot.process = read_process_stats();
  auto scrape = std::make_shared<Scrape>(std::move(snapshot));
  answer.body_stream = [scrape](std::string& out) { return scrape->stream.next(out, kMetricsPieceBytes); };
  return answer;
}

HttpAnswer poll(const HttpRequest& request, std::optional<std::string> account,
                const HealthCallbacks& callbacks) {
  if (request.method != "POST") return method_not_allowed("POST");
  // Anything that is not an account name never reaches the owner's callback.
  if (account && !config::valid_account_name(*account)) return error_answer(404, "unknown account");
  if (!callbacks.request_poll) return error_answer(503, "polling not available");
  const nlohmann::ordered_json body = {{"status", "accepted"},
                                       {"account", account ? nlohmann::ordered_json(*account) : nullptr}};
  switch (callbacks.request_poll(account)) {
    case PollRequest::Accepted:
      return json_answer(202, body);
    case PollRequest::UnknownAccount:
      return error_answer(404, "unknown account");
    case PollRequest::RateLimited:
      return error_answer(429, account ? "the account is on hold after its password was rejected; a manual "
                                         "retry was made a short while ago, try again later (or fix the "
                                         "account's settings and reload)"
                                       : "every account is on hold after its password was rejected and had "
                                         "a manual retry a short while ago; try again later");
    case PollRequest::ShuttingDown:
      break;
  }
  return error_answer(503, "shutting down: no new polls");
}

HttpAnswer deliver(const HttpRequest& request, std::optional<std::string> account,
                   const HealthCallbacks& callbacks) {
  if (request.method != "POST") return method_not_allowed("POST");
  if (account && !config::valid_account_name(*account)) return error_answer(404, "unknown account");
  if (!callbacks.request_delivery) return error_answer(503, "delivery not available");
  switch (callbacks.request_delivery(account)) {
    case PollRequest::Accepted:
    case PollRequest::RateLimited:
      return json_answer(202, {{"status", "accepted"},
                               {"account", account ? nlohmann::ordered_json(*account) : nullptr}});
    case PollRequest::UnknownAccount:
      return error_answer(404, "unknown account");
    case PollRequest::ShuttingDown:
      break;
  }
  return error_answer(503, "shutting down: no new deliveries");
}

HttpAnswer route(const HttpRequest& request, const HealthCallbacks& callbacks, Routes routes) {
  const std::string_view path = request.path;
  if (path == "/livez") return livez(request);
  if (path == "/health") return read_only(request, &health, callbacks);
  if (path == "/metrics") return read_only(request, &metrics, callbacks);
  if (routes == Routes::ReadOnly) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET, HEAD");
    return error_answer(404, "not found");
  }
  if (path == "/poll") return poll(request, std::nullopt, callbacks);
  if (path.starts_with(kPollPrefix))
    return poll(request, std::string(path.substr(kPollPrefix.size())), callbacks);
  if (path == "/deliver") return deliver(request, std::nullopt, callbacks);
  if (path.starts_with(kDeliverPrefix))
    return deliver(request, std::string(path.substr(kDeliverPrefix.size())), callbacks);
  return error_answer(404, "not found");
}

}  // namespace

HttpAnswer answer_request(const HttpRequest& request, const HealthCallbacks& callbacks, Routes routes) {
  // The callbacks are the owner's code; whatever they throw stays here.
  try {
    return route(request, callbacks, routes);
  } catch (const std::exception& e) {
    common::log_error("", "health socket: answering " + common::sanitize(request.path) +
                              " failed: " + common::sanitize(e.what()));
  } catch (...) {
    common::log_error("", "health socket: answering " + common::sanitize(request.path) + " failed");
  }
  return error_answer(500, "internal error");
}

HttpAnswer error_answer(int status, std::string_view reason) {
  return json_answer(status, nlohmann::ordered_json{{"error", reason}});
}

std::string serialize_head(const HttpAnswer& answer) {
  std::string out = "HTTP/1.1 " + std::to_string(answer.status) + " " +
                    http_status_str(static_cast<http_status>(answer.status)) + "\r\n";
  if (!answer.content_type.empty()) out += "Content-Type: " + answer.content_type + "\r\n";
  // For HEAD, the length the GET body would have (RFC 9110 §9.3.2); a
  // streamed body's length is not known before it is sent.
  if (!answer.body_stream) out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\n";
  for (const auto& [name, value] : answer.extra_headers) out += name + ": " + value + "\r\n";
  out += "Connection: close\r\n\r\n";
  return out;
}

std::string serialize(const HttpAnswer& answer) {
  std::string out = serialize_head(answer);
  if (answer.head) return out;
  if (!answer.body_stream) return out + answer.body;
  while (answer.body_stream(out)) {
  }
  return out;
}

}  // namespace health
