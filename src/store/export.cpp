#include "store/export.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"
#include "deliver/maildir_writer.hpp"
#include "deliver/mboxrd.hpp"

namespace store {
namespace {

common::Error io_error(const std::string& what) {
  return common::make_error(common::ErrorKind::Io, what + ": " + std::strerror(errno));
}

common::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("writing " + path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

common::Result<ExportStats> export_maildir(Archive& archive, const std::string& dir,
                                           std::optional<std::string_view> account) {
  deliver::MaildirWriter writer(dir);
  if (auto s = writer.create_dirs(); !s) return s.error();
  // One listing for the whole run instead of one per message.
  auto present = writer.uniques_present();
  if (!present) return present.error();
  ExportStats stats;
  auto status =
      archive.for_each_message(account, [&](const MessageSummary& m, std::string_view raw) -> common::Status {
        const deliver::MaildirKey key{m.id, m.account, m.uidl, m.fetched_at};
        if (present->count(deliver::maildir_unique(key)) != 0) {
          ++stats.already_there;
          return {};
        }
        auto written = writer.write(key, raw);
        if (!written) return written.error();
        if (!written->written) {
          ++stats.already_there;  // linked into new/ since the listing
          return {};
        }
        ++stats.messages;
        stats.bytes += static_cast<std::int64_t>(written->size);
        return {};
      });
  if (!status) return status.error();
  // The links are durable only once the directory itself is synced.
  if (stats.messages > 0) {
    if (auto s = writer.sync_new(); !s) return s.error();
  }
  return stats;
}

common::Result<ExportStats> export_mbox(Archive& archive, const std::string& file,
                                        std::optional<std::string_view> account) {
  common::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    if (errno == EEXIST) {
      return common::make_error(
          common::ErrorKind::Io,
          file + " already exists; export writes a new mbox file, it never overwrites or appends");
    }
    return io_error("creating " + file);
  }
  // Buffered: one write() per megabyte rather than per message.
  constexpr std::size_t kFlushAt = 1024 * 1024;
  std::string buffer;
  ExportStats stats;
  auto status =
      archive.for_each_message(account, [&](const MessageSummary& m, std::string_view raw) -> common::Status {
        const std::string entry = deliver::mboxrd_entry(m.from, m.fetched_at, raw);
        buffer += entry;
        ++stats.messages;
        stats.bytes += static_cast<std::int64_t>(entry.size());
        if (buffer.size() >= kFlushAt) {
          auto s = write_all(fd.get(), buffer, file);
          buffer.clear();
          return s;
        }
        return {};
      });
  if (status) status = write_all(fd.get(), buffer, file);
  if (status && ::fsync(fd.get()) != 0) status = io_error("syncing " + file);
  if (!status) {
    fd.reset();
    ::unlink(file.c_str());  // a half-written mailbox would look complete
    return status.error();
  }
  return stats;
}

}  // namespace store
