#pragma once
// What the commands that fetch (run, poll-once) set up before the first poll:
// the process made undumpable (it is about to hold passwords), the digests
// for APOP/CRAM-MD5, and the archive opened for writing — its parent
// directory created when missing (mode 0700, like systemd's StateDirectory=).
// Errors: Config (no MD5 in this mbedTLS), Storage (the archive).

#include <memory>
#include <string>

#include "common/result.hpp"
#include "config/config.hpp"
#include "net/mbed_digests.hpp"
#include "store/archive.hpp"

namespace app {

// No core dump, and no ptrace attach by other processes of the same user,
// may copy the passwords this process holds. Logs a warning when refused.
void protect_secrets_in_memory();

struct FetchSetup {
  std::unique_ptr<net::MbedDigests> digests;
  store::Archive archive;
};

common::Result<FetchSetup> prepare_fetching(const config::Config& config);

// The archive at `path` opened (or created) for writing, its parent directory
// created 0700 when missing. Used by prepare_fetching and `import`.
common::Result<store::Archive> open_archive_for_writing(const std::string& path);

}  // namespace app
