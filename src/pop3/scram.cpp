#include "pop3/scram.hpp"

#include <charconv>
#include <optional>
#include <vector>

#include "common/sanitize.hpp"
#include "pop3/base64.hpp"

namespace pop3 {
namespace {

// The value of attribute `name` ("r", "s", ...) when `part` is "name=value".
std::optional<std::string_view> attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=') return std::nullopt;
  return part.substr(2);
}

// Splits "a=1,b=2" at commas.
std::vector<std::string_view> split_attributes(std::string_view message) {
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  while (true) {
    const std::size_t comma = message.find(',', from);
    parts.push_back(message.substr(from, comma == std::string_view::npos ? comma : comma - from));
    if (comma == std::string_view::npos) return parts;
    from = comma + 1;
  }
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(out[i] ^ b[i]);
  return out;
}

// Compares without an early exit, so timing tells nothing about where they differ.
bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

struct ServerFirst {
  std::string_view nonce;
  std::string salt;
  std::uint32_t iterations = 0;
};

// RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
std::string parse_server_first(std::string_view text, std::string_view client_nonce, ServerFirst& out) {
  const std::vector<std::string_view> parts = split_attributes(text);
  if (!parts.empty() && attribute(parts[0], 'm'))
    return "the server demands a SCRAM extension we do not know";
  if (parts.size() < 3) return "malformed SCRAM server-first message";
  const auto nonce = attribute(parts[0], 'r');
  const auto salt = attribute(parts[1], 's');
  const auto count = attribute(parts[2], 'i');
  if (!nonce || !salt || !count) return "malformed SCRAM server-first message";
  if (nonce->size() <= client_nonce.size() || nonce->substr(0, client_nonce.size()) != client_nonce) {
    return "the SCRAM server nonce does not extend ours";
  }
  std::optional<std::string> decoded_salt = base64_decode(*salt);
  if (!decoded_salt || decoded_salt->empty()) return "bad SCRAM salt";
  std::uint32_t iterations = 0;
  const auto [end, ec] = std::from_chars(count->data(), count->data() + count->size(), iterations);
  if (ec != std::errc() || end != count->data() + count->size() || iterations == 0) {
    return "bad SCRAM iteration count";
  }
  if (iterations > kMaxScramIterations) {
    return "the server asks for " + std::to_string(iterations) + " SCRAM iterations (at most " +
           std::to_string(kMaxScramIterations) + " are done)";
  }
  out = ServerFirst{*nonce, std::move(*decoded_salt), iterations};
  return {};
}

}  // namespace

std::string_view ScramClient::mechanism(ScramHash hash) {
  return hash == ScramHash::Sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

std::string scram_escape_username(std::string_view username) {
  std::string out;
  for (char c : username) {
    if (c == '=') {
      out += "=3D";
    } else if (c == ',') {
      out += "=2C";
    } else {
      out += c;
    }
  }
  return out;
}

std::string make_scram_nonce(const Digests& digests) {
  constexpr std::size_t kNonceBytes = 18;  // 144 bits, 24 base64 characters without padding
  const std::string random = digests.random_bytes(kNonceBytes);
  if (random.size() != kNonceBytes) return {};
  return base64_encode(random);
}

ScramClient::ScramClient(ScramHash hash, std::string_view username, std::string client_nonce,
                         const Digests& digests)
    : hash_(hash), digests_(digests), nonce_(std::move(client_nonce)) {
  client_first_bare_ = "n=" + scram_escape_username(username) + ",r=" + nonce_;
}

ScramClient::~ScramClient() { common::wipe_secret(server_signature_); }

std::string ScramClient::client_first() const { return "n,," + client_first_bare_; }

ScramStep ScramClient::client_final(std::string_view server_first, std::string_view password) {
  ServerFirst first;
  if (std::string error = parse_server_first(server_first, nonce_, first); !error.empty()) return {{}, error};
  std::string without_proof = "c=biws,r=" + std::string(first.nonce);  // biws = base64("n,,")
  const std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;

  std::string salted = digests_.pbkdf2(hash_, password, first.salt, first.iterations);
  std::string client_key = digests_.hmac(hash_, salted, "Client Key");
  std::string stored_key = digests_.hash(hash_, client_key);
  std::string signature = digests_.hmac(hash_, stored_key, auth_message);
  std::string server_key = digests_.hmac(hash_, salted, "Server Key");
  server_signature_ = digests_.hmac(hash_, server_key, auth_message);
  std::string proof = xor_bytes(client_key, signature);
  const bool computed = !salted.empty() && !client_key.empty() && !stored_key.empty() && !signature.empty() &&
                        !server_signature_.empty();
  ScramStep step;
  if (computed) {
    step.message = without_proof + ",p=" + base64_encode(proof);
  } else {
    step.error = "this build cannot compute " + std::string(mechanism(hash_));
    common::wipe_secret(server_signature_);
  }
  for (std::string* secret : {&salted, &client_key, &stored_key, &signature, &server_key, &proof}) {
    common::wipe_secret(*secret);
  }
  return step;
}

std::string ScramClient::verify_server_final(std::string_view server_final) const {
  const std::vector<std::string_view> parts = split_attributes(server_final);
  if (const auto error = attribute(parts[0], 'e')) {
    return "the server ended SCRAM with an error: '" + common::quote_untrusted(*error, {}, 80) + "'";
  }
  const auto verifier = attribute(parts[0], 'v');
  if (!verifier)
    return "malformed SCRAM server-final message: the server could not prove it knows the password";
  const std::optional<std::string> signature = base64_decode(*verifier);
  if (server_signature_.empty() || !signature || !equal_constant_time(*signature, server_signature_)) {
    return "the SCRAM server signature is wrong: the server could not prove it knows the password";
  }
  return {};
}

}  // namespace pop3
