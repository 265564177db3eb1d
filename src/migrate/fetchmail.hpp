#pragma once
// Translates a .fetchmailrc (fetchmail(1) "THE RUN CONTROL FILE") into
// Drafts: one per user clause of every `poll` entry, with `defaults` applied.
// `skip` entries, `set` lines and non-POP3 entries become file notes; every
// keyword without a popfetchd equivalent becomes a note on its account. Pure.
// Errors: Config, "line N: ..." (an unterminated string, an unknown keyword,
// a keyword without its value, a bad number).

#include <string_view>

#include "common/result.hpp"
#include "migrate/draft.hpp"

namespace migrate {

common::Result<Translation> from_fetchmail(std::string_view text, const ImportOptions& options);

}  // namespace migrate
