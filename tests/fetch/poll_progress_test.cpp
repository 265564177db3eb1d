// PollProgress: the figures, the rate, the ETA and when a progress line is
// due, with the time given by the test.
#include "fetch/poll_progress.hpp"

#include <gtest/gtest.h>

namespace fetch {
namespace {

TEST(PollProgress, NoPlanNoFiguresAndNoLine) {
  PollProgress progress;
  EXPECT_FALSE(progress.has_plan());
  EXPECT_FALSE(progress.log_due(1'000'000));
  const ProgressFigures f = progress.figures(1'000'000);
  EXPECT_EQ(f.messages_total, 0u);
  EXPECT_FALSE(f.eta_seconds);
}

TEST(PollProgress, CountsMessagesAndBytesByListSize) {
  PollProgress progress;
  progress.planned(4, 4'000'000, 50'000);
  progress.message_done(1'000'000);
  progress.message_done(500'000);
  const ProgressFigures f = progress.figures(60'000);  // 10 s after the plan
  EXPECT_EQ(f.messages_done, 2u);
  EXPECT_EQ(f.messages_total, 4u);
  EXPECT_EQ(f.bytes_done, 1'500'000u);
  EXPECT_EQ(f.bytes_total, 4'000'000u);
  EXPECT_DOUBLE_EQ(f.bytes_per_second, 150'000.0);
  ASSERT_TRUE(f.eta_seconds);
  EXPECT_EQ(*f.eta_seconds, 17u);  // 2.5 MB left at 150 kB/s: 16.7 s, rounded up
}

TEST(PollProgress, NoRateAndNoEtaBeforeTimeHasPassedOrBytesArrived) {
  PollProgress progress;
  progress.planned(2, 2'000, 7'000);
  EXPECT_EQ(progress.figures(7'000).bytes_per_second, 0.0);
  EXPECT_FALSE(progress.figures(9'000).eta_seconds);  // nothing retrieved yet
  progress.message_done(1'000);
  EXPECT_FALSE(progress.figures(7'000).eta_seconds);  // no time has passed
}

TEST(PollProgress, DoneNeverPassesTotal) {
  PollProgress progress;
  progress.planned(1, 100, 0);
  progress.message_done(100);
  progress.message_done(900);  // a server that answers more than it listed
  const ProgressFigures f = progress.figures(1'000);
  EXPECT_EQ(f.messages_done, 1u);
  EXPECT_EQ(f.bytes_done, 100u);
  ASSERT_TRUE(f.eta_seconds);
  EXPECT_EQ(*f.eta_seconds, 0u);
}

TEST(PollProgress, AMessageAddedAfterThePlanRaisesTheTotal) {
  PollProgress progress;
  progress.planned(1, 100, 0);
  progress.add_planned(50);
  EXPECT_EQ(progress.figures(0).messages_total, 2u);
  EXPECT_EQ(progress.figures(0).bytes_total, 150u);
}

TEST(PollProgress, ALineIsDueAtMostEveryTenSecondsWhileMessagesAreLeft) {
  PollProgress progress;
  progress.planned(3, 3'000, 100'000);
  EXPECT_FALSE(progress.log_due(100'000));
  EXPECT_FALSE(progress.log_due(109'999));
  EXPECT_TRUE(progress.log_due(110'000));
  EXPECT_FALSE(progress.log_due(110'001));  // just logged
  EXPECT_FALSE(progress.log_due(119'999));
  EXPECT_TRUE(progress.log_due(125'000));
  EXPECT_FALSE(progress.log_due(134'999));  // ten seconds from the last line, not from the grid
  progress.message_done(1'000);
  progress.message_done(1'000);
  progress.message_done(1'000);
  EXPECT_FALSE(progress.log_due(200'000));  // finished: the poll's summary says the rest
}

TEST(PollProgress, TheLineNamesMessagesBytesRateAndTimeLeft) {
  PollProgress progress;
  progress.planned(5'000, 400'000'000, 0);
  for (int i = 0; i < 1'200; ++i) progress.message_done(80'000);
  // 96 MB in 48 s: 2.0 MB/s, 304 MB left: 152 s.
  EXPECT_EQ(progress.line(48'000),
            "progress: 1200/5000 messages (24%), 96.0 MB of 400.0 MB, 2.0 MB/s, about 2m32s left");
}

TEST(PollProgress, TheLineSaysWhenTheTimeLeftIsUnknown) {
  PollProgress progress;
  progress.planned(2, 2'000, 0);
  EXPECT_EQ(progress.line(10'000), "progress: 0/2 messages (0%), 0 B of 2.0 KB, 0.0 MB/s, time left unknown");
}

TEST(PollProgress, ANewPlanStartsOver) {
  PollProgress progress;
  progress.planned(1, 10, 0);
  progress.message_done(10);
  progress.planned(2, 20, 5'000);  // the follow-up poll of a capped mailbox
  const ProgressFigures f = progress.figures(5'000);
  EXPECT_EQ(f.messages_done, 0u);
  EXPECT_EQ(f.messages_total, 2u);
}

}  // namespace
}  // namespace fetch
