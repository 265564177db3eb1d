#pragma once
// HttpRequestParser: an incremental HTTP/1.1 request parser for the health
// socket, over Debian's http-parser (the Node.js C parser). Bytes in, one of
// "need more / request complete / error" out; it never reads from a socket.
//
// Owns the bytes of one request (method, target, headers, body), bounded by
// named limits so a hostile client cannot make it grow. Never touches the
// loop, a socket or the daemon's state.
//
// One request per connection: the server answers with "Connection: close"
// and closes, so bytes after the first complete request are ignored (never
// parsed). This keeps the server free of keep-alive and pipelining state.
//
// Errors are HTTP status codes the server sends back before closing:
//   400 malformed request (bad syntax, bad URL, HTTP/1.1 without one Host,
//       connection closed before the request was complete)
//   413 body larger than max_body_bytes
//   431 request line + headers larger than max_head_bytes, or too many headers
//   505 an HTTP major version other than 1 (1.x minor versions are taken as 1.1)

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "health/http_headers.hpp"

// From http_parser.h, which only the .cpp includes.
struct http_parser;
struct http_parser_settings;

namespace health {

struct HttpRequestLimits {
  // Request line and headers, CRLFs included. Our requests are a few hundred
  // bytes; 8 KiB is what common servers allow and bounds the buffering.
  std::size_t max_head_bytes = 8 * 1024;
  // No route takes a body; a small one is tolerated (curl -d '' sends none).
  std::size_t max_body_bytes = 1024;
  std::size_t max_headers = 32;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // the request target as sent: "/poll/alice?x=1"
  std::string path;    // its path part: "/poll/alice"
  std::string query;   // its query part without '?', may be empty
  unsigned version_major = 1;
  unsigned version_minor = 1;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

class HttpRequestParser {
 public:
  enum class Progress { NeedMore, Complete, Error };

  explicit HttpRequestParser(HttpRequestLimits limits = {});
  // The http_parser's data pointer is set on every feed(), so moving is safe;
  // copying a half-parsed request is never needed.
  HttpRequestParser(const HttpRequestParser&) = delete;
  HttpRequestParser& operator=(const HttpRequestParser&) = delete;
  HttpRequestParser(HttpRequestParser&&) noexcept;
  HttpRequestParser& operator=(HttpRequestParser&&) noexcept;
  ~HttpRequestParser();

  // Feeds the next bytes from the client. Once Complete or Error, further
  // calls return the same result without looking at the bytes.
  Progress feed(std::string_view bytes);
  // The client closed its sending side: a request still incomplete is a 400.
  Progress finish();

  Progress progress() const { return progress_; }
  // True before the first byte: a client that connects and closes without
  // sending anything deserves no answer.
  bool empty() const { return bytes_seen_ == 0; }
  const HttpRequest& request() const { return request_; }            // complete when progress() == Complete
  int error_status() const { return error_status_; }                 // 400, 413, 431 or 505 when Error
  const std::string& error_reason() const { return error_reason_; }  // one line, for the log

 private:
  static int on_url(http_parser* parser, const char* at, std::size_t length);
  static int on_header_field(http_parser* parser, const char* at, std::size_t length);
  static int on_header_value(http_parser* parser, const char* at, std::size_t length);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, std::size_t length);
  static int on_message_complete(http_parser* parser);

  int headers_complete();
  int fail(int status, std::string reason);

  HttpRequestLimits limits_;
  // Behind a pointer so that http_parser.h stays out of this header (and
  // http_parser a private dependency of the health library).
  std::unique_ptr<http_parser> parser_;
  HttpRequest request_;
  Progress progress_ = Progress::NeedMore;
  int error_status_ = 0;
  std::string error_reason_;
  std::size_t bytes_seen_ = 0;
  std::size_t head_bytes_ = 0;  // fed while the head was incomplete
  bool head_complete_ = false;
  HeaderAssembler header_assembler_;
};

}  // namespace health
