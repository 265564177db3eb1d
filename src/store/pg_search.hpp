#pragma once
// The PostgreSQL archive's full-text search: the text it indexes and the
// translation of a search query (the SQLite archive's FTS5 forms) into a
// tsquery. Pure string functions; no libpq.
//
// Indexed: from (weight A), to (B), subject (C) and body (D), each split into
// words at every ASCII character that is not a letter or digit (as FTS5's
// unicode61 tokenizer does), lowercased by PostgreSQL's 'simple'
// configuration (no stemming, no stop words). A column filter is a weight
// restriction: `from:alice` is 'alice':A.
//
// Query forms, as with SQLite: words (all must match), "quoted phrases",
// prefix*, "phrase prefix"*, from:/to:/subject:/body: before a word, a phrase
// or a parenthesised group, OR, AND, NOT (binary: `a NOT b`) and parentheses,
// with FTS5's precedence (NOT, then AND, then OR). Differences: a leading
// `NOT b` is accepted (FTS5 refuses it); NEAR() and `^` are not supported;
// diacritics are folded only for Latin letters (U+00C0..U+017F, where FTS5
// folds every script), and other non-ASCII letters are lowercased only as the
// database's locale does.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace store {

// Text as indexed: ASCII punctuation becomes spaces, NUL bytes are dropped,
// invalid UTF-8 is replaced (PostgreSQL's text accepts neither).
std::string pg_index_text(std::string_view text);

// The to_tsquery('simple', ...) input for `query`. Storage error naming the
// query when it is malformed.
common::Result<std::string> pg_tsquery(std::string_view query);

}  // namespace store
