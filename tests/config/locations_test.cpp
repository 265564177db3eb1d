// The config search order, the default database and socket, and "~/" in
// paths, with a made-up environment: no test reads the real one.
#include "config/locations.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "config/config.hpp"

namespace config {
namespace {

Environment fake_env(std::map<std::string, std::string> vars, bool root = false) {
  Environment env;
  env.get = [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    const auto found = vars.find(name);
    if (found == vars.end() || found->second.empty()) return std::nullopt;
    return found->second;
  };
  env.root = root;
  return env;
}

const Environment kUser = fake_env({{"HOME", "/home/ann"}});

TEST(ConfigSearch, EnvironmentVariableWinsAlone) {
  const auto env = fake_env({{"HOME", "/home/ann"}, {"POPFETCHD_CONFIG", "/srv/p.yaml"}});
  EXPECT_EQ(config_candidates(env), std::vector<std::string>{"/srv/p.yaml"});
}

TEST(ConfigSearch, UserTriesXdgThenSystem) {
  EXPECT_EQ(config_candidates(kUser),
            (std::vector<std::string>{"/home/ann/.config/popfetchd/popfetchd.yaml", "/etc/popfetchd/popfetchd.yaml"}));
  const auto xdg = fake_env({{"HOME", "/home/ann"}, {"XDG_CONFIG_HOME", "/cfg"}});
  EXPECT_EQ(config_candidates(xdg).front(), "/cfg/popfetchd/popfetchd.yaml");
  // The XDG specification: a relative XDG_CONFIG_HOME is invalid and ignored.
  const auto relative = fake_env({{"HOME", "/home/ann"}, {"XDG_CONFIG_HOME", "cfg"}});
  EXPECT_EQ(config_candidates(relative).front(), "/home/ann/.config/popfetchd/popfetchd.yaml");
}

TEST(ConfigSearch, RootUsesOnlyTheSystemFile) {
  EXPECT_EQ(config_candidates(fake_env({{"HOME", "/root"}}, true)),
            std::vector<std::string>{"/etc/popfetchd/popfetchd.yaml"});
}

TEST(ConfigSearch, FirstExistingCandidateElseTheSystemPath) {
  std::set<std::string> files;
  const auto exists = [&](const std::string& path) { return files.count(path) != 0; };
  EXPECT_EQ(find_config(kUser, exists), "/etc/popfetchd/popfetchd.yaml");
  files.insert("/etc/popfetchd/popfetchd.yaml");
  EXPECT_EQ(find_config(kUser, exists), "/etc/popfetchd/popfetchd.yaml");
  files.insert("/home/ann/.config/popfetchd/popfetchd.yaml");
  EXPECT_EQ(find_config(kUser, exists), "/home/ann/.config/popfetchd/popfetchd.yaml");
}

TEST(DefaultLocations, SystemConfigUsesVarLibAndRun) {
  const auto defaults = default_locations("/etc/popfetchd/popfetchd.yaml", kUser);
  EXPECT_EQ(defaults.database, "/var/lib/popfetchd/popfetchd.db");
  EXPECT_EQ(defaults.health_socket, "/run/popfetchd/health.sock");
}

TEST(DefaultLocations, UserConfigUsesXdgDirectories) {
  const auto env = fake_env({{"HOME", "/home/ann"}, {"XDG_RUNTIME_DIR", "/run/user/1000"}});
  const auto defaults = default_locations("/home/ann/.config/popfetchd/popfetchd.yaml", env);
  EXPECT_EQ(defaults.database, "/home/ann/.local/share/popfetchd/popfetchd.db");
  EXPECT_EQ(defaults.health_socket, "/run/user/1000/popfetchd/health.sock");
  // No runtime directory (a login without pam_systemd): beside the archive.
  EXPECT_EQ(default_locations("/home/ann/.config/popfetchd/popfetchd.yaml", kUser).health_socket,
            "/home/ann/.local/share/popfetchd/health.sock");
}

TEST(DefaultLocations, SystemdDirectoriesWin) {
  const auto env = fake_env({{"HOME", "/home/ann"},
                             {"STATE_DIRECTORY", "/var/lib/popfetchd/work:/var/lib/other"},
                             {"RUNTIME_DIRECTORY", "/run/popfetchd/work"}});
  const auto defaults = default_locations("/etc/popfetchd/work.yaml", env);
  EXPECT_EQ(defaults.database, "/var/lib/popfetchd/work/popfetchd.db");
  EXPECT_EQ(defaults.health_socket, "/run/popfetchd/work/health.sock");
}

TEST(ExpandHome, OnlyTildeSlashWithAKnownHome) {
  EXPECT_EQ(expand_home("~/Maildir", kUser), "/home/ann/Maildir");
  EXPECT_EQ(expand_home("~", kUser), "/home/ann");
  EXPECT_EQ(expand_home("/abs/~x", kUser), "/abs/~x");
  EXPECT_EQ(expand_home("rel", kUser), "rel");
  EXPECT_EQ(expand_home("~bob/Maildir", kUser), std::nullopt);
  EXPECT_EQ(expand_home("~/Maildir", fake_env({})), std::nullopt);
}

TEST(ExpandHome, AppliesToEveryPathKeyOfTheConfig) {
  const std::string yaml =
      "database: ~/archive.db\n"
      "health_socket: ~/h.sock\n"
      "accounts:\n"
      "  - name: a\n    server: s\n    username: u\n"
      "    password_file: ~/pw\n"
      "    ca_file: ~/ca.pem\n"
      "    deliver:\n      - maildir: ~/Maildir\n";
  const LoadResult loaded = load_string(yaml, "/etc/p.yaml", kUser);
  ASSERT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].to_string());
  EXPECT_EQ(loaded.config->database, "/home/ann/archive.db");
  EXPECT_EQ(loaded.config->health_socket, "/home/ann/h.sock");
  const Account& account = loaded.config->accounts.at(0);
  EXPECT_EQ(account.password.value, "/home/ann/pw");
  EXPECT_EQ(account.ca_file, "/home/ann/ca.pem");
  EXPECT_EQ(account.deliver.at(0).path, "/home/ann/Maildir");
}

TEST(ExpandHome, UnsetHomeIsAnErrorAtTheValue) {
  const LoadResult loaded =
      load_string("database: ~/a.db\naccounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n",
                  "/etc/p.yaml", fake_env({}));
  ASSERT_FALSE(loaded.ok());
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].location.line, 1);
  EXPECT_NE(loaded.errors[0].message.find("$HOME"), std::string::npos) << loaded.errors[0].message;
}

TEST(DefaultLocations, ALoadedConfigWithoutPathsGetsThem) {
  const auto env = fake_env({{"HOME", "/home/ann"}, {"XDG_DATA_HOME", "/data"}, {"XDG_RUNTIME_DIR", "/rt"}});
  const LoadResult loaded =
      load_string("accounts:\n  - name: a\n    server: s\n    username: u\n    password: p\n",
                  "/home/ann/.config/popfetchd/popfetchd.yaml", env);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config->database, "/data/popfetchd/popfetchd.db");
  EXPECT_EQ(loaded.config->health_socket, "/rt/popfetchd/health.sock");
}

}  // namespace
}  // namespace config
