#include "mail/headers.hpp"

#include "mail/charset.hpp"

namespace mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// The next physical line of `text` from `pos`: its content without CR LF / LF,
// and where the line after it starts.
struct Line {
  std::string_view content;
  std::size_t next;
};

Line next_line(std::string_view text, std::size_t pos) {
  const std::size_t lf = text.find('\n', pos);
  const std::size_t end = (lf == std::string_view::npos) ? text.size() : lf;
  std::size_t content_end = end;
  if (content_end > pos && text[content_end - 1] == '\r') --content_end;
  return Line{text.substr(pos, content_end - pos), lf == std::string_view::npos ? text.size() : lf + 1};
}

// Offset of the empty line that ends the header block and of the body after
// it, searched within kMaxHeaderBlock.
struct BlockEnd {
  std::size_t block_end;
  std::size_t body_start;
};

BlockEnd find_block_end(std::string_view raw) {
  const std::string_view window = raw.substr(0, kMaxHeaderBlock);
  std::size_t pos = 0;
  while (pos < window.size()) {
    const Line line = next_line(window, pos);
    if (line.content.empty() && line.next > pos) return BlockEnd{pos, line.next};
    pos = line.next;
  }
  return BlockEnd{window.size(), raw.size()};
}

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;  // RFC 5322 ftext: printable US-ASCII except ':'
  }
  return true;
}

std::optional<std::string> decoded(const std::vector<HeaderField>& fields, std::string_view name) {
  auto value = find_field(fields, name);
  if (!value) return std::nullopt;
  std::string text = tidy_field(decode_encoded_words(*value));
  if (text.empty()) return std::nullopt;
  return text;
}

std::optional<std::string> message_id(const std::vector<HeaderField>& fields) {
  auto value = find_field(fields, "Message-ID");
  if (!value) return std::nullopt;
  // msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]; take the bracketed
  // part when there is one, else whatever the sender wrote.
  const std::size_t open = value->find('<');
  const std::size_t close = open == std::string::npos ? open : value->find('>', open);
  std::string text =
      (close != std::string::npos)
          ? tidy_field(make_valid_utf8(std::string_view(*value).substr(open, close - open + 1)))
          : tidy_field(make_valid_utf8(*value));
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

std::string_view header_block(std::string_view raw) { return raw.substr(0, find_block_end(raw).block_end); }

std::size_t body_offset(std::string_view raw) { return find_block_end(raw).body_start; }

std::vector<HeaderField> split_header_fields(std::string_view block) {
  std::vector<HeaderField> fields;
  bool in_field = false;  // may the next continuation line extend fields.back()?
  std::size_t pos = 0;
  while (pos < block.size()) {
    const Line line = next_line(block, pos);
    pos = line.next;
    if (!line.content.empty() && is_wsp(line.content.front())) {
      // Unfolding (RFC 5322 §2.2.3): the CRLF goes, the whitespace stays.
      if (in_field) fields.back().value.append(line.content);
      continue;
    }
    in_field = false;
    const std::size_t colon = line.content.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.content.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);  // obs-optional: WSP before ':'
    if (!valid_field_name(name)) continue;
    fields.push_back(HeaderField{name, std::string(line.content.substr(colon + 1))});
    in_field = true;
  }
  return fields;
}

std::optional<std::string> find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const auto& field : fields) {
    if (iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

HeaderFields parse_headers(std::string_view raw) {
  const auto fields = split_header_fields(header_block(raw));
  HeaderFields out;
  out.message_id = message_id(fields);
  out.from = decoded(fields, "From");
  out.to = decoded(fields, "To");
  out.subject = decoded(fields, "Subject");
  if (auto date = find_field(fields, "Date")) out.date = parse_date(*date);
  return out;
}

std::string tidy_field(std::string_view utf8, std::size_t max_length) {
  std::string out;
  out.reserve(utf8.size() < max_length ? utf8.size() : max_length);
  bool pending_space = false;
  for (char c : utf8) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
  }
  if (out.size() > max_length) {
    std::size_t cut = max_length;
    // Back up to the start of a UTF-8 character.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
    out.resize(cut);
    while (!out.empty() && out.back() == ' ') out.pop_back();
  }
  return out;
}

}  // namespace mail
