#include "support/fake_pop3_script.hpp"

namespace test_support {

FakePop3Script& FakePop3Script::send(std::string bytes) {
  steps_.push_back({StepKind::Send, std::move(bytes), 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::send_line(std::string_view line) { return send(std::string(line) + "\r\n"); }

FakePop3Script& FakePop3Script::send_repeated(std::string chunk, std::uint64_t total_bytes) {
  if (chunk.empty()) chunk.push_back('x');
  steps_.push_back({StepKind::SendRepeated, std::move(chunk), total_bytes, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::send_unterminated_line(std::uint64_t length) {
  return send_repeated("x", length);
}

FakePop3Script& FakePop3Script::expect(std::string exact_line) {
  steps_.push_back({StepKind::ExpectExact, std::move(exact_line), 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::expect_prefix(std::string prefix) {
  steps_.push_back({StepKind::ExpectPrefix, std::move(prefix), 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::expect_regex(const std::string& pattern) {
  steps_.push_back(
      {StepKind::ExpectRegex, pattern, 0, std::make_shared<const std::regex>(pattern), nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::read_line() {
  steps_.push_back({StepKind::ReadLine, {}, 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::stall() {
  steps_.push_back({StepKind::Stall, {}, 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::trickle(std::string bytes, std::chrono::milliseconds interval) {
  steps_.push_back(
      {StepKind::Trickle, std::move(bytes), static_cast<std::uint64_t>(interval.count()), nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::close() {
  steps_.push_back({StepKind::Close, {}, 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::reset() {
  steps_.push_back({StepKind::Reset, {}, 0, nullptr, nullptr, {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::start_tls(const Credential& credential) {
  steps_.push_back(
      {StepKind::StartTls, {}, 0, nullptr, std::make_shared<const Credential>(credential), {}, {}});
  return *this;
}

FakePop3Script& FakePop3Script::expect_optional(std::string exact_line, std::string reply) {
  steps_.push_back(
      {StepKind::ExpectOptional, std::move(exact_line), 0, nullptr, nullptr, std::move(reply), {}});
  return *this;
}

FakePop3Script& FakePop3Script::send_if_seen(std::string line, std::string if_seen, std::string otherwise) {
  steps_.push_back(
      {StepKind::SendIfSeen, std::move(line), 0, nullptr, nullptr, std::move(if_seen), std::move(otherwise)});
  return *this;
}

std::string_view to_string(FakePop3Script::StepKind kind) {
  using K = FakePop3Script::StepKind;
  switch (kind) {
    case K::Send:
      return "send";
    case K::SendRepeated:
      return "send_repeated";
    case K::ExpectExact:
      return "expect";
    case K::ExpectPrefix:
      return "expect_prefix";
    case K::ExpectRegex:
      return "expect_regex";
    case K::ReadLine:
      return "read_line";
    case K::ExpectOptional:
      return "expect_optional";
    case K::SendIfSeen:
      return "send_if_seen";
    case K::Stall:
      return "stall";
    case K::Trickle:
      return "trickle";
    case K::Close:
      return "close";
    case K::Reset:
      return "reset";
    case K::StartTls:
      return "start_tls";
  }
  return "?";
}

}  // namespace test_support
