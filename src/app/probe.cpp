// `popfetchd probe [ACCOUNT...]`: for each account, connect, secure,
// authenticate and LIST as a poll would, then QUIT; print what was found
// (TLS and the server's certificate, CAPA, the authentication that would be
// used, the mailbox's count and size, pipelining). Never RETR, DELE or UIDL:
// the mailbox is left exactly as it was. Exit 0 all ok, 1 any failed, 2
// config error or unknown account. One account at a time, in config order.

#include <uv.h>

#include <cstdio>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/accounts.hpp"
#include "app/commands.hpp"
#include "app/fetch_setup.hpp"
#include "app/load_config.hpp"
#include "common/overloaded.hpp"
#include "fetch/session_setup.hpp"
#include "net/connection.hpp"
#include "net/mbed_digests.hpp"
#include "net/uv.hpp"
#include "pop3/auth_choice.hpp"
#include "pop3/session.hpp"

namespace app {
namespace {

struct Probed {
  std::optional<std::string> error;
  std::optional<net::TlsInfo> tls;
  std::string peer;
  pop3::Capabilities capabilities;
  bool authenticated = false;
  bool pipelining = false;
  std::uint32_t messages = 0;
  std::uint64_t bytes = 0;
};

// One session: the pop3 engine on a net::Connection, the way fetch::AccountPoll
// drives it, but it only lists (LIST, no UIDL) and quits.
class Probe {
 public:
  Probe(uv_loop_t* loop, const config::Account& account, common::Secret password, const pop3::Digests& digests)
      : account_(account) {
    pop3::SessionOptions options = fetch::session_options(account, std::move(password), {});
    options.want_uidl = false;
    session_.emplace(std::move(options), digests);
    net::Connection::Handlers handlers;
    handlers.on_connected = [this] { on_secure(); };
    handlers.on_tls_ready = [this] {
      session_->tls_established();
      on_secure();
    };
    handlers.on_data = [this](std::string_view bytes) {
      session_->receive(bytes);
      pump();
    };
    handlers.on_eof = [this] {
      session_->receive_eof();
      pump();
    };
    handlers.on_error = [this](common::Error error) { finish(error.message); };
    connection_ = net::Connection::create(loop, std::move(handlers));
    connection_->connect(account.server, account.port, account.timeout, fetch::implicit_tls_options(account),
                         fetch::proxy_options(account));
  }
  bool done() const { return done_; }
  const Probed& result() const { return result_; }

 private:
  void on_secure() {
    result_.peer = connection_->peer_address();
    if (auto info = connection_->tls_info()) result_.tls = info;
    pump();
  }
  void pump() {
    while (!done_) {
      std::optional<pop3::Event> event = session_->next_event();
      if (!event) break;
      handle(*event);
    }
    if (!done_) {
      std::string output = session_->take_output();
      if (!output.empty()) connection_->write(output);
    }
  }
  void handle(pop3::Event& event) {
    std::visit(common::Overloaded{
                   [&](pop3::StartTls&) { connection_->start_tls(fetch::tls_options(account_)); },
                   [&](pop3::Authenticated& authenticated) {
                     result_.authenticated = true;
                     result_.capabilities = authenticated.capabilities;
                     result_.pipelining = authenticated.pipelining;
                   },
                   [&](pop3::ListEntry& entry) {
                     ++result_.messages;
                     result_.bytes += entry.size;
                   },
                   [&](pop3::ListingDone&) { session_->quit(); },
                   [&](pop3::Closed&) { finish(std::nullopt); },
                   [&](pop3::Failed& failed) { finish(failed.error.message); },
                   [&](auto&) {},
               },
               event);
  }
  void finish(std::optional<std::string> error) {
    if (done_) return;
    done_ = true;
    result_.error = std::move(error);
    if (connection_) connection_->close();
  }

  const config::Account& account_;
  std::optional<pop3::Session> session_;
  std::unique_ptr<net::Connection> connection_;
  Probed result_;
  bool done_ = false;
};

std::string mechanism_name(pop3::Mechanism mechanism) {
  switch (mechanism) {
    case pop3::Mechanism::SaslPlain: return "AUTH PLAIN";
    case pop3::Mechanism::UserPass: return "USER/PASS";
    case pop3::Mechanism::SaslLogin: return "AUTH LOGIN";
    case pop3::Mechanism::CramMd5: return "AUTH CRAM-MD5";
    case pop3::Mechanism::Apop: return "APOP";
    case pop3::Mechanism::ScramSha1: return "AUTH SCRAM-SHA-1";
    case pop3::Mechanism::ScramSha256: return "AUTH SCRAM-SHA-256";
    case pop3::Mechanism::XOAuth2: return "AUTH XOAUTH2";
    case pop3::Mechanism::OAuthBearer: return "AUTH OAUTHBEARER";
    case pop3::Mechanism::External: return "AUTH EXTERNAL";
  }
  return "unknown";
}

void print_probed(const config::Account& account, const Probed& p) {
  std::printf("account %s\n", account.name.c_str());
  std::printf("  server:        %s:%u (%s)\n", account.server.c_str(), static_cast<unsigned>(account.port),
              p.peer.c_str());
  if (p.tls) {
    std::printf("  tls:           %s %s\n", p.tls->version.c_str(), p.tls->cipher_suite.c_str());
    std::printf("  certificate:   %s\n", p.tls->peer_subject.c_str());
    std::printf("  issuer:        %s\n", p.tls->peer_issuer.c_str());
    std::printf("  expires:       %s\n", p.tls->peer_not_after.c_str());
    std::printf("  fingerprint:   %s\n", p.tls->peer_sha256.c_str());
  } else {
    std::printf("  tls:           none (clear text)\n");
  }
  std::printf("  capa:          %s\n", p.capabilities.summary().c_str());
  std::string sasl;
  for (const std::string& mechanism : p.capabilities.sasl) sasl += (sasl.empty() ? "" : " ") + mechanism;
  std::printf("  sasl:          %s\n", sasl.empty() ? "(none offered)" : sasl.c_str());
  // What the poll's session would choose from this CAPA (an APOP timestamp
  // in the greeting is not looked at: auto and cram-md5 may also use APOP).
  const pop3::AuthChoice choice =
      pop3::choose_auth(fetch::session_options(account, common::Secret(std::string()), {}).auth,
                        pop3::AuthContext{p.capabilities, true, false, p.tls.has_value()});
  std::printf("  auth:          %s (auth: %s)\n",
              choice.mechanism ? mechanism_name(*choice.mechanism).c_str() : choice.error.c_str(),
              std::string(config::to_string(account.auth)).c_str());
  std::printf("  mailbox:       %u messages, %llu bytes\n", p.messages, static_cast<unsigned long long>(p.bytes));
  std::printf("  pipelining:    %s\n", p.pipelining ? "yes" : "no");
}

}  // namespace

int probe_accounts(const GlobalOptions& global, const std::vector<std::string>& names) {
  protect_secrets_in_memory();
  std::optional<config::Config> cfg = load_config_or_report(global.config_path);
  if (!cfg) return kExitUsage;
  std::optional<std::vector<const config::Account*>> selected = select_accounts(*cfg, names, "probe");
  if (!selected) return kExitUsage;
  auto digests = net::MbedDigests::create();
  if (!digests) {
    print_error(digests.error().message);
    return kExitFailed;
  }
  int exit_code = kExitOk;
  for (const config::Account* account : *selected) {
    common::Result<common::Secret> password = config::resolve_password(account->password);
    if (!password) {
      print_error(account->name + ": password: " + password.error().message);
      exit_code = kExitFailed;
      continue;
    }
    net::UvLoop loop;
    std::optional<Probe> probe;
    probe.emplace(loop.get(), *account, std::move(password).value(), **digests);
    uv_run(loop.get(), UV_RUN_DEFAULT);
    const Probed result = probe->result();
    probe.reset();
    uv_run(loop.get(), UV_RUN_DEFAULT);
    if (result.error || !result.authenticated) {
      std::fflush(stdout);
      print_error(account->name + ": " + result.error.value_or("the session ended early"));
      exit_code = kExitFailed;
      continue;
    }
    print_probed(*account, result);
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace app
