// The health server's socket file: its mode and removal, a stale or live
// socket or another file at the path, missing parent directories, and paths
// that cannot be a socket.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "server_fixture.hpp"

namespace health {
namespace {

using test_support::HealthServerTest;
using test_support::bind_unix_socket;
using test_support::get;
namespace fs = std::filesystem;

TEST_F(HealthServerTest, SocketHasMode0660AndStopRemovesIt) {
  start_server();
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_TRUE(server_->listening());
  server_->stop();
  EXPECT_FALSE(server_->listening());
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
  server_->stop();  // twice is fine
}

TEST_F(HealthServerTest, StaleSocketFileIsReplaced) {
  // What a crashed daemon leaves behind: a socket file nobody listens on.
  const int fd = test_support::bind_unix_socket(path_, /*listen=*/false);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_TRUE(fs::is_socket(path_));

  start_server();
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, LiveSocketIsRefused) {
  start_server();
  HealthServer second(&loop_, callbacks_);
  const common::Status started = second.start(path_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Io);
  EXPECT_NE(started.error().message.find("already running"), std::string::npos) << started.error().message;
  // The first server is untouched.
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, OtherFileAtThePathIsNeverRemoved) {
  { std::ofstream(path_) << "precious"; }
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start(path_);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find("not a socket"), std::string::npos) << started.error().message;
  std::ifstream in(path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(HealthServerTest, CreatesMissingParentDirectoriesWithMode0750) {
  path_ = (dir_ / "run" / "popfetchd" / "health.sock").string();
  start_server();
  for (const fs::path& directory : {dir_ / "run", dir_ / "run" / "popfetchd"}) {
    struct stat st {};
    ASSERT_EQ(::stat(directory.c_str(), &st), 0) << directory;
    EXPECT_EQ(st.st_mode & 07777, 0750u) << directory;
  }
  auto response = exchange(get("/health"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(HealthServerTest, ParentThatIsAFileIsAClearError) {
  { std::ofstream(dir_ / "run") << "x"; }
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start((dir_ / "run" / "health.sock").string());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Io);
  EXPECT_NE(started.error().message.find("not a directory"), std::string::npos) << started.error().message;
}

TEST_F(HealthServerTest, OverlongPathIsRefusedNotTruncated) {
  HealthServer server(&loop_, callbacks_);
  const common::Status started = server.start((dir_ / std::string(120, 'x')).string());
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().kind, common::ErrorKind::Config);
  EXPECT_NE(started.error().message.find("too long"), std::string::npos);
}

TEST_F(HealthServerTest, EmptyOrNulPathIsRefused) {
  HealthServer server(&loop_, callbacks_);
  for (const std::string& path : {std::string(), path_ + std::string(1, '\0') + "x"}) {
    const common::Status started = server.start(path);
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.error().kind, common::ErrorKind::Config);
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(path_)));
}

}  // namespace
}  // namespace health
