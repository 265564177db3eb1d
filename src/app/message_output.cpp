#include "app/message_output.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/format.hpp"

namespace app {
namespace {

// Archive text (decoded From/Subject) is UTF-8 from a stranger's mail: keep
// the characters, drop the control bytes that could drive the terminal, and
// cut at `max_chars` code points (never inside a UTF-8 sequence).
std::string terminal_text(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && ++chars > max_chars) {
      out += "...";
      break;
    }
    out.push_back(c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  return out;
}

// `text` padded with spaces to `width` characters (printf pads bytes, which
// misaligns the columns after a UTF-8 name).
std::string padded(std::string text, std::size_t width) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars < width) text.append(width - chars, ' ');
  return text;
}

nlohmann::ordered_json optional_number(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

void print_message_table(const std::vector<store::MessageSummary>& messages) {
  std::printf("%-8s %-14s %-19s %-30s %-40s %10s\n", "ID", "ACCOUNT", "DATE (UTC)", "FROM", "SUBJECT",
              "SIZE");
  for (const store::MessageSummary& m : messages) {
    std::string date = m.date ? common::format_time(*m.date) : "-";
    if (date.size() > 4) date.resize(date.size() - 4);  // " UTC" is in the heading
    std::printf("%-8lld %s %-19s %s %s %10s\n", static_cast<long long>(m.id),
                padded(terminal_text(m.account, 14), 14).c_str(), date.c_str(),
                padded(terminal_text(m.from, 27), 30).c_str(),
                padded(terminal_text(m.subject, 37), 40).c_str(),
                common::format_bytes(static_cast<std::uint64_t>(m.size)).c_str());
  }
}

void print_messages_json(const std::vector<store::MessageSummary>& messages,
                         std::optional<std::int64_t> total) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (total) out["total"] = *total;
  nlohmann::ordered_json& list = out["messages"] = nlohmann::ordered_json::array();
  for (const store::MessageSummary& m : messages) {
    list.push_back({{"id", m.id},
                    {"account", m.account},
                    {"uidl", m.uidl},
                    {"date", optional_number(m.date)},
                    {"from", m.from},
                    {"subject", m.subject},
                    {"size", m.size},
                    {"fetched_at", m.fetched_at},
                    {"deleted_at", optional_number(m.deleted_at)}});
  }
  const std::string text = out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::printf("%s\n", text.c_str());
}

}  // namespace app
