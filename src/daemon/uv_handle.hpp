#pragma once
// Ownership of a heap-allocated libuv handle. libuv keeps using a handle's
// memory until the handle's close callback has run, so the handle is closed
// (never freed directly) and freed in that callback, one loop turn later.
// The owner therefore keeps running the loop after releasing handles.
//
// Only for handles that were initialised (uv_*_init succeeded); a handle whose
// init failed is freed with plain delete.

#include <uv.h>

#include <memory>

namespace popfetchd::daemon {

struct UvHandleCloser {
  template <class Handle>
  void operator()(Handle* handle) const {
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
  }
};

template <class Handle>
using UvHandlePtr = std::unique_ptr<Handle, UvHandleCloser>;

}  // namespace popfetchd::daemon
