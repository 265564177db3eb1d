#pragma once
// SignalSet: signal handling on the libuv loop (uv_signal_t), so a handler
// runs as an ordinary loop callback — never in async-signal context, never
// in the middle of a poll's callback.
//
// Owns one uv_signal_t per signal (closed by close() or the destructor; freed
// in libuv's close callback, so keep running the loop afterwards). Never
// touches signals it was not given. Errors: Io when libuv cannot watch a
// signal.

#include <uv.h>

#include <functional>
#include <vector>

#include "common/result.hpp"
#include "net/uv.hpp"

namespace popfetchd::daemon {

class SignalSet {
 public:
  explicit SignalSet(uv_loop_t* loop) : loop_(loop) {}
  SignalSet(const SignalSet&) = delete;
  SignalSet& operator=(const SignalSet&) = delete;
  ~SignalSet() { close(); }

  // Calls `handler` on the loop thread each time `signum` arrives.
  common::Status watch(int signum, std::function<void()> handler);
  // Stops watching every signal; their default dispositions return.
  void close();

 private:
  struct Watch {
    net::UvHandlePtr<uv_signal_t> handle;
    std::function<void()> handler;
  };
  static void on_signal(uv_signal_t* handle, int signum);

  uv_loop_t* loop_;
  std::vector<std::unique_ptr<Watch>> watches_;
};

}  // namespace popfetchd::daemon
