#pragma once
// Runs `attempt` where file permissions apply: in this process normally, in a
// child that dropped to uid/gid 65534 when the tests run as root (root ignores
// permission bits). Returns what `attempt` returned ("" for success, by
// convention), or "SETUID FAILED".

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

namespace store_test {

inline constexpr uid_t kNobody = 65534;

inline std::string without_root(const std::function<std::string()>& attempt) {
  if (::geteuid() != 0) return attempt();
  int fds[2];
  if (::pipe(fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string message;
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      message = "SETUID FAILED";
    } else {
      message = attempt();
    }
    (void)!::write(fds[1], message.data(), message.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string message;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  return message;
}

}  // namespace store_test
