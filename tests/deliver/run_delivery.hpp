#pragma once
// Runs one Target::deliver() on a libuv loop until its `done` came, for the
// tests: checks that `done` is called exactly once and never from inside
// deliver(). Bounded: a test fails (nullopt) instead of hanging when the loop
// runs dry without an outcome.

#include <uv.h>

#include <memory>
#include <optional>
#include <string>

#include "deliver/target.hpp"

namespace deliver_test {

inline std::shared_ptr<const deliver::Message> make_message(std::string raw, std::int64_t id = 1) {
  auto message = std::make_shared<deliver::Message>();
  message->id = id;
  message->account = "alice";
  message->uidl = "uidl-" + std::to_string(id);
  message->raw = std::move(raw);
  return message;
}

struct DeliveryResult {
  std::optional<deliver::Outcome> outcome;
  bool called_inside = false;  // done ran inside deliver(): a contract breach
  int calls = 0;
};

inline DeliveryResult run_delivery(uv_loop_t* loop, deliver::Target& target,
                                   std::shared_ptr<const deliver::Message> message) {
  auto result = std::make_shared<DeliveryResult>();
  auto inside = std::make_shared<bool>(true);
  target.deliver(deliver::Attempt{std::move(message), false}, [result, inside](deliver::Outcome outcome) {
    ++result->calls;
    result->called_inside = result->called_inside || *inside;
    result->outcome = std::move(outcome);
  });
  *inside = false;
  while (!result->outcome) {
    if (uv_run(loop, UV_RUN_ONCE) == 0 && !result->outcome) break;
  }
  return *result;
}

}  // namespace deliver_test
