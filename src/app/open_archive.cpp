#include "app/open_archive.hpp"

#include <filesystem>
#include <system_error>

namespace app {

common::Result<store::Archive> open_archive_for_writing(const std::string& path) {
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

}  // namespace app
