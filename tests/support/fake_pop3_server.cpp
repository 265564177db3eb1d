#include "support/fake_pop3_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace test_support {

FakePop3Server::FakePop3Server(FakePop3Script script, std::size_t connections)
    : scripts_(connections, std::move(script)) {}

FakePop3Server::FakePop3Server(std::vector<FakePop3Script> scripts) : scripts_(std::move(scripts)) {}

FakePop3Server::~FakePop3Server() { stop(); }

common::Status FakePop3Server::start() {
  if (thread_.joinable()) return common::make_error(common::ErrorKind::Io, "fake server started twice");
  auto listener = listen_tcp(0);
  if (!listener) return listener.error();
  auto port = local_port(listener->get());
  if (!port) return port.error();
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return common::make_error(common::ErrorKind::Io, errno_message("pipe2"));
  stop_read_.reset(pipe_fds[0]);
  stop_write_.reset(pipe_fds[1]);
  listener_ = std::move(*listener);
  port_ = *port;
  thread_ = std::thread([this] { run(); });
  return {};
}

void FakePop3Server::stop() {
  if (!thread_.joinable()) return;
  const char byte = 's';
  while (::write(stop_write_.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  listener_.reset();
}

bool FakePop3Server::wait_finished(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return finished_cv_.wait_for(lock, timeout, [this] { return finished_; });
}

std::size_t FakePop3Server::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

void FakePop3Server::run() {
  std::size_t index = 0;
  while (index < scripts_.size()) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      recorder_.add_error(errno_message("poll on the listening socket"));
      break;
    }
    if (fds[1].revents != 0) break;
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
      recorder_.add_error(errno_message("accept"));
      break;
    }
    {
      std::lock_guard lock(mutex_);
      ++accepted_;
    }
    const SessionResult result =
        run_fake_pop3_session(fd, stop_read_.get(), scripts_[index], index, recorder_);
    if (!result.closed) ::close(fd);
    if (result.end == SessionEnd::Stopped) break;
    ++index;
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
  finished_cv_.notify_all();
}

}  // namespace test_support
