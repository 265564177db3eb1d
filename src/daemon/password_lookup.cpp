#include "daemon/password_lookup.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace popfetchd::daemon {
namespace {

struct Job {
  uv_work_t request{};
  PasswordResolver resolver;  // a copy: the caller's may change while the pool runs this one
  config::PasswordSource source;
  std::optional<common::Result<common::Secret>> result;
  PasswordDone done;
};

void run_on_pool(uv_work_t* request) {
  Job* job = static_cast<Job*>(request->data);
  // Nothing may escape into libuv's worker thread.
  try {
    job->result.emplace(job->resolver(job->source));
  } catch (const std::exception&) {
    job->result.emplace(
        common::make_error(common::ErrorKind::Config, "reading the password failed unexpectedly"));
  }
}

void deliver_on_loop(uv_work_t* request, int status) {
  std::unique_ptr<Job> job(static_cast<Job*>(request->data));
  if (status != 0 || !job->result) {
    job->done(common::make_error(common::ErrorKind::Config,
                                 std::string("reading the password was cancelled: ") + uv_strerror(status)));
    return;
  }
  job->done(std::move(*job->result));
}

}  // namespace

void lookup_password(uv_loop_t* loop, const PasswordResolver& resolver, config::PasswordSource source,
                     PasswordDone done) {
  auto job = std::make_unique<Job>();
  job->request.data = job.get();
  job->resolver = resolver;
  job->source = std::move(source);
  job->done = std::move(done);
  const int queued = uv_queue_work(loop, &job->request, &run_on_pool, &deliver_on_loop);
  if (queued != 0) {
    PasswordDone failed = std::move(job->done);
    failed(common::make_error(common::ErrorKind::Config,
                              std::string("cannot start reading the password: ") + uv_strerror(queued)));
    return;
  }
  job.release();  // deliver_on_loop owns it now
}

fetch::TokenRefresh pool_token_refresh(uv_loop_t* loop, PasswordResolver resolver) {
  return [loop, resolver = std::move(resolver)](const config::PasswordSource& source, fetch::TokenDone done) {
    lookup_password(loop, resolver, source, std::move(done));
  };
}

}  // namespace popfetchd::daemon
