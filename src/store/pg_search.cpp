#include "store/pg_search.hpp"

#include <cctype>
#include <vector>

#include "common/sanitize.hpp"
#include "mail/charset.hpp"

namespace store {
namespace {

using namespace std::string_view_literals;

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) != 0;
}

// Latin letters with diacritics, U+00C0..U+017F, as their base letter ('\0':
// kept as is), so that "cafe" finds "Café" as with FTS5's remove_diacritics.
constexpr std::string_view kFolded =
    "AAAAAAACEEEEIIIIDNOOOOO\0OUUUUY\0\0aaaaaaaceeeeiiiidnooooo\0ouuuuy\0y"
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi\0\0JjKk\0LlLlLlLlLlNnNnNn\0\0\0OoOoOo\0\0RrRrRrSsSsSsSsTtTtTt"
    "UuUuUuUuUuUuWwYyYZzZzZz\0"sv;
static_assert(kFolded.size() == 0x180 - 0xC0);

// Folds the two-byte UTF-8 sequences kFolded covers; everything else as is.
std::string fold_diacritics(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if ((b0 == 0xC3 || b0 == 0xC4 || b0 == 0xC5) && i + 1 < text.size()) {
      const auto b1 = static_cast<unsigned char>(text[i + 1]);
      const unsigned code = ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
      if ((b1 & 0xC0u) == 0x80u && code >= 0xC0 && code - 0xC0 < kFolded.size() && kFolded[code - 0xC0] != '\0') {
        out.push_back(kFolded[code - 0xC0]);
        ++i;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (is_word_byte(c)) {
      word.push_back(c);
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// A recursive-descent parser over FTS5's grammar, writing tsquery text.
class QueryParser {
 public:
  explicit QueryParser(std::string_view query) : q_(query) {}

  common::Result<std::string> parse() {
    auto expr = parse_or("");
    if (!expr) return expr;
    skip_space();
    if (pos_ < q_.size()) return fail("unexpected \"" + std::string(1, q_[pos_]) + "\"");
    return expr;
  }

 private:
  common::Error fail(const std::string& why) const {
    return common::make_error(common::ErrorKind::Storage,
                              "search query \"" + common::sanitize(q_) + "\" is not valid: " + why +
                                  " (put words containing punctuation, such as addresses, in double quotes)");
  }

  void skip_space() {
    while (pos_ < q_.size() && std::isspace(static_cast<unsigned char>(q_[pos_])) != 0) ++pos_;
  }

  // A keyword (OR, AND, NOT) at pos_, followed by a non-word byte.
  bool keyword(std::string_view word) {
    skip_space();
    if (q_.substr(pos_, word.size()) != word) return false;
    const std::size_t end = pos_ + word.size();
    if (end < q_.size() && (is_word_byte(q_[end]) || q_[end] == '_' || q_[end] == ':')) return false;
    pos_ = end;
    return true;
  }

  bool at_end_of_group() {
    skip_space();
    return pos_ >= q_.size() || q_[pos_] == ')';
  }

  common::Result<std::string> parse_or(const std::string& weight) {
    auto left = parse_and(weight);
    if (!left) return left;
    std::string out = *left;
    while (keyword("OR")) {
      auto right = parse_and(weight);
      if (!right) return right;
      out = "(" + out + " | " + *right + ")";
    }
    return out;
  }

  common::Result<std::string> parse_and(const std::string& weight) {
    auto left = parse_not(weight);
    if (!left) return left;
    std::string out = *left;
    while (true) {
      if (at_end_of_group()) return out;
      const std::size_t before = pos_;
      if (keyword("OR")) {
        pos_ = before;
        return out;
      }
      (void)keyword("AND");
      auto right = parse_not(weight);
      if (!right) return right;
      out = "(" + out + " & " + *right + ")";
    }
  }

  common::Result<std::string> parse_not(const std::string& weight) {
    if (keyword("NOT")) {
      auto operand = parse_term(weight);
      if (!operand) return operand;
      return "!" + *operand;
    }
    auto left = parse_term(weight);
    if (!left) return left;
    std::string out = *left;
    while (keyword("NOT")) {
      auto right = parse_term(weight);
      if (!right) return right;
      out = "(" + out + " & !" + *right + ")";
    }
    return out;
  }

  // [column:] ( "phrase"[*] | word[*] | ( expr ) )
  common::Result<std::string> parse_term(std::string weight) {
    skip_space();
    if (pos_ >= q_.size()) return fail("a term is missing at the end");
    std::size_t end = pos_;
    while (end < q_.size() && (is_word_byte(q_[end]) || q_[end] == '_')) ++end;
    if (end < q_.size() && q_[end] == ':' && end > pos_) {
      const std::string column(q_.substr(pos_, end - pos_));
      if (column == "from") weight = "A";
      else if (column == "to") weight = "B";
      else if (column == "subject") weight = "C";
      else if (column == "body") weight = "D";
      else return fail("no such column: " + column);
      pos_ = end + 1;
      skip_space();
      if (pos_ >= q_.size()) return fail("a term is missing after " + column + ":");
    }
    const char c = q_[pos_];
    if (c == '(') {
      ++pos_;
      auto inner = parse_or(weight);
      if (!inner) return inner;
      skip_space();
      if (pos_ >= q_.size() || q_[pos_] != ')') return fail("a \")\" is missing");
      ++pos_;
      return inner;
    }
    if (c == '"') return parse_phrase(weight);
    end = pos_;
    while (end < q_.size() && (is_word_byte(q_[end]) || q_[end] == '_')) ++end;
    if (end == pos_) return fail("unexpected \"" + std::string(1, c) + "\"");
    const std::string_view word = q_.substr(pos_, end - pos_);
    if (word == "AND" || word == "OR" || word == "NOT") return fail("a term is missing before " + std::string(word));
    pos_ = end;
    return lexemes(word, weight, take_star());
  }

  common::Result<std::string> parse_phrase(const std::string& weight) {
    std::string text;
    ++pos_;  // the opening quote
    while (true) {
      if (pos_ >= q_.size()) return fail("a closing double quote is missing");
      if (q_[pos_] == '"') {
        if (pos_ + 1 < q_.size() && q_[pos_ + 1] == '"') {  // "" is a quote inside
          text.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      text.push_back(q_[pos_++]);
    }
    return lexemes(text, weight, take_star());
  }

  bool take_star() {
    if (pos_ < q_.size() && q_[pos_] == '*') {
      ++pos_;
      return true;
    }
    return false;
  }

  // The words of `text` as a tsquery phrase: 'a':W <-> 'b':*W.
  common::Result<std::string> lexemes(std::string_view text, const std::string& weight, bool prefix) {
    const auto words = words_of(fold_diacritics(mail::make_valid_utf8(text)));
    if (words.empty()) return fail("a term has no letters or digits");
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (i > 0) out += " <-> ";
      out += "'" + words[i] + "'";
      const bool star = prefix && i + 1 == words.size();
      if (star || !weight.empty()) out += ":" + std::string(star ? "*" : "") + weight;
    }
    return words.size() > 1 ? "(" + out + ")" : out;
  }

  std::string_view q_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string pg_index_text(std::string_view text) {
  std::string valid = fold_diacritics(mail::make_valid_utf8(text));
  std::string out;
  out.reserve(valid.size());
  for (char c : valid) {
    if (c == '\0') continue;
    out.push_back(is_word_byte(c) ? c : ' ');
  }
  return out;
}

common::Result<std::string> pg_tsquery(std::string_view query) { return QueryParser(query).parse(); }

}  // namespace store
