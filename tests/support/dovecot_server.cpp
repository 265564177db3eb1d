#include "support/dovecot_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "support/dovecot_config.hpp"
#include "support/files.hpp"
#include "support/maildir_message.hpp"
#include "support/socket_util.hpp"

#ifndef POPFETCHD_TEST_DOVECOT
#define POPFETCHD_TEST_DOVECOT ""
#endif
#ifndef POPFETCHD_TEST_DOVECOT_LDA
#define POPFETCHD_TEST_DOVECOT_LDA ""
#endif

namespace test_support {
namespace {

using common::ErrorKind;
using common::make_error;
namespace fs = std::filesystem;

// The uid/gid mail is stored under when the tests run as root ("nobody").
constexpr uid_t kRootModeMailUid = 65534;
constexpr gid_t kRootModeMailGid = 65534;
// Step of the readiness poll (the fixture waits, the tests never do).
constexpr std::chrono::milliseconds kReadyPollStep{20};
// Each readiness probe waits this long for the greeting once connected.
constexpr std::chrono::milliseconds kProbeIoTimeout{2'000};
// Another process may grab a port between find_free_port() and Dovecot's bind.
constexpr int kStartAttempts = 3;
constexpr std::size_t kLogTailLines = 30;

std::atomic<unsigned> instance_counter{0};

common::Error io_error(const std::string& what) { return make_error(ErrorKind::Io, what); }

common::Status make_dir(const fs::path& path, uid_t uid, gid_t gid, bool set_owner) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return io_error(errno_message(("mkdir " + path.string()).c_str()));
  if (::chmod(path.c_str(), 0755) != 0) return io_error(errno_message(("chmod " + path.string()).c_str()));
  if (set_owner) return change_owner(path, uid, gid);
  return {};
}

bool valid_user_name(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '@';
  });
}

// Lines of `text` that contain `needle` and, unless client_port is 0, "rport=<client_port>,".
std::vector<std::string> matching_lines(const std::string& text, std::string_view needle,
                                        std::uint16_t client_port) {
  const std::string port_tag = "rport=" + std::to_string(client_port) + ",";
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) == std::string::npos) continue;
    if (client_port != 0 && line.find(port_tag) == std::string::npos) continue;
    lines.push_back(line);
  }
  return lines;
}

bool keep_requested() {
  const char* env = std::getenv("POPFETCHD_KEEP_FIXTURES");
  return env != nullptr && std::string_view(env) == "1";
}

}  // namespace

std::string DovecotServer::dovecot_program() { return POPFETCHD_TEST_DOVECOT; }
std::string DovecotServer::dovecot_lda_program() { return POPFETCHD_TEST_DOVECOT_LDA; }

DovecotSyntax DovecotServer::config_syntax() {
  static const DovecotSyntax syntax = [] {
    if (dovecot_program().empty()) return DovecotSyntax::V2_3;
    auto dir = TempDir::create("popfetchd-dovecot-version-");
    if (!dir) return DovecotSyntax::V2_3;
    auto run = ChildProcess::run_captured({dovecot_program(), "--version"}, dir->path());
    return run ? dovecot_syntax_of(run->out) : DovecotSyntax::V2_3;
  }();
  return syntax;
}

std::string DovecotServer::login_log_prefix() {
  return config_syntax() == DovecotSyntax::V2_4 ? "Logged in: " : "Login: ";
}

fs::path DovecotServer::lmtp_socket() const { return dovecot_paths(dir()).lmtp_socket; }

std::vector<std::string> DovecotServer::lda_command(std::string_view user, std::string_view sender) const {
  std::vector<std::string> argv = {dovecot_lda_program(), "-c", (dir() / "dovecot.conf").string(), "-d",
                                   std::string(user)};
  if (!sender.empty()) {
    argv.emplace_back("-f");
    argv.emplace_back(sender);
  }
  return argv;
}

std::string DovecotServer::expected_pop3_bytes(std::string_view raw) {
  return test_support::expected_pop3_bytes(raw);
}

DovecotServer::~DovecotServer() {
  (void)stop();
  if (dir_ && (keep_dir_ || keep_requested())) dir_->keep();
}

common::Status DovecotServer::ensure_dir() {
  if (dir_) return {};
  auto dir = TempDir::create("popfetchd-dovecot-");
  if (!dir) return dir.error();
  dir_.emplace(std::move(*dir));
  if (::geteuid() == 0) {
    mail_uid_ = kRootModeMailUid;
    mail_gid_ = kRootModeMailGid;
  } else {
    mail_uid_ = ::geteuid();
    mail_gid_ = ::getegid();
  }
  const DovecotPaths paths = dovecot_paths(dir_->path());
  for (const auto& path : {paths.base_dir, paths.state_dir, paths.mail_root, paths.users_dir}) {
    if (auto made = make_dir(path, 0, 0, false); !made) return made;
  }
  return {};
}

fs::path DovecotServer::maildir(std::string_view user) const {
  return dovecot_paths(dir()).mail_root / std::string(user) / "Maildir";
}

common::Status DovecotServer::add_user(std::string_view name, std::string_view password) {
  if (!valid_user_name(name))
    return make_error(ErrorKind::Config, "bad test user name: " + std::string(name));
  if (password.find_first_of(":\r\n") != std::string_view::npos) {
    return make_error(ErrorKind::Config, "a passwd-file password cannot hold ':' or a line break");
  }
  if (std::find(users_.begin(), users_.end(), name) != users_.end()) {
    return make_error(ErrorKind::Config, "test user exists already: " + std::string(name));
  }
  if (auto ready = ensure_dir(); !ready) return ready;
  const DovecotPaths paths = dovecot_paths(dir_->path());
  const fs::path home = paths.mail_root / std::string(name);
  const bool chown_needed = ::geteuid() == 0;
  for (const auto& path : {home, home / "Maildir", home / "Maildir" / "cur", home / "Maildir" / "new",
                           home / "Maildir" / "tmp"}) {
    if (auto made = make_dir(path, mail_uid_, mail_gid_, chown_needed); !made) return made;
  }

  // user:{PLAIN}password:uid:gid:gecos:home:shell:extra
  std::ostringstream line;
  line << name << ":{PLAIN}" << password << ":" << mail_uid_ << ":" << mail_gid_ << "::" << home.string()
       << "::\n";
  // Written under a temporary name and renamed: Dovecot never reads half a file.
  if (auto written = replace_file(paths.users_dir / std::string(name), line.str(), 0644); !written)
    return written;
  users_.emplace_back(name);
  return {};
}

common::Result<DeliveredMessage> DovecotServer::deliver(std::string_view user, std::string_view raw) {
  if (std::find(users_.begin(), users_.end(), user) == users_.end()) {
    return make_error(ErrorKind::Config, "deliver: no such test user: " + std::string(user));
  }
  const std::string stored = to_maildir_form(raw);
  // Dovecot assigns UIDs to new files sorted by the leading seconds of their
  // names; a strictly increasing number keeps delivery order = UID order.
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  last_delivery_time_ = std::max<std::int64_t>(now, last_delivery_time_ + 1);
  ++delivery_count_;
  const std::string unique = std::to_string(last_delivery_time_) + ".M" + std::to_string(delivery_count_) +
                             "P" + std::to_string(::getpid()) + ".popfetchd-fixture";
  DeliveredMessage message{maildir_file_name(unique, stored), stored.size(), pop3_list_size(stored),
                           test_support::expected_pop3_bytes(raw)};

  const fs::path box = maildir(user);
  const fs::path tmp = box / "tmp" / message.file_name;
  if (auto written = write_file(tmp, stored, 0600); !written) return written.error();
  if (::geteuid() == 0) {
    if (auto owned = change_owner(tmp, mail_uid_, mail_gid_); !owned) return owned.error();
  }
  const fs::path target = box / "new" / message.file_name;
  if (::rename(tmp.c_str(), target.c_str()) != 0)
    return io_error(errno_message(("rename " + tmp.string()).c_str()));
  return message;
}

common::Result<std::size_t> DovecotServer::mailbox_size(std::string_view user) const {
  if (!dir_) return io_error("mailbox_size: the server has no directory yet");
  std::size_t count = 0;
  for (const char* sub : {"cur", "new"}) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(maildir(user) / sub, error)) {
      if (entry.is_regular_file()) ++count;
    }
    if (error) return io_error("mailbox_size: " + error.message());
  }
  return count;
}

bool DovecotServer::running() const { return child_ && child_->running(); }

common::Status DovecotServer::start(const Options& options) {
  if (running()) return make_error(ErrorKind::Io, "dovecot is running already");
  if (dovecot_program().empty())
    return make_error(ErrorKind::Io, "dovecot was not found when the tests were configured");
  if (auto ready = ensure_dir(); !ready) return ready;
  const auto began = std::chrono::steady_clock::now();
  common::Status status;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    status = start_once(options);
    if (status.ok()) break;
    (void)stop();
    // Only a lost race for a port is worth another try.
    if (status.error().message.find("Address already in use") == std::string::npos) break;
  }
  if (!status.ok()) {
    keep_dir_ = true;
    return make_error(status.error().kind,
                      status.error().message + " (files kept in " + dir().string() + ")");
  }
  last_start_duration_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  return {};
}

common::Status DovecotServer::start_once(const Options& options) {
  const fs::path dir = dir_->path();
  if (options.ssl && !certificates_) {
    auto made = make_test_certificates(dir, options.certificate);
    if (!made) return made.error();
    certificates_ = *made;
  }
  auto pop3 = find_free_port();
  if (!pop3) return pop3.error();
  std::uint16_t pop3s = 0;
  if (options.ssl) {
    do {
      auto port = find_free_port();
      if (!port) return port.error();
      pop3s = *port;
    } while (pop3s == *pop3);
  }

  std::uint16_t lmtp = 0;
  if (options.lmtp) {
    do {
      auto port = find_free_port();
      if (!port) return port.error();
      lmtp = *port;
    } while (lmtp == *pop3 || lmtp == pop3s);
  }

  DovecotConfigParams params;
  params.dir = dir;
  params.syntax = config_syntax();
  params.bare_uid_uidls = options.bare_uid_uidls;
  params.lmtp = options.lmtp;
  params.lmtp_port = lmtp;
  instance_name_ = "popfetchd-test-" + std::to_string(::getpid()) + "-" + std::to_string(instance_counter++);
  params.instance_name = instance_name_;
  params.pop3_port = *pop3;
  params.pop3s_port = pop3s;
  params.ssl = options.ssl;
  if (certificates_) {
    params.cert_file = certificates_->cert_file;
    params.key_file = certificates_->key_file;
  }
  params.auth_mechanisms = options.auth_mechanisms;
  params.mail_uid = mail_uid_;
  params.mail_gid = mail_gid_;
  if (::geteuid() != 0) {
    const passwd* pw = ::getpwuid(::geteuid());
    const group* gr = ::getgrgid(::getegid());
    if (pw == nullptr || gr == nullptr) return io_error("the current uid/gid has no name; dovecot needs one");
    params.unprivileged_user = pw->pw_name;
    params.unprivileged_group = gr->gr_name;
  }
  params.extra_lines = options.extra_config;
  params.oauth2_introspection_url = options.oauth2_introspection_url;
  if (!options.oauth2_introspection_url.empty()) {
    const std::string settings = oauth2_settings_file(options.oauth2_introspection_url);
    if (auto written = write_file(dovecot_paths(dir).oauth2_settings, settings, 0644); !written) return written;
  }
  const fs::path config = dir / "dovecot.conf";
  if (auto written = write_file(config, render_dovecot_config(params), 0644); !written) return written;

  auto child = ChildProcess::spawn({dovecot_program(), "-F", "-c", config.string()}, dir / "dovecot.out");
  if (!child) return child.error();
  child_.emplace(std::move(*child));
  pop3_port_ = *pop3;
  pop3s_port_ = pop3s;
  lmtp_port_ = lmtp;
  return wait_ready(options);
}

common::Status DovecotServer::wait_ready(const Options& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
  std::string last_problem = "no attempt";
  for (;;) {
    if (!child_->running()) {
      auto status = child_->stop();
      return make_error(ErrorKind::Io, "dovecot exited during start (" +
                                           (status ? describe_wait_status(*status) : status.error().message) +
                                           "): " + tail_lines(log_text(), kLogTailLines));
    }
    auto client = connect_tcp(host(), pop3_port_, kProbeIoTimeout);
    if (client) {
      auto port = local_port(client->get());
      char greeting[512];
      const ssize_t n = ::recv(client->get(), greeting, sizeof greeting - 1, 0);
      const std::string_view text(greeting, n > 0 ? static_cast<std::size_t>(n) : 0);
      if (text.rfind("+OK", 0) == 0 && text.find(instance_name_) != std::string_view::npos) {
        probe_port_ = port ? *port : 0;
        static constexpr std::string_view kQuit = "QUIT\r\n";
        (void)::send(client->get(), kQuit.data(), kQuit.size(), MSG_NOSIGNAL);
        return {};
      }
      last_problem = n > 0 ? "greeting of another server on our port" : "no greeting";
    } else {
      last_problem = client.error().message;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorKind::Timeout, "dovecot not ready after " +
                                                std::to_string(options.ready_timeout.count()) + " ms (" +
                                                last_problem + "): " + tail_lines(log_text(), kLogTailLines));
    }
    std::this_thread::sleep_for(kReadyPollStep);
  }
}

common::Status DovecotServer::stop() {
  if (!child_) return {};
  auto status = child_->stop();
  child_.reset();
  if (!status) return status.error();
  return {};
}

std::string DovecotServer::log_text() const {
  if (!dir_) return {};
  // Early failures (bad config) go to stdout/stderr before log_path is open.
  return read_file(dir_->path() / "dovecot.out") + read_file(dovecot_paths(dir_->path()).log_file);
}

std::vector<std::string> DovecotServer::log_lines_for_client(std::uint16_t client_port) const {
  return matching_lines(log_text(), "", client_port);
}

std::optional<std::string> DovecotServer::wait_for_log_line(std::string_view needle,
                                                            std::uint16_t client_port,
                                                            std::chrono::milliseconds timeout) const {
  if (!dir_) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Watch the directory, not the file: the log may not exist yet.
  common::UniqueFd watch(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (watch.valid()) ::inotify_add_watch(watch.get(), dir_->path().c_str(), IN_MODIFY | IN_CREATE);
  for (;;) {
    auto lines = matching_lines(log_text(), needle, client_port);
    if (!lines.empty()) return lines.front();
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    if (!watch.valid()) {
      std::this_thread::sleep_for(std::min(left, kReadyPollStep));
      continue;
    }
    pollfd pfd{watch.get(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) > 0) {
      char events[4096];
      while (::read(watch.get(), events, sizeof events) > 0) {
      }
    }
  }
}

}  // namespace test_support
