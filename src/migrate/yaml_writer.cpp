#include "migrate/yaml_writer.hpp"

#include <cstdio>

namespace migrate {

std::string yaml_quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

// A comment stays one line whatever the source file held.
std::string comment(std::string_view indent, std::string_view text) {
  std::string line = std::string(indent) + "# ";
  for (char c : text) line += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c;
  return line + "\n";
}

std::string delivery_line(const Delivery& d) {
  switch (d.kind) {
    case Delivery::Kind::Maildir:
      return "maildir: " + yaml_quote(d.path);
    case Delivery::Kind::Mbox:
      return "mbox: " + yaml_quote(d.path);
    case Delivery::Kind::Mda:
      break;
  }
  std::string line = "mda: [";
  for (std::size_t i = 0; i < d.argv.size(); ++i) line += (i == 0 ? "" : ", ") + yaml_quote(d.argv[i]);
  return line + "]";
}

void write_account(std::string& out, const Draft& d, const std::string& name) {
  constexpr std::string_view kIn = "    ";
  for (const std::string& note : d.notes) out += comment("  ", note);
  out += "  - name: " + yaml_quote(name) + "\n";
  out += std::string(kIn) + "server: " + yaml_quote(d.server) + "\n";
  if (!d.security.empty()) out += std::string(kIn) + "security: " + d.security + "\n";
  if (d.port) out += std::string(kIn) + "port: " + std::to_string(*d.port) + "\n";
  if (!d.username.empty()) out += std::string(kIn) + "username: " + yaml_quote(d.username) + "\n";
  if (d.password_command) {
    out += std::string(kIn) + "password_command: " + yaml_quote(*d.password_command) + "\n";
  } else if (d.password) {
    out += comment(kIn, "a literal password: better move it to a password_file (chmod 600) and remove it here");
    out += std::string(kIn) + "password: " + yaml_quote(*d.password) + "\n";
  } else {
    out += comment(kIn, "no password in the source file: write it to this file (chmod 600)");
    out += std::string(kIn) + "password_file: " + yaml_quote(name + ".password") + "\n";
  }
  if (!d.auth.empty()) out += std::string(kIn) + "auth: " + d.auth + "\n";
  if (!d.ca_file.empty()) out += std::string(kIn) + "ca_file: " + yaml_quote(d.ca_file) + "\n";
  if (!d.tls_fingerprint.empty()) out += std::string(kIn) + "tls_fingerprint: " + yaml_quote(d.tls_fingerprint) + "\n";
  if (d.keep) out += std::string(kIn) + "keep: " + (*d.keep ? "true" : "false") + "\n";
  if (!d.delete_after.empty()) out += std::string(kIn) + "delete_after: " + d.delete_after + "\n";
  if (!d.timeout.empty()) out += std::string(kIn) + "timeout: " + d.timeout + "\n";
  if (!d.max_message_size.empty()) out += std::string(kIn) + "max_message_size: " + d.max_message_size + "\n";
  if (!d.pipelining.empty()) out += std::string(kIn) + "pipelining: " + d.pipelining + "\n";
  if (!d.deliver.empty()) {
    out += std::string(kIn) + "deliver:\n";
    for (const Delivery& target : d.deliver) out += std::string(kIn) + "  - " + delivery_line(target) + "\n";
  }
}

}  // namespace

std::string write_yaml(const Translation& translation, std::string_view tool, std::string_view source_file) {
  std::string out;
  out += comment("", "popfetchd config imported from " + std::string(tool) + " (" + std::string(source_file) + ")");
  out += comment("", "Review it, then check it with: popfetchd check-config -c FILE");
  for (const std::string& note : translation.notes) out += comment("", note);
  out += "\naccounts:\n";
  const std::vector<std::string> names = account_names(translation.accounts);
  for (std::size_t i = 0; i < translation.accounts.size(); ++i) {
    if (i != 0) out += "\n";
    write_account(out, translation.accounts[i], names[i]);
  }
  return out;
}

}  // namespace migrate
