#include "mail/charset.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if __has_include(<iconv.h>)
#include <iconv.h>
#define POPFETCHD_HAVE_ICONV 1
#endif

namespace mail {
namespace {

unsigned char lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

// Length of the valid UTF-8 sequence starting at bytes[i], or 0 if invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(bytes[i]);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t cp = 0;
  if ((b0 & 0xe0) == 0xc0) {
    length = 2, min = 0x80, cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    length = 3, min = 0x800, cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (bytes.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(bytes[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return length;
}

// The index of the first byte at or after `from` that is not ASCII (or the
// size): eight bytes per step while all of them are ASCII.
std::size_t ascii_prefix(std::string_view bytes, std::size_t from) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080u;
  std::size_t i = from;
  while (bytes.size() - i >= sizeof(std::uint64_t)) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, sizeof word);
    if ((word & kHighBits) != 0) break;
    i += sizeof word;
  }
  while (i < bytes.size() && static_cast<unsigned char>(bytes[i]) < 0x80) ++i;
  return i;
}

void append_latin1(std::string& out, unsigned char c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) append_latin1(out, static_cast<unsigned char>(c));
  return out;
}

#ifdef POPFETCHD_HAVE_ICONV
class Iconv {
 public:
  explicit Iconv(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  ~Iconv() {
    if (ok()) iconv_close(cd_);
  }
  bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

std::optional<std::string> iconv_to_utf8(std::string_view bytes, std::string_view charset) {
  // Charset names come from the message: keep them short and plain before
  // handing them to iconv_open (which also accepts "//TRANSLIT" style suffixes).
  if (charset.empty() || charset.size() > 40) return std::nullopt;
  for (char c : charset) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == ':';
    if (!plain) return std::nullopt;
  }
  Iconv cd{std::string(charset)};
  if (!cd.ok()) return std::nullopt;
  std::string out;
  out.resize(bytes.size() * 4 + 16);
  char* in_ptr = const_cast<char*>(bytes.data());  // iconv's signature; it does not write the input
  std::size_t in_left = bytes.size();
  char* out_ptr = out.data();
  std::size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd.get(), &in_ptr, &in_left, &out_ptr, &out_left) != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(out_ptr - out.data());
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    return std::nullopt;  // EILSEQ or EINVAL: not valid in that charset
  }
  out.resize(static_cast<std::size_t>(out_ptr - out.data()));
  return out;
}
#endif

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = ascii_prefix(bytes, 0); i < bytes.size(); i = ascii_prefix(bytes, i)) {
    const std::size_t n = utf8_sequence_length(bytes, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string make_valid_utf8(std::string_view bytes) {
  // Valid stretches are copied in one go: most mail text is ASCII, and this
  // runs over up to 64 KiB of every message archived.
  std::string out;
  out.reserve(bytes.size());
  std::size_t copied = 0;  // bytes[copied, i) are valid and not yet in `out`
  for (std::size_t i = ascii_prefix(bytes, 0); i < bytes.size(); i = ascii_prefix(bytes, i)) {
    const std::size_t n = utf8_sequence_length(bytes, i);
    if (n != 0) {
      i += n;
      continue;
    }
    out.append(bytes.substr(copied, i - copied));
    append_latin1(out, static_cast<unsigned char>(bytes[i]));
    copied = ++i;
  }
  out.append(bytes.substr(copied));
  return out;
}

std::optional<std::string> to_utf8(std::string_view bytes, std::string_view charset) {
  if (iequals(charset, "utf-8") || iequals(charset, "utf8") || iequals(charset, "us-ascii") ||
      iequals(charset, "ascii")) {
    return make_valid_utf8(bytes);
  }
  if (iequals(charset, "iso-8859-1") || iequals(charset, "latin1") || iequals(charset, "iso_8859-1")) {
    return latin1_to_utf8(bytes);
  }
#ifdef POPFETCHD_HAVE_ICONV
  return iconv_to_utf8(bytes, charset);
#else
  return std::nullopt;
#endif
}

}  // namespace mail
