#include "strata/cli/cli.h"

#include <cstdio>

#include "strata/base/version.h"

namespace strata::cli {

int Main(int argc, char** argv) {
  std::printf("strata %s\n", kVersion);
  return 0;
}

}  // namespace strata::cli
