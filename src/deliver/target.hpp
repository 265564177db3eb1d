#pragma once
// deliver::Target: one place an account's new mail is delivered to (a
// Maildir, an mbox file, an MDA, an LMTP server), behind one asynchronous
// interface so the delivery queue (deliver/queue.hpp) drives them all alike.
//
// The archive stays the source of truth: a Target receives a message only
// after the archive committed it, and the queue records in SQLite which
// message reached which target. Exactly-once therefore rests on two things a
// Target provides: an outcome that says whether the message is there, and
// (for an attempt whose outcome was never recorded because the process died)
// a check whether it already got there (`in_doubt`).
//
// Threading: deliver() and flush() are called on the loop's thread and call
// `done` exactly once, later, on the loop's thread (never from inside the
// call). Blocking file work runs on libuv's thread pool. A Target is
// destroyed only when nothing it started is in flight (the queue waits for
// every `done`).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.hpp"

namespace deliver {

// One archived message on its way to a target.
struct Message {
  std::int64_t id = 0;  // the archive's row id: names the message in every target's bookkeeping
  std::string account;
  std::string uidl;
  std::int64_t fetched_at = 0;  // unix seconds
  std::string raw;              // as archived: CRLF line ends, dot-unstuffed
};

enum class Verdict {
  Delivered,  // the target has the message (now, or already had it)
  Temporary,  // try again later with backoff: EX_TEMPFAIL, LMTP 4xx, a full disk, a timeout
  Permanent,  // do not retry until the user says so (reload, POST /deliver/<account>)
};

struct Outcome {
  Verdict verdict = Verdict::Temporary;
  std::string detail;  // one line for logs and status: what went wrong (or "" when delivered); no secrets
};

struct Attempt {
  std::shared_ptr<const Message> message;
  // An earlier attempt started but its outcome was never recorded (the
  // process died): a target that can tell whether the message already
  // arrived checks first and answers Delivered without delivering again.
  bool in_doubt = false;
};

class Target {
 public:
  using Done = std::function<void(Outcome)>;
  using FlushDone = std::function<void(common::Status)>;

  virtual ~Target() = default;

  // Delivers one message. The queue runs one attempt per target at a time.
  virtual void deliver(Attempt attempt, Done done) = 0;

  // Makes the deliveries answered Delivered so far durable (e.g. fsync of a
  // Maildir's new/); the queue records them as delivered only after this
  // succeeded. Unlike deliver(), may call `done` from inside the call when
  // there is nothing to wait for (the default: nothing to make durable).
  virtual void flush(FlushDone done) { done(common::Status{}); }

  // Shutdown is waiting: end the attempt in flight as soon as possible (kill
  // the MDA, drop the connection). Its `done` is still called, later, with a
  // Temporary outcome unless it completed. Default: nothing to cut short.
  virtual void cancel() {}
};

}  // namespace deliver
