#include "deliver/pool_work.hpp"

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "common/log.hpp"

namespace deliver {
namespace {

struct PoolJob {
  uv_work_t request{};
  std::function<void()> work;
  std::function<void(common::Status)> after;
  std::string failure;  // set by the pool thread, read after libuv's hand-over to the loop thread
};

void on_work(uv_work_t* request) {
  auto* job = static_cast<PoolJob*>(request->data);
  try {
    job->work();
  } catch (const std::exception& e) {
    job->failure = e.what();
  } catch (...) {
    job->failure = "unknown exception";
  }
}

void on_after(uv_work_t* request, int status) {
  std::unique_ptr<PoolJob> job(static_cast<PoolJob*>(request->data));
  common::Status result;
  if (status == UV_ECANCELED) {
    result = common::make_error(common::ErrorKind::Aborted, "cancelled before it ran");
  } else if (!job->failure.empty()) {
    result = common::make_error(common::ErrorKind::Io, "failed: " + job->failure);
  }
  try {
    job->after(std::move(result));
  } catch (const std::exception& e) {
    // `after` belongs to the caller; an exception must still not cross libuv.
    common::log_error("", std::string("delivery: a completion failed: ") + e.what());
  } catch (...) {
    common::log_error("", "delivery: a completion failed");
  }
}

}  // namespace

void run_on_pool(uv_loop_t* loop, std::function<void()> work, std::function<void(common::Status)> after) {
  auto job = std::make_unique<PoolJob>();
  job->work = std::move(work);
  job->after = std::move(after);
  job->request.data = job.get();
  // uv_queue_work fails only for a null work callback, which on_work never is.
  if (uv_queue_work(loop, &job->request, on_work, on_after) != 0) std::abort();
  job.release();  // on_after owns it now
}

}  // namespace deliver
