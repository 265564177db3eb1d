// The steps of the Session's flow that send commands of their own: TLS,
// UTF8, authentication, the listing and the driver's queue (the reply
// handlers that call them are in session.cpp).
#include <algorithm>

#include "pop3/session.hpp"
#include "pop3/text.hpp"

namespace pop3 {

void Session::after_first_capa() {
  switch (options_.tls) {
    case TlsPolicy::AlreadySecure:
      return before_auth();
    case TlsPolicy::StartTlsRequired:
      if (!capabilities_.stls) {
        return fail(SessionErrorKind::TlsRequired,
                    have_capa_
                        ? "server does not offer STLS; refusing to authenticate without TLS"
                        : "server does not support CAPA, so it offers no STLS; refusing to authenticate "
                          "without TLS");
      }
      state_ = State::Stls;
      return send(Command::stls());
    case TlsPolicy::StartTlsIfAvailable:
      if (!capabilities_.stls) {
        notice("server does not offer STLS; continuing in clear text");
        return before_auth();
      }
      state_ = State::Stls;
      return send(Command::stls());
  }
}

bool Session::pipelining_known_on() const {
  switch (options_.pipelining) {
    case PipeliningMode::On:
      return true;
    case PipeliningMode::Off:
      return false;
    case PipeliningMode::Auto:
      return capabilities_.pipelining;
  }
  return false;
}

void Session::before_auth() {
  if (!capabilities_.utf8) return start_auth();
  state_ = State::Utf8;
  send(Command::utf8());
}

void Session::start_auth() {
  if (has_line_break_or_nul(options_.username) || has_line_break_or_nul(options_.password.reveal())) {
    return fail(SessionErrorKind::Usage,
                "the user name or password contains a line break or NUL; not sending it");
  }
  state_ = State::Auth;
  auth_ = {};
  const AuthChoice choice = choose_auth(
      options_.auth, AuthContext{capabilities_, have_capa_, apop_timestamp_.has_value(), encrypted_});
  if (!choice.mechanism) return fail(SessionErrorKind::AuthUnavailable, choice.error);
  if (!choice.notice.empty()) notice(choice.notice);
  send_auth(*choice.mechanism);
}

void Session::after_auth() {
  wipe_password();
  if (!have_capa_) return finish_auth();
  state_ = State::CapaAfterAuth;
  send(Command::capa());
  // Pipelining already known (the CAPA before authentication listed it, or
  // it is forced on): the listing goes out with this CAPA, one round trip for
  // both. Whether RETRs are pipelined is still decided by its answer.
  if (pipelining_known_on()) send_listing(true);
}

void Session::finish_auth() {
  switch (options_.pipelining) {
    case PipeliningMode::On:
      pipelining_ = true;
      break;
    case PipeliningMode::Off:
      pipelining_ = false;
      break;
    case PipeliningMode::Auto:
      pipelining_ = capabilities_.pipelining;
      break;
  }
  emit(Authenticated{capabilities_, pipelining_});
  state_ = State::Listing;
  if (!listing_.list_sent) send_listing(pipelining_);
}

void Session::send_listing(bool pipelined) {
  listing_.list_sent = true;
  send(Command::list());
  if (options_.want_uidl && pipelined) {
    listing_.uidl_sent = true;
    send(Command::uidl());
  }
}

void Session::maybe_finish_listing() {
  if (!listing_.list_done || (options_.want_uidl && !listing_.uidl_done)) return;
  state_ = State::Transaction;
  emit(ListingDone{listing_.have_uidl});
}

void Session::pump() {
  if (state_ != State::Transaction) return;
  const std::size_t window = pipelining_ ? std::max<std::size_t>(1, options_.window) : 1;
  while (!pending_.empty() && protocol_.in_flight() < window && !finished()) {
    const Command command = std::move(pending_.front());
    pending_.pop_front();
    send(command);
  }
}

}  // namespace pop3
