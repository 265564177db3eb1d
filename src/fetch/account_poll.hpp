#pragma once
// fetch::AccountPoll: one poll of one account, end to end, on a libuv loop —
// connect and secure (net::Connection, the five security modes), speak POP3
// (pop3::Session), plan what to do from the listing (ListingPlan), store every
// message (ArchiveWriter) and send DELE only under the deletion rule
// (deletion_rule.hpp): for a message retrieved in this poll once the commit
// that holds it returned, for delete_after once TOP proved the headers.
//
// What it adds to those rules:
//   - A RETR clearly shorter than its LIST size is stored flagged and never
//     deleted; a warning names the account and the message.
//   - Before any DELE the archive must still be the file at its configured
//     path (removed or replaced under the daemon: the poll fails, nothing is
//     deleted).
//   - deleted_at is recorded only after the server answered QUIT with +OK.
//   - Deadlines for each reply and for the whole poll (PollDeadlines): a
//     server trickling one byte a second cannot hold a poll for ever.
//   - The account lock (store::AccountLock) is held for the whole poll.
//
// Owns: the connection, the session, the account lock, the deadline timer, the
// message being received (at most max_message_size bytes) and the plan.
// Never blocks the loop except for SQLite writes.
// Errors: reported once through the DoneCallback as PollReport::error
// (Io, Timeout, Tls, Protocol, Auth, TempFail, PermFail, Storage, Config, Aborted).
//
// Test hook (the crash test of tests/integration only):
// POPFETCHD_TEST_CRASH_AFTER_COMMIT=N in the environment makes the process
// kill itself with SIGKILL right after the Nth commit that made this poll's
// messages durable, before any DELE for them is sent: the one moment between
// commit and DELE that a kill from outside cannot hit on purpose. The variable
// is read once per process; unset (always, outside that test) it costs one
// integer comparison per commit.

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/secret.hpp"
#include "config/config.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/listing_plan.hpp"
#include "fetch/poll_deadlines.hpp"
#include "fetch/poll_progress.hpp"
#include "fetch/poll_report.hpp"
#include "net/connection.hpp"
#include "net/tls_session_cache.hpp"
#include "net/uv.hpp"
#include "pop3/digests.hpp"
#include "pop3/session.hpp"
#include "store/account_lock.hpp"

namespace fetch {

// The environment variable of the test hook described above.
inline constexpr const char* kCrashAfterCommitVariable = "POPFETCHD_TEST_CRASH_AFTER_COMMIT";

// Messages retrieved in one poll at most: bounds the memory a poll needs for
// the UIDLs it will fetch; a bigger mailbox is worked through in later polls.
inline constexpr std::size_t kDefaultMaxMessagesPerPoll = 20'000;
// RETRs in flight when pipelining: the pipeline stays full as long as both
// budgets cover one round trip. A window of 32 made a 50 ms round trip cost
// 10 s for 5,000 messages of 2 KB (bench scenario C); 1,024 and the byte
// budget bring that to 1.4 s, close to sending every RETR at once. The tag
// of a command in flight costs ~100 bytes.
inline constexpr std::size_t kDefaultPipelineWindow = 1024;
// ...and at most this many bytes (by LIST size) of them, so stop() never
// has to drain more than this before QUIT, and big messages do not pile up
// in the server's and the kernel's buffers. 8 MiB per round trip is 160 MB/s
// at 50 ms. One message is always allowed, whatever its size.
inline constexpr std::uint64_t kDefaultPipelineBytes = 8u * 1024 * 1024;
// A TOP n 0 reply (a header block) larger than this is no header block: the
// check fails and the message is left alone.
inline constexpr std::size_t kMaxHeaderCheckBytes = 1u << 20;

// Move-only, like the password it carries.
struct PollOptions {
  config::Account account;
  common::Secret password;    // resolved; moved into the session, wiped once authenticated
  std::string database_path;  // for the account lock file
  std::size_t max_messages_per_poll = kDefaultMaxMessagesPerPoll;
  std::size_t pipeline_window = kDefaultPipelineWindow;
  std::uint64_t pipeline_bytes = kDefaultPipelineBytes;
  bool force_pipelining_off = false;  // the last poll failed while pipelining
  // The account's TLS session from its last poll, to resume (the daemon keeps
  // one per account across polls); null: every poll runs a full handshake.
  std::shared_ptr<net::TlsSessionCache> tls_sessions = nullptr;
  // Where the poll keeps its retrieval progress, for a watcher (the daemon's
  // /health) to read while it runs; null: the poll keeps its own, for the
  // progress log lines only.
  std::shared_ptr<PollProgress> progress = nullptr;

  // The same options for another poll of the account (its own copy of the
  // password). Lists every member: -Wmissing-field-initializers catches one
  // added here and forgotten there.
  PollOptions duplicate() const {
    return PollOptions{account,         password.duplicate(), database_path,        max_messages_per_poll,
                       pipeline_window, pipeline_bytes,       force_pipelining_off, tls_sessions,
                       progress};
  }
};

class AccountPoll {
 public:
  // Called exactly once, when the poll has finished (the connection is
  // closing). The poll may be destroyed from inside the callback. It may be
  // called before start() returns (e.g. the account lock is held elsewhere).
  using DoneCallback = std::function<void(PollReport report)>;

  AccountPoll(uv_loop_t* loop, PollOptions options, ArchiveWriter& writer, const pop3::Digests& digests,
              DoneCallback on_done);
  AccountPoll(const AccountPoll&) = delete;
  AccountPoll& operator=(const AccountPoll&) = delete;
  ~AccountPoll();

  void start();
  // Shutdown: retrieve nothing more; what is in flight is finished, stored
  // and (keep: false) deleted, then QUIT. Before the listing is done it
  // simply disconnects. The report then carries an Aborted error.
  void stop();
  bool finished() const { return done_; }
  const std::string& account_name() const { return options_.account.name; }

 private:
  // A message stored by this poll whose commit has not returned yet.
  struct Uncommitted {
    Listed message;
    bool deletable = false;  // deletion rule, proof 1 (deletion_rule.hpp)
  };

  // Connection handlers.
  // The poll's TLS options with the account's session cache.
  std::optional<net::TlsOptions> with_cache(std::optional<net::TlsOptions> tls) const;
  static std::string describe(const net::TlsInfo& info);
  void on_connected();
  void on_tls_ready();
  void on_data(std::string_view bytes);
  void on_eof();
  void on_error(common::Error error);
  void on_commit(const common::Status& outcome);

  // Drains the session's events, then sends its output.
  void pump();
  void handle(pop3::Event& event);
  void on_listing_done(const pop3::ListingDone& done);
  void on_message_begin(const pop3::MessageBegin& begin);
  void on_message_data(const pop3::MessageData& data);
  void on_message_end(const pop3::MessageEnd& end);
  void on_message_failed(const pop3::MessageFailed& failed);
  void on_header_check_end();
  void on_deleted(std::uint32_t msgno);
  void on_closed();

  void feed_retrieves();
  void retrieve_done();  // the current message ended or failed: the window moves on
  const Listed& current() const { return retrieve_[next_retrieve_ - retrieves_in_flight_]; }
  void maybe_quit();
  // DELE, after checking that the archive is still where it was opened;
  // false when the poll failed instead.
  bool send_deles(std::vector<Listed> messages);
  // The archive is still the file at its path; else the poll fails (false).
  bool archive_in_place();
  bool deleting() const { return !options_.account.keep; }

  // Tells the deadlines what is awaited now and re-arms the timer.
  void watch_deadlines();
  void on_deadline();

  // Ends the poll (first call wins) and closes the connection; the report is
  // delivered when the outermost entry point returns (see Entry).
  void finish(std::optional<common::Error> error, RetryHint retry = RetryHint::Normal);
  void fail(common::ErrorKind kind, std::string message) { finish(common::make_error(kind, std::move(message))); }
  bool can_send() const { return !done_ && !connection_lost_ && !session_->finished(); }

  // Marks a call from outside (libuv, the owner, another poll's commit). The
  // report goes out when the outermost one ends, as its very last action,
  // because the DoneCallback may destroy this object.
  class Entry {
   public:
    explicit Entry(AccountPoll* poll) : poll_(poll) { ++poll_->depth_; }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry();

   private:
    AccountPoll* poll_;
  };

  uv_loop_t* loop_;
  PollOptions options_;
  ArchiveWriter& writer_;
  const pop3::Digests& digests_;
  DoneCallback on_done_;
  ArchiveWriter::Subscription subscription_;

  std::optional<store::AccountLock> lock_;
  std::unique_ptr<net::Connection> connection_;
  std::optional<pop3::Session> session_;
  PollReport report_;
  std::uint64_t started_ms_ = 0;

  std::optional<PollDeadlines> deadlines_;
  net::UvHandlePtr<uv_timer_t> deadline_timer_;

  // Listing.
  std::optional<ArchiveLookupFor> lookup_;
  std::optional<ListingPlan> listing_;
  Plan plan_;
  bool listing_done_ = false;

  // Retrieval: retrieve_[0, next_retrieve_) went out; the last
  // retrieves_in_flight_ of them await their replies, the oldest first.
  std::vector<Listed> retrieve_;
  std::size_t next_retrieve_ = 0;
  std::size_t retrieves_in_flight_ = 0;
  std::uint64_t retrieve_bytes_in_flight_ = 0;  // their LIST sizes
  std::string body_;
  std::shared_ptr<PollProgress> progress_;  // options_.progress, or our own

  // delete_after's header checks: TOP sent, replies awaited in this order.
  std::deque<HeaderCheck> checks_in_flight_;
  std::string top_reply_;

  // Stored by this poll but not yet committed.
  std::vector<Uncommitted> uncommitted_;
  std::uint64_t uncommitted_new_ = 0;
  std::uint64_t uncommitted_bytes_ = 0;

  std::uint64_t commits_with_ours_ = 0;   // for the crash test hook
  std::uint64_t crash_after_commit_ = 0;  // the hook's N; 0: off

  std::vector<Listed> proven_;  // may be deleted (deletion_rule.hpp); DELE goes out before QUIT
  std::unordered_map<std::uint32_t, std::string> dele_sent_;  // msgno -> uidl
  std::vector<std::string> deleted_uidls_;                    // +OK to DELE
  bool quit_sent_ = false;
  bool stopping_ = false;

  bool connection_lost_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  int depth_ = 0;
  bool done_ = false;
  bool delivered_ = false;
};

}  // namespace fetch
