#include "fetch/server_slots.hpp"

#include <cctype>

namespace fetch {

std::string server_key(const config::Account& account) {
  std::string key;
  key.reserve(account.server.size() + 6);
  // DNS names are case-insensitive: "POP.example.com" is the same provider.
  for (char c : account.server) key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  key += ':';
  key += std::to_string(account.port);
  return key;
}

bool ServerSlots::has_room(std::string_view server) const {
  return max_per_server_ == 0 || running_on(server) < max_per_server_;
}

void ServerSlots::take(std::string_view server) {
  auto it = running_.find(server);
  if (it == running_.end()) {
    running_.emplace(std::string(server), 1);
  } else {
    ++it->second;
  }
}

void ServerSlots::release(std::string_view server) {
  auto it = running_.find(server);
  if (it == running_.end()) return;
  if (--it->second == 0) running_.erase(it);
}

std::size_t ServerSlots::running_on(std::string_view server) const {
  auto it = running_.find(server);
  return it == running_.end() ? 0 : it->second;
}

}  // namespace fetch
