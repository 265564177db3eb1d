#include "health/client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "health/unix_socket_file.hpp"

namespace health {
namespace {

using Clock = std::chrono::steady_clock;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

common::Error io_error(const std::string& what, int error) {
  return common::make_error(common::ErrorKind::Io, what + ": " + std::strerror(error));
}

common::Error timeout_error(const std::string& path, std::chrono::milliseconds timeout) {
  return common::make_error(
      common::ErrorKind::Timeout,
      "no answer from the health socket " + path + " within " + std::to_string(timeout.count()) + " ms");
}

// Milliseconds left until `deadline` for poll(); 0 once it has passed. Capped
// so that the int cannot overflow; wait_for() simply polls again.
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// Waits until `fd` is ready for `events`; false when the deadline passed.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int rc = ::poll(&entry, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0 && Clock::now() >= deadline) return false;
    if (rc < 0 && errno != EINTR) return true;  // let the following call report the error
  }
}

common::Status connect_socket(int fd, const std::string& path, std::chrono::milliseconds timeout) {
  const auto address = unix_socket_address(path);
  if (!address) return address.error();
  // A blocking connect() to a Unix socket waits while the listener's backlog
  // is full; SO_SNDTIMEO bounds that wait (it then fails with EAGAIN).
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  timeval limit{static_cast<time_t>(micros / 1'000'000), static_cast<suseconds_t>(micros % 1'000'000)};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&*address), sizeof(*address));
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return {};
  const int error = errno;
  switch (error) {
    case ENOENT:
      return io_error("cannot reach popfetchd at " + path + " (is it running?)", error);
    case ECONNREFUSED:
      return io_error("nothing listens on " + path + " (is popfetchd running?)", error);
    case EAGAIN:
    case EINPROGRESS:
    case ETIMEDOUT:
      return timeout_error(path, timeout);
    default:
      return io_error("cannot connect to " + path, error);
  }
}

// Sends what it can before the deadline. The peer closing early is not an
// error here: it may have answered already (an oversized request is cut off).
common::Status send_request(int fd, std::string_view request, const std::string& path,
                            std::chrono::milliseconds timeout, Clock::time_point deadline) {
  while (!request.empty()) {
    const ssize_t sent = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      request.remove_prefix(static_cast<std::size_t>(sent));
    } else if (errno == EPIPE || errno == ECONNRESET) {
      return {};
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(fd, POLLOUT, deadline)) return timeout_error(path, timeout);
    } else if (errno != EINTR) {
      return io_error("cannot send to " + path, errno);
    }
  }
  return {};
}

common::Result<HttpResponse> read_response(int fd, HttpResponseOptions options, const std::string& path,
                                           std::chrono::milliseconds timeout, Clock::time_point deadline) {
  HttpResponseParser parser(options);
  std::array<char, 16 * 1024> buffer{};
  while (parser.progress() == HttpResponseParser::Progress::NeedMore) {
    if (!wait_for(fd, POLLIN, deadline)) return timeout_error(path, timeout);
    const ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (got > 0) {
      parser.feed({buffer.data(), static_cast<std::size_t>(got)});
    } else if (got == 0 || errno == ECONNRESET) {
      // A reset arrives only after everything the server wrote was read.
      parser.finish();
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return io_error("cannot read from " + path, errno);
    }
  }
  if (parser.progress() == HttpResponseParser::Progress::Error) {
    return common::make_error(common::ErrorKind::Protocol,
                              "bad answer from the health socket " + path + ": " + parser.error_reason());
  }
  return parser.response();
}

}  // namespace

common::Result<HttpResponse> http_exchange(const std::string& socket_path, std::string_view request,
                                           std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  FileDescriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return io_error("cannot create a socket", errno);
  if (auto connected = connect_socket(fd.get(), socket_path, timeout); !connected) return connected.error();
  // From here on every wait is a poll() against the one deadline.
  if (::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK) != 0) {
    return io_error("cannot configure the socket", errno);
  }
  if (auto sent = send_request(fd.get(), request, socket_path, timeout, deadline); !sent) return sent.error();
  HttpResponseOptions options;
  options.head_request = request.starts_with("HEAD ");
  return read_response(fd.get(), options, socket_path, timeout, deadline);
}

common::Result<HttpResponse> fetch_health(const std::string& socket_path, std::chrono::milliseconds timeout) {
  return http_exchange(socket_path, "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                       timeout);
}

}  // namespace health
