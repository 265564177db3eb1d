#include "integration/running_daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "health/client.hpp"
#include "integration/popfetchd_cli.hpp"

namespace integration {

using namespace std::chrono_literals;

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(50ms);  // pacing the looks; the condition decides
  }
  return true;
}

common::Result<std::unique_ptr<RunningDaemon>> RunningDaemon::start(const std::filesystem::path& config,
                                                                    const std::string& socket) {
  test_support::SpawnOptions options;
  options.output_file = config.string() + ".out";
  options.pipe_stderr = true;
  auto child = test_support::ChildProcess::spawn({popfetchd_binary(), "-c", config.string(), "run"}, options);
  if (!child) return child.error();
  std::unique_ptr<RunningDaemon> daemon(new RunningDaemon(std::move(*child), socket));
  daemon->reader_ = std::thread([d = daemon.get()] { d->read_log(); });
  return daemon;
}

RunningDaemon::RunningDaemon(test_support::ChildProcess child, std::string socket)
    : child_(std::move(child)), socket_(std::move(socket)) {}

RunningDaemon::~RunningDaemon() {
  (void)child_.stop(std::chrono::milliseconds(20'000));
  if (reader_.joinable()) reader_.join();
}

void RunningDaemon::read_log() {
  std::string partial;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(child_.stderr_fd(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    partial.append(buffer, static_cast<std::size_t>(n));
    std::size_t end;
    std::lock_guard lock(mutex_);
    while ((end = partial.find('\n')) != std::string::npos) {
      lines_.push_back(partial.substr(0, end));
      partial.erase(0, end + 1);
    }
    changed_.notify_all();
  }
}

std::optional<nlohmann::json> RunningDaemon::health() const {
  auto response = health::fetch_health(socket_, 2'000ms);
  if (!response) return std::nullopt;
  auto body = nlohmann::json::parse(response->body, nullptr, false);
  if (body.is_discarded()) return std::nullopt;
  return body;
}

std::vector<std::string> RunningDaemon::held() const {
  auto body = health();
  if (!body || !(*body)["leases"].is_object()) return {};
  return (*body)["leases"]["held"].get<std::vector<std::string>>();
}

bool RunningDaemon::wait_for_line(const std::string& text, std::chrono::milliseconds deadline, std::size_t from) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, deadline, [&] {
    for (std::size_t i = from; i < lines_.size(); ++i) {
      if (lines_[i].find(text) != std::string::npos) return true;
    }
    return false;
  });
}

std::size_t RunningDaemon::line_count() const {
  std::lock_guard lock(mutex_);
  return lines_.size();
}

std::string RunningDaemon::log() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& line : lines_) text += line + "\n";
  return text;
}

common::Result<int> RunningDaemon::stop() {
  auto status = child_.stop(std::chrono::milliseconds(20'000));
  if (reader_.joinable()) reader_.join();
  return status;
}

void RunningDaemon::kill() {
  (void)child_.send_signal(SIGKILL);
  (void)child_.stop(std::chrono::milliseconds(5'000));
  if (reader_.joinable()) reader_.join();
}

}  // namespace integration
