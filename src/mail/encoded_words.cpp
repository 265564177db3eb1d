// RFC 2047 decoding, declared in headers.hpp.
//   encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
//   charset may carry an RFC 2231 language suffix: "utf-8*en".
// Untrusted input: every index is checked against the size of the value.

#include <optional>
#include <string>
#include <string_view>

#include "mail/charset.hpp"
#include "mail/digit_values.hpp"
#include "mail/headers.hpp"

namespace mail {
namespace {

struct EncodedWord {
  std::string_view charset;
  char encoding;  // 'B' or 'Q', upper case
  std::string_view text;
  std::size_t end;  // offset just past "?="
};

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  // RFC 2047 token: no SPACE, CTLs or especials ()<>@,;:"/[]?.=
  // ('.' is allowed in practice: "ISO-8859-1" has none, but some names do).
  if (u <= 32 || u >= 127) return false;
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
      return false;
    default:
      return true;
  }
}

// The encoded word starting at value[pos] ("=?"), or nullopt.
std::optional<EncodedWord> parse_word(std::string_view value, std::size_t pos) {
  std::size_t i = pos + 2;
  const std::size_t charset_start = i;
  while (i < value.size() && is_token_char(value[i])) ++i;
  if (i == charset_start || i >= value.size() || value[i] != '?') return std::nullopt;
  std::string_view charset = value.substr(charset_start, i - charset_start);
  ++i;
  if (i + 1 >= value.size() || value[i + 1] != '?') return std::nullopt;
  char encoding = value[i];
  if (encoding == 'b') encoding = 'B';
  if (encoding == 'q') encoding = 'Q';
  if (encoding != 'B' && encoding != 'Q') return std::nullopt;
  i += 2;
  const std::size_t text_start = i;
  while (i < value.size()) {
    const auto u = static_cast<unsigned char>(value[i]);
    if (u <= 32 || u >= 127) return std::nullopt;  // encoded text never holds spaces or 8-bit bytes
    if (value[i] == '?') break;
    ++i;
  }
  if (i + 1 >= value.size() || value[i + 1] != '=') return std::nullopt;
  const std::size_t star = charset.find('*');
  if (star != std::string_view::npos) charset = charset.substr(0, star);
  if (charset.empty()) return std::nullopt;
  return EncodedWord{charset, encoding, value.substr(text_start, i - text_start), i + 2};
}

using detail::base64_value;
using detail::hex_value;

std::optional<std::string> decode_b(std::string_view text) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  for (; i < text.size(); ++i) {
    if (text[i] != '=') return std::nullopt;  // only padding may follow padding
  }
  if (count >= 6) return std::nullopt;  // a lone sextet cannot encode a byte
  return out;
}

std::optional<std::string> decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out += ' ';  // RFC 2047 §4.2 (2)
    } else if (c == '=') {
      if (i + 2 >= text.size()) return std::nullopt;  // "=" needs two hex digits after it
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool only_whitespace(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Adjacent encoded words in the same charset are joined before conversion:
// many mailers split a multi-byte character across two words.
class Decoder {
 public:
  std::string finish() {
    flush();
    return std::move(out_);
  }

  void literal(std::string_view text) {
    flush();
    out_ += make_valid_utf8(text);
  }

  void word(std::string_view charset, std::string_view bytes, std::string_view original,
            std::string_view gap) {
    if (!pending_original_.empty() && iequals(charset, charset_)) {
      pending_bytes_ += bytes;
      pending_original_ += gap;
      pending_original_ += original;
      return;
    }
    flush();
    charset_ = charset;
    pending_bytes_ = bytes;
    pending_original_ = original;
  }

 private:
  void flush() {
    if (pending_original_.empty()) return;
    if (auto text = to_utf8(pending_bytes_, charset_)) {
      out_ += *text;
    } else {
      out_ += make_valid_utf8(pending_original_);  // unknown charset: keep the words as written
    }
    pending_bytes_.clear();
    pending_original_.clear();
  }

  std::string out_;
  std::string_view charset_;
  std::string pending_bytes_;
  std::string pending_original_;
};

}  // namespace

std::string decode_encoded_words(std::string_view value) {
  Decoder decoder;
  std::size_t literal_start = 0;  // start of text not yet handed to the decoder
  bool after_word = false;        // the text since literal_start follows an encoded word
  std::size_t pos = 0;
  while (true) {
    const std::size_t start = value.find("=?", pos);
    if (start == std::string_view::npos) break;
    auto word = parse_word(value, start);
    if (!word) {
      pos = start + 2;
      continue;
    }
    std::optional<std::string> bytes = word->encoding == 'B' ? decode_b(word->text) : decode_q(word->text);
    const std::string_view original = value.substr(start, word->end - start);
    if (!bytes) {  // broken encoding: leave the word as written
      pos = word->end;
      continue;
    }
    const std::string_view gap = value.substr(literal_start, start - literal_start);
    if (after_word && only_whitespace(gap)) {
      // RFC 2047 §6.2: whitespace between adjacent encoded words is not displayed.
      decoder.word(word->charset, *bytes, original, gap);
    } else {
      decoder.literal(gap);
      decoder.word(word->charset, *bytes, original, {});
    }
    after_word = true;
    literal_start = word->end;
    pos = word->end;
  }
  decoder.literal(value.substr(literal_start));
  return decoder.finish();
}

}  // namespace mail
