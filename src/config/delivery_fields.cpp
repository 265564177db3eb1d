// Parsing `deliver:`; see delivery_fields.hpp.
#include "config/delivery_fields.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>
#include <string_view>

namespace config::detail {

inline constexpr std::array<EnumName<DeliveryTarget::Kind>, 4> kKindKeys = {{
    {"maildir", DeliveryTarget::Kind::Maildir},
    {"mbox", DeliveryTarget::Kind::Mbox},
    {"mda", DeliveryTarget::Kind::Mda},
    {"lmtp", DeliveryTarget::Kind::Lmtp},
}};
static_assert(in_enum_order(kKindKeys));

namespace {

constexpr std::string_view kEntryExpected =
    "a map with one of maildir: PATH, mbox: PATH, mda: [PROGRAM, ARGS...], lmtp: unix:PATH or HOST:PORT";

std::optional<DeliveryTarget::Kind> kind_of(std::string_view key) {
  for (const auto& name : kKindKeys) {
    if (name.name == key) return name.value;
  }
  return std::nullopt;
}

// "host:port" or "[v6]:port" with a port in 1..65535, or "unix:/absolute/path".
bool valid_lmtp_address(std::string_view text) {
  if (text.starts_with("unix:")) return text.size() > 6 && text[5] == '/';
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return false;
  const auto host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos && !(host.front() == '[' && host.back() == ']')) return false;
  const auto port = parse_integer(text.substr(colon + 1));
  return port && *port >= 1 && *port <= 65535;
}

class TargetParser {
 public:
  TargetParser(const PathContext& paths, DiagnosticSink& sink) : paths_(paths), sink_(sink) {}

  std::optional<DeliveryTarget> parse(const YAML::Node& item) {
    const Location where = sink_.at(item.Mark());
    if (!item.IsMap()) {
      sink_.error(where, "each deliver: entry must be " + std::string(kEntryExpected));
      return std::nullopt;
    }
    const std::size_t errors_before = sink_.count();
    std::optional<DeliveryTarget> target;
    const Entry* timeout = nullptr;
    const Entry* recipient = nullptr;
    const auto entries = map_entries(item, sink_);
    for (const Entry& e : entries) {
      if (const auto kind = kind_of(e.key)) {
        if (target) {
          sink_.error(e.key_location, "a deliver: entry names one target; put " + e.key +
                                          " in an entry of its own (a new '- ' line)");
          continue;
        }
        target = parse_kind(e, *kind);
        if (!target) target = DeliveryTarget{};  // reported; remember that a kind was given
      } else if (e.key == "timeout") {
        timeout = &e;
      } else if (e.key == "recipient") {
        recipient = &e;
      } else {
        sink_.error(e.key_location, "unknown deliver: key '" + e.key +
                                        "'; valid keys: maildir, mbox, mda, lmtp, recipient, timeout");
      }
    }
    if (!target) {
      if (sink_.count() == errors_before) sink_.error(where, "deliver: entry must be " + std::string(kEntryExpected));
      return std::nullopt;
    }
    if (recipient) parse_recipient(*recipient, *target);
    if (timeout) parse_timeout(*timeout, *target);
    if (sink_.count() != errors_before) return std::nullopt;
    return target;
  }

 private:
  std::optional<DeliveryTarget> parse_kind(const Entry& e, DeliveryTarget::Kind kind) {
    DeliveryTarget target;
    target.kind = kind;
    if (kind == DeliveryTarget::Kind::Mda) {
      if (!parse_argv(e, target.argv)) return std::nullopt;
      return target;
    }
    const auto text = scalar_text(e, kind == DeliveryTarget::Kind::Lmtp ? "unix:PATH or HOST:PORT" : "a path", sink_);
    if (!text) return std::nullopt;
    if (text->empty()) {
      sink_.error(e.value_location, e.key + " needs a value");
      return std::nullopt;
    }
    if (kind == DeliveryTarget::Kind::Lmtp) {
      if (!valid_lmtp_address(*text)) {
        sink_.error(e.value_location, "lmtp must be unix:/absolute/path or host:port (an IPv6 address in "
                                      "brackets: [::1]:24) (got " + quote_value(*text) + ")");
        return std::nullopt;
      }
      target.address = *text;
      target.timeout = std::chrono::seconds{60};
      return target;
    }
    auto path = resolve_path(e, *text, paths_, sink_);
    if (!path) return std::nullopt;
    target.path = std::move(*path);
    return target;
  }

  bool parse_argv(const Entry& e, std::vector<std::string>& argv) {
    auto words = read_argv(e, sink_);
    if (!words) return false;
    argv = std::move(*words);
    return true;
  }

  void parse_recipient(const Entry& e, DeliveryTarget& target) {
    if (target.kind != DeliveryTarget::Kind::Lmtp) {
      sink_.error(e.key_location, "recipient only applies to an lmtp target");
      return;
    }
    const auto text = scalar_text(e, "an address like alice@example.com", sink_);
    if (!text) return;
    const bool bad = text->empty() || std::any_of(text->begin(), text->end(), [](char c) {
      const auto byte = static_cast<unsigned char>(c);
      return byte <= 0x20 || byte == 0x7f || c == '<' || c == '>';
    });
    if (bad) {
      sink_.error(e.value_location, "recipient must be an address like alice@example.com (got " +
                                        quote_value(*text) + ")");
      return;
    }
    target.recipient = *text;
  }

  void parse_timeout(const Entry& e, DeliveryTarget& target) {
    if (target.kind != DeliveryTarget::Kind::Mda && target.kind != DeliveryTarget::Kind::Lmtp) {
      sink_.error(e.key_location, "timeout only applies to an mda or lmtp target");
      return;
    }
    const auto text = scalar_text(e, "a duration like 60s or 5m", sink_);
    if (!text) return;
    const auto value = parse_duration(*text);
    if (!value || value->count() == 0) {
      sink_.error(e.value_location, "timeout must be a duration above 0s like 60s or 5m (got " +
                                        quote_value(*text) + ")");
      return;
    }
    target.timeout = *value;
  }

  const PathContext& paths_;
  DiagnosticSink& sink_;
};

}  // namespace

std::optional<std::vector<DeliveryTarget>> parse_deliver(const Entry& entry, const PathContext& paths,
                                                         DiagnosticSink& sink) {
  if (entry.value.IsNull()) return std::vector<DeliveryTarget>{};
  if (!entry.value.IsSequence()) {
    sink.error(entry.value_location, "deliver must be a list of targets, each " + std::string(kEntryExpected));
    return std::nullopt;
  }
  const std::size_t errors_before = sink.count();
  std::vector<DeliveryTarget> targets;
  std::set<std::string> keys;
  TargetParser parser(paths, sink);
  for (const auto& item : entry.value) {
    auto target = parser.parse(item);
    if (!target) continue;
    if (!keys.insert(target->key()).second) {
      sink.error(sink.at(item.Mark()), "deliver: " + target->key() + " is listed twice");
      continue;
    }
    targets.push_back(std::move(*target));
  }
  if (sink.count() != errors_before) return std::nullopt;
  return targets;
}

}  // namespace config::detail

namespace config {

std::string_view to_string(DeliveryTarget::Kind kind) { return detail::name_of(detail::kKindKeys, kind); }

std::string DeliveryTarget::key() const {
  std::string key(to_string(kind));
  key += ':';
  switch (kind) {
    case Kind::Maildir:
    case Kind::Mbox:
      return key + path;
    case Kind::Mda:
      // The whole command line: the same program with other arguments
      // (`-d alice`, `-d bob`) is another target.
      for (std::size_t i = 0; i < argv.size(); ++i) key += (i == 0 ? "" : " ") + argv[i];
      return key;
    case Kind::Lmtp:
      return key + address;
  }
  return key;
}

}  // namespace config
