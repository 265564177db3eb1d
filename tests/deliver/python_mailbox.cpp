#include "python_mailbox.hpp"

#include <sstream>

#include "support/child_process.hpp"

namespace deliver_test {
namespace {

// One line per message: "<subdir or -> <flags or -> <hex of the bytes>".
constexpr const char* kMaildirScript = R"PY(
import mailbox, sys
box = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for key in sorted(box.keys()):
    msg = box.get_message(key)
    print(msg.get_subdir(), msg.get_flags() or "-", box.get_bytes(key).hex() or "-")
)PY";

constexpr const char* kMboxScript = R"PY(
import mailbox, re, sys
box = mailbox.mbox(sys.argv[1], factory=None, create=False)
quoted = re.compile(rb"^>+From ")
for key in box.keys():
    lines = box.get_bytes(key).split(b"\n")
    data = b"\n".join(line[1:] if quoted.match(line) else line for line in lines)
    print("-", "-", data.hex() or "-")
)PY";

std::string from_hex(const std::string& hex) {
  std::string out;
  if (hex == "-") return out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

common::Result<std::vector<ReadMessage>> run_script(const char* script, const std::filesystem::path& box,
                                                    const std::filesystem::path& scratch) {
  auto run =
      test_support::ChildProcess::run_captured({POPFETCHD_TEST_PYTHON, "-c", script, box.string()}, scratch);
  if (!run) return run.error();
  if (run->exit_code() != 0) {
    return common::make_error(common::ErrorKind::Io, "python3 failed: " + run->err);
  }
  std::vector<ReadMessage> messages;
  std::istringstream lines(run->out);
  std::string subdir, flags, hex;
  while (lines >> subdir >> flags >> hex) {
    messages.push_back(ReadMessage{subdir == "-" ? "" : subdir, flags == "-" ? "" : flags, from_hex(hex)});
  }
  return messages;
}

}  // namespace

common::Result<std::vector<ReadMessage>> read_maildir(const std::filesystem::path& dir,
                                                      const std::filesystem::path& scratch) {
  return run_script(kMaildirScript, dir, scratch);
}

common::Result<std::vector<ReadMessage>> read_mbox(const std::filesystem::path& file,
                                                   const std::filesystem::path& scratch) {
  return run_script(kMboxScript, file, scratch);
}

}  // namespace deliver_test
