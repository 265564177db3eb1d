// popfetchd: the command line (placeholder until the commands land).
#include <cstdio>

#include "version.hpp"

int main() {
  std::printf("popfetchd %s\n", popfetchd::kVersion);
  return 2;
}
