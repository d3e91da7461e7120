// `strata experiments|runs|models ...`: thin clients of a running server's MLflow REST API.
#ifndef STRATA_CLI_INTERNAL_TRACKING_COMMANDS_H_
#define STRATA_CLI_INTERNAL_TRACKING_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

class TrackingCommands {
 public:
  // Registers the subcommands on `app`.
  explicit TrackingCommands(CLI::App& app);
  // Runs whichever subcommand was parsed; returns the exit code (2 when none of ours ran).
  int Run();

  // The `strata models` command, so in-process verbs (import, predict, register) join it.
  CLI::App* models_app() const { return models_; }

 private:
  CLI::App* models_ = nullptr;
  std::string tracking_uri_;
  bool json_ = false;
  std::string name_;
  std::string id_;
  std::string experiment_id_ = "0";
  std::string filter_;
  std::string view_ = "active";
  std::string artifact_location_;
  std::string description_;
  int64_t max_results_ = 100;
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions_;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_TRACKING_COMMANDS_H_
