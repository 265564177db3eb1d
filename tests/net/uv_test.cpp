// The libuv toolkit of net/uv.hpp on a real loop.

#include "net/uv.hpp"

#include <gtest/gtest.h>

namespace {

using net::CloseLatch;
using net::UvHandlePtr;
using net::UvLoop;

using net::make_timer;

TEST(UvLoop, ClosesCleanlyOnceEveryHandleIsClosed) {
  UvLoop loop;
  auto timer = make_timer(loop.get());
  timer.reset();  // closed; its memory goes in the close callback, which close() runs
  EXPECT_EQ(loop.close(), 0u);
  EXPECT_TRUE(loop.closed());
  EXPECT_EQ(loop.leaked_handles(), "");
  EXPECT_EQ(loop.close(), 0u);  // idempotent
}

TEST(UvLoop, WaitsForActiveHandlesThenReportsTheOnesNeverClosed) {
  UvLoop loop;
  auto timer = make_timer(loop.get());
  int fired = 0;
  timer->data = &fired;
  uv_timer_start(
      timer.get(), [](uv_timer_t* t) { ++*static_cast<int*>(t->data); }, 1, 0);
  // A one-shot timer still armed: close() waits for it, then the handle is
  // still open (never closed) and counts as leaked.
  auto* leaked = timer.release();
  EXPECT_EQ(loop.close(), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(loop.leaked_handles(), "timer");
  delete leaked;  // the loop closed it; the memory was always ours
}

TEST(UvLoop, ReportsEveryHandleLeftOpenByName) {
  UvLoop loop;
  auto* timer = new uv_timer_t;
  auto* tcp = new uv_tcp_t;
  uv_timer_init(loop.get(), timer);
  uv_tcp_init(loop.get(), tcp);
  EXPECT_EQ(loop.close(), 2u);
  EXPECT_NE(loop.leaked_handles().find("timer"), std::string::npos);
  EXPECT_NE(loop.leaked_handles().find("tcp"), std::string::npos);
  delete timer;
  delete tcp;
}

struct Tracked {
  explicit Tracked(bool& freed) : freed(freed), latch([this] { delete this; }) {}
  ~Tracked() { freed = true; }
  bool& freed;
  CloseLatch latch;
};

TEST(CloseLatch, FreesTheOwnerOnlyWhenLetGoReleasedAndIdle) {
  bool freed = false;
  auto* owner = new Tracked(freed);
  owner->latch.hold();
  owner->latch.hold();
  owner->latch.release();
  owner->latch.let_go();
  EXPECT_FALSE(freed) << "one hold is still out";
  {
    CloseLatch::Busy busy(owner->latch);
    owner->latch.release();
    EXPECT_FALSE(freed) << "a callback of the owner is still running";
  }
  EXPECT_TRUE(freed);
}

TEST(CloseLatch, NothingHeldMeansFreedAtLetGo) {
  bool freed = false;
  auto* owner = new Tracked(freed);
  owner->latch.let_go();
  EXPECT_TRUE(freed);
}

// The intended use: an object with two handles frees itself after both close
// callbacks, whichever order its owner and libuv take.
struct TwoTimers {
  explicit TwoTimers(uv_loop_t* loop, bool& freed) : freed(freed), latch([this] { delete this; }) {
    for (uv_timer_t* timer : {&a, &b}) {
      uv_timer_init(loop, timer);
      timer->data = this;
      latch.hold();
    }
  }
  ~TwoTimers() { freed = true; }
  void close() {
    for (uv_timer_t* timer : {&a, &b}) {
      uv_close(reinterpret_cast<uv_handle_t*>(timer),
               [](uv_handle_t* h) { static_cast<TwoTimers*>(h->data)->latch.release(); });
    }
    latch.let_go();
  }
  bool& freed;
  CloseLatch latch;
  uv_timer_t a{};
  uv_timer_t b{};
};

TEST(CloseLatch, FreesAnObjectAfterAllItsCloseCallbacks) {
  UvLoop loop;
  bool freed = false;
  auto* timers = new TwoTimers(loop.get(), freed);
  timers->close();
  EXPECT_FALSE(freed) << "libuv still holds the handles";
  EXPECT_EQ(loop.close(), 0u);
  EXPECT_TRUE(freed);
}

TEST(CloseLatch, OpenedPointsTheHandleAtItsOwnerAndHoldsUntilTheCloseCallback) {
  UvLoop loop;
  bool freed = false;
  auto* owner = new Tracked(freed);
  uv_timer_t* timer = new uv_timer_t;
  uv_timer_init(loop.get(), timer);
  bool open = false;
  owner->latch.opened(*timer, owner, open);
  EXPECT_EQ(timer->data, owner);
  EXPECT_TRUE(open);
  EXPECT_EQ(owner->latch.held(), 1);
  owner->latch.let_go();
  EXPECT_FALSE(freed) << "the timer is still open";
  uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) {
    static_cast<Tracked*>(h->data)->latch.release();
    delete reinterpret_cast<uv_timer_t*>(h);
  });
  EXPECT_EQ(loop.close(), 0u);
  EXPECT_TRUE(freed);
}

}  // namespace
