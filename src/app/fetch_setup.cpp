#include "app/fetch_setup.hpp"

#include <sys/prctl.h>

#include <filesystem>
#include <system_error>

#include "common/log.hpp"
#include "store/pg/conninfo.hpp"

namespace app {

common::Result<store::Archive> open_archive_for_writing(const std::string& path) {
  // A PostgreSQL URI is no path: its "parent" would become directories named
  // after the URI in the working directory.
  if (store::pg::is_postgres_uri(path)) return store::Archive::open(path);
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::exists(parent, error)) {
    std::filesystem::create_directories(parent, error);
    if (error) {
      return common::make_error(common::ErrorKind::Storage,
                                "cannot create the database directory " + parent.string() + ": " + error.message());
    }
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all, error);
  }
  return store::Archive::open(path);
}

void protect_secrets_in_memory() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    common::log_warn("", "cannot disable core dumps (prctl PR_SET_DUMPABLE); passwords could end up in one");
  }
}

common::Result<FetchSetup> prepare_fetching(const config::Config& config) {
  auto digests = net::MbedDigests::create();
  if (!digests) return digests.error();
  common::Result<store::Archive> archive = open_archive_for_writing(config.database);
  if (!archive) return archive.error();
  return FetchSetup{std::move(digests).value(), std::move(archive).value()};
}

}  // namespace app
