#pragma once
// deliver::run_on_pool: one piece of blocking work on libuv's thread pool
// (uv_queue_work), then its continuation on the loop's thread. The uv_work_t
// and both functions live in one heap object that the after-callback owns and
// frees, so nothing leaks and nothing is freed while libuv still uses it.
// No exception crosses libuv's C callbacks: one thrown by `work` becomes an
// Io error passed to `after`.
//
// `after` runs exactly once, on the loop thread, never from inside
// run_on_pool(); its Status is an error when the work threw or the request
// was cancelled (uv_cancel), in which case `work` may not have run.

#include <uv.h>

#include <functional>

#include "common/result.hpp"

namespace deliver {

void run_on_pool(uv_loop_t* loop, std::function<void()> work, std::function<void(common::Status)> after);

}  // namespace deliver
