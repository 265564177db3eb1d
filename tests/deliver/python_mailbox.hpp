#pragma once
// Reads a Maildir or an mbox file back with Python's `mailbox` module (a
// reader the tests did not write), run as a child process.
// mbox: Python splits the file at its From_ lines; the script then undoes
// mboxrd's quoting (one '>' off every line matching /^>+From /), which
// Python's mbox leaves in place.
// Errors: Io when python3 cannot run or the script fails (with its stderr).

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace deliver_test {

struct ReadMessage {
  std::string subdir;  // Maildir: "new" or "cur"; mbox: ""
  std::string flags;   // Maildir: the info flags ("S" after ":2,S"); mbox: ""
  std::string bytes;   // the message as Python returns it (LF line ends)
};

// In the order of the Maildir's keys (sorted) or of the mbox file.
common::Result<std::vector<ReadMessage>> read_maildir(const std::filesystem::path& dir,
                                                      const std::filesystem::path& scratch);
common::Result<std::vector<ReadMessage>> read_mbox(const std::filesystem::path& file,
                                                   const std::filesystem::path& scratch);

}  // namespace deliver_test
