#pragma once
// fetch::AccountPoll: one poll of one account, end to end, on a libuv loop —
// connect and secure (net::Connection, the five security modes), speak POP3
// (pop3::Session), decide what to fetch from the listing, store every message
// (ArchiveWriter) and send DELE only for messages whose commit has returned.
//
// The rules it enforces (DESIGN.md "Fetching" and §3):
//   - keep: true fetches only UIDLs not yet stored; a server without UIDL is
//     an error (never a silent re-download). delete_after: stored messages
//     older than that are DELEted (they were committed long ago).
//   - keep: false fetches every message, stores it, then deletes it; without
//     UIDL the stored uidl is a content hash. A message whose UIDL (or hash) is
//     already stored is only deleted.
//   - DELE goes out only after the commit that holds the message returned.
//     deleted_at is recorded only after the server answered QUIT with +OK.
//   - Larger than max_message_size (per LIST): skipped, never deleted.
//   - A listing with one UIDL for two messages, or one message twice (in LIST
//     or UIDL), fails the poll before anything is retrieved or deleted.
//   - At most max_messages_per_poll messages are retrieved; the report says
//     more are pending.
//   - The account lock (store::AccountLock) is held for the whole poll.
//
// Owns: the connection, the session, the account lock, the message being
// received (at most max_message_size bytes) and a compact view of the listing
// (two 8-byte numbers and a bit per listed message, the UIDLs of the messages
// it will fetch). Never blocks the loop except for SQLite writes.
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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "fetch/archive_writer.hpp"
#include "fetch/poll_report.hpp"
#include "net/connection.hpp"
#include "pop3/digests.hpp"
#include "pop3/session.hpp"
#include "store/account_lock.hpp"

namespace fetch {

// The environment variable of the test hook described above.
inline constexpr const char* kCrashAfterCommitVariable = "POPFETCHD_TEST_CRASH_AFTER_COMMIT";

// Messages retrieved in one poll at most: bounds the memory a poll needs for
// the UIDLs it will fetch; a bigger mailbox is worked through in later polls.
inline constexpr std::size_t kDefaultMaxMessagesPerPoll = 20'000;
// Message numbers above this in a listing are a protocol error: bounds the
// per-message bookkeeping (8 bytes each) a hostile listing can make us keep.
inline constexpr std::uint32_t kMaxListedMessages = 5'000'000;
// How far a LIST line's message number may run ahead of the number of lines
// seen so far (2x + this): tolerates gaps, refuses a lone "5000000 1".
inline constexpr std::uint32_t kListingNumberSlack = 1024;
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

struct PollOptions {
  config::Account account;
  std::string password;  // resolved; wiped from the session once authenticated
  std::string database_path;  // for the account lock file
  std::size_t max_messages_per_poll = kDefaultMaxMessagesPerPoll;
  std::size_t pipeline_window = kDefaultPipelineWindow;
  std::uint64_t pipeline_bytes = kDefaultPipelineBytes;
  bool force_pipelining_off = false;  // the last poll failed while pipelining
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
  struct Listed {
    std::uint32_t msgno;
    std::string uidl;  // empty: not known yet (server without UIDL)
  };

  // Connection handlers.
  void on_connected();
  void on_tls_ready();
  void on_data(std::string_view bytes);
  void on_eof();
  void on_error(common::Error error);
  void on_commit(const common::Status& outcome);

  // Drains the session's events, then sends its output.
  void pump();
  void handle(pop3::Event& event);
  void on_list_entry(const pop3::ListEntry& entry);
  void on_uidl_entry(const pop3::UidlEntry& entry);
  void on_listing_done(const pop3::ListingDone& done);
  void on_message_data(const pop3::MessageData& data);
  void on_message_end();
  void on_message_failed(const pop3::MessageFailed& failed);
  void on_deleted(std::uint32_t msgno);
  void on_closed();

  void feed_retrieves();
  void retrieve_done();  // the current message ended or failed: the window moves on
  void maybe_quit();
  void send_dele(std::uint32_t msgno, std::string uidl);
  bool deleting() const { return !options_.account.keep; }

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

  // Listing.
  static constexpr std::uint64_t kNotListed = ~std::uint64_t{0};
  std::vector<std::uint64_t> sizes_;          // by msgno; kNotListed for gaps
  std::vector<std::uint64_t> uidl_hashes_;    // to find one UIDL listed twice
  std::vector<bool> uidl_seen_;               // by msgno: to find one message listed twice
  std::vector<Listed> wanted_;                // to retrieve, in msgno order
  std::vector<Listed> delete_now_;            // already stored: DELE at once
  bool have_uidl_ = false;
  bool listing_done_ = false;
  std::int64_t delete_cutoff_ = 0;            // delete_after: stored at or before this

  // Retrieval.
  std::size_t next_wanted_ = 0;
  std::size_t retrieves_in_flight_ = 0;         // queued in the session or on the wire
  std::uint64_t retrieve_bytes_in_flight_ = 0;  // their LIST sizes
  const Listed* current_ = nullptr;           // the message being received
  std::string body_;
  std::uint64_t progress_logged_ms_ = 0;
  std::uint64_t retrieved_ = 0;

  // Stored by this poll but not yet committed.
  std::vector<Listed> uncommitted_;
  std::uint64_t uncommitted_new_ = 0;
  std::uint64_t uncommitted_bytes_ = 0;

  std::uint64_t commits_with_ours_ = 0;   // for the crash test hook
  std::uint64_t crash_after_commit_ = 0;  // the hook's N; 0: off

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
