#pragma once
// deliver::MaildirWriter: puts messages into one Maildir, synchronously (the
// Maildir target calls it on libuv's thread pool; `export --maildir` calls it
// directly), under the names of deliver/maildir_name.hpp.
//
// One delivery: the LF form of the message goes to tmp/<base>.P<pid>Q<n>
// (mode 0600, mtime = when popfetchd fetched it, since Maildir readers take
// the mtime as the arrival time), is fsync()ed, hard-linked to new/<base>
// and unlinked from tmp/. link() never replaces a file, so a new/<base> that
// is already there means an earlier run delivered it: that counts as done.
// The link is durable only after sync_new(), which fsyncs new/ once for a
// whole batch. A message a mail reader already moved to cur/ is found only by
// already_there(), which lists new/ and cur/ (for attempts in doubt, and by
// export).
//
// Owns: the files it creates in DIR/tmp and DIR/new. Never reads, renames or
// deletes anything a mail reader put there. DIR and DIR/{cur,new,tmp} are
// created (0700) when missing; DIR's parent must exist.
// Thread-safety: one writer may be used from several threads at once.
// Errors: deliver/file_error.hpp's kinds (TempFail for a full disk, PermFail
// for a path that cannot work, Io otherwise), each message naming the path.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/result.hpp"
#include "deliver/maildir_name.hpp"
#include "deliver/target.hpp"

namespace deliver {

// A message written to tmp/ but not in new/ yet (stage()); publish() makes a
// batch of them durable and visible.
struct StagedMessage {
  std::string tmp_path;
  std::string new_path;
  std::size_t size = 0;
};

struct MaildirWrite {
  bool written = false;  // false: new/<name> was there already
  std::size_t size = 0;  // bytes of the file (LF line ends)
  std::string name;      // the base name in new/
};

class MaildirWriter {
 public:
  explicit MaildirWriter(std::string dir);

  const std::string& dir() const { return dir_; }

  // Creates DIR and DIR/{cur,new,tmp} (0700) where missing and makes the
  // new directories durable. write() does this itself the first time.
  common::Status create_dirs();

  // Delivers `raw` (CRLF as archived) into new/ under the key's name.
  common::Result<MaildirWrite> write(const MaildirKey& key, std::string_view raw);
  common::Result<MaildirWrite> write(const Message& message) {
    return write(maildir_key(message), message.raw);
  }

  // fsync of new/: makes every link done so far durable.
  common::Status sync_new();

  // The batched form the Maildir target uses (one sync per batch instead of
  // one per message): stage() writes tmp/<name> without syncing it;
  // publish() syncs the Maildir's file system once (syncfs: every staged
  // file's data and inode), then links each into new/ (EEXIST: delivered
  // before), unlinks every tmp file, and fsyncs new/. A crash before
  // publish() leaves only tmp/ files, which Maildir readers ignore; the
  // queue then delivers those messages again (in doubt).
  common::Result<StagedMessage> stage(const Message& message);
  common::Status publish(const std::vector<StagedMessage>& staged);
  // Removes staged files that will never be published.
  static void discard(const std::vector<StagedMessage>& staged);

  // Whether new/ or cur/ holds the message (any flags, any size info).
  // A Maildir that does not exist yet holds nothing.
  common::Result<bool> already_there(const MaildirKey& key);
  common::Result<bool> already_there(const Message& message) { return already_there(maildir_key(message)); }

  // The unique parts (maildir_unique_of) of every entry in new/ and cur/:
  // one listing for many look-ups (export).
  common::Result<std::unordered_set<std::string>> uniques_present();

 private:
  common::Result<StagedMessage> write_tmp(const MaildirKey& key, std::string_view raw, bool sync);
  common::Status list_into(const std::string& sub, std::unordered_set<std::string>* uniques,
                           std::string_view wanted, bool* found);

  std::string dir_;
  std::atomic<bool> dirs_ready_{false};
  std::atomic<std::uint64_t> sequence_{0};
};

}  // namespace deliver
