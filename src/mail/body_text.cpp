#include "mail/body_text.hpp"

#include <optional>
#include <vector>

#include "mail/charset.hpp"
#include "mail/digit_values.hpp"
#include "mail/headers.hpp"

namespace mail {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Content-Type / Content-Disposition: the value before the first ';', lower case.
std::string main_value(std::string_view field) { return lowercase(trim(field.substr(0, field.find(';')))); }

// A parameter ("; name=value" or "; name=\"value\"") of a structured field.
std::optional<std::string> parameter(std::string_view field, std::string_view name) {
  std::size_t pos = field.find(';');
  while (pos != std::string_view::npos && pos < field.size()) {
    ++pos;
    const std::size_t eq = field.find('=', pos);
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = trim(field.substr(pos, eq - pos));
    std::size_t i = eq + 1;
    while (i < field.size() && (field[i] == ' ' || field[i] == '\t')) ++i;
    std::string value;
    if (i < field.size() && field[i] == '"') {
      for (++i; i < field.size() && field[i] != '"'; ++i) {
        if (field[i] == '\\' && i + 1 < field.size()) ++i;
        value += field[i];
      }
      if (i < field.size()) ++i;  // closing quote
      pos = field.find(';', i);
    } else {
      const std::size_t end = field.find(';', i);
      value = std::string(
          trim(field.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      pos = end;
    }
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

using detail::base64_value;
using detail::hex_value;

// Lenient: line breaks and stray characters are skipped, '=' ends the data.
std::string decode_base64(std::string_view text) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

// RFC 2045 §6.7; a malformed "=" is kept as a literal character.
std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\n') {  // soft line break
      i += 1;
    } else if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += '=';
    }
  }
  return out;
}

std::string strip_html(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        out += ' ';
      }
    } else if (c == '<') {
      in_tag = true;
    } else {
      out += c;
    }
  }
  return out;
}

class Collector {
 public:
  explicit Collector(std::size_t max_length) : max_length_(max_length) {}

  bool full() const { return plain_.size() >= max_length_; }

  void add(std::string_view entity, int depth) {
    if (full() || depth > kMaxMimeDepth) return;
    const auto fields = split_header_fields(header_block(entity));
    const std::string_view body = entity.substr(body_offset(entity));
    const auto content_type = find_field(fields, "Content-Type");
    const std::string type = content_type ? main_value(*content_type) : "text/plain";

    if (type.rfind("multipart/", 0) == 0) {
      const auto boundary = parameter(*content_type, "boundary");
      if (boundary && !boundary->empty()) add_multipart(body, *boundary, depth);
      return;
    }
    if (type == "message/rfc822") {
      add(body, depth + 1);
      return;
    }
    const auto disposition = find_field(fields, "Content-Disposition");
    if (depth > 0 && disposition && main_value(*disposition) == "attachment") return;
    if (type != "text/plain" && type != "text/html") return;

    // Decode only a prefix: base64 is 4/3 of the text, quoted-printable at most 3x.
    std::string_view encoded = body.substr(0, max_length_ * 4 + 1024);
    const auto encoding = find_field(fields, "Content-Transfer-Encoding");
    const std::string cte = encoding ? main_value(*encoding) : "";
    std::string decoded;
    std::string_view bytes = encoded;  // 7bit, 8bit, binary: as they are, not copied
    if (cte == "base64") {
      decoded = decode_base64(encoded);
      bytes = decoded;
    } else if (cte == "quoted-printable") {
      decoded = decode_quoted_printable(encoded);
      bytes = decoded;
    }
    const auto charset = content_type ? parameter(*content_type, "charset") : std::nullopt;
    if (bytes.empty()) return;
    std::optional<std::string> text = charset ? to_utf8(bytes, *charset) : std::nullopt;
    if (!text) text = make_valid_utf8(bytes);
    if (type == "text/html") {
      if (html_.size() < max_length_) html_ += strip_html(*text) + "\n";
    } else {
      plain_ += *text;
      plain_ += '\n';
    }
  }

  std::string finish() {
    std::string text = plain_.empty() ? std::move(html_) : std::move(plain_);
    if (text.size() > max_length_) {
      std::size_t cut = max_length_;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
      text.resize(cut);
    }
    for (char& c : text) {
      if (c == '\0') c = ' ';
    }
    return text;
  }

 private:
  // RFC 2046 §5.1.1: parts are separated by lines "--boundary" and end at "--boundary--".
  void add_multipart(std::string_view body, std::string_view boundary, int depth) {
    const std::string delimiter = "--" + std::string(boundary);
    std::size_t part_start = std::string_view::npos;
    std::size_t pos = 0;
    while (pos < body.size() && !full()) {
      const std::size_t lf = body.find('\n', pos);
      const std::size_t next = lf == std::string_view::npos ? body.size() : lf + 1;
      const std::string_view line = body.substr(pos, next - pos);
      if (line.rfind(delimiter, 0) == 0) {
        if (part_start != std::string_view::npos) add(body.substr(part_start, pos - part_start), depth + 1);
        if (line.substr(delimiter.size()).rfind("--", 0) == 0) return;  // close delimiter
        part_start = next;
      }
      pos = next;
    }
    if (part_start != std::string_view::npos && part_start < body.size()) {
      add(body.substr(part_start), depth + 1);  // unterminated last part: still index it
    }
  }

  std::size_t max_length_;
  std::string plain_;
  std::string html_;
};

}  // namespace

std::string body_text(std::string_view raw, std::size_t max_length) {
  Collector collector(max_length);
  collector.add(raw.substr(0, kMaxScannedForText), 0);
  return collector.finish();
}

}  // namespace mail
