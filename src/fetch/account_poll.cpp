// fetch::AccountPoll, the connection side: start and stop, the connection's
// handlers, draining the session's events, the deadlines and the end of the
// poll. What happens to the messages is in account_poll_messages.cpp.

#include "fetch/account_poll.hpp"

#include <cstdlib>
#include <ctime>
#include <utility>

#include "common/log.hpp"
#include "common/overloaded.hpp"
#include "fetch/session_setup.hpp"

namespace fetch {
namespace {

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
  report_.started_at = static_cast<std::int64_t>(std::time(nullptr));
  started_ms_ = uv_now(loop_);
  progress_ = options_.progress ? options_.progress : std::make_shared<PollProgress>();
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
  if (done_ || !archive_in_place()) return;

  subscription_ = writer_.subscribe([this](const common::Status& outcome) { on_commit(outcome); });
  lookup_.emplace(writer_.archive(), account.name);
  listing_.emplace(account, options_.max_messages_per_poll, report_.started_at, *lookup_);
  session_.emplace(session_options(account, std::move(options_.password),
                                   {options_.force_pipelining_off, options_.pipeline_window}),
                   digests_);

  deadline_timer_ = net::make_timer(loop_);
  if (!deadline_timer_) return fail(common::ErrorKind::Aborted, "cannot create a timer");
  deadline_timer_->data = this;
  deadlines_.emplace(static_cast<std::uint64_t>(account.timeout.count()) * 1000, started_ms_);

  net::Connection::Handlers handlers;
  handlers.on_connected = [this] { on_connected(); };
  handlers.on_tls_ready = [this] { on_tls_ready(); };
  handlers.on_data = [this](std::string_view bytes) { on_data(bytes); };
  handlers.on_eof = [this] { on_eof(); };
  handlers.on_error = [this](common::Error error) { on_error(std::move(error)); };
  connection_ = net::Connection::create(loop_, std::move(handlers));

  const std::string via =
      account.proxy ? " via SOCKS5 proxy " + account.proxy->host + ":" + std::to_string(account.proxy->port) : "";
  common::log_debug(account.name, "connecting to " + account.server + ":" + std::to_string(account.port) + " (" +
                                      std::string(config::to_string(account.security)) + ")" + via);
  if (options_.tls_sessions) {
    options_.tls_sessions->set_scope(account.server + ":" + std::to_string(account.port) + via);
  }
  connection_->connect(account.server, account.port, account.timeout, with_cache(implicit_tls_options(account)),
                       proxy_options(account));
  watch_deadlines();
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

std::optional<net::TlsOptions> AccountPoll::with_cache(std::optional<net::TlsOptions> tls) const {
  if (tls) tls->session_cache = options_.tls_sessions;
  return tls;
}

// "TLSv1.2 TLS-ECDHE-...; resumed session, handshake 1 round trip, 342 bytes out, 226 in"
std::string AccountPoll::describe(const net::TlsInfo& info) {
  return info.version + " " + info.cipher_suite + "; " + (info.resumed ? "resumed session" : "full handshake") +
         ", " + std::to_string(info.handshake_round_trips) + " round trip(s), " +
         std::to_string(info.handshake_bytes_sent) + " bytes out, " + std::to_string(info.handshake_bytes_received) +
         " in";
}

void AccountPoll::on_connected() {
  Entry entry(this);
  std::string how = connection_->peer_address();
  if (auto info = connection_->tls_info()) how += " with " + describe(*info);
  common::log_debug(options_.account.name, "connected to " + how);
  pump();  // nothing to send before the greeting; keeps the flow uniform
}

void AccountPoll::on_tls_ready() {
  Entry entry(this);
  if (auto info = connection_->tls_info()) {
    common::log_debug(options_.account.name, "STARTTLS done: " + describe(*info));
  }
  session_->tls_established();
  pump();
}

void AccountPoll::on_data(std::string_view bytes) {
  Entry entry(this);
  if (done_) return;
  deadlines_->received(bytes.size());
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
  if (error.kind == common::ErrorKind::Timeout && session_ && !session_->awaiting().empty()) {
    error.message += " (waiting for the reply to " + session_->awaiting() + ")";
  }
  finish(std::move(error));
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
  watch_deadlines();
}

void AccountPoll::handle(pop3::Event& event) {
  const std::string& name = options_.account.name;
  auto listing_step = [&](const common::Status& status) {
    if (!status) finish(status.error());
  };
  std::visit(common::Overloaded{
                 [&](pop3::StartTls&) { connection_->start_tls(*with_cache(tls_options(options_.account))); },
                 [&](pop3::Notice& notice) { common::log_warn(name, notice.text); },
                 [&](pop3::CommandSent& sent) { common::log_debug(name, "> " + sent.text); },
                 [&](pop3::Authenticated& authenticated) {
                   report_.login_delay_seconds = authenticated.capabilities.login_delay_seconds;
                   common::log_debug(name, "authenticated; server offers " + authenticated.capabilities.summary() +
                                               (authenticated.pipelining ? "; pipelining" : "; not pipelining"));
                 },
                 [&](pop3::ListEntry& entry) { listing_step(listing_->add(entry)); },
                 [&](pop3::UidlEntry& entry) { listing_step(listing_->add(entry)); },
                 [&](pop3::ListingDone& listing) { on_listing_done(listing); },
                 [&](pop3::MessageBegin& begin) { on_message_begin(begin); },
                 [&](pop3::MessageData& data) { on_message_data(data); },
                 [&](pop3::MessageEnd& end) { on_message_end(end); },
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
                   std::string message = failed.error.message;
                   if (classified.retry == RetryHint::AuthFailed) {
                     if (std::string hint = username_hint(options_.account); !hint.empty()) message += "; " + hint;
                   }
                   finish(common::make_error(classified.kind, message), classified.retry);
                 },
             },
             event);
}

// --- deadlines

void AccountPoll::watch_deadlines() {
  if (done_ || !deadline_timer_) return;
  std::string awaiting = session_->awaiting();
  const bool retr = retrieves_in_flight_ > 0 && awaiting.rfind("RETR ", 0) == 0;
  const std::uint64_t now = uv_now(loop_);
  deadlines_->awaiting(std::move(awaiting), retr ? plan_.size_of(current().msgno) : 0, now);
  const std::uint64_t due = deadlines_->due_ms();
  uv_timer_start(
      deadline_timer_.get(), [](uv_timer_t* timer) { static_cast<AccountPoll*>(timer->data)->on_deadline(); },
      due > now ? due - now : 0, 0);
}

void AccountPoll::on_deadline() {
  Entry entry(this);
  if (done_) return;
  std::optional<std::string> expired = deadlines_->expired(uv_now(loop_), options_.account.server);
  if (!expired) return watch_deadlines();  // bytes arrived meanwhile: the reply's deadline moved on
  connection_lost_ = true;
  if (!uncommitted_.empty()) (void)writer_.commit();  // keep what arrived whole; no DELE now
  fail(common::ErrorKind::Timeout, std::move(*expired));
}

void AccountPoll::finish(std::optional<common::Error> error, RetryHint retry) {
  if (done_) return;
  done_ = true;
  report_.error = std::move(error);
  report_.retry = retry;
  report_.finished_at = static_cast<std::int64_t>(std::time(nullptr));
  report_.elapsed_ms = uv_now(loop_) - started_ms_;
  if (connection_) connection_->close();
  // Let go of the connection now (its graceful close finishes by itself) and
  // of the listing: a finished poll may be kept around by its owner, and the
  // TLS state and read buffer alone are ~130 KB. With 100 accounts,
  // poll-once peaked at 25.5 MB holding all of them.
  connection_.reset();
  deadline_timer_.reset();
  subscription_ = {};
  lock_.reset();
  listing_.reset();
  body_ = std::string();
  top_reply_ = std::string();
  plan_ = {};
  retrieve_ = {};
  checks_in_flight_ = {};
}

}  // namespace fetch
