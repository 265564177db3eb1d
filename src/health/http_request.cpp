#include "health/http_request.hpp"

#include <http_parser.h>

#include <algorithm>
#include <new>

namespace health {
namespace {

// Chunked transfer coding adds framing (sizes, extensions, CRLFs) that is not
// body: allow this much of it on top of max_body_bytes before giving up.
constexpr std::size_t kMaxBodyFraming = 1024;

HttpRequestParser* self(http_parser* parser) { return static_cast<HttpRequestParser*>(parser->data); }

}  // namespace

HttpRequestParser::HttpRequestParser(HttpRequestLimits limits)
    : limits_(limits), parser_(std::make_unique<http_parser>()) {
  http_parser_init(parser_.get(), HTTP_REQUEST);
}

HttpRequestParser::HttpRequestParser(HttpRequestParser&&) noexcept = default;
HttpRequestParser& HttpRequestParser::operator=(HttpRequestParser&&) noexcept = default;
HttpRequestParser::~HttpRequestParser() = default;

// The callbacks run inside http_parser_execute(), a C function: nothing may
// throw through it, so each one catches (only bad_alloc is possible) and turns
// it into an error, which also makes the parser stop.
int HttpRequestParser::on_url(http_parser* parser, const char* at, std::size_t length) {
  try {
    self(parser)->request_.target.append(at, length);
    return 0;
  } catch (const std::bad_alloc&) {
    return self(parser)->fail(400, "out of memory");
  }
}

int HttpRequestParser::on_header_field(http_parser* parser, const char* at, std::size_t length) {
  HttpRequestParser& p = *self(parser);
  try {
    if (!p.header_assembler_.add_name_piece(p.request_.headers, {at, length}, p.limits_.max_headers)) {
      return p.fail(431, "too many header fields");
    }
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail(400, "out of memory");
  }
}

int HttpRequestParser::on_header_value(http_parser* parser, const char* at, std::size_t length) {
  HttpRequestParser& p = *self(parser);
  try {
    p.header_assembler_.add_value_piece(p.request_.headers, {at, length});
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail(400, "out of memory");
  }
}

int HttpRequestParser::on_headers_complete(http_parser* parser) {
  try {
    return self(parser)->headers_complete();
  } catch (const std::bad_alloc&) {
    return self(parser)->fail(400, "out of memory");
  }
}

int HttpRequestParser::headers_complete() {
  head_complete_ = true;
  request_.version_major = parser_->http_major;
  request_.version_minor = parser_->http_minor;
  if (parser_->http_major != 1) return fail(505, "unsupported HTTP version");
  request_.method = http_method_str(static_cast<http_method>(parser_->method));

  // RFC 9112 §3.2: origin-form "/path?query" (what curl sends) or
  // absolute-form "http://host/path"; either must carry a path.
  http_parser_url url;
  http_parser_url_init(&url);
  if (http_parser_parse_url(request_.target.data(), request_.target.size(), parser_->method == HTTP_CONNECT,
                            &url) != 0 ||
      (url.field_set & (1 << UF_PATH)) == 0) {
    return fail(400, "invalid request target");
  }
  request_.path = request_.target.substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
  if ((url.field_set & (1 << UF_QUERY)) != 0) {
    request_.query = request_.target.substr(url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len);
  }

  // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
  // to any HTTP/1.1 request message that lacks a Host header field and to any
  // request message that contains more than one Host header field".
  const auto hosts = std::count_if(request_.headers.begin(), request_.headers.end(), [](const auto& header) {
    return equals_ignoring_case(header.first, "host");
  });
  if (hosts > 1 || (hosts == 0 && parser_->http_minor >= 1))
    return fail(400, "missing or repeated Host header");

  if ((parser_->flags & F_CONTENTLENGTH) != 0 && parser_->content_length > limits_.max_body_bytes) {
    return fail(413, "request body too large");
  }
  return 0;
}

int HttpRequestParser::on_body(http_parser* parser, const char* at, std::size_t length) {
  HttpRequestParser& p = *self(parser);
  try {
    if (p.request_.body.size() + length > p.limits_.max_body_bytes)
      return p.fail(413, "request body too large");
    p.request_.body.append(at, length);
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail(400, "out of memory");
  }
}

int HttpRequestParser::on_message_complete(http_parser* parser) {
  // One request per connection: pause so that whatever follows is not parsed.
  HttpRequestParser& p = *self(parser);
  if (p.progress_ == Progress::NeedMore) p.progress_ = Progress::Complete;
  http_parser_pause(parser, 1);
  return 0;
}

int HttpRequestParser::fail(int status, std::string reason) {
  if (progress_ == Progress::NeedMore) {
    progress_ = Progress::Error;
    error_status_ = status;
    error_reason_ = std::move(reason);
  }
  // Not 1: from on_headers_complete, 1 means "no body follows", not "stop".
  return -1;
}

HttpRequestParser::Progress HttpRequestParser::feed(std::string_view bytes) {
  static const http_parser_settings kSettings = [] {
    http_parser_settings settings;
    http_parser_settings_init(&settings);
    settings.on_url = &HttpRequestParser::on_url;
    settings.on_header_field = &HttpRequestParser::on_header_field;
    settings.on_header_value = &HttpRequestParser::on_header_value;
    settings.on_headers_complete = &HttpRequestParser::on_headers_complete;
    settings.on_body = &HttpRequestParser::on_body;
    settings.on_message_complete = &HttpRequestParser::on_message_complete;
    return settings;
  }();

  parser_->data = this;
  while (!bytes.empty() && progress_ == Progress::NeedMore) {
    // While the head is incomplete, never feed past max_head_bytes: the head
    // limit is then exact, whatever the split of the input.
    const bool head_was_complete = head_complete_;
    const std::size_t chunk =
        head_was_complete ? bytes.size() : std::min(bytes.size(), limits_.max_head_bytes - head_bytes_);
    http_parser_execute(parser_.get(), &kSettings, bytes.data(), chunk);
    bytes_seen_ += chunk;
    if (!head_was_complete) head_bytes_ += chunk;
    bytes.remove_prefix(chunk);

    if (progress_ != Progress::NeedMore) break;  // a callback completed or failed the request
    if (HTTP_PARSER_ERRNO(parser_.get()) != HPE_OK) {
      fail(400, http_errno_description(HTTP_PARSER_ERRNO(parser_.get())));
    } else if (!head_complete_ && head_bytes_ >= limits_.max_head_bytes) {
      fail(431, "request head too large");
    } else if (head_complete_ && bytes_seen_ - head_bytes_ > limits_.max_body_bytes + kMaxBodyFraming) {
      fail(413, "request body too large");
    }
  }
  return progress_;
}

HttpRequestParser::Progress HttpRequestParser::finish() {
  if (progress_ == Progress::NeedMore) fail(400, "connection closed before the request was complete");
  return progress_;
}

}  // namespace health
