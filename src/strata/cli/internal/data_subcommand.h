// One `strata data <verb>` command. Each verb lives in its own file
// (cli/internal/data_<verb>_command.cc) and is listed once in data_commands.cc.
#ifndef STRATA_CLI_INTERNAL_DATA_SUBCOMMAND_H_
#define STRATA_CLI_INTERNAL_DATA_SUBCOMMAND_H_

#include <memory>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

class DataSubcommand {
 public:
  virtual ~DataSubcommand() = default;
  // The CLI11 subcommand this verb registered under `strata data`.
  virtual CLI::App* app() const = 0;
  // Runs the verb after parsing; returns the process exit code (0 ok, 1 failure, 2 usage).
  virtual int Run() = 0;
};

// Factories, one per verb; each registers its options on `data` (the `strata data` app).
// Add new verbs here and to the list in data_commands.cc.
std::unique_ptr<DataSubcommand> MakeDataShowCommand(CLI::App& data);
// Versioned datasets (data_dataset_commands.cc).
std::unique_ptr<DataSubcommand> MakeDataAddCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataVersionsCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataGetCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataDiffCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataLogInputCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataConvertCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataSqlCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataProfileCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataCleanCommand(CLI::App& data);
// data_transform_command.cc: `fit-transform` and `transform`.
std::unique_ptr<DataSubcommand> MakeDataFitTransformCommand(CLI::App& data);
std::unique_ptr<DataSubcommand> MakeDataTransformCommand(CLI::App& data);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_DATA_SUBCOMMAND_H_
