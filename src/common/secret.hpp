#pragma once
// common::Secret: a password (or token) in memory — move-only, wiped with
// explicit_bzero when it is destroyed, replaced or moved from, so no copy of
// it lingers in freed memory. The one type for every password copy from the
// password source to the POP3 session. Pure std + <string.h>; no I/O, so the
// pure engine (src/pop3) may use it too.
//
// Wiping covers the bytes this object owned: keep a Secret whole (never
// append to it) and never copy reveal() into a std::string that outlives
// the use.

#include <string.h>

#include <string>
#include <string_view>
#include <utility>

namespace common {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

  // A second owner of the same bytes, for the one place that must use the
  // password again after handing it on (a poll repeated until the mailbox
  // is empty). The copy goes straight into the new Secret's own buffer, so
  // no temporary std::string is left behind to wipe.
  Secret duplicate() const {
    Secret copy;
    copy.value_ = value_;
    return copy;
  }

  // Zeroes every byte of the buffer (a moved-from short string keeps its
  // bytes in its inline buffer, hence capacity(), not size()) and empties it.
  void wipe() noexcept {
    explicit_bzero(value_.data(), value_.capacity());
    value_.clear();
  }

 private:
  std::string value_;
};

}  // namespace common
