#pragma once
// Translates an .mpoprc (mpop(1) "CONFIGURATION FILES": `defaults` and
// `account NAME [: BASE,...]` blocks of "command argument" lines) into one
// Draft per account, named after it. Commands without a popfetchd equivalent
// become notes. Pure.
// Errors: Config, "line N: ..." (a command outside any block, an account
// without a name or with an unknown base, an unterminated quote).

#include <string_view>

#include "common/result.hpp"
#include "migrate/draft.hpp"

namespace migrate {

common::Result<Translation> from_mpop(std::string_view text);

}  // namespace migrate
