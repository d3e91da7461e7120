// `strata data ...`: commands over data files, run in-process (no server).
#ifndef STRATA_CLI_INTERNAL_DATA_COMMANDS_H_
#define STRATA_CLI_INTERNAL_DATA_COMMANDS_H_

#include <cstdint>
#include <string>

#include "CLI/CLI.hpp"

namespace strata::cli {

class DataCommands {
 public:
  // Registers `data show` on `app`.
  explicit DataCommands(CLI::App& app);
  // Runs the parsed subcommand; returns its exit code, or -1 when none of ours was parsed.
  int Run();

 private:
  int Show();

  CLI::App* data_ = nullptr;
  CLI::App* show_ = nullptr;
  std::string path_;
  int64_t rows_ = 10;
  bool schema_only_ = false;
  std::string delimiter_ = ",";
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_DATA_COMMANDS_H_
