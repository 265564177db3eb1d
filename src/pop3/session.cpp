#include "pop3/session.hpp"

#include <utility>

#include "common/sanitize.hpp"
#include "pop3/auth.hpp"
#include "pop3/limits.hpp"
#include "pop3/listing.hpp"
#include "pop3/text.hpp"

namespace pop3 {
namespace {

const CommandTag* command_of(const Reply& reply) {
  return std::visit(
      [](const auto& r) -> const CommandTag* {
        if constexpr (requires { r.command; }) {
          return &r.command;
        } else {
          return nullptr;
        }
      },
      reply);
}

bool is_reply_to(const Reply& reply, CommandKind kind) {
  const CommandTag* command = command_of(reply);
  return command != nullptr && command->kind == kind;
}

std::string step_name(const CommandTag& command) {
  if (command.kind == CommandKind::Greeting) return "the greeting";
  return "the reply to " + command.describe();
}

}  // namespace

Session::Session(SessionOptions options, const Digests& digests)
    : options_(std::move(options)), digests_(digests), encrypted_(options_.tls_from_start) {
  protocol_.set_secrets(password_forms(options_.username, options_.password.reveal()));
}

// ---------------------------------------------------------------------------
// Driver interface

void Session::receive(std::string_view bytes) {
  if (finished()) return;
  protocol_.receive(bytes);
  while (std::optional<Reply> reply = protocol_.next()) {
    handle(*reply);
    if (finished()) break;  // Closed or Failed: whatever follows is not ours to interpret
  }
  pump();
}

void Session::receive_eof() {
  if (finished()) return;
  std::string where;
  const CommandTag* current = protocol_.current();
  if (current != nullptr && protocol_.on_wire() > 0) {
    where =
        (protocol_.reply_in_progress() ? "in the middle of " : "while waiting for ") + step_name(*current);
  } else if (state_ == State::AwaitTls) {
    where = "during the TLS handshake after STLS";
  } else {
    where = "while the session was idle, before QUIT";
  }
  fail(SessionErrorKind::ConnectionClosed, "server closed the connection " + where, ResponseCode::None,
       protocol_.on_wire() > 1);
}

std::optional<Event> Session::next_event() {
  if (events_.empty()) return std::nullopt;
  QueuedEvent queued = std::move(events_.front());
  events_.pop_front();
  if (auto* data = std::get_if<MessageData>(&queued.event)) {
    current_payload_ = std::move(queued.payload);
    data->chunk = current_payload_;
  }
  return std::move(queued.event);
}

std::string Session::take_output() {
  if (state_ == State::Failed) return {};
  return protocol_.take_output();
}

void Session::tls_established() {
  if (finished()) return;
  if (state_ != State::AwaitTls) {
    fail(SessionErrorKind::Usage, "tls_established() called while the session was not waiting for TLS");
    return;
  }
  protocol_.resume_after_tls();
  encrypted_ = true;
  // RFC 2595 §4: forget what was learnt in clear text, ask again.
  capabilities_ = {};
  have_capa_ = false;
  state_ = State::CapaAfterTls;
  send(Command::capa());
}

bool Session::accepting_driver_commands(std::string_view call) {
  if (finished()) return false;
  if (quit_queued_) {
    fail(SessionErrorKind::Usage, std::string(call) + " called after quit()");
    return false;
  }
  if (state_ != State::Listing && state_ != State::Transaction) {
    fail(SessionErrorKind::Usage, std::string(call) + " called before the session was authenticated");
    return false;
  }
  return true;
}

void Session::retrieve(std::uint32_t msgno) {
  if (!accepting_driver_commands("retrieve()")) return;
  if (msgno == 0) return fail(SessionErrorKind::Usage, "retrieve() called with message number 0");
  pending_.push_back(Command::retr(msgno));
  pump();
}

void Session::top(std::uint32_t msgno, std::uint32_t lines) {
  if (!accepting_driver_commands("top()")) return;
  if (msgno == 0) return fail(SessionErrorKind::Usage, "top() called with message number 0");
  pending_.push_back(Command::top(msgno, lines));
  pump();
}

void Session::remove(std::uint32_t msgno) {
  if (!accepting_driver_commands("remove()")) return;
  if (msgno == 0) return fail(SessionErrorKind::Usage, "remove() called with message number 0");
  pending_.push_back(Command::dele(msgno));
  pump();
}

void Session::quit() {
  if (finished() || quit_queued_) return;
  if (!accepting_driver_commands("quit()")) return;
  pending_.push_back(Command::quit());
  quit_queued_ = true;
  pump();
}

std::string Session::awaiting() const {
  const CommandTag* current = protocol_.current();
  if (current == nullptr) return {};
  if (current->kind == CommandKind::Greeting) return "the greeting";
  return current->trace;
}

bool Session::idle() const { return pending_.empty() && protocol_.in_flight() == 0; }

// ---------------------------------------------------------------------------
// The state machine

void Session::handle(Reply& reply) {
  if (const auto* violation = std::get_if<ViolationReply>(&reply)) {
    return fail(SessionErrorKind::Protocol, violation->message, ResponseCode::None,
                violation->during_pipelining);
  }
  switch (state_) {
    case State::Greeting:
      return on_greeting(reply);
    case State::Capa:
    case State::CapaAfterTls:
    case State::CapaAfterAuth:
      return on_capa_reply(reply);
    case State::Stls:
      return on_stls_reply(reply);
    case State::AwaitTls:
      // Protocol refuses input until resume_after_tls(); nothing can arrive here.
      return fail_unexpected(reply);
    case State::Utf8:
      return on_utf8_reply(reply);
    case State::Auth:
      return on_auth_reply(reply);
    case State::Listing:
      return on_listing_reply(reply);
    case State::Transaction:
      return on_transaction_reply(reply);
    case State::Closed:
    case State::Failed:
      return;
  }
}

void Session::on_greeting(const Reply& reply) {
  const auto* status = std::get_if<StatusReply>(&reply);
  if (!status || !is_reply_to(reply, CommandKind::Greeting)) return fail_unexpected(reply);
  if (!status->ok) {
    return fail(SessionErrorKind::GreetingRejected,
                "server rejected the connection: " + protocol_.quote(status->text), status->code);
  }
  apop_timestamp_ = greeting_timestamp(status->text);
  state_ = State::Capa;
  send(Command::capa());
}

void Session::on_capa_reply(const Reply& reply) {
  const CapaProgress progress = collect_capa(reply);
  if (progress == CapaProgress::Pending) return;
  if (state_ == State::CapaAfterAuth) return finish_auth();  // on Refused keep the CAPA from before
  if (progress == CapaProgress::Refused) {
    capabilities_ = {};  // an old server without CAPA (RFC 1939 only)
    have_capa_ = false;
  }
  return state_ == State::Capa ? after_first_capa() : before_auth();
}

void Session::on_stls_reply(const Reply& reply) {
  const auto* status = std::get_if<StatusReply>(&reply);
  if (!status || !is_reply_to(reply, CommandKind::Stls)) return fail_unexpected(reply);
  if (status->ok) {
    state_ = State::AwaitTls;
    return emit(StartTls{});
  }
  if (options_.tls == TlsPolicy::StartTlsRequired) {
    return fail(SessionErrorKind::TlsRequired, "server refused STLS: " + protocol_.quote(status->text),
                status->code);
  }
  notice("server refused STLS (" + protocol_.quote(status->text) + "); continuing in clear text");
  before_auth();
}

void Session::on_utf8_reply(const Reply& reply) {
  const auto* status = std::get_if<StatusReply>(&reply);
  if (!status || !is_reply_to(reply, CommandKind::Utf8)) return fail_unexpected(reply);
  if (!status->ok) notice("server refused UTF8: " + protocol_.quote(status->text));
  start_auth();
}

void Session::on_auth_reply(const Reply& reply) {
  if (const auto* challenge = std::get_if<ContinuationReply>(&reply)) return answer_challenge(*challenge);
  const auto* status = std::get_if<StatusReply>(&reply);
  if (!status) return fail_unexpected(reply);
  if (!status->ok) {
    std::string what = "authentication failed (" + status->command.describe();
    if (!auth_.bearer_error.empty()) what += "; the server's error: " + auth_.bearer_error;
    if (status->command.mechanism == "EXTERNAL") {
      what += "; the server did not accept the TLS client certificate (tls_client_cert) or the user it names";
    }
    return fail_from_server(*status, SessionErrorKind::Auth, what + ")");
  }
  switch (status->command.kind) {
    case CommandKind::User:
      if (!auth_.pass_sent) {
        auth_.pass_sent = true;
        send(Command::pass(options_.password.reveal()));
      }
      return;
    case CommandKind::Auth:
      if (!auth_proven(*status)) return;
      scram_.reset();
      return after_auth();
    case CommandKind::Pass:
    case CommandKind::Apop:
      return after_auth();
    default:
      return fail_unexpected(reply);
  }
}

void Session::on_listing_reply(const Reply& reply) {
  const CommandTag* command = command_of(reply);
  if (command == nullptr) return fail_unexpected(reply);
  if (command->kind == CommandKind::List) return on_list_reply(reply);
  if (command->kind == CommandKind::Uidl) return on_uidl_reply(reply);
  fail_unexpected(reply);
}

void Session::on_list_reply(const Reply& reply) {
  if (const auto* status = std::get_if<StatusReply>(&reply)) {
    if (!status->ok) return fail_from_server(*status, SessionErrorKind::CommandRejected, "LIST failed");
    return;
  }
  if (const auto* line = std::get_if<LineReply>(&reply)) {
    const Parsed<ScanListing> entry = parse_scan_listing(line->line);
    if (!entry) {
      return fail(SessionErrorKind::Protocol,
                  "bad LIST entry '" + protocol_.quote(line->line) + "': " + std::string(entry.error));
    }
    return emit(ListEntry{entry.value->msgno, entry.value->size});
  }
  if (!std::holds_alternative<EndReply>(reply)) return fail_unexpected(reply);
  listing_.list_done = true;
  if (options_.want_uidl && !listing_.uidl_sent) {
    listing_.uidl_sent = true;
    send(Command::uidl());
  }
  maybe_finish_listing();
}

void Session::on_uidl_reply(const Reply& reply) {
  if (const auto* status = std::get_if<StatusReply>(&reply)) {
    if (status->ok) return;
    notice("server refused UIDL: " + protocol_.quote(status->text));
    listing_.uidl_done = true;
    listing_.have_uidl = false;
    return maybe_finish_listing();
  }
  if (const auto* line = std::get_if<LineReply>(&reply)) {
    const Parsed<UidlListing> entry = parse_uidl_listing(line->line);
    if (!entry) {
      return fail(SessionErrorKind::Protocol,
                  "bad UIDL entry '" + protocol_.quote(line->line) + "': " + std::string(entry.error));
    }
    return emit(UidlEntry{entry.value->msgno, std::string(entry.value->uidl)});
  }
  if (!std::holds_alternative<EndReply>(reply)) return fail_unexpected(reply);
  listing_.uidl_done = true;
  listing_.have_uidl = true;
  maybe_finish_listing();
}

void Session::on_transaction_reply(Reply& reply) {
  const CommandTag* command = command_of(reply);
  if (command == nullptr) return fail_unexpected(reply);
  const auto* status = std::get_if<StatusReply>(&reply);
  switch (command->kind) {
    case CommandKind::Retr:
    case CommandKind::Top:
      return on_message_reply(reply, *command);
    case CommandKind::Dele:
      if (!status) return fail_unexpected(reply);
      if (status->ok) return emit(Deleted{command->msgno});
      return emit(DeleteFailed{command->msgno, status->error(protocol_.secrets())});
    case CommandKind::Quit:
      if (!status) return fail_unexpected(reply);
      if (!status->ok) {
        return fail_from_server(*status, SessionErrorKind::CommandRejected,
                                "QUIT failed, deletions may not have been committed");
      }
      state_ = State::Closed;
      pending_.clear();
      return emit(Closed{});
    default:
      return fail_unexpected(reply);
  }
}

void Session::on_message_reply(Reply& reply, const CommandTag& command) {
  const std::uint32_t msgno = command.msgno;
  const bool top = command.kind == CommandKind::Top;
  if (const auto* status = std::get_if<StatusReply>(&reply)) {
    if (status->ok) return emit(MessageBegin{msgno, top});
    const ServerError error = status->error(protocol_.secrets());
    return emit(MessageFailed{
        msgno, "server refused " + std::string(to_string(command.kind)) + ": " + error.text, error, top});
  }
  if (auto* chunk = std::get_if<BodyChunkReply>(&reply)) {
    return emit(MessageData{msgno, {}, top}, std::move(chunk->data));
  }
  if (std::holds_alternative<EndReply>(reply)) return emit(MessageEnd{msgno, top});
  fail_unexpected(reply);
}

// ---------------------------------------------------------------------------
// Helpers

Session::CapaProgress Session::collect_capa(const Reply& reply) {
  if (!is_reply_to(reply, CommandKind::Capa)) {
    fail_unexpected(reply);
    return CapaProgress::Pending;
  }
  if (const auto* status = std::get_if<StatusReply>(&reply)) {
    if (!status->ok) return CapaProgress::Refused;
    incoming_capabilities_ = {};
    capa_lines_ = 0;
    return CapaProgress::Pending;
  }
  if (const auto* line = std::get_if<LineReply>(&reply)) {
    if (++capa_lines_ > kMaxCapaLines) {
      fail(SessionErrorKind::Protocol,
           "the reply to CAPA has more than " + std::to_string(kMaxCapaLines) + " lines");
      return CapaProgress::Pending;
    }
    incoming_capabilities_.add_line(line->line);
    return CapaProgress::Pending;
  }
  capabilities_ = std::move(incoming_capabilities_);
  incoming_capabilities_ = {};
  have_capa_ = true;
  return CapaProgress::Done;
}

void Session::send(const Command& command) {
  if (finished()) return;
  if (!protocol_.send(command)) {
    // A Protocol that failed on its own has queued a ViolationReply, which the
    // session reaches next; anything else means our argument was unusable.
    if (protocol_.failed()) return;
    return fail(SessionErrorKind::Usage, "cannot send " + std::string(to_string(command.tag().kind)) +
                                             ": its argument contains a line break or NUL");
  }
  emit(CommandSent{command.trace()});
}

void Session::emit(Event event, std::string payload) {
  events_.push_back({std::move(event), std::move(payload)});
}

void Session::notice(std::string text) { emit(Notice{std::move(text)}); }

void Session::fail(SessionErrorKind kind, std::string message, ResponseCode code, bool during_pipelining) {
  if (finished()) return;
  state_ = State::Failed;
  pending_.clear();
  protocol_.abandon();  // never send anything more, and drop any secret in the output
  wipe_password();
  emit(Failed{SessionError{kind, std::move(message), code, during_pipelining}});
}

void Session::fail_from_server(const StatusReply& reply, SessionErrorKind fallback, std::string_view what) {
  const ServerError error = reply.error(protocol_.secrets());
  fail(kind_for(error.code, fallback), std::string(what) + ": " + error.text, error.code,
       reply.outstanding > 1);
}

void Session::fail_unexpected(const Reply& reply) {
  const CommandTag* command = command_of(reply);
  fail(SessionErrorKind::Protocol,
       "unexpected reply" + (command ? " to " + command->describe() : std::string()) + " at this step");
}

void Session::wipe_password() {
  // Overwrite before releasing, so the secret does not linger in freed memory;
  // its forms kept for redaction go with it.
  options_.password.wipe();
  protocol_.wipe_secrets();
}

}  // namespace pop3
