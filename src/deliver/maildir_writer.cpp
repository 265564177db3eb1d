#include "deliver/maildir_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "common/unique_fd.hpp"
#include "deliver/file_error.hpp"
#include "deliver/write_all.hpp"
#include "deliver/line_ends.hpp"

namespace deliver {
namespace {

common::Status fsync_dir(const std::string& path) {
  common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return file_error("opening " + path, errno);
  if (::fsync(fd.get()) != 0) return file_error("syncing " + path, errno);
  return {};
}

// Creates `path` (0700) unless it is there; true when it was created.
common::Result<bool> make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) return true;
  if (errno != EEXIST) return file_error("creating directory " + path, errno);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return file_error("checking directory " + path, errno);
  if (!S_ISDIR(info.st_mode)) return file_error(path + " exists and is not a directory", ENOTDIR);
  return false;
}

std::string parent_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

}  // namespace

MaildirWriter::MaildirWriter(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

common::Status MaildirWriter::create_dirs() {
  auto top = make_dir(dir_);
  if (!top) return top.error();
  bool created_sub = false;
  for (const char* sub : {"/tmp", "/new", "/cur"}) {
    auto made = make_dir(dir_ + sub);
    if (!made) return made.error();
    created_sub = created_sub || *made;
  }
  // A created directory is durable only once its parent is synced.
  if (*top) {
    if (auto s = fsync_dir(parent_of(dir_)); !s) return s;
  }
  if (created_sub) {
    if (auto s = fsync_dir(dir_); !s) return s;
  }
  dirs_ready_ = true;
  return {};
}

common::Result<StagedMessage> MaildirWriter::write_tmp(const MaildirKey& key, std::string_view raw, bool sync) {
  if (!dirs_ready_) {
    if (auto s = create_dirs(); !s) return s.error();
  }
  const std::string text = crlf_to_lf(raw);
  const std::string name = maildir_base_name(key, text.size());
  // The tmp name is ours alone (pid and counter), so two writers of one
  // message never write into each other's file.
  StagedMessage staged{
      dir_ + "/tmp/" + name + ".P" + std::to_string(::getpid()) + "Q" + std::to_string(++sequence_),
      dir_ + "/new/" + name, text.size()};
  common::UniqueFd fd(
      ::open(staged.tmp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    const int err = errno;
    if (err == ENOENT) dirs_ready_ = false;  // somebody removed the Maildir: create it again next time
    return file_error("creating " + staged.tmp_path, err);
  }
  common::Status status = write_all(fd.get(), text, staged.tmp_path);
  const struct timespec times[2] = {{static_cast<time_t>(key.fetched_at), 0},
                                    {static_cast<time_t>(key.fetched_at), 0}};
  if (status && ::futimens(fd.get(), times) != 0)
    status = file_error("setting the time of " + staged.tmp_path, errno);
  if (status && sync && ::fsync(fd.get()) != 0) status = file_error("syncing " + staged.tmp_path, errno);
  fd.reset();
  if (!status) {
    ::unlink(staged.tmp_path.c_str());
    return status.error();
  }
  return staged;
}

namespace {

// Links the staged file into new/ and removes it from tmp/; false when
// new/ had it already.
common::Result<bool> link_into_new(const StagedMessage& staged) {
  bool written = true;
  common::Status status;
  if (::link(staged.tmp_path.c_str(), staged.new_path.c_str()) != 0) {
    if (errno == EEXIST) {
      written = false;
    } else {
      status = file_error("linking " + staged.tmp_path + " to " + staged.new_path, errno);
    }
  }
  ::unlink(staged.tmp_path.c_str());
  if (!status) return status.error();
  return written;
}

}  // namespace

common::Result<MaildirWrite> MaildirWriter::write(const MaildirKey& key, std::string_view raw) {
  auto staged = write_tmp(key, raw, /*sync=*/true);
  if (!staged) return staged.error();
  auto linked = link_into_new(*staged);
  if (!linked) return linked.error();
  return MaildirWrite{*linked, staged->size, staged->new_path.substr(dir_.size() + 5)};
}

common::Result<StagedMessage> MaildirWriter::stage(const Message& message) {
  return write_tmp(maildir_key(message), message.raw, /*sync=*/false);
}

common::Status MaildirWriter::publish(const std::vector<StagedMessage>& staged) {
  if (staged.empty()) return {};
  common::Status status;
  {
    common::UniqueFd fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) {
      status = file_error("opening " + dir_, errno);
    } else if (::syncfs(fd.get()) != 0) {
      status = file_error("syncing the file system of " + dir_, errno);
    }
  }
  if (!status) {
    discard(staged);
    return status;
  }
  for (const StagedMessage& each : staged) {
    auto linked = link_into_new(each);
    if (!linked && status) status = linked.error();
  }
  if (!status) return status;
  return sync_new();
}

void MaildirWriter::discard(const std::vector<StagedMessage>& staged) {
  for (const StagedMessage& each : staged) ::unlink(each.tmp_path.c_str());
}

common::Status MaildirWriter::sync_new() { return fsync_dir(dir_ + "/new"); }

common::Status MaildirWriter::list_into(const std::string& sub, std::unordered_set<std::string>* uniques,
                                        std::string_view wanted, bool* found) {
  const std::string path = dir_ + "/" + sub;
  std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
  if (!dir) {
    if (errno == ENOENT) return {};
    return file_error("listing " + path, errno);
  }
  errno = 0;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (uniques != nullptr) uniques->emplace(maildir_unique_of(name));
    if (found != nullptr && is_maildir_entry_of(name, wanted)) {
      *found = true;
      return {};
    }
    errno = 0;
  }
  if (errno != 0) return file_error("listing " + path, errno);
  return {};
}

common::Result<bool> MaildirWriter::already_there(const MaildirKey& key) {
  const std::string unique = maildir_unique(key);
  bool found = false;
  for (const char* sub : {"new", "cur"}) {
    if (auto s = list_into(sub, nullptr, unique, &found); !s) return s.error();
    if (found) return true;
  }
  return false;
}

common::Result<std::unordered_set<std::string>> MaildirWriter::uniques_present() {
  std::unordered_set<std::string> uniques;
  for (const char* sub : {"new", "cur"}) {
    if (auto s = list_into(sub, &uniques, {}, nullptr); !s) return s.error();
  }
  return uniques;
}

}  // namespace deliver
