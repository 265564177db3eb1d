#pragma once
// What the archive derives from a raw message for listing and search: the
// parsed header fields and the indexed body text, and the SQL that writes them.
// Shared by Archive (new messages) and the schema migration (backfill of rows
// stored before the columns existed). Pure derivation plus two statements;
// errors are Storage errors from those statements.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "mail/headers.hpp"
#include "store/statement.hpp"

namespace store {

struct DerivedFields {
  mail::HeaderFields headers;
  std::string body;  // at most kMaxIndexedBodyText bytes of UTF-8 (mail::body_text)
};

DerivedFields derive_fields(std::string_view raw);

// FTS5 over the decoded header fields and body text. Contentless
// (content=''): the index stores no copy of the text, and rows are never
// deleted from the archive, so the limits of contentless tables never bite.
// The column names are what users write in a query: from:alice subject:invoice.
inline constexpr std::string_view kCreateFtsSql =
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "\"from\", \"to\", subject, body, content='', tokenize='unicode61 remove_diacritics 2')";
inline constexpr std::string_view kInsertFtsSql =
    "INSERT INTO messages_fts(rowid, \"from\", \"to\", subject, body) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr std::string_view kUpdateHeadersSql =
    "UPDATE messages SET message_id = ?2, from_addr = ?3, to_addr = ?4, subject = ?5, date = ?6 WHERE id = "
    "?1";

// Binds and runs kInsertFtsSql for message `id`.
common::Status insert_fts(Statement& insert, std::int64_t id, const DerivedFields& fields);

}  // namespace store
