// OutageWatch: an account cut off from its server for an hour is logged at
// err once per outage; time is the test's.
#include "daemon/outage_watch.hpp"

#include <gtest/gtest.h>

namespace popfetchd::daemon {
namespace {

using common::ErrorKind;
using std::chrono::milliseconds;
constexpr std::uint64_t kMinute = 60'000;

TEST(OutageWatch, NetworkFailuresAreIoTimeoutAndTls) {
  EXPECT_TRUE(network_failure(ErrorKind::Io));
  EXPECT_TRUE(network_failure(ErrorKind::Timeout));
  EXPECT_TRUE(network_failure(ErrorKind::Tls));
  for (ErrorKind kind : {ErrorKind::Protocol, ErrorKind::Auth, ErrorKind::TempFail, ErrorKind::PermFail,
                         ErrorKind::Config, ErrorKind::Storage, ErrorKind::Aborted}) {
    EXPECT_FALSE(network_failure(kind)) << common::to_string(kind);
  }
}

TEST(OutageWatch, AnHourOfNetworkFailuresIsReportedOnce) {
  OutageWatch watch;
  const std::uint64_t start = 5 * kMinute;
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, start));  // the first: a warning, as every failure
  EXPECT_FALSE(watch.on_failure(ErrorKind::Timeout, start + 30 * kMinute));
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, start + 60 * kMinute - 1));
  const auto reported = watch.on_failure(ErrorKind::Tls, start + 61 * kMinute);
  ASSERT_TRUE(reported);
  EXPECT_EQ(*reported, milliseconds(61 * kMinute));
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, start + 120 * kMinute));  // once per outage
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, start + 600 * kMinute));
}

TEST(OutageWatch, ASuccessEndsTheOutageAndTheNextHourCountsAfresh) {
  OutageWatch watch;
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 0));
  ASSERT_TRUE(watch.on_failure(ErrorKind::Io, 60 * kMinute));
  watch.on_success();
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 70 * kMinute));
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 129 * kMinute));  // 59 minutes into the new outage
  const auto again = watch.on_failure(ErrorKind::Io, 130 * kMinute);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, milliseconds(60 * kMinute));
}

TEST(OutageWatch, AShortOutageNeverReachesErr) {
  OutageWatch watch;
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 0));
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 59 * kMinute));
  watch.on_success();
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 61 * kMinute));  // a new outage, one minute old
}

TEST(OutageWatch, OtherFailuresNeitherStartNorEndAnOutage) {
  OutageWatch watch;
  EXPECT_FALSE(watch.on_failure(ErrorKind::Protocol, 0));  // starts nothing
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 10 * kMinute));
  EXPECT_FALSE(watch.on_failure(ErrorKind::TempFail, 50 * kMinute));  // ends nothing
  EXPECT_FALSE(watch.on_failure(ErrorKind::Storage, 80 * kMinute));   // and is not what is reported
  const auto reported = watch.on_failure(ErrorKind::Timeout, 80 * kMinute);
  ASSERT_TRUE(reported);
  EXPECT_EQ(*reported, milliseconds(70 * kMinute));  // since the first network failure
}

TEST(OutageWatch, TheThresholdIsTheCallers) {
  OutageWatch watch(milliseconds(100));
  EXPECT_FALSE(watch.on_failure(ErrorKind::Io, 1'000));
  EXPECT_TRUE(watch.on_failure(ErrorKind::Io, 1'100));
}

}  // namespace
}  // namespace popfetchd::daemon
