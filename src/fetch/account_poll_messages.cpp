// fetch::AccountPoll, the message side: the plan once the listing is done,
// the retrieval window, each message into the archive, delete_after's header
// checks, and DELE under the deletion rule. The connection side is in
// account_poll.cpp.

#include <algorithm>
#include <csignal>
#include <ctime>
#include <utility>

#include "common/format.hpp"
#include "common/log.hpp"
#include "fetch/account_poll.hpp"
#include "fetch/deletion_rule.hpp"
#include "net/sha256.hpp"
#include "store/content_hash.hpp"

namespace fetch {
namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string message_name(std::uint32_t msgno, const std::string& uidl) {
  return "message " + std::to_string(msgno) + (uidl.empty() ? "" : " (UIDL " + uidl + ")");
}

// A body buffer that grew past this is given back after the message, so one
// big message does not pin its memory for the rest of the poll.
constexpr std::size_t kBodyCapacityToKeep = 1u << 20;

}  // namespace

void AccountPoll::on_commit(const common::Status& outcome) {
  if (done_ || uncommitted_.empty()) return;
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
  for (Uncommitted& stored : uncommitted_) {
    if (stored.deletable) proven_.push_back(std::move(stored.message));
  }
  uncommitted_.clear();
}

void AccountPoll::on_listing_done(const pop3::ListingDone& done) {
  const config::Account& account = options_.account;
  auto planned = listing_->finish(done.have_uidl);
  listing_.reset();
  if (!planned) return finish(planned.error());
  plan_ = std::move(*planned);
  // Before the move below: retrieve_bytes() adds up plan_.retrieve.
  const std::uint64_t planned_bytes = plan_.retrieve_bytes();
  retrieve_ = std::move(plan_.retrieve);
  report_.listed = plan_.listed;
  report_.skipped_oversize = plan_.skipped_oversize;
  report_.more_pending = plan_.more_pending;
  listing_done_ = true;

  deadlines_->planned(planned_bytes, uv_now(loop_));
  progress_->planned(retrieve_.size(), planned_bytes, uv_now(loop_));
  common::log_info(account.name,
                   std::to_string(plan_.listed) + " messages on the server, " + std::to_string(retrieve_.size()) +
                       " to fetch (" + common::format_bytes(planned_bytes) + ")" +
                       (plan_.rechecked == 0 ? ""
                                             : ", " + std::to_string(plan_.rechecked) +
                                                   " of them already archived, fetched again to compare") +
                       (plan_.header_checks.empty()
                            ? ""
                            : ", " + std::to_string(plan_.header_checks.size()) + " old ones to check before deleting"));
  if (report_.skipped_oversize > 0) {
    common::log_warn(account.name, std::to_string(report_.skipped_oversize) +
                                       " message(s) larger than max_message_size left on the server");
  }
  if (stopping_) return maybe_quit();
  // delete_after's checks are small (a header block each): they go out first.
  for (HeaderCheck& check : plan_.header_checks) {
    session_->top(check.msgno, 0);
    checks_in_flight_.push_back(std::move(check));
  }
  plan_.header_checks = {};
  feed_retrieves();
  maybe_quit();
}

void AccountPoll::feed_retrieves() {
  // A sliding window: every completed message makes room for the next RETR,
  // so the pipeline never drains while both budgets cover a round trip. The
  // session sends what is queued at once when pipelining (one at a time
  // otherwise), and the commands freed by one read go out in one write.
  const std::size_t window = std::max<std::size_t>(1, options_.pipeline_window);
  while (!stopping_ && next_retrieve_ < retrieve_.size() && retrieves_in_flight_ < window) {
    const std::uint64_t size = plan_.size_of(retrieve_[next_retrieve_].msgno);
    if (retrieves_in_flight_ > 0 && retrieve_bytes_in_flight_ + size > options_.pipeline_bytes) break;
    session_->retrieve(retrieve_[next_retrieve_].msgno);
    ++next_retrieve_;
    ++retrieves_in_flight_;
    retrieve_bytes_in_flight_ += size;
  }
}

void AccountPoll::retrieve_done() {
  retrieve_bytes_in_flight_ -= std::min(retrieve_bytes_in_flight_, plan_.size_of(current().msgno));
  --retrieves_in_flight_;
}

void AccountPoll::on_message_begin(const pop3::MessageBegin& begin) {
  const bool expected = begin.top ? !checks_in_flight_.empty() && checks_in_flight_.front().msgno == begin.msgno
                                  : retrieves_in_flight_ > 0 && current().msgno == begin.msgno;
  if (!expected) {
    return fail(common::ErrorKind::Protocol,
                "the server sent message " + std::to_string(begin.msgno) + " out of order");
  }
  (begin.top ? top_reply_ : body_).clear();
}

void AccountPoll::on_message_data(const pop3::MessageData& data) {
  if (data.top) {
    // A header block; a server that sends more is answered with "no match".
    if (top_reply_.size() + data.chunk.size() <= kMaxHeaderCheckBytes) top_reply_.append(data.chunk);
    return;
  }
  if (body_.size() + data.chunk.size() > options_.account.max_message_size) {
    // LIST announced it small enough; the server is sending more. Reading on
    // could be endless: give up on this poll.
    return fail(common::ErrorKind::Protocol,
                "message " + std::to_string(data.msgno) + " is larger than max_message_size (" +
                    std::to_string(options_.account.max_message_size) + " bytes) although LIST announced " +
                    std::to_string(plan_.size_of(data.msgno)) + " bytes");
  }
  body_.append(data.chunk);
}

void AccountPoll::on_message_end(const pop3::MessageEnd& end) {
  if (end.top) return on_header_check_end();
  const config::Account& account = options_.account;
  Listed message = current();
  if (message.uidl.empty()) message.uidl = store::content_hash_uidl(body_, net::sha256);
  const std::uint64_t listed_size = plan_.size_of(message.msgno);
  const bool short_retr = clearly_short(body_.size(), listed_size);
  if (short_retr) {
    ++report_.short_messages;
    common::log_warn(account.name, message_name(message.msgno, message.uidl) + " arrived with " +
                                       std::to_string(body_.size()) + " bytes although LIST announced " +
                                       std::to_string(listed_size) +
                                       ": stored flagged as short and left on the server");
  }

  auto added = writer_.add(account.name, message.uidl, body_, unix_now(), store::AddFlags{short_retr, listed_size});
  if (done_) return;  // the failed add rolled back our batch and ended this poll
  if (!added) return fail(common::ErrorKind::Storage, added.error().message);
  if (*added == store::AddOutcome::Stored) {
    ++uncommitted_new_;
    uncommitted_bytes_ += body_.size();
  } else {
    ++report_.already_stored;
  }
  uncommitted_.push_back({std::move(message), deletable_after_retrieve(account, short_retr)});
  progress_->message_done(listed_size);

  if (body_.capacity() > kBodyCapacityToKeep) body_ = std::string();
  body_.clear();
  retrieve_done();

  if (common::Status committed = writer_.commit_if_due(); !committed || done_) return;

  if (const std::uint64_t now = uv_now(loop_); progress_->log_due(now)) {
    common::log_info(account.name, progress_->line(now));
  }
  feed_retrieves();
  maybe_quit();
}

void AccountPoll::on_header_check_end() {
  HeaderCheck check = std::move(checks_in_flight_.front());
  checks_in_flight_.pop_front();
  bool proven = false;
  for (std::int64_t id : check.vouchers) {
    auto stored = writer_.archive().header_block(id);
    if (!stored) return fail(common::ErrorKind::Storage, stored.error().message);
    if (same_headers(top_reply_, *stored)) {
      proven = true;
      break;
    }
  }
  top_reply_ = std::string();
  if (proven) {
    proven_.push_back({check.msgno, std::move(check.uidl)});
  } else {
    // Same UIDL and size, other headers: a new message under a reused UIDL.
    common::log_warn(options_.account.name, message_name(check.msgno, check.uidl) +
                                                " is not the archived message of that UIDL (its headers differ): "
                                                "fetched as new mail, not deleted");
    retrieve_.push_back({check.msgno, std::move(check.uidl)});
    progress_->add_planned(plan_.size_of(check.msgno));
    feed_retrieves();
  }
  maybe_quit();
}

void AccountPoll::on_message_failed(const pop3::MessageFailed& failed) {
  if (failed.top) {
    common::log_warn(options_.account.name, "TOP for message " + std::to_string(failed.msgno) +
                                                " failed (left on the server, not deleted): " + failed.reason);
    checks_in_flight_.pop_front();
    top_reply_ = std::string();
    return maybe_quit();
  }
  ++report_.failed_messages;
  common::log_warn(options_.account.name,
                   "message " + std::to_string(failed.msgno) + " not retrieved (left on the server): " + failed.reason);
  body_.clear();
  progress_->message_done(plan_.size_of(failed.msgno));
  retrieve_done();
  feed_retrieves();
  maybe_quit();
}

bool AccountPoll::archive_in_place() {
  // An archive removed or replaced under the daemon still accepts commits,
  // into a file nobody will ever read again: nothing may be deleted on its
  // strength, and nothing more archived into it.
  auto in_place = writer_.archive().still_in_place();
  if (in_place && *in_place) return true;
  report_.archive_moved = true;
  fail(common::ErrorKind::Storage,
       "the archive " + writer_.archive().path() +
           (in_place ? " was removed or replaced while popfetchd had it open"
                     : " cannot be checked: " + in_place.error().message) +
           "; nothing is fetched or deleted until popfetchd is restarted");
  return false;
}

bool AccountPoll::send_deles(std::vector<Listed> messages) {
  if (messages.empty() || !can_send()) return true;
  if (!archive_in_place()) return false;
  for (Listed& message : messages) {
    session_->remove(message.msgno);
    dele_sent_.emplace(message.msgno, std::move(message.uidl));
  }
  return true;
}

void AccountPoll::on_deleted(std::uint32_t msgno) {
  auto it = dele_sent_.find(msgno);
  if (it == dele_sent_.end()) return;
  deleted_uidls_.push_back(std::move(it->second));
  dele_sent_.erase(it);
}

void AccountPoll::maybe_quit() {
  if (done_ || quit_sent_ || !listing_done_) return;
  const bool retrieving = !stopping_ && next_retrieve_ < retrieve_.size();
  // QUIT goes out only after the last reply: pipelined behind the last RETRs
  // it raced the server's close (issue "nothing is lost", item 12).
  if (retrieving || retrieves_in_flight_ > 0 || !checks_in_flight_.empty()) return;
  // Everything is in: make it durable (on_commit collects the proven
  // messages), then DELE them all and QUIT. A server deletes only at QUIT
  // (RFC 1939 §6), so DELEs sent earlier would gain nothing, and sending
  // them together keeps their order independent of when batches commit.
  if (common::Status committed = writer_.commit(); !committed || done_) return;
  if (!send_deles(std::exchange(proven_, {}))) return;
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

}  // namespace fetch
