#include "pop3/auth_choice.hpp"

namespace pop3 {
namespace {

AuthChoice use(Mechanism mechanism, std::string notice = {}) { return {mechanism, std::move(notice), {}}; }
AuthChoice refuse(std::string error) { return {std::nullopt, {}, std::move(error)}; }

std::string offered(const AuthContext& context) {
  if (!context.have_capa) return "the server does not support CAPA, so it lists no SASL mechanisms";
  if (context.capabilities.sasl.empty()) return "the server lists no SASL mechanisms";
  std::string list;
  for (const std::string& name : context.capabilities.sasl) list += (list.empty() ? "" : " ") + name;
  return "the server offers SASL " + list;
}

AuthChoice required_sasl(const AuthContext& context, std::string_view name, std::string_view config_name,
                         Mechanism mechanism) {
  if (context.capabilities.has_sasl(name)) return use(mechanism);
  return refuse(std::string(config_name) + " authentication requested, but " + offered(context) + ", not " +
                std::string(name) + "; the password was not sent");
}

// A bearer token works for anyone who holds it: never in clear text.
AuthChoice bearer_sasl(const AuthContext& context, std::string_view name, std::string_view config_name,
                       Mechanism mechanism) {
  if (!context.encrypted) {
    return refuse(std::string(config_name) +
                  " authentication requested, but the connection is not encrypted; the access token was "
                  "not sent in clear text");
  }
  if (context.capabilities.has_sasl(name)) return use(mechanism);
  return refuse(std::string(config_name) + " authentication requested, but " + offered(context) + ", not " +
                std::string(name) + "; the access token was not sent");
}

AuthChoice choose_auto(const AuthContext& context) {
  const Capabilities& caps = context.capabilities;
  if (caps.has_sasl("SCRAM-SHA-256")) return use(Mechanism::ScramSha256);
  if (caps.has_sasl("SCRAM-SHA-1")) return use(Mechanism::ScramSha1);
  if (caps.has_sasl("CRAM-MD5")) return use(Mechanism::CramMd5);
  if (context.have_timestamp) return use(Mechanism::Apop);
  if (!context.encrypted) {
    return refuse(
        "auth: auto found no challenge-response mechanism (SCRAM-SHA-256, SCRAM-SHA-1, CRAM-MD5 or APOP) and "
        "the connection is not encrypted; the password was not sent in clear text (" +
        offered(context) + ")");
  }
  if (caps.has_sasl("PLAIN")) return use(Mechanism::SaslPlain);
  if (caps.has_sasl("LOGIN")) return use(Mechanism::SaslLogin);
  return use(Mechanism::UserPass);
}

}  // namespace

AuthChoice choose_auth(AuthMethod method, const AuthContext& context) {
  switch (method) {
    case AuthMethod::Plain:
      if (context.capabilities.has_sasl("PLAIN")) return use(Mechanism::SaslPlain);
      return use(Mechanism::UserPass, context.have_capa
                                          ? "server does not offer SASL PLAIN; falling back to USER/PASS"
                                          : "server does not support CAPA; falling back to USER/PASS");
    case AuthMethod::CramMd5:
      if (context.capabilities.has_sasl("CRAM-MD5")) return use(Mechanism::CramMd5);
      if (context.have_timestamp)
        return use(Mechanism::Apop, "server does not offer SASL CRAM-MD5; using APOP");
      return refuse(
          "cram-md5 authentication requested, but the server offers neither SASL CRAM-MD5 nor APOP (no "
          "timestamp in its greeting); the password was not sent");
    case AuthMethod::Login:
      return required_sasl(context, "LOGIN", "login", Mechanism::SaslLogin);
    case AuthMethod::ScramSha1:
      return required_sasl(context, "SCRAM-SHA-1", "scram-sha-1", Mechanism::ScramSha1);
    case AuthMethod::ScramSha256:
      return required_sasl(context, "SCRAM-SHA-256", "scram-sha-256", Mechanism::ScramSha256);
    case AuthMethod::XOAuth2:
      return bearer_sasl(context, "XOAUTH2", "xoauth2", Mechanism::XOAuth2);
    case AuthMethod::OAuthBearer:
      return bearer_sasl(context, "OAUTHBEARER", "oauthbearer", Mechanism::OAuthBearer);
    case AuthMethod::Auto:
      return choose_auto(context);
    case AuthMethod::External:
      if (!context.encrypted) {
        return refuse(
            "external authentication requested, but the connection is not encrypted: the client certificate "
            "is presented in the TLS handshake");
      }
      if (context.capabilities.has_sasl("EXTERNAL")) return use(Mechanism::External);
      return refuse("external authentication requested, but the server does not offer SASL EXTERNAL (" +
                    offered(context) + ")");
  }
  return refuse("unknown authentication method");
}

}  // namespace pop3
