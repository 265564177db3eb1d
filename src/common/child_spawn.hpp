#pragma once
// Starting a child program for popfetchd (an MDA, a hook) on a libuv loop:
// what every such child gets, in one place.
//   - argv as given, no shell, no PATH lookup (argv[0] is the program);
//   - our environment without `withheld_env` (the accounts' password_env
//     variables), plus `extra_env` ("NAME=value", replacing ours of that name);
//   - a session and process group of its own (setsid), so that killing
//     -pid reaches whatever it started;
//   - no descriptor of ours but the stdio it is given: libuv closes none, so
//     before the spawn every descriptor above 2 is marked close-on-exec,
//     inherited ones included.
// Owns nothing: the caller owns the uv_process_t and the stdio pipes, and
// closes them. Loop thread only. Errors: uv_spawn's status (0 or a UV_E*).

#include <uv.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace common {

struct ChildSpawn {
  std::vector<std::string> argv;  // not empty
  std::vector<std::string> withheld_env;
  std::vector<std::string> extra_env;
  uv_stdio_container_t* stdio = nullptr;
  int stdio_count = 0;
  uv_exit_cb on_exit = nullptr;  // process->data is the caller's
};

int spawn_child(uv_loop_t* loop, uv_process_t* process, const ChildSpawn& spec);

// Our environment without the `withheld` names, with `extra` ("NAME=value")
// in place of ours of the same name.
std::vector<std::string> child_environment(const std::vector<std::string>& withheld,
                                           const std::vector<std::string>& extra = {});

// A child's output as one log-safe line: line breaks and tabs become single
// spaces, the rest is sanitised and cut to `max` bytes.
std::string one_line(std::string_view text, std::size_t max);

// libuv writes to pipes with write(2): a child that stops reading would kill
// us with SIGPIPE. Ignored process-wide unless somebody handles it already.
void ignore_sigpipe_if_unhandled();

}  // namespace common
