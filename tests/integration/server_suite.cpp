#include "integration/server_suite.hpp"

#include <cstdlib>

namespace integration {

void ServerSuite::start(const test_support::DovecotOptions& options) {
  auto work = test_support::TempDir::create("popfetchd-integ-");
  if (!work) {
    status_ = work.error();
    return;
  }
  work_.emplace(std::move(*work));
  if (const char* keep = std::getenv("POPFETCHD_KEEP_FIXTURES");
      keep != nullptr && std::string(keep) == "1") {
    work_->keep();
  }
  server_ = std::make_unique<test_support::DovecotServer>();
  status_ = server_->start(options);
}

void ServerSuite::stop() {
  server_.reset();
  work_.reset();
  status_ = common::make_error(common::ErrorKind::Io, "the suite's server was stopped");
}

}  // namespace integration
