#pragma once
// The libuv toolkit: the three lifetime rules every libuv user here follows,
// written once.
//
//   UvLoop       owns a uv_loop_t: init in the constructor; close() (and the
//                destructor) runs the loop until nothing is left to do, then
//                uv_loop_close, and reports handles somebody forgot to close.
//   UvHandlePtr  owns one heap-allocated handle: "deleting" it closes it, and
//                its memory is freed in the close callback, a loop turn later.
//   CloseLatch   frees an object that libuv still points into once its owner
//                has let go of it, every handle and request it holds has
//                called back, and none of its own methods is on the stack.
//
// Why: libuv keeps using a handle's memory until its close callback has run,
// so nothing that holds a handle may be freed directly, and a loop must be run
// after its handles are closed before it can itself be closed.
// Not thread-safe: use each object only on its loop's thread.

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace net {

// libuv's message for a negative status, e.g. "connection refused".
inline std::string uv_error_text(int status) { return uv_strerror(status); }

// Errors: the constructor throws std::runtime_error when uv_loop_init fails
// (it fails only when the process is out of file descriptors or memory).
class UvLoop {
 public:
  UvLoop();
  ~UvLoop();  // close(); the leak, if any, is logged
  UvLoop(const UvLoop&) = delete;
  UvLoop& operator=(const UvLoop&) = delete;

  uv_loop_t* get() { return &loop_; }

  // Runs the loop until no handle or request is active (close callbacks,
  // graceful shutdowns), then closes it. Handles still open then were leaked
  // by their owner: they are closed here, the loop runs once more to finish
  // them, and one error line names their types. Returns how many there were
  // (0: clean); tests assert on it. Idempotent: later calls return the same.
  std::size_t close();

  bool closed() const { return closed_; }
  // "timer, tcp": the types of the handles close() found open ("" if none).
  const std::string& leaked_handles() const { return leaked_names_; }

 private:
  uv_loop_t loop_{};
  std::size_t leaked_ = 0;
  std::string leaked_names_;
  bool closed_ = false;
};

// Only for handles whose uv_*_init succeeded (free a failed one with delete).
struct UvHandleCloser {
  template <class Handle>
  void operator()(Handle* handle) const {
    uv_close(reinterpret_cast<uv_handle_t*>(handle),
             [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
  }
};

template <class Handle>
using UvHandlePtr = std::unique_ptr<Handle, UvHandleCloser>;

// An initialised timer on `loop` (uv_timer_init only fills in the struct; it
// cannot fail, but a null result is still checked where it is cheap to).
inline UvHandlePtr<uv_timer_t> make_timer(uv_loop_t* loop) {
  auto* timer = new uv_timer_t;
  if (uv_timer_init(loop, timer) != 0) {
    delete timer;
    return nullptr;
  }
  return UvHandlePtr<uv_timer_t>(timer);
}

// Counts what libuv still holds of an object (open handles, requests in
// flight) and calls `free_owner` - typically `delete this` of the object that
// contains the latch - exactly once, when all three hold:
//   - the owner let go (let_go()),
//   - every hold() was matched by a release() (from a close callback, or the
//     callback of a request),
//   - no Busy guard is alive (a libuv callback of the object is running).
// After free_owner has run, the latch is gone with its owner: touch nothing.
class CloseLatch {
 public:
  explicit CloseLatch(std::function<void()> free_owner) : free_owner_(std::move(free_owner)) {}
  CloseLatch(const CloseLatch&) = delete;
  CloseLatch& operator=(const CloseLatch&) = delete;

  void hold() noexcept { ++held_; }
  void release() noexcept {
    --held_;
    maybe_free();
  }
  void let_go() noexcept {
    let_go_ = true;
    maybe_free();
  }
  bool owner_let_go() const { return let_go_; }
  int held() const { return held_; }

  // For a handle that lives inside the owner, right after its uv_*_init
  // succeeded: points handle.data at `owner` (where its callbacks, the close
  // callback among them, find it), sets `open` (the owner closes the handle
  // only while it is set) and holds the latch until the close callback
  // release()s it.
  template <class Handle>
  void opened(Handle& handle, void* owner, bool& open) noexcept {
    handle.data = owner;
    open = true;
    hold();
  }

  // Put one on the stack for the duration of each entry point from libuv.
  class Busy {
   public:
    explicit Busy(CloseLatch& latch) noexcept : latch_(latch) { ++latch_.busy_; }
    ~Busy() {
      --latch_.busy_;
      latch_.maybe_free();
    }
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;

   private:
    CloseLatch& latch_;
  };

 private:
  void maybe_free() noexcept {
    if (!let_go_ || held_ != 0 || busy_ != 0 || freed_) return;
    freed_ = true;
    std::function<void()> free_owner = std::move(free_owner_);
    free_owner();  // destroys *this
  }

  std::function<void()> free_owner_;
  int held_ = 0;
  int busy_ = 0;
  bool let_go_ = false;
  bool freed_ = false;
};

}  // namespace net
