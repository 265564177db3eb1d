#include "support/fake_pop3_session.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <optional>

#include "support/tls_test_server.hpp"

namespace test_support {
namespace {

using StepKind = FakePop3Script::StepKind;

// A client line longer than this is recorded cut here: the fake server must
// stay small even if the client under test misbehaves.
constexpr std::size_t kMaxRecordedLine = 64 * 1024;
constexpr std::size_t kReadChunk = 64 * 1024;
// Lazily generated data goes out in blocks of about this size.
constexpr std::size_t kRepeatBlock = 64 * 1024;

enum class Wait { Ready, PeerClosed, Stopped, Failed };

class Session {
 public:
  Session(int fd, int stop_fd, std::size_t connection, FakePop3Recorder& recorder)
      : fd_(fd), stop_fd_(stop_fd), connection_(connection), recorder_(recorder) {}

  SessionResult run(const FakePop3Script& script) {
    const auto& steps = script.steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
      step_ = i;
      const Wait outcome = run_step(steps[i]);
      if (outcome == Wait::Stopped) return {SessionEnd::Stopped, closed_};
      if (closed_) return {SessionEnd::Finished, true};
      if (outcome != Wait::Ready) return {SessionEnd::Finished, false};
    }
    // Script done: record whatever else the client says until it hangs up.
    const Wait outcome = drain_until_close();
    return {outcome == Wait::Stopped ? SessionEnd::Stopped : SessionEnd::Finished, closed_};
  }

 private:
  Wait run_step(const FakePop3Script::Step& step) {
    switch (step.kind) {
      case StepKind::Send:
        return send_all(step.bytes);
      case StepKind::SendRepeated:
        return send_repeated(step.bytes, step.total);
      case StepKind::ExpectExact:
      case StepKind::ExpectPrefix:
      case StepKind::ExpectRegex:
      case StepKind::ReadLine:
        return expect(step);
      case StepKind::ExpectOptional:
        return expect_optional(step);
      case StepKind::SendIfSeen:
        return send_all(seen(step.bytes) ? step.reply : step.otherwise);
      case StepKind::Stall:
        return drain_until_close();
      case StepKind::Trickle:
        return trickle(step.bytes, static_cast<int>(step.total));
      case StepKind::StartTls:
        return start_tls(*step.credential);
      case StepKind::Close:
        if (tls_) {
          tls_->close_notify();
          (void)send_raw(tls_->take());
        }
        ::shutdown(fd_, SHUT_WR);
        ::close(fd_);
        closed_ = true;
        return Wait::Ready;
      case StepKind::Reset: {
        const linger hard{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(fd_);
        closed_ = true;
        return Wait::Ready;
      }
    }
    return Wait::Failed;
  }

  std::string where() const {
    return "connection " + std::to_string(connection_) + " step " + std::to_string(step_) + ": ";
  }

  // poll() on the socket (for `events`) and the stop pipe.
  Wait wait_for(short events, short& revents) {
    pollfd fds[2] = {{fd_, events, 0}, {stop_fd_, POLLIN, 0}};
    for (;;) {
      const int rc = ::poll(fds, 2, -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0) {
        recorder_.add_error(where() + "poll failed");
        return Wait::Failed;
      }
      if (fds[1].revents != 0) return Wait::Stopped;
      revents = fds[0].revents;
      return Wait::Ready;
    }
  }

  // Reads what is there; records complete lines. PeerClosed on EOF or error.
  // Under TLS the bytes go through the TLS server first (received_bytes()
  // counts what came over the socket).
  Wait read_available() {
    char chunk[kReadChunk];
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        recorder_.add_received(static_cast<std::size_t>(n));
        if (tls_) {
          tls_->feed(std::string_view(chunk, static_cast<std::size_t>(n)));
          if (tls_->handshake_done()) buffer_ += tls_->read();
        } else {
          buffer_.append(chunk, static_cast<std::size_t>(n));
        }
        split_lines();
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Wait::Ready;
      if (!peer_closed_) recorder_.add_client_close();
      peer_closed_ = true;
      return Wait::PeerClosed;
    }
  }

  void split_lines() {
    std::size_t lf;
    while ((lf = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, lf);
      buffer_.erase(0, lf + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      recorder_.add_line(line);
      received_.push_back(line);
      pending_.push_back(std::move(line));
    }
    if (buffer_.size() > kMaxRecordedLine) {
      std::string cut = buffer_.substr(0, kMaxRecordedLine);
      recorder_.add_line(cut);
      pending_.push_back(std::move(cut));
      buffer_.clear();
    }
  }

  // Sends plaintext: encrypted once TLS is on.
  Wait send_all(std::string_view plaintext) {
    if (!tls_) return send_raw(plaintext);
    try {
      tls_->write(plaintext);
    } catch (const std::exception& e) {
      recorder_.add_error(where() + e.what());
      return Wait::Failed;
    }
    return send_raw(tls_->take());
  }

  // The server side of a TLS handshake on this connection, from now on.
  Wait start_tls(const Credential& credential) {
    try {
      tls_ = std::make_unique<TlsTestServer>(credential);
    } catch (const std::exception& e) {
      recorder_.add_error(where() + e.what());
      return Wait::Failed;
    }
    // Bytes that arrived in clear text before the handshake belong to it.
    if (!buffer_.empty()) {
      tls_->feed(buffer_);
      buffer_.clear();
    }
    for (;;) {
      const int rc = tls_->handshake();
      if (const std::string out = tls_->take(); !out.empty()) {
        if (const Wait w = send_raw(out); w != Wait::Ready) {
          if (w == Wait::PeerClosed) {
            recorder_.add_error(where() + "client closed the connection during the TLS handshake");
          }
          return w;
        }
      }
      if (rc == 0) {
        recorder_.add_tls_handshake();
        buffer_ += tls_->read();  // the client may already have sent its first command
        split_lines();
        return Wait::Ready;
      }
      if (rc < 0) {
        char code[32];
        std::snprintf(code, sizeof code, "-0x%04X", static_cast<unsigned>(-rc));
        recorder_.add_error(where() + "TLS handshake failed (mbedTLS " + code + ")");
        return Wait::Failed;
      }
      if (peer_closed_) {
        recorder_.add_error(where() + "client closed the connection during the TLS handshake");
        return Wait::PeerClosed;
      }
      short revents = 0;
      if (const Wait w = wait_for(POLLIN, revents); w != Wait::Ready) return w;
      read_available();
    }
  }

  // Sends bytes as they are (ciphertext under TLS).
  Wait send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      // A client that hung up reads nothing more; stop writing to it.
      if (peer_closed_) return Wait::PeerClosed;
      short revents = 0;
      if (const Wait w = wait_for(POLLOUT | POLLIN, revents); w != Wait::Ready) return w;
      // Keep reading while we write, so a client that writes too cannot
      // deadlock us with full buffers in both directions.
      if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0 && read_available() == Wait::PeerClosed) {
        return Wait::PeerClosed;
      }
      if ((revents & POLLOUT) == 0) continue;
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        if (!peer_closed_) recorder_.add_client_close();
        peer_closed_ = true;
        return Wait::PeerClosed;
      }
      recorder_.add_sent(static_cast<std::size_t>(n));
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return Wait::Ready;
  }

  Wait send_repeated(const std::string& chunk, std::uint64_t total) {
    // One block of whole repetitions plus one extra chunk, so any stream
    // offset can be sent as a contiguous slice of it.
    std::string block;
    const std::size_t repetitions = std::max<std::size_t>(1, kRepeatBlock / chunk.size());
    block.reserve((repetitions + 1) * chunk.size());
    for (std::size_t i = 0; i <= repetitions; ++i) block += chunk;
    const std::size_t usable = repetitions * chunk.size();
    std::uint64_t sent = 0;
    while (sent < total) {
      const std::size_t offset = static_cast<std::size_t>(sent % chunk.size());
      const std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(usable, total - sent));
      if (const Wait w = send_all(std::string_view(block).substr(offset, length)); w != Wait::Ready) return w;
      sent += length;
    }
    return Wait::Ready;
  }

  std::optional<std::string> next_line(Wait& outcome) {
    while (pending_.empty()) {
      if (peer_closed_) {
        outcome = Wait::PeerClosed;
        return std::nullopt;
      }
      short revents = 0;
      outcome = wait_for(POLLIN, revents);
      if (outcome != Wait::Ready) return std::nullopt;
      read_available();
    }
    std::string line = std::move(pending_.front());
    pending_.pop_front();
    outcome = Wait::Ready;
    return line;
  }

  Wait expect(const FakePop3Script::Step& step) {
    Wait outcome = Wait::Ready;
    auto line = next_line(outcome);
    if (!line) {
      if (outcome == Wait::PeerClosed) {
        recorder_.add_error(where() + "client closed the connection before the line for " +
                            std::string(to_string(step.kind)) + " \"" + step.bytes + "\"");
      }
      return outcome;
    }
    bool matches = true;
    switch (step.kind) {
      case StepKind::ExpectExact:
        matches = *line == step.bytes;
        break;
      case StepKind::ExpectPrefix:
        matches = line->rfind(step.bytes, 0) == 0;
        break;
      case StepKind::ExpectRegex:
        matches = std::regex_match(*line, *step.regex);
        break;
      default:
        break;
    }
    if (!matches) {
      recorder_.add_error(where() + std::string(to_string(step.kind)) + " \"" + step.bytes +
                          "\" but the client sent \"" + *line + "\"");
      return Wait::Failed;
    }
    return Wait::Ready;
  }

  // One byte, then up to `interval_ms` of listening (the pace of the trickle,
  // not a synchronisation: the client under test decides when it ends).
  Wait trickle(std::string_view bytes, int interval_ms) {
    for (char byte : bytes) {
      if (const Wait w = send_all(std::string_view(&byte, 1)); w != Wait::Ready) return w;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      const int rc = ::poll(fds, 2, interval_ms);
      if (rc < 0 && errno != EINTR) return Wait::Failed;
      if (fds[1].revents != 0) return Wait::Stopped;
      if (fds[0].revents != 0 && read_available() == Wait::PeerClosed) return Wait::PeerClosed;
    }
    return Wait::Ready;
  }

  Wait expect_optional(const FakePop3Script::Step& step) {
    Wait outcome = Wait::Ready;
    auto line = next_line(outcome);
    if (!line) return outcome;
    if (*line == step.bytes) return send_all(step.reply);
    pending_.push_front(std::move(*line));
    return Wait::Ready;
  }

  // The client sent `line` on this connection (so far).
  bool seen(const std::string& line) const {
    return std::find(received_.begin(), received_.end(), line) != received_.end();
  }

  Wait drain_until_close() {
    while (!peer_closed_) {
      short revents = 0;
      if (const Wait w = wait_for(POLLIN, revents); w != Wait::Ready) return w;
      read_available();
    }
    return Wait::Ready;
  }

  int fd_;
  int stop_fd_;
  std::size_t connection_;
  FakePop3Recorder& recorder_;
  std::size_t step_ = 0;
  std::string buffer_;
  std::deque<std::string> pending_;
  std::vector<std::string> received_;  // every complete line received, for SendIfSeen
  bool peer_closed_ = false;
  bool closed_ = false;
  std::unique_ptr<TlsTestServer> tls_;
};

}  // namespace

void FakePop3Recorder::add_line(std::string line) {
  std::lock_guard lock(mutex_);
  lines_.push_back(std::move(line));
}
void FakePop3Recorder::add_error(std::string error) {
  std::lock_guard lock(mutex_);
  errors_.push_back(std::move(error));
}
void FakePop3Recorder::add_received(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  received_bytes_ += bytes;
}
void FakePop3Recorder::add_sent(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  sent_bytes_ += bytes;
}
void FakePop3Recorder::add_client_close() {
  std::lock_guard lock(mutex_);
  ++client_closes_;
}
void FakePop3Recorder::add_tls_handshake() {
  std::lock_guard lock(mutex_);
  ++tls_handshakes_;
}
std::size_t FakePop3Recorder::tls_handshakes() const {
  std::lock_guard lock(mutex_);
  return tls_handshakes_;
}
std::vector<std::string> FakePop3Recorder::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}
std::vector<std::string> FakePop3Recorder::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}
std::uint64_t FakePop3Recorder::received_bytes() const {
  std::lock_guard lock(mutex_);
  return received_bytes_;
}
std::uint64_t FakePop3Recorder::sent_bytes() const {
  std::lock_guard lock(mutex_);
  return sent_bytes_;
}
std::size_t FakePop3Recorder::client_closes() const {
  std::lock_guard lock(mutex_);
  return client_closes_;
}

SessionResult run_fake_pop3_session(int fd, int stop_fd, const FakePop3Script& script, std::size_t connection,
                                    FakePop3Recorder& recorder) {
  return Session(fd, stop_fd, connection, recorder).run(script);
}

}  // namespace test_support
