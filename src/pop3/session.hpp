#pragma once
// Session: the client side of one POP3 fetch session as a state machine with
// no I/O ("sans-I/O"): bytes from the server go in with receive(), commands to
// send come out of take_output(), and what happened comes out of next_event().
// The driver (src/net + src/daemon) owns the socket, TLS, timers and storage.
//
// Flow (RFC 1939, 2449, 2595, 5034, 2195):
//   greeting -> CAPA -> [STLS -> (driver: TLS) -> CAPA] -> [UTF8] -> authentication
//   -> [CAPA] -> Authenticated -> LIST [+ UIDL] -> ListingDone
//   -> the driver's retrieve()/remove() ... quit() -> Closed
// Round trips: when the CAPA before authentication lists PIPELINING (or it
// is on), USER goes out with PASS, and LIST and UIDL with the CAPA after
// authentication; LIST and UIDL always travel together when pipelining.
// UTF8 (RFC 6856): sent in the AUTHORIZATION state when the last CAPA before
// authentication lists it; servers such as Courier otherwise replace messages
// with UTF-8 in their header by a generated notice. A -ERR to it is a Notice.
// Authentication: AuthMethod::Plain uses "AUTH PLAIN" when CAPA's SASL lists
// PLAIN, else USER/PASS. AuthMethod::CramMd5 uses "AUTH CRAM-MD5" when listed,
// else APOP when the greeting carries a timestamp, else fails with
// AuthUnavailable without sending the password. Login and the SCRAMs need
// their SASL mechanism listed; Auto picks the strongest (auth_choice.hpp).
// XOAUTH2 and OAUTHBEARER send the password as a bearer token, only over TLS;
// a server refusing the token first sends "+ <base64 JSON>", answered with an
// empty response (XOAUTH2) or "\x01" (RFC 7628 §3.2.3), and its JSON goes into
// the Auth error with the -ERR that follows.
// SCRAM (scram.hpp): a server-final whose signature does not match fails with
// Auth ("could not prove it knows the password"), and so does a +OK that
// arrives without a server-final. TlsPolicy::StartTlsRequired
// fails with TlsRequired before any credential is sent when STLS is not
// offered or refused.
// Pipelining (RFC 2449 §6.6): with it, up to `window` commands are in flight
// and the window is refilled as replies arrive; without it, one at a time.
//
// Usage: after every receive(), receive_eof(), tls_established(), retrieve(),
// top(), remove() and quit(), drain next_event() until it returns nullopt, then send
// take_output(). StartTls: run the TLS handshake, then tls_established().
// Failed and Closed are terminal: later input is ignored, no more output.
//
// Server text quoted in any event (SessionError message, Notice,
// MessageFailed reason, ServerError text) has the password and its base64
// forms redacted as "***" (a server may echo PASS or AUTH in its -ERR).
// Owns: a copy of the options (the password, and the forms of it kept for
// redaction, are wiped with explicit_bzero once authenticated or failed), the
// Protocol below it, the capabilities, the driver's queued RETR/TOP/DELE/QUIT and
// the events not yet drained. Memory is bounded by the limits in limits.hpp,
// the window, and the input of one receive() - never by the mailbox: listings
// and bodies are streamed. Never touches sockets, clocks, files or logs.
// Errors: a Failed event with a SessionError (see events.hpp); a -ERR to one
// RETR, TOP or DELE is a MessageFailed / DeleteFailed event and the session
// goes on. Message bodies stream whatever their line length: how big a
// message may get is the driver's rule.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/secret.hpp"
#include "pop3/auth_choice.hpp"
#include "pop3/capabilities.hpp"
#include "pop3/command.hpp"
#include "pop3/digests.hpp"
#include "pop3/events.hpp"
#include "pop3/protocol.hpp"
#include "pop3/scram.hpp"

namespace pop3 {

enum class TlsPolicy {
  AlreadySecure,        // implicit TLS, or no TLS by choice: never STLS
  StartTlsRequired,     // STLS or fail, before any credential is sent
  StartTlsIfAvailable,  // STLS when offered; otherwise a Notice and clear text
};

enum class PipeliningMode {
  Auto,  // when CAPA (after authentication, else before) lists PIPELINING
  On,
  Off,
};

// Move-only: the password is a Secret.
struct SessionOptions {
  std::string username;
  common::Secret password;  // its bytes leave only in the command that carries them
  AuthMethod auth = AuthMethod::Plain;
  TlsPolicy tls = TlsPolicy::AlreadySecure;
  // TLS is in place before the greeting (security tls, tls-if-available):
  // with STLS done, what lets AuthMethod::Auto send a clear-text password.
  bool tls_from_start = false;
  PipeliningMode pipelining = PipeliningMode::Auto;
  bool want_uidl = true;
  std::size_t window = 16;  // commands in flight when pipelining (at least 1)
  // The server as configured: OAUTHBEARER names it in its message (RFC 7628 §3.1).
  std::string host;
  std::uint16_t port = 0;
};

class Session {
 public:
  // `digests` must outlive the session.
  Session(SessionOptions options, const Digests& digests);

  // Bytes from the server (plaintext: after TLS when TLS is on).
  void receive(std::string_view bytes);
  // The server closed the connection.
  void receive_eof();

  std::optional<Event> next_event();
  // Bytes to send to the server; may be empty.
  std::string take_output();

  // After the StartTls event: TLS is in place; the session asks CAPA again.
  void tls_established();
  // Queue "RETR msgno" / "DELE msgno"; valid once authenticated (they go out
  // after ListingDone, as the window allows). Call remove() only once the
  // message is durably stored.
  void retrieve(std::uint32_t msgno);
  void remove(std::uint32_t msgno);
  // Queue "TOP msgno lines" like retrieve() (same window, same rules). Its
  // reply produces the same events as RETR's, with `top` set.
  void top(std::uint32_t msgno, std::uint32_t lines);
  // Queue QUIT after everything queued; Closed follows its +OK.
  void quit();

  // The oldest command written whose reply is not complete, as sent but with
  // secrets as "***" ("RETR 20", "PASS ***", "AUTH PLAIN ***"); "the greeting"
  // before the greeting; "" when nothing is awaited. Names the command in a
  // reply-timeout error.
  std::string awaiting() const;

  // Nothing queued and nothing in flight.
  bool idle() const;
  // Closed or Failed.
  bool finished() const { return state_ == State::Closed || state_ == State::Failed; }
  // Commands written or on the wire whose reply is not complete.
  std::size_t in_flight() const { return protocol_.in_flight(); }
  // Bytes held for partial server input: at most about one reply line.
  std::size_t buffered_bytes() const { return protocol_.buffered_bytes(); }
  std::size_t pending_events() const { return events_.size(); }

 private:
  enum class State {
    Greeting,       // waiting for the greeting
    Capa,           // CAPA after the greeting
    Stls,           // STLS sent
    AwaitTls,       // STLS accepted; the driver runs the handshake
    CapaAfterTls,   // CAPA again, now over TLS (RFC 2595 §4)
    Utf8,           // UTF8 sent (RFC 6856), before authentication
    Auth,           // USER/PASS, AUTH or APOP in flight
    CapaAfterAuth,  // CAPA again: some servers list PIPELINING only now
    Listing,        // LIST (and UIDL) in flight
    Transaction,    // the driver's RETR/DELE/QUIT
    Closed,
    Failed,
  };
  enum class CapaProgress { Pending, Done, Refused };

  // The state machine: one switch over state_, one handler per state
  // (session.cpp).
  void handle(Reply& reply);  // may move a body chunk out of `reply`
  void on_greeting(const Reply& reply);
  void on_capa_reply(const Reply& reply);  // Capa, CapaAfterTls, CapaAfterAuth
  void on_stls_reply(const Reply& reply);
  void on_utf8_reply(const Reply& reply);
  void on_auth_reply(const Reply& reply);
  void on_listing_reply(const Reply& reply);  // LIST or UIDL
  void on_list_reply(const Reply& reply);
  void on_uidl_reply(const Reply& reply);
  void on_transaction_reply(Reply& reply);                         // RETR, TOP, DELE, QUIT
  void on_message_reply(Reply& reply, const CommandTag& command);  // RETR or TOP

  // Steps of the flow that send commands of their own (session_flow.cpp).
  void after_first_capa();
  void before_auth();  // UTF8 when offered, then start_auth()
  void start_auth();
  // SASL and the mechanisms' steps (session_sasl.cpp).
  void send_auth(Mechanism mechanism);
  void start_scram(ScramHash hash);
  void start_bearer(Mechanism mechanism);
  std::string bearer_message(std::string_view mechanism) const;  // a secret: wipe it
  std::optional<std::string> bearer_response(const ContinuationReply& challenge);
  void answer_challenge(const ContinuationReply& challenge);
  std::optional<std::string> sasl_response(const ContinuationReply& challenge);
  std::optional<std::string> scram_response(const ContinuationReply& challenge);
  bool auth_proven(const StatusReply& reply);
  void after_auth();
  void finish_auth();
  void send_listing(bool pipelined);  // LIST, and UIDL with it when pipelined
  void maybe_finish_listing();
  void pump();

  // Helpers.
  CapaProgress collect_capa(const Reply& reply);
  void send(const Command& command);
  void emit(Event event, std::string payload = {});
  void notice(std::string text);
  void fail(SessionErrorKind kind, std::string message, ResponseCode code = ResponseCode::None,
            bool during_pipelining = false);
  void fail_from_server(const StatusReply& reply, SessionErrorKind fallback, std::string_view what);
  void fail_unexpected(const Reply& reply);
  bool accepting_driver_commands(std::string_view call);
  void wipe_password();
  bool pipelining_known_on() const;

  struct QueuedEvent {
    Event event;
    std::string payload;  // the bytes a MessageData's chunk will point to
  };

  SessionOptions options_;
  const Digests& digests_;
  Protocol protocol_;
  State state_ = State::Greeting;
  std::deque<QueuedEvent> events_;
  std::string current_payload_;  // backs the MessageData last returned by next_event()

  std::optional<std::string> apop_timestamp_;
  Capabilities capabilities_;
  Capabilities incoming_capabilities_;  // while a CAPA reply is arriving
  std::size_t capa_lines_ = 0;          // lines of that reply so far (<= kMaxCapaLines)
  bool have_capa_ = false;              // the server answered CAPA with +OK

  bool encrypted_ = false;  // TLS in place: from the start, or after STLS

  struct AuthProgress {
    bool pass_sent = false;        // USER/PASS: PASS already went out
    std::size_t responses = 0;     // AUTH: our responses so far (an initial response counts)
    bool server_verified = false;  // SCRAM: the server-final's signature matched
    std::string bearer_error;      // XOAUTH2/OAUTHBEARER: the server's error challenge, quoted
  };
  AuthProgress auth_;
  std::unique_ptr<ScramClient> scram_;  // during AUTH SCRAM-*

  bool pipelining_ = false;  // decided at Authenticated
  struct ListingProgress {
    bool list_sent = false;
    bool uidl_sent = false;
    bool list_done = false;
    bool uidl_done = false;
    bool have_uidl = false;  // UIDL answered +OK and its listing is complete
  };
  ListingProgress listing_;

  std::deque<Command> pending_;  // the driver's RETR/DELE/QUIT, not yet written
  bool quit_queued_ = false;
};

}  // namespace pop3
