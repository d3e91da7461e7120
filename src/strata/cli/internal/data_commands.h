// `strata data ...`: commands over data files, run in-process (no server).
#ifndef STRATA_CLI_INTERNAL_DATA_COMMANDS_H_
#define STRATA_CLI_INTERNAL_DATA_COMMANDS_H_

#include <memory>
#include <vector>

#include "CLI/CLI.hpp"
#include "strata/cli/internal/data_subcommand.h"

namespace strata::cli {

class DataCommands {
 public:
  // Registers `data` and every verb under it on `app`.
  explicit DataCommands(CLI::App& app);
  // Runs the parsed verb; returns its exit code, or -1 when `data` was not parsed.
  int Run();

 private:
  CLI::App* data_ = nullptr;
  std::vector<std::unique_ptr<DataSubcommand>> verbs_;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_DATA_COMMANDS_H_
