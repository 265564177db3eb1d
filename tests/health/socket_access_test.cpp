// health_socket_group and health_socket_mode: the socket file gets its group
// and mode before the server listens; an unknown group is a clear error that
// leaves nothing behind. The tests use the process's own group, which needs
// no privilege.

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "health/server.hpp"
#include "net/uv.hpp"
#include "socket_test_support.hpp"

namespace health {
namespace {

namespace fs = std::filesystem;

class SocketAccessTest : public ::testing::Test {
 protected:
  void TearDown() override {
    server_.reset();
    EXPECT_EQ(uv_.close(), 0u) << "a handle was left open: " << uv_.leaked_handles();
  }

  common::Status start(const SocketAccess& access) {
    server_ = std::make_unique<HealthServer>(&loop_, HealthCallbacks{});
    return server_->start(path_, access);
  }

  net::UvLoop uv_;  // TearDown fails the test on a handle left open
  uv_loop_t& loop_ = *uv_.get();
  test_support::TempDir dir_;
  std::string path_ = (dir_.path() / "health.sock").string();
  std::unique_ptr<HealthServer> server_;
};

TEST_F(SocketAccessTest, GroupAndModeAreAppliedBeforeListening) {
  const group* own = ::getgrgid(::getegid());
  ASSERT_NE(own, nullptr);
  const common::Status started = start(SocketAccess{own->gr_name, 0640});
  ASSERT_TRUE(started.ok()) << started.error().message;
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_gid, ::getegid());
}

TEST_F(SocketAccessTest, UnknownGroupIsAClearErrorAndLeavesNoSocket) {
  const common::Status started = start(SocketAccess{"no-such-group-popfetchd", 0660});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Config);
  EXPECT_EQ(started.error().message, "health_socket_group: no group named 'no-such-group-popfetchd'");
  EXPECT_FALSE(server_->listening());
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

}  // namespace
}  // namespace health
