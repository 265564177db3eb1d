// `popfetchd import --maildir DIR | --mbox FILE --account NAME`: existing mail
// into the archive, deduplicated by content, touching no server.
//
// Each message is stored with CRLF line ends (the archive's form, DESIGN.md
// §3), under the uidl "imported sha256:<hex>" (store/content_hash.hpp): no
// server's UIDL can ever match it, so no listing rule acts on an imported
// row. A message whose exact bytes the account already holds (imported or
// fetched) is counted as already present, so an import can be re-run, or
// resumed after an interruption: committed batches stay, the rest follows.
// fetched_at is the time of the import (when it entered the archive).

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/accounts.hpp"
#include "app/commands.hpp"
#include "app/fetch_setup.hpp"
#include "app/load_config.hpp"
#include "mail/mbox.hpp"
#include "net/sha256.hpp"
#include "store/archive.hpp"

namespace app {
namespace {

namespace fs = std::filesystem;

// A transaction ends after this many messages or bytes, whichever comes
// first: one fsync per batch, an interrupted import keeps what it committed,
// and a running daemon never waits long for the write lock (its busy
// timeout is 5 s).
constexpr int kBatchMessages = 500;
constexpr std::size_t kBatchBytes = 16 * 1024 * 1024;

common::Error io_error(std::string message) {
  return common::make_error(common::ErrorKind::Io, std::move(message));
}

class Importer {
 public:
  Importer(store::Archive& archive, std::string account)
      : archive_(archive),
        account_(std::move(account)),
        now_(static_cast<std::int64_t>(std::time(nullptr))) {}

  // `raw` with LF or CRLF line ends; an empty message is skipped.
  common::Status add(std::string_view raw) {
    if (raw.empty()) {
      ++skipped_;
      return {};
    }
    if (!batch_) {
      auto batch = archive_.begin_batch();
      if (!batch) return batch.error();
      batch_.emplace(std::move(batch).value());
    }
    const std::string crlf = mail::to_crlf(raw);
    auto outcome = batch_->add_imported(account_, crlf, now_, net::sha256);
    if (!outcome) return outcome.error();
    ++(*outcome == store::AddOutcome::Stored ? pending_stored_ : pending_present_);
    pending_bytes_ += crlf.size();
    if (pending_stored_ + pending_present_ >= kBatchMessages || pending_bytes_ >= kBatchBytes)
      return commit();
    return {};
  }

  common::Status commit() {
    if (!batch_) return {};
    common::Status s = batch_->commit();
    batch_.reset();
    if (!s) return s;
    imported_ += pending_stored_;
    present_ += pending_present_;
    pending_stored_ = pending_present_ = 0;
    pending_bytes_ = 0;
    return {};
  }

  std::string summary() const {
    std::string out =
        "imported " + std::to_string(imported_) + ", already present " + std::to_string(present_);
    if (skipped_ > 0) out += ", skipped " + std::to_string(skipped_) + " empty";
    return out;
  }

 private:
  store::Archive& archive_;
  std::string account_;
  std::int64_t now_;
  std::optional<store::Batch> batch_;
  std::int64_t pending_stored_ = 0;
  std::int64_t pending_present_ = 0;
  std::size_t pending_bytes_ = 0;
  std::int64_t imported_ = 0;
  std::int64_t present_ = 0;
  std::int64_t skipped_ = 0;
};

common::Result<std::string> read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("import: cannot read " + path.string() + ": " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return io_error("import: reading " + path.string() + " failed");
  return text;
}

// The message files of a Maildir: new/ and cur/ (tmp/ holds deliveries in
// progress), regular files not starting with '.', in name order.
common::Result<std::vector<fs::path>> maildir_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const char* sub : {"new", "cur"}) {
    std::error_code error;
    if (!fs::is_directory(dir / sub, error)) continue;  // a Maildir needs one of them (source_is_usable)
    for (fs::directory_iterator it(dir / sub, error), end; !error && it != end; it.increment(error)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || !it->is_regular_file()) continue;
      files.push_back(it->path());
    }
    if (error) return io_error("import: cannot list " + (dir / sub).string() + ": " + error.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

common::Status import_maildir(Importer& importer, const fs::path& dir) {
  auto files = maildir_files(dir);
  if (!files) return files.error();
  for (const fs::path& file : *files) {
    auto text = read_whole_file(file);
    if (!text) return text.error();
    if (auto s = importer.add(*text); !s) return s;
  }
  return importer.commit();
}

common::Status import_mbox(Importer& importer, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return io_error("import: cannot read " + file + ": " + std::strerror(errno));
  mail::MboxSplitter splitter;
  std::string line;
  while (std::getline(in, line)) {
    if (auto message = splitter.add_line(line)) {
      if (auto s = importer.add(*message); !s) return s;
    }
  }
  if (in.bad()) return io_error("import: reading " + file + " failed");
  if (auto message = splitter.finish()) {
    if (auto s = importer.add(*message); !s) return s;
  } else if (splitter.dropped_lines() > 0) {
    return io_error("import: " + file + " is not an mbox file (no line starts with \"From \")");
  }
  return importer.commit();
}

// The source named on the command line is there and of the right kind: a
// usage error (exit 2) otherwise.
bool source_is_usable(const ImportOptions& options) {
  struct stat st {};
  if (options.maildir) {
    const fs::path dir = *options.maildir;
    std::error_code error;
    if (!fs::is_directory(dir / "cur", error) && !fs::is_directory(dir / "new", error)) {
      print_error("import: " + *options.maildir + " is not a Maildir (it has no cur/ or new/ directory)");
      return false;
    }
    return true;
  }
  if (stat(options.mbox->c_str(), &st) != 0) {
    print_error("import: cannot read " + *options.mbox + ": " + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    print_error("import: " + *options.mbox + " is not a regular file");
    return false;
  }
  return true;
}

}  // namespace

int import_mail(const GlobalOptions& global, const ImportOptions& options) {
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  if (!account_is_known(*cfg, options.account, "import") || !source_is_usable(options)) return kExitUsage;
  common::Result<store::Archive> archive = open_archive_for_writing(cfg->database);
  if (!archive) {
    print_error(archive.error().message);
    return kExitFailed;
  }
  Importer importer(*archive, options.account);
  const common::Status done =
      options.maildir ? import_maildir(importer, *options.maildir) : import_mbox(importer, *options.mbox);
  if (!done) {
    // What was committed stays; a second run imports the rest.
    std::printf("%s before the error\n", importer.summary().c_str());
    std::fflush(stdout);
    print_error(done.error().message);
    return kExitFailed;
  }
  std::printf("%s\n", importer.summary().c_str());
  return kExitOk;
}

}  // namespace app
