#include "pop3/reply.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "pop3/events.hpp"

namespace pop3 {
namespace {

struct StatusCase {
  std::string line;
  bool valid;
  bool ok;
  std::string text;
  ResponseCode code;
};

TEST(Reply, StatusLines) {
  const std::vector<StatusCase> cases = {
      {"+OK", true, true, "", ResponseCode::None},
      {"+OK ready", true, true, "ready", ResponseCode::None},
      {"+OK  two spaces", true, true, "two spaces", ResponseCode::None},
      {"-ERR", true, false, "", ResponseCode::None},
      {"-ERR no such message", true, false, "no such message", ResponseCode::None},
      {"+ok lower case", true, true, "lower case", ResponseCode::None},
      {"-err lower case", true, false, "lower case", ResponseCode::None},
      {"-ERR [AUTH] bad password", true, false, "[AUTH] bad password", ResponseCode::Auth},
      {"-ERR [SYS/TEMP] try later", true, false, "[SYS/TEMP] try later", ResponseCode::SysTemp},
      {"-ERR [SYS/PERM] account disabled", true, false, "[SYS/PERM] account disabled", ResponseCode::SysPerm},
      {"-ERR [IN-USE] locked", true, false, "[IN-USE] locked", ResponseCode::InUse},
      {"-ERR [LOGIN-DELAY] wait", true, false, "[LOGIN-DELAY] wait", ResponseCode::LoginDelay},
      {"-ERR [in-use] case", true, false, "[in-use] case", ResponseCode::InUse},
      {"-ERR [SYS/TEMP/DISK] sub-level", true, false, "[SYS/TEMP/DISK] sub-level", ResponseCode::SysTemp},
      {"-ERR [SYSTEM] not SYS", true, false, "[SYSTEM] not SYS", ResponseCode::Other},
      {"-ERR [UTF8] other", true, false, "[UTF8] other", ResponseCode::Other},
      {"-ERR [AUTH no bracket", true, false, "[AUTH no bracket", ResponseCode::None},
      {"-ERR [] empty", true, false, "[] empty", ResponseCode::None},
      {"-ERR text [AUTH] later", true, false, "text [AUTH] later", ResponseCode::None},
      {"+OKAY", false, false, "", ResponseCode::None},
      {"-ERROR", false, false, "", ResponseCode::None},
      {"OK", false, false, "", ResponseCode::None},
      {"", false, false, "", ResponseCode::None},
      {"+ challenge", false, false, "", ResponseCode::None},
      {" +OK", false, false, "", ResponseCode::None},
  };
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(c.line);
    const std::optional<StatusLine> status = parse_status_line(c.line);
    ASSERT_EQ(status.has_value(), c.valid);
    if (!status) continue;
    EXPECT_EQ(status->ok, c.ok);
    EXPECT_EQ(status->text, c.text);
    EXPECT_EQ(status->code, c.code);
  }
}

TEST(Reply, Continuations) {
  EXPECT_EQ(parse_continuation("+ PDE4OT4="), std::optional<std::string_view>("PDE4OT4="));
  EXPECT_EQ(parse_continuation("+ "), std::optional<std::string_view>(""));
  EXPECT_EQ(parse_continuation("+"), std::optional<std::string_view>(""));
  EXPECT_EQ(parse_continuation("+ abc  "), std::optional<std::string_view>("abc"));
  EXPECT_FALSE(parse_continuation("+OK"));
  EXPECT_FALSE(parse_continuation("-ERR"));
  EXPECT_FALSE(parse_continuation(""));
}

TEST(Reply, EachResponseCodeMapsToASessionErrorKind) {
  struct Case {
    std::string line;
    SessionErrorKind kind;  // with fallback CommandRejected
    ResponseCode code;
  };
  const std::vector<Case> cases = {
      {"-ERR [AUTH] wrong", SessionErrorKind::Auth, ResponseCode::Auth},
      {"-ERR [SYS/TEMP] busy", SessionErrorKind::TempFail, ResponseCode::SysTemp},
      {"-ERR [IN-USE] locked", SessionErrorKind::TempFail, ResponseCode::InUse},
      {"-ERR [LOGIN-DELAY] 900", SessionErrorKind::TempFail, ResponseCode::LoginDelay},
      {"-ERR [SYS/PERM] gone", SessionErrorKind::PermFail, ResponseCode::SysPerm},
      {"-ERR plain", SessionErrorKind::CommandRejected, ResponseCode::None},
      {"-ERR [XYZ] unknown", SessionErrorKind::CommandRejected, ResponseCode::Other},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    const ServerError error = to_server_error(*parse_status_line(c.line));
    EXPECT_EQ(error.code, c.code);
    EXPECT_EQ(kind_for(error.code, SessionErrorKind::CommandRejected), c.kind);
  }
}

TEST(Reply, ServerErrorTextIsSanitisedAndCut) {
  std::string line = "-ERR bad\x1b[31m\x7f";
  line += std::string(500, 'x');
  const ServerError error = to_server_error(*parse_status_line(line));
  EXPECT_EQ(error.text.substr(0, 11), "bad?[31m?xx");
  EXPECT_LE(error.text.size(), 203u);
  EXPECT_TRUE(error.text.ends_with("..."));
}

}  // namespace
}  // namespace pop3
