#pragma once
// LmtpTarget: delivers to an LMTP server (`lmtp:` in the config), e.g.
// Dovecot's or Postfix's, at "unix:/path" or "host:port" ("[v6]:port").
//
// One connection per delivery: connect, the LmtpSession dialogue (LHLO,
// MAIL FROM the message's Return-Path or <>, RCPT TO the configured
// recipient, DATA), QUIT, close. Keeping a connection open across a run would
// save a connect per message, but a local LMTP connect costs well under a
// millisecond next to the delivery itself, and a fresh connection never meets
// a server that timed out an idle one or was restarted in between.
//
// `timeout` (the config's) bounds the connect and each reply: past it the
// attempt is Temporary. A refused or failed connection is Temporary; the
// server's replies map as LmtpSession says (4xx Temporary, 5xx Permanent).
// A connection lost after the end of the message leaves it in doubt: the
// outcome is Temporary and a retry may deliver it twice (as with fetchmail).
//
// Owns: the deliveries in flight (their stream, timer, session). Destroying
// the target drops them without calling their `done`.
// Not thread-safe: the loop's thread only.

#include <uv.h>

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "config/delivery_target.hpp"
#include "deliver/lmtp_stream.hpp"
#include "deliver/target.hpp"

namespace deliver {

class LmtpTarget final : public Target {
 public:
  // An unusable config.address makes every delivery Permanent (the loader
  // checks it with parse_lmtp_address first).
  LmtpTarget(uv_loop_t* loop, const config::DeliveryTarget& config);
  ~LmtpTarget() override;
  LmtpTarget(const LmtpTarget&) = delete;
  LmtpTarget& operator=(const LmtpTarget&) = delete;

  void deliver(Attempt attempt, Done done) override;

  // The LHLO argument: this host's name when it is a plain domain name, else "popfetchd".
  const std::string& client_name() const { return client_name_; }

  class Delivery;  // one connection in flight; defined in lmtp_target.cpp

 private:
  friend class Delivery;
  uv_loop_t* loop_;
  std::string address_text_;
  std::optional<LmtpAddress> address_;
  std::string recipient_;
  std::chrono::milliseconds timeout_;
  std::string client_name_;
  std::list<std::unique_ptr<Delivery>> deliveries_;
};

}  // namespace deliver
