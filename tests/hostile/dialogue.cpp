#include "hostile/dialogue.hpp"

#include "hostile/poll_harness.hpp"
#include "support/sample_message.hpp"

namespace hostile {

Message message(std::string uidl, std::uint64_t seed, std::size_t size) {
  return Message{std::move(uidl), test_support::make_message(seed, size), std::nullopt};
}

test_support::FakePop3Script& login(test_support::FakePop3Script& script) {
  script.send_line("+OK hostile fake POP3 server ready").expect("CAPA").send(std::string(kPlainCapa));
  return user_pass(script);
}

test_support::FakePop3Script& user_pass(test_support::FakePop3Script& script) {
  return script.expect("USER " + std::string(kUser))
      .send_line("+OK")
      .expect("PASS " + std::string(kPassword))
      .send_line("+OK logged in")
      .expect("CAPA")
      .send(std::string(kPlainCapa));
}

test_support::FakePop3Script& listing(test_support::FakePop3Script& script,
                                      const std::vector<Message>& messages) {
  std::string list = "+OK " + std::to_string(messages.size()) + " messages\r\n";
  std::string uidl = "+OK\r\n";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    list += std::to_string(i + 1) + " " + std::to_string(messages[i].announced_size()) + "\r\n";
    uidl += std::to_string(i + 1) + " " + messages[i].uidl + "\r\n";
  }
  return script.expect("LIST").send(list + ".\r\n").expect("UIDL").send(uidl + ".\r\n");
}

test_support::FakePop3Script& retrieve(test_support::FakePop3Script& script, std::uint32_t msgno,
                                       const Message& message) {
  return script.expect("RETR " + std::to_string(msgno)).send(retr_reply(message.raw));
}

test_support::FakePop3Script& remove(test_support::FakePop3Script& script, std::uint32_t msgno) {
  return script.expect("DELE " + std::to_string(msgno)).send_line("+OK deleted");
}

test_support::FakePop3Script& quit(test_support::FakePop3Script& script) {
  return script.expect("QUIT").send_line("+OK bye").close();
}

std::string dot_stuff(std::string_view raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 64 + 8);
  bool line_start = true;
  for (char c : raw) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  return out;
}

std::string retr_reply(std::string_view raw) { return "+OK message follows\r\n" + dot_stuff(raw) + ".\r\n"; }

}  // namespace hostile
