// spawn_child and its parts; see child_spawn.hpp.
#include "common/child_spawn.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "common/sanitize.hpp"

extern char** environ;

namespace common {
namespace {

// One close_range() call on Linux >= 5.11, else /proc/self/fd.
void mark_descriptors_cloexec() {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd < 3 || fd == own) continue;
    const int flags = ::fcntl(static_cast<int>(fd), F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) ::fcntl(static_cast<int>(fd), F_SETFD, flags | FD_CLOEXEC);
  }
  ::closedir(dir);
}

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> list;
  for (auto& s : strings) list.push_back(s.data());
  list.push_back(nullptr);
  return list;
}

}  // namespace

std::vector<std::string> child_environment(const std::vector<std::string>& withheld,
                                           const std::vector<std::string>& extra) {
  std::vector<std::string> kept;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = name_of(text);
    const bool replaced = std::any_of(extra.begin(), extra.end(),
                                      [&](const std::string& other) { return name_of(other) == name; });
    if (!replaced && std::find(withheld.begin(), withheld.end(), name) == withheld.end()) kept.emplace_back(text);
  }
  kept.insert(kept.end(), extra.begin(), extra.end());
  return kept;
}

int spawn_child(uv_loop_t* loop, uv_process_t* process, const ChildSpawn& spec) {
  if (spec.argv.empty()) return UV_EINVAL;
  std::vector<std::string> args = spec.argv;
  std::vector<std::string> env = child_environment(spec.withheld_env, spec.extra_env);
  std::vector<char*> arg_list = pointers(args);
  std::vector<char*> env_list = pointers(env);
  uv_process_options_t options{};
  options.exit_cb = spec.on_exit;
  options.file = arg_list[0];
  options.args = arg_list.data();
  options.env = env_list.data();
  options.stdio_count = spec.stdio_count;
  options.stdio = spec.stdio;
  // setsid(): a process group of its own, so a timeout reaches its children.
  options.flags = UV_PROCESS_DETACHED;
  mark_descriptors_cloexec();
  return uv_spawn(loop, process, &options);
}

std::string one_line(std::string_view text, std::size_t max) {
  std::string flat;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space) {
      if (!flat.empty() && flat.back() != ' ') flat.push_back(' ');
    } else {
      flat.push_back(c);
    }
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return sanitize(flat, max);
}

void ignore_sigpipe_if_unhandled() {
  struct sigaction current {};
  if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace common
