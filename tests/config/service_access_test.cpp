// check-config's advice when the systemd unit's user could not read the config.
#include "config/service_access.hpp"

#include <gtest/gtest.h>

namespace config {
namespace {

FileFacts facts(std::string owner, std::string group, mode_t mode) {
  return FileFacts{owner == "root" ? 0u : 999u, std::move(owner), std::move(group), mode};
}

TEST(ServiceAccess, RootOnlyFileIsUnreadableForTheUnit) {
  EXPECT_FALSE(service_can_read(facts("root", "root", 0600)));
  EXPECT_FALSE(service_can_read(facts("root", "root", 0640)));  // group root: the service is not in it
  const auto advice = service_access_advice("/etc/popfetchd/popfetchd.yaml", facts("root", "root", 0600), true);
  ASSERT_TRUE(advice);
  EXPECT_NE(advice->find("chgrp popfetchd /etc/popfetchd/popfetchd.yaml && chmod 640"), std::string::npos) << *advice;
  EXPECT_NE(advice->find("mode 0600"), std::string::npos) << *advice;
  EXPECT_NE(advice->find("LoadCredential="), std::string::npos) << *advice;
}

TEST(ServiceAccess, ServiceGroupOrUserOrOthersMayRead) {
  EXPECT_TRUE(service_can_read(facts("root", "popfetchd", 0640)));
  EXPECT_TRUE(service_can_read(facts("popfetchd", "popfetchd", 0600)));
  EXPECT_TRUE(service_can_read(facts("root", "root", 0644)));
  EXPECT_FALSE(service_can_read(facts("root", "popfetchd", 0600)));  // the group has no read bit
  EXPECT_FALSE(service_access_advice("/p", facts("root", "popfetchd", 0640), true));
}

TEST(ServiceAccess, OnlyRootGetsTheAdvice) {
  // Anyone else checking is either the service itself (then loading already
  // proved it can read the file) or a user with a config of their own.
  EXPECT_FALSE(service_access_advice("/p", facts("ann", "ann", 0600), false));
}

}  // namespace
}  // namespace config
