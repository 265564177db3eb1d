#include "net/uv.hpp"

#include <stdexcept>

#include "common/log.hpp"

namespace net {

UvLoop::UvLoop() {
  if (const int status = uv_loop_init(&loop_); status != 0) {
    throw std::runtime_error(std::string("cannot set up the event loop: ") + uv_strerror(status));
  }
}

UvLoop::~UvLoop() { close(); }

std::size_t UvLoop::close() {
  if (closed_) return leaked_;
  uv_run(&loop_, UV_RUN_DEFAULT);
  if (uv_loop_close(&loop_) == UV_EBUSY) {
    uv_walk(
        &loop_,
        [](uv_handle_t* handle, void* self_ptr) {
          auto* self = static_cast<UvLoop*>(self_ptr);
          if (uv_is_closing(handle)) return;
          ++self->leaked_;
          if (!self->leaked_names_.empty()) self->leaked_names_ += ", ";
          self->leaked_names_ += uv_handle_type_name(uv_handle_get_type(handle));
          // Its owner forgot it: close it so that the loop can be closed. The
          // memory stays the owner's to free.
          uv_close(handle, nullptr);
        },
        this);
    uv_run(&loop_, UV_RUN_DEFAULT);
    if (leaked_ > 0)
      common::log_error({}, "net: event loop closed with " + std::to_string(leaked_) +
                                " libuv handle(s) left open: " + leaked_names_);
    (void)uv_loop_close(&loop_);
  }
  closed_ = true;
  return leaked_;
}

}  // namespace net
