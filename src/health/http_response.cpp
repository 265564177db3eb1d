#include "health/http_response.hpp"

#include <http_parser.h>

#include <new>

namespace health {
namespace {

HttpResponseParser* self(http_parser* parser) { return static_cast<HttpResponseParser*>(parser->data); }

}  // namespace

HttpResponseParser::HttpResponseParser(HttpResponseOptions options)
    : options_(options), parser_(std::make_unique<http_parser>()) {
  http_parser_init(parser_.get(), HTTP_RESPONSE);
}

HttpResponseParser::HttpResponseParser(HttpResponseParser&&) noexcept = default;
HttpResponseParser& HttpResponseParser::operator=(HttpResponseParser&&) noexcept = default;
HttpResponseParser::~HttpResponseParser() = default;

const http_parser_settings& HttpResponseParser::settings() {
  static const http_parser_settings kSettings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_header_field = &HttpResponseParser::on_header_field;
    s.on_header_value = &HttpResponseParser::on_header_value;
    s.on_headers_complete = &HttpResponseParser::on_headers_complete;
    s.on_body = &HttpResponseParser::on_body;
    s.on_message_complete = &HttpResponseParser::on_message_complete;
    return s;
  }();
  return kSettings;
}

// Nothing may throw through http_parser_execute(), a C function.
int HttpResponseParser::on_header_field(http_parser* parser, const char* at, std::size_t length) {
  HttpResponseParser& p = *self(parser);
  try {
    // Responses come from our own daemon; the byte bound limits the fields.
    if (!p.header_assembler_.add_name_piece(p.response_.headers, {at, length}, p.options_.max_bytes)) {
      return p.fail("too many header fields");
    }
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail("out of memory");
  }
}

int HttpResponseParser::on_header_value(http_parser* parser, const char* at, std::size_t length) {
  HttpResponseParser& p = *self(parser);
  try {
    p.header_assembler_.add_value_piece(p.response_.headers, {at, length});
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail("out of memory");
  }
}

int HttpResponseParser::on_headers_complete(http_parser* parser) {
  HttpResponseParser& p = *self(parser);
  p.response_.status = static_cast<int>(parser->status_code);
  return p.options_.head_request ? 1 : 0;  // 1: "no body follows"
}

int HttpResponseParser::on_body(http_parser* parser, const char* at, std::size_t length) {
  HttpResponseParser& p = *self(parser);
  try {
    p.response_.body.append(at, length);
    return 0;
  } catch (const std::bad_alloc&) {
    return p.fail("out of memory");
  }
}

int HttpResponseParser::on_message_complete(http_parser* parser) {
  HttpResponseParser& p = *self(parser);
  if (p.progress_ == Progress::NeedMore) p.progress_ = Progress::Complete;
  http_parser_pause(parser, 1);  // one response per connection; ignore what follows
  return 0;
}

int HttpResponseParser::fail(std::string reason) {
  if (progress_ == Progress::NeedMore) {
    progress_ = Progress::Error;
    error_reason_ = std::move(reason);
  }
  return -1;  // not 1: from on_headers_complete, 1 means "no body follows"
}

void HttpResponseParser::check_errno() {
  if (progress_ == Progress::NeedMore && HTTP_PARSER_ERRNO(parser_.get()) != HPE_OK) {
    fail(std::string("malformed HTTP response: ") + http_errno_description(HTTP_PARSER_ERRNO(parser_.get())));
  }
}

HttpResponseParser::Progress HttpResponseParser::feed(std::string_view bytes) {
  if (progress_ != Progress::NeedMore || bytes.empty()) return progress_;
  if (bytes.size() > options_.max_bytes - bytes_seen_) {
    fail("HTTP response larger than " + std::to_string(options_.max_bytes) + " bytes");
    return progress_;
  }
  bytes_seen_ += bytes.size();
  parser_->data = this;
  http_parser_execute(parser_.get(), &settings(), bytes.data(), bytes.size());
  check_errno();
  return progress_;
}

HttpResponseParser::Progress HttpResponseParser::finish() {
  if (progress_ != Progress::NeedMore) return progress_;
  parser_->data = this;
  // A zero-length execute tells http-parser about the end of the stream; it
  // completes a body that runs until the close, and flags a truncated one.
  http_parser_execute(parser_.get(), &settings(), nullptr, 0);
  check_errno();
  if (progress_ == Progress::NeedMore) fail("connection closed before the HTTP response was complete");
  return progress_;
}

}  // namespace health
