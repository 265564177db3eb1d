#include "support/poll_harness.hpp"

#include <gtest/gtest.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "fetch/archive_writer.hpp"
#include "fetch/poll_runner.hpp"
#include "net/uv.hpp"

namespace test_support {

std::optional<fetch::PollReport> run_one_poll(fetch::PollOptions options, store::Archive& archive,
                                              const pop3::Digests& digests, PollHarnessOptions extras) {
  net::UvLoop loop;  // before the writer: closing it frees the writer's timer
  auto writer = std::make_unique<fetch::ArchiveWriter>(loop.get(), archive, fetch::ArchiveWriter::Limits{});
  fetch::PollFactory factory = fetch::account_poll_factory(loop.get(), *writer, digests);
  if (extras.refresh) factory = fetch::with_token_refresh(std::move(factory), std::move(extras.refresh));

  net::UvHandlePtr<uv_timer_t> watchdog = net::make_timer(loop.get());
  std::optional<fetch::PollReport> report;
  std::unique_ptr<fetch::Poll> poll = factory(std::move(options), [&](fetch::PollReport done) {
    report = std::move(done);
    uv_timer_stop(watchdog.get());
  });
  struct Watched {
    fetch::Poll* poll;
    std::chrono::milliseconds limit;
  } watched{poll.get(), extras.watchdog};
  if (extras.watchdog.count() > 0) {
    watchdog->data = &watched;
    uv_timer_start(
        watchdog.get(),
        [](uv_timer_t* timer) {
          const auto* watched = static_cast<const Watched*>(timer->data);
          ADD_FAILURE() << "the poll did not end within " << watched->limit.count() << " ms; stopping it";
          watched->poll->stop();
        },
        static_cast<std::uint64_t>(extras.watchdog.count()), 0);
  }
  poll->start();
  uv_run(loop.get(), UV_RUN_DEFAULT);
  poll.reset();
  // Whatever the poll stored is committed: nothing half-written is left behind.
  EXPECT_FALSE(writer->has_uncommitted());
  writer.reset();
  watchdog.reset();
  EXPECT_EQ(loop.close(), 0u) << "the poll left libuv handles open: " << loop.leaked_handles();
  return report;
}

LogCapture::LogCapture(std::vector<std::string>& lines) : previous_level_(common::log_level()) {
  common::set_log_level(common::LogLevel::Debug);
  common::set_log_sink([&lines](std::string_view line) { lines.emplace_back(line); });
}

LogCapture::~LogCapture() {
  common::set_log_sink({});
  common::set_log_level(previous_level_);
}

}  // namespace test_support
