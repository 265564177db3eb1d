#pragma once
// HttpResponseParser: the client side's sibling of HttpRequestParser — an
// incremental HTTP/1.x response parser over Debian's http-parser, used by
// `popfetchd status` to read the health socket's answer.
//
// Owns the bytes of one response (status, headers, body), bounded by
// max_bytes. Never touches a socket. Errors: a malformed response, or one
// larger than the bound; both are described by error_reason().

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

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpResponseOptions {
  // The answer to a HEAD request has headers only, whatever Content-Length says.
  bool head_request = false;
  // The health JSON takes about 370 bytes per account and /metrics about
  // 2.2 KB: this holds 170,000 accounts' health or 30,000 accounts' metrics.
  // A peer sending more is not our daemon.
  std::size_t max_bytes = 64 * 1024 * 1024;
};

class HttpResponseParser {
 public:
  enum class Progress { NeedMore, Complete, Error };

  explicit HttpResponseParser(HttpResponseOptions options = {});
  HttpResponseParser(const HttpResponseParser&) = delete;
  HttpResponseParser& operator=(const HttpResponseParser&) = delete;
  HttpResponseParser(HttpResponseParser&&) noexcept;
  HttpResponseParser& operator=(HttpResponseParser&&) noexcept;
  ~HttpResponseParser();

  Progress feed(std::string_view bytes);
  // The server closed the connection: completes a body delimited by the close,
  // anything else still incomplete is an error.
  Progress finish();

  Progress progress() const { return progress_; }
  const HttpResponse& response() const { return response_; }
  const std::string& error_reason() const { return error_reason_; }

 private:
  static int on_header_field(http_parser* parser, const char* at, std::size_t length);
  static int on_header_value(http_parser* parser, const char* at, std::size_t length);
  static int on_headers_complete(http_parser* parser);
  static int on_body(http_parser* parser, const char* at, std::size_t length);
  static int on_message_complete(http_parser* parser);
  static const http_parser_settings& settings();

  int fail(std::string reason);
  void check_errno();

  HttpResponseOptions options_;
  // Behind a pointer so that http_parser.h stays out of this header (and
  // http_parser a private dependency of the health library).
  std::unique_ptr<http_parser> parser_;
  HttpResponse response_;
  Progress progress_ = Progress::NeedMore;
  std::string error_reason_;
  std::size_t bytes_seen_ = 0;
  HeaderAssembler header_assembler_;
};

}  // namespace health
