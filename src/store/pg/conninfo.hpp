#pragma once
// Telling a PostgreSQL connection string from an SQLite path, and making one
// safe to show. Pure string functions; no libpq.

#include <string>
#include <string_view>

namespace store::pg {

// True for "postgresql://..." and "postgres://..." (libpq's URI forms): the
// `database:` values that select the PostgreSQL archive. Anything else is an
// SQLite path.
bool is_postgres_uri(std::string_view database);

// `conninfo` with every password replaced by "***": the one in a URI's
// user-info ("postgresql://user:secret@host") and any password= parameter
// (URI query or key=value form). Every message that names a connection
// string goes through this.
std::string sanitize_conninfo(std::string_view conninfo);

}  // namespace store::pg
