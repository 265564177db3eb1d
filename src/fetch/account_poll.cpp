#include "fetch/account_poll.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "common/format.hpp"
#include "common/log.hpp"
#include "common/sanitize.hpp"
#include "net/sha256.hpp"
#include "store/content_hash.hpp"

namespace fetch {
namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

pop3::TlsPolicy tls_policy(config::Security security) {
  switch (security) {
    case config::Security::StartTls: return pop3::TlsPolicy::StartTlsRequired;
    case config::Security::StartTlsIfAvailable: return pop3::TlsPolicy::StartTlsIfAvailable;
    case config::Security::None:
    case config::Security::Tls:
    case config::Security::TlsIfAvailable: return pop3::TlsPolicy::AlreadySecure;
  }
  return pop3::TlsPolicy::AlreadySecure;
}

pop3::PipeliningMode pipelining_mode(config::Pipelining pipelining) {
  switch (pipelining) {
    case config::Pipelining::Auto: return pop3::PipeliningMode::Auto;
    case config::Pipelining::On: return pop3::PipeliningMode::On;
    case config::Pipelining::Off: return pop3::PipeliningMode::Off;
  }
  return pop3::PipeliningMode::Auto;
}

net::TlsOptions tls_options(const config::Account& account) {
  return net::TlsOptions{account.server, config::verifies_certificate(account.security), account.ca_file};
}

// How a failed session maps onto our error kinds and the retry decision.
struct Classified {
  common::ErrorKind kind;
  RetryHint retry;
};

Classified classify(const pop3::SessionError& error) {
  using K = pop3::SessionErrorKind;
  switch (error.kind) {
    case K::Auth: return {common::ErrorKind::Auth, RetryHint::AuthFailed};
    case K::AuthUnavailable: return {common::ErrorKind::Auth, RetryHint::Permanent};
    case K::TempFail:
      if (error.code == pop3::ResponseCode::InUse) return {common::ErrorKind::TempFail, RetryHint::InUse};
      if (error.code == pop3::ResponseCode::LoginDelay) return {common::ErrorKind::TempFail, RetryHint::LoginDelay};
      return {common::ErrorKind::TempFail, RetryHint::Normal};
    case K::PermFail: return {common::ErrorKind::PermFail, RetryHint::Permanent};
    case K::TlsRequired: return {common::ErrorKind::Tls, RetryHint::Normal};
    case K::ConnectionClosed: return {common::ErrorKind::Io, RetryHint::Normal};
    case K::GreetingRejected: return {common::ErrorKind::TempFail, RetryHint::Normal};
    case K::Usage: return {common::ErrorKind::Config, RetryHint::Permanent};
    case K::Protocol:
    case K::CommandRejected: return {common::ErrorKind::Protocol, RetryHint::Normal};
  }
  return {common::ErrorKind::Protocol, RetryHint::Normal};
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// The crash test hook (see the header): N from the environment, 0 when unset
// or not a positive number. Read once per process.
std::uint64_t crash_after_commit_from_environment() {
  static const std::uint64_t n = [] {
    const char* text = std::getenv(kCrashAfterCommitVariable);
    if (text == nullptr || *text == '\0') return std::uint64_t{0};
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text, &end, 10);
    return *end == '\0' ? static_cast<std::uint64_t>(value) : std::uint64_t{0};
  }();
  return n;
}

// Progress lines for a long first import: at most one per this interval.
constexpr std::uint64_t kProgressIntervalMs = 10'000;
// A body buffer that grew past this is given back after the message, so one
// big message does not pin its memory for the rest of the poll.
constexpr std::size_t kBodyCapacityToKeep = 1u << 20;

}  // namespace

AccountPoll::AccountPoll(uv_loop_t* loop, PollOptions options, ArchiveWriter& writer, const pop3::Digests& digests,
                         DoneCallback on_done)
    : loop_(loop),
      options_(std::move(options)),
      writer_(writer),
      digests_(digests),
      on_done_(std::move(on_done)),
      crash_after_commit_(crash_after_commit_from_environment()) {
  report_.account = options_.account.name;
}

AccountPoll::~AccountPoll() = default;

AccountPoll::Entry::~Entry() {
  AccountPoll* poll = poll_;
  if (--poll->depth_ > 0 || !poll->done_ || poll->delivered_) return;
  poll->delivered_ = true;
  DoneCallback on_done = std::move(poll->on_done_);
  on_done(std::move(poll->report_));  // last: may destroy the poll
}

void AccountPoll::start() {
  Entry entry(this);
  report_.started_at = unix_now();
  started_ms_ = uv_now(loop_);
  progress_logged_ms_ = started_ms_;
  const config::Account& account = options_.account;

  auto lock = store::AccountLock::try_acquire(options_.database_path, account.name);
  if (!lock) {
    finish(lock.error());
  } else if (!lock->has_value()) {
    finish(common::make_error(common::ErrorKind::TempFail,
                              "another popfetchd process is polling this account right now"));
  } else {
    lock_.emplace(std::move(**lock));
  }
  if (done_) return;

  subscription_ = writer_.subscribe([this](const common::Status& outcome) { on_commit(outcome); });

  pop3::SessionOptions session_options;
  session_options.username = account.username;
  session_options.password = std::move(options_.password);
  options_.password.clear();
  session_options.auth = account.auth == config::AuthMethod::CramMd5 ? pop3::AuthMethod::CramMd5
                                                                       : pop3::AuthMethod::Plain;
  session_options.tls = tls_policy(account.security);
  session_options.pipelining =
      options_.force_pipelining_off ? pop3::PipeliningMode::Off : pipelining_mode(account.pipelining);
  session_options.want_uidl = true;
  // The feed keeps at most pipeline_window RETRs in flight; the rest of the
  // session's window is room for DELEs and for QUIT to go out with the last
  // RETRs instead of a round trip after them.
  session_options.window = 2 * std::max<std::size_t>(1, options_.pipeline_window);
  session_.emplace(std::move(session_options), digests_);

  if (account.delete_after) delete_cutoff_ = report_.started_at - account.delete_after->count();

  net::Connection::Handlers handlers;
  handlers.on_connected = [this] { on_connected(); };
  handlers.on_tls_ready = [this] { on_tls_ready(); };
  handlers.on_data = [this](std::string_view bytes) { on_data(bytes); };
  handlers.on_eof = [this] { on_eof(); };
  handlers.on_error = [this](common::Error error) { on_error(std::move(error)); };
  connection_ = net::Connection::create(loop_, std::move(handlers));

  std::optional<net::TlsOptions> implicit_tls;
  if (config::implicit_tls(account.security)) implicit_tls = tls_options(account);
  common::log_debug(account.name, "connecting to " + account.server + ":" + std::to_string(account.port) + " (" +
                                      std::string(config::to_string(account.security)) + ")");
  connection_->connect(account.server, account.port, account.timeout, implicit_tls);
}

void AccountPoll::stop() {
  Entry entry(this);
  if (done_ || stopping_) return;
  stopping_ = true;
  if (!listing_done_) {
    return finish(common::make_error(common::ErrorKind::Aborted, "stopped before the listing was complete"));
  }
  maybe_quit();
  pump();
}

// --- connection handlers: each is an entry point

void AccountPoll::on_connected() {
  Entry entry(this);
  std::string how = connection_->peer_address();
  if (auto info = connection_->tls_info()) how += " with " + info->version + " " + info->cipher_suite;
  common::log_debug(options_.account.name, "connected to " + how);
  pump();  // nothing to send before the greeting; keeps the flow uniform
}

void AccountPoll::on_tls_ready() {
  Entry entry(this);
  if (auto info = connection_->tls_info()) {
    common::log_debug(options_.account.name, "STARTTLS done: " + info->version + " " + info->cipher_suite);
  }
  session_->tls_established();
  pump();
}

void AccountPoll::on_data(std::string_view bytes) {
  Entry entry(this);
  if (done_) return;
  session_->receive(bytes);
  pump();
}

void AccountPoll::on_eof() {
  Entry entry(this);
  if (done_) return;
  session_->receive_eof();
  pump();
}

void AccountPoll::on_error(common::Error error) {
  Entry entry(this);
  if (done_) return;
  connection_lost_ = true;
  // Whatever arrived completely is still worth keeping (nothing is deleted:
  // the connection is gone).
  if (!uncommitted_.empty()) (void)writer_.commit();
  finish(std::move(error));
}

void AccountPoll::on_commit(const common::Status& outcome) {
  if (done_ || uncommitted_.empty()) return;
  const bool from_outside = depth_ == 0;  // another poll's commit
  Entry entry(this);
  if (!outcome) {
    // The batch holding our messages was rolled back: none of them is
    // stored, so none may be deleted. They stay on the server for next time.
    return finish(
        common::make_error(common::ErrorKind::Storage, "storing messages failed: " + outcome.error().message));
  }
  if (++commits_with_ours_ == crash_after_commit_) std::raise(SIGKILL);  // test hook: durable, no DELE yet
  report_.new_messages += uncommitted_new_;
  report_.new_bytes += uncommitted_bytes_;
  uncommitted_new_ = 0;
  uncommitted_bytes_ = 0;
  std::vector<Listed> committed = std::move(uncommitted_);
  uncommitted_.clear();
  if (deleting() && can_send()) {
    for (Listed& message : committed) send_dele(message.msgno, std::move(message.uidl));
  }
  // Our own calls send the output when they return; after another poll's
  // commit, send our DELEs now.
  if (from_outside) {
    pump();
  } else {
    repump_ = true;
  }
}

// --- the session

void AccountPoll::pump() {
  if (pumping_) {
    repump_ = true;
    return;
  }
  pumping_ = true;
  do {
    repump_ = false;
    {
      // Until the listing is done every event may be a UIDL to look up: all
      // of one read's lookups in one read transaction (nothing is written
      // before the listing is done).
      std::optional<store::Archive::ReadTransaction> lookups;
      if (!listing_done_) lookups.emplace(writer_.archive().read_transaction());
      while (!done_) {
        std::optional<pop3::Event> event = session_->next_event();
        if (!event) break;
        handle(*event);
      }
    }
    if (connection_ && !done_) {
      std::string output = session_->take_output();
      if (!output.empty()) connection_->write(output);
    }
  } while (repump_ && !done_);
  pumping_ = false;
}

void AccountPoll::handle(pop3::Event& event) {
  const std::string& name = options_.account.name;
  std::visit(Overloaded{
                 [&](pop3::StartTls&) { connection_->start_tls(tls_options(options_.account)); },
                 [&](pop3::Notice& notice) { common::log_warn(name, notice.text); },
                 [&](pop3::CommandSent& sent) { common::log_debug(name, "> " + sent.text); },
                 [&](pop3::Authenticated& authenticated) {
                   report_.login_delay_seconds = authenticated.capabilities.login_delay_seconds;
                   common::log_debug(name, "authenticated; server offers " + authenticated.capabilities.summary() +
                                               (authenticated.pipelining ? "; pipelining" : "; not pipelining"));
                 },
                 [&](pop3::ListEntry& entry) { on_list_entry(entry); },
                 [&](pop3::UidlEntry& entry) { on_uidl_entry(entry); },
                 [&](pop3::ListingDone& listing) { on_listing_done(listing); },
                 [&](pop3::MessageBegin& begin) {
                   if (current_ == nullptr || current_->msgno != begin.msgno) {
                     fail(common::ErrorKind::Protocol, "the server sent message " + std::to_string(begin.msgno) +
                                                           " out of order");
                     return;
                   }
                   body_.clear();
                 },
                 [&](pop3::MessageData& data) { on_message_data(data); },
                 [&](pop3::MessageEnd&) { on_message_end(); },
                 [&](pop3::MessageFailed& failed) { on_message_failed(failed); },
                 [&](pop3::Deleted& deleted) { on_deleted(deleted.msgno); },
                 [&](pop3::DeleteFailed& failed) {
                   common::log_warn(name, "the server refused to delete message " + std::to_string(failed.msgno) +
                                              ": " + failed.error.text);
                   dele_sent_.erase(failed.msgno);
                 },
                 [&](pop3::Closed&) { on_closed(); },
                 [&](pop3::Failed& failed) {
                   Classified classified = classify(failed.error);
                   report_.pipelining_suspect = failed.error.during_pipelining;
                   if (!uncommitted_.empty()) (void)writer_.commit();  // keep what arrived; no DELE now
                   finish(common::make_error(classified.kind, failed.error.message), classified.retry);
                 },
             },
             event);
}

void AccountPoll::on_list_entry(const pop3::ListEntry& entry) {
  if (entry.msgno == 0 || entry.msgno > kMaxListedMessages) {
    fail(common::ErrorKind::Protocol, "the server's LIST names message " + std::to_string(entry.msgno) +
                                          " (popfetchd handles 1.." + std::to_string(kMaxListedMessages) + ")");
    return;
  }
  // At the start of a session messages are numbered 1..N (RFC 1939 §5), so a
  // number far beyond the lines seen so far is no mailbox, only a way to make
  // us allocate the bookkeeping for millions of messages.
  if (entry.msgno > 2 * report_.listed + kListingNumberSlack) {
    fail(common::ErrorKind::Protocol, "the server's LIST jumps to message " + std::to_string(entry.msgno) +
                                          " after " + std::to_string(report_.listed) + " lines");
    return;
  }
  if (sizes_.size() <= entry.msgno) sizes_.resize(entry.msgno + 1, kNotListed);
  if (sizes_[entry.msgno] != kNotListed) {
    // A listing that repeats itself could go on forever without the server
    // ever falling silent (the timeout would never fire).
    return fail(common::ErrorKind::Protocol,
                "the server's LIST names message " + std::to_string(entry.msgno) + " twice");
  }
  sizes_[entry.msgno] = entry.size;
  ++report_.listed;
}

void AccountPoll::on_uidl_entry(const pop3::UidlEntry& entry) {
  if (entry.msgno >= sizes_.size() || sizes_[entry.msgno] == kNotListed) {
    fail(common::ErrorKind::Protocol,
         "the server's UIDL names message " + std::to_string(entry.msgno) + ", which LIST did not");
    return;
  }
  // One UIDL per message: a second one would store the message twice (and
  // DELE it twice), and an endless repetition would grow uidl_hashes_ forever.
  if (uidl_seen_.size() < sizes_.size()) uidl_seen_.resize(sizes_.size());
  if (uidl_seen_[entry.msgno]) {
    return fail(common::ErrorKind::Protocol,
                "the server's UIDL names message " + std::to_string(entry.msgno) + " twice");
  }
  uidl_seen_[entry.msgno] = true;
  const config::Account& account = options_.account;
  uidl_hashes_.push_back(std::hash<std::string_view>{}(entry.uidl));

  common::Result<bool> stored = writer_.archive().contains(account.name, entry.uidl);
  if (!stored) return fail(common::ErrorKind::Storage, stored.error().message);
  if (*stored) {
    if (deleting()) {
      // Stored by an earlier poll that did not get to delete it (a crash or
      // a lost connection between commit and QUIT): it is durable, delete it.
      // But read its row first: contains() consults only the (account, uidl)
      // index, which would also vouch for a row that a damaged archive can
      // no longer read, and the server's copy may be the last one.
      auto readable = writer_.archive().stored_at(account.name, entry.uidl);
      if (!readable) return fail(common::ErrorKind::Storage, readable.error().message);
      delete_now_.push_back({entry.msgno, entry.uidl});
    } else if (account.delete_after) {
      auto stored_at = writer_.archive().stored_at(account.name, entry.uidl);
      if (!stored_at) return fail(common::ErrorKind::Storage, stored_at.error().message);
      if (stored_at->has_value() && **stored_at <= delete_cutoff_) delete_now_.push_back({entry.msgno, entry.uidl});
    }
    return;
  }
  if (sizes_[entry.msgno] > account.max_message_size) {
    ++report_.skipped_oversize;
    return;
  }
  if (wanted_.size() >= options_.max_messages_per_poll) {
    report_.more_pending = true;
    return;
  }
  wanted_.push_back({entry.msgno, entry.uidl});
}

void AccountPoll::on_listing_done(const pop3::ListingDone& done) {
  const config::Account& account = options_.account;
  have_uidl_ = done.have_uidl;
  if (!have_uidl_) {
    if (account.keep) {
      return fail(common::ErrorKind::Protocol,
                  "the server does not support UIDL, which keep: true needs to fetch only new messages "
                  "(keep: false works without it)");
    }
    // keep: false without UIDL: fetch everything; the content hash names it.
    for (std::uint32_t msgno = 1; msgno < sizes_.size(); ++msgno) {
      if (sizes_[msgno] == kNotListed) continue;
      if (sizes_[msgno] > account.max_message_size) {
        ++report_.skipped_oversize;
      } else if (wanted_.size() >= options_.max_messages_per_poll) {
        report_.more_pending = true;
      } else {
        wanted_.push_back({msgno, {}});
      }
    }
  } else {
    std::sort(uidl_hashes_.begin(), uidl_hashes_.end());
    if (std::adjacent_find(uidl_hashes_.begin(), uidl_hashes_.end()) != uidl_hashes_.end()) {
      return fail(common::ErrorKind::Protocol,
                  "the server lists one UIDL for two different messages; nothing was fetched or deleted "
                  "(a duplicate UIDL could make popfetchd delete a message it has not stored)");
    }
  }
  uidl_hashes_ = {};
  uidl_seen_ = {};
  std::sort(wanted_.begin(), wanted_.end(), [](const Listed& a, const Listed& b) { return a.msgno < b.msgno; });
  listing_done_ = true;

  std::uint64_t wanted_bytes = 0;
  for (const Listed& message : wanted_) wanted_bytes += sizes_[message.msgno];
  common::log_info(account.name, std::to_string(report_.listed) + " messages on the server, " +
                                     std::to_string(wanted_.size()) + " to fetch (" + common::format_bytes(wanted_bytes) +
                                     ")" +
                                     (delete_now_.empty() ? "" : ", " + std::to_string(delete_now_.size()) +
                                                                     " stored ones to delete"));
  if (report_.skipped_oversize > 0) {
    common::log_warn(account.name, std::to_string(report_.skipped_oversize) +
                                       " message(s) larger than max_message_size left on the server");
  }
  for (Listed& message : delete_now_) send_dele(message.msgno, std::move(message.uidl));
  delete_now_ = {};
  if (stopping_) return maybe_quit();
  feed_retrieves();
  maybe_quit();
}

void AccountPoll::feed_retrieves() {
  // A sliding window: every completed message makes room for the next RETR,
  // so the pipeline never drains while both budgets cover a round trip. The
  // session sends what is queued at once when pipelining (one at a time
  // otherwise), and the commands freed by one read go out in one write.
  const std::size_t window = std::max<std::size_t>(1, options_.pipeline_window);
  while (!stopping_ && next_wanted_ < wanted_.size() && retrieves_in_flight_ < window) {
    const std::uint64_t size = sizes_[wanted_[next_wanted_].msgno];
    if (retrieves_in_flight_ > 0 && retrieve_bytes_in_flight_ + size > options_.pipeline_bytes) break;
    session_->retrieve(wanted_[next_wanted_].msgno);
    ++next_wanted_;
    ++retrieves_in_flight_;
    retrieve_bytes_in_flight_ += size;
  }
  if (current_ == nullptr && retrieves_in_flight_ > 0) current_ = &wanted_[next_wanted_ - retrieves_in_flight_];
}

void AccountPoll::retrieve_done() {
  --retrieves_in_flight_;
  retrieve_bytes_in_flight_ -= std::min(retrieve_bytes_in_flight_, sizes_[current_->msgno]);
  current_ = retrieves_in_flight_ > 0 ? current_ + 1 : nullptr;
}

void AccountPoll::on_message_data(const pop3::MessageData& data) {
  if (body_.size() + data.chunk.size() > options_.account.max_message_size) {
    // LIST announced it small enough; the server is sending more. Reading on
    // could be endless: give up on this poll.
    return fail(common::ErrorKind::Protocol,
                "message " + std::to_string(data.msgno) + " is larger than max_message_size (" +
                    std::to_string(options_.account.max_message_size) + " bytes) although LIST announced " +
                    std::to_string(sizes_[data.msgno]) + " bytes");
  }
  body_.append(data.chunk);
}

void AccountPoll::on_message_end() {
  const config::Account& account = options_.account;
  Listed message = *current_;
  if (message.uidl.empty()) message.uidl = store::content_hash_uidl(body_, net::sha256);

  auto added = writer_.add(account.name, message.uidl, body_, unix_now());
  if (done_) return;  // the failed add rolled back our batch and ended this poll
  if (!added) return fail(common::ErrorKind::Storage, added.error().message);
  if (*added == store::AddOutcome::Stored) {
    ++uncommitted_new_;
    uncommitted_bytes_ += body_.size();
  } else {
    ++report_.already_stored;
  }
  uncommitted_.push_back(std::move(message));
  ++retrieved_;

  if (body_.capacity() > kBodyCapacityToKeep) body_ = std::string();
  body_.clear();
  retrieve_done();

  if (common::Status committed = writer_.commit_if_due(); !committed || done_) return;

  const std::uint64_t now = uv_now(loop_);
  if (now - progress_logged_ms_ >= kProgressIntervalMs) {
    progress_logged_ms_ = now;
    const double seconds = static_cast<double>(now - started_ms_) / 1000.0;
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f MB/s",
                  seconds > 0 ? static_cast<double>(report_.new_bytes + uncommitted_bytes_) / 1e6 / seconds : 0.0);
    common::log_info(account.name, "progress: " + std::to_string(retrieved_) + "/" + std::to_string(wanted_.size()) +
                                       " messages, " + rate);
  }
  feed_retrieves();
  maybe_quit();
}

void AccountPoll::on_message_failed(const pop3::MessageFailed& failed) {
  ++report_.failed_messages;
  common::log_warn(options_.account.name,
                   "message " + std::to_string(failed.msgno) + " not retrieved (left on the server): " + failed.reason);
  body_.clear();
  retrieve_done();
  feed_retrieves();
  maybe_quit();
}

void AccountPoll::send_dele(std::uint32_t msgno, std::string uidl) {
  session_->remove(msgno);
  dele_sent_.emplace(msgno, std::move(uidl));
}

void AccountPoll::on_deleted(std::uint32_t msgno) {
  auto it = dele_sent_.find(msgno);
  if (it == dele_sent_.end()) return;
  deleted_uidls_.push_back(std::move(it->second));
  dele_sent_.erase(it);
}

void AccountPoll::maybe_quit() {
  if (done_ || quit_sent_ || !listing_done_) return;
  const bool retrieving = !stopping_ && next_wanted_ < wanted_.size();
  if (retrieving) return;
  if (!deleting()) {
    // keep: true sends no DELE after the retrieves (delete_after's went out
    // before them), so QUIT follows the last RETR in the same flight rather
    // than a round trip later; on_closed() commits what they brought.
    session_->quit();
    quit_sent_ = true;
    return;
  }
  if (retrieves_in_flight_ > 0) return;
  // Everything is in: make it durable (this also sends the DELEs of
  // keep: false, via on_commit) before QUIT commits the deletions.
  if (common::Status committed = writer_.commit(); !committed || done_) return;
  session_->quit();
  quit_sent_ = true;
}

void AccountPoll::on_closed() {
  const config::Account& account = options_.account;
  // Whatever arrived before QUIT's +OK (all of it, see maybe_quit) is made
  // durable before the poll reports success.
  if (common::Status committed = writer_.commit(); !committed || done_) return;
  if (!deleted_uidls_.empty()) {
    auto marked = writer_.mark_deleted(account.name, deleted_uidls_, unix_now());
    report_.deleted = deleted_uidls_.size();
    if (!marked) {
      return fail(common::ErrorKind::Storage,
                  "the server deleted " + std::to_string(deleted_uidls_.size()) +
                      " messages, but recording that failed: " + marked.error().message);
    }
  }
  if (stopping_) {
    return finish(common::make_error(common::ErrorKind::Aborted, "stopped; the rest is fetched next time"));
  }
  finish(std::nullopt);
}

void AccountPoll::finish(std::optional<common::Error> error, RetryHint retry) {
  if (done_) return;
  done_ = true;
  report_.error = std::move(error);
  report_.retry = retry;
  report_.finished_at = unix_now();
  report_.elapsed_ms = uv_now(loop_) - started_ms_;
  if (connection_) connection_->close();
  // Let go of the connection now (its graceful close finishes by itself) and
  // of the listing: a finished poll may be kept around by its owner, and the
  // TLS state and read buffer alone are ~130 KB. With 100 accounts,
  // poll-once peaked at 25.5 MB holding all of them.
  connection_.reset();
  subscription_ = {};
  lock_.reset();
  body_ = std::string();
  sizes_ = {};
  uidl_hashes_ = {};
  wanted_ = {};
  current_ = nullptr;
}

}  // namespace fetch
