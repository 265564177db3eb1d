#pragma once
// Result<T>: a value or an Error, the project's one way of reporting failure
// across module boundaries (C++20 has no std::expected yet). Exceptions stay
// inside the modules that must use them (yaml-cpp in the config loader) and
// never cross a libuv or mbedTLS callback.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace common {

// What went wrong, coarse enough to drive retry, backoff and exit codes.
enum class ErrorKind {
  Io,        // socket, file or process I/O failed
  Timeout,   // connect, handshake or a server reply took longer than `timeout`
  Tls,       // handshake or certificate verification failed
  Protocol,  // the server broke the protocol (bad reply, over-long line, ...)
  Auth,      // the server rejected our credentials ([AUTH] or a plain -ERR to auth)
  TempFail,  // the server says "try later" ([SYS/TEMP], [IN-USE], [LOGIN-DELAY])
  PermFail,  // the server says "do not retry" ([SYS/PERM])
  Config,    // the configuration is invalid or a password source failed
  Storage,   // SQLite failed
  Aborted,   // we stopped on purpose (shutdown, cancelled)
};

std::string_view to_string(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string message;  // one line, safe to show: never contains a password
};

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorKind::Io, {}};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace common
