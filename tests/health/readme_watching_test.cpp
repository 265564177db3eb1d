// README's "Watching it": the metrics table documents every family GET
// /metrics can render, with its type, and no other (issue 16's "document
// every family", so a new family cannot ship without its row); the section
// shows a scrape config, the alert rules and a HEALTHCHECK on /livez.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "health/state.hpp"

namespace health {
namespace {

// A snapshot that makes every family appear: an account with a delivery
// target, the process's own figures and a PostgreSQL archive's leases.
HealthSnapshot full_snapshot() {
  HealthSnapshot s;
  s.version = "1.0";
  s.started_at = 1'700'000'000;
  s.now = s.started_at + 60;
  AccountHealth a;
  a.name = "alice";
  a.deliveries.push_back(DeliveryHealth{"maildir:/srv/mail/alice", 1, 0, 0, false, std::nullopt});
  a.held_here = true;
  s.accounts.push_back(a);
  LeaseHealth leases;
  leases.instance = "a1b2";
  leases.live_instances = 2;
  leases.share = 1;
  leases.lease_seconds = 120;
  leases.held = {"alice"};
  s.leases = leases;
  ProcessStats process;
  process.cpu_seconds = 1;
  process.resident_bytes = 4096;
  process.open_fds = 5;
  process.start_time_seconds = 1'700'000'000;
  s.process = process;
  return s;
}

std::map<std::string, std::string> rendered_families() {
  std::map<std::string, std::string> families;
  std::istringstream lines(render_metrics(full_snapshot()));
  const std::regex type_line(R"(# TYPE (\S+) (\S+))");
  std::smatch match;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, match, type_line)) families[match[1]] = match[2];
  }
  return families;
}

std::string readme() {
  std::ifstream in(POPFETCHD_README);
  EXPECT_TRUE(in.good()) << POPFETCHD_README;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// README's "## Watching it" section, up to the next "## ".
std::string watching_it() {
  const std::string text = readme();
  const auto start = text.find("\n## Watching it\n");
  if (start == std::string::npos) return {};
  const auto end = text.find("\n## ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The fenced yaml block of the section that starts with `first_line`.
std::string yaml_block(const std::string& section, const std::string& first_line) {
  const auto start = section.find("```yaml\n" + first_line);
  if (start == std::string::npos) return {};
  const auto body = start + 8;
  const auto end = section.find("```", body);
  return section.substr(body, end == std::string::npos ? std::string::npos : end - body);
}

std::map<std::string, std::string> readme_families() {
  std::istringstream in(readme());
  std::map<std::string, std::string> families;
  const std::regex row(R"(\| `((?:popfetchd|process)_[a-z_]+)` \| (gauge|counter|histogram) \|.*)");
  std::smatch match;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, match, row)) families[match[1]] = match[2];
  }
  return families;
}

TEST(ReadmeMetrics, EveryRenderedFamilyIsDocumentedWithItsType) {
  const auto rendered = rendered_families();
  const auto documented = readme_families();
  ASSERT_GT(rendered.size(), 20u);
  for (const auto& [name, type] : rendered) {
    auto row = documented.find(name);
    ASSERT_NE(row, documented.end()) << name << " has no row in README's metrics table";
    EXPECT_EQ(row->second, type) << name;
  }
  for (const auto& [name, type] : documented) {
    EXPECT_EQ(rendered.count(name), 1u) << "README documents " << name << ", which /metrics does not render";
  }
}

// Issue 16's "Done when": the section shows a scrape config, the alert rules
// we recommend and a container HEALTHCHECK on /livez.
TEST(ReadmeWatchingIt, ShowsAScrapeConfigAlertRulesAndALivezHealthcheck) {
  const std::string section = watching_it();
  ASSERT_FALSE(section.empty()) << "README has no \"## Watching it\" section";
  EXPECT_NE(yaml_block(section, "# prometheus.yml\nscrape_configs:\n").find("127.0.0.1:9423"),
            std::string::npos);
  const std::string rules = yaml_block(section, "groups:\n");
  for (const char* alert :
       {"PopfetchdAccountFailing", "PopfetchdReloadFailed", "PopfetchdArchiveNotGrowing"}) {
    EXPECT_NE(rules.find(std::string("alert: ") + alert), std::string::npos) << alert;
  }
  EXPECT_NE(rules.find("for: 1h"), std::string::npos) << "failing for an hour";
  EXPECT_NE(section.find("HEALTHCHECK"), std::string::npos);
  EXPECT_NE(section.find("http://localhost/livez || exit 1"), std::string::npos);
}

// The recommended rules load in Prometheus: `promtool check rules` accepts
// them (skipped where promtool is not installed).
TEST(ReadmeWatchingIt, PromtoolAcceptsTheAlertRules) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus)";
  }
  const std::string rules = yaml_block(watching_it(), "groups:\n");
  ASSERT_FALSE(rules.empty());
  char path[] = "/tmp/popfetchd-rules-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, rules.data(), rules.size()), static_cast<ssize_t>(rules.size()));
  ::close(fd);
  const std::string yml = std::string(path) + ".yml";  // promtool wants a YAML file name
  ASSERT_EQ(std::rename(path, yml.c_str()), 0);
  const int rc = std::system(("promtool check rules '" + yml + "' >/dev/null 2>&1").c_str());
  std::remove(yml.c_str());
  EXPECT_EQ(rc, 0) << "promtool check rules rejects README's alert rules";
}

}  // namespace
}  // namespace health
