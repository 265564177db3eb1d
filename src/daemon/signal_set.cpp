#include "daemon/signal_set.hpp"

#include <string.h>

#include <memory>
#include <string>

namespace popfetchd::daemon {

common::Status SignalSet::watch(int signum, std::function<void()> handler) {
  auto watch = std::make_unique<Watch>();
  watch->handler = std::move(handler);
  auto* handle = new uv_signal_t;
  if (const int failed = uv_signal_init(loop_, handle); failed != 0) {
    delete handle;
    return common::make_error(common::ErrorKind::Io,
                              std::string("cannot watch signals: ") + uv_strerror(failed));
  }
  watch->handle.reset(handle);
  handle->data = watch.get();
  if (const int failed = uv_signal_start(handle, &SignalSet::on_signal, signum); failed != 0) {
    return common::make_error(common::ErrorKind::Io, std::string("cannot watch signal ") + strsignal(signum) +
                                                         ": " + uv_strerror(failed));
  }
  watches_.push_back(std::move(watch));
  return {};
}

void SignalSet::on_signal(uv_signal_t* handle, int) {
  // The handler may close() this set: keep the std::function alive for the call.
  auto* watch = static_cast<Watch*>(handle->data);
  std::function<void()> handler = watch->handler;
  handler();
}

void SignalSet::close() { watches_.clear(); }

}  // namespace popfetchd::daemon
