#pragma once
// ServerSlots: how many polls run against each POP3 server, and whether one
// more may start there under max_polls_per_server. The one place that rule
// lives; PollRunner asks it before starting a queued poll and tells it when
// one starts and ends.
//
// A server is the endpoint an account connects to: its `server` host name,
// lower-cased, and its port (a proxy in between does not count: the provider
// still sees one session per account). Two names for one address are two
// servers: nothing here resolves names.
//
// Owns the counts; never touches the network. No errors.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace fetch {

// "pop.example.com:995" for server "POP.Example.com", port 995.
std::string server_key(const config::Account& account);

class ServerSlots {
 public:
  // 0: no cap of its own (only the runner's global one applies).
  explicit ServerSlots(std::size_t max_per_server = 0) : max_per_server_(max_per_server) {}

  // Lowering it lets the running polls finish; nothing is stopped.
  void set_max_per_server(std::size_t max_per_server) { max_per_server_ = max_per_server; }
  std::size_t max_per_server() const { return max_per_server_; }

  // True when a poll of `server` may start now.
  bool has_room(std::string_view server) const;
  void take(std::string_view server);
  void release(std::string_view server);  // no-op for a server with none running
  std::size_t running_on(std::string_view server) const;
  void clear() { running_.clear(); }

 private:
  std::size_t max_per_server_;
  // Only servers with at least one poll running: 10,000 accounts on 10,000
  // servers leave no trace once their polls end.
  std::map<std::string, std::size_t, std::less<>> running_;
};

}  // namespace fetch
