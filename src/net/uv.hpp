#pragma once
// Ownership of a heap-allocated libuv handle. libuv keeps using a handle's
// memory until the handle's close callback has run, so the handle is closed
// (never freed directly) and freed in that callback, one loop turn later.
// The owner therefore keeps running the loop after releasing handles.

#include <uv.h>

#include <memory>

namespace net {

struct UvHandleCloser {
  template <class Handle>
  void operator()(Handle* handle) const {
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
  }
};

template <class Handle>
using UvHandlePtr = std::unique_ptr<Handle, UvHandleCloser>;

// An initialised timer on `loop`, or null when uv_timer_init failed.
inline UvHandlePtr<uv_timer_t> make_timer(uv_loop_t* loop) {
  auto* timer = new uv_timer_t;
  if (uv_timer_init(loop, timer) != 0) {
    delete timer;
    return nullptr;
  }
  return UvHandlePtr<uv_timer_t>(timer);
}

}  // namespace net
