// `strata features historical`: a point-in-time-correct training set from the registry's
// current definitions (features/historical.h), written to a file and optionally saved as a
// versioned dataset with lineage (features/training_set.h).
#ifndef STRATA_CLI_INTERNAL_FEATURES_HISTORICAL_COMMAND_H_
#define STRATA_CLI_INTERNAL_FEATURES_HISTORICAL_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"

namespace strata::cli {

class FeaturesHistoricalCommand {
 public:
  // Registers `historical` under `features`.
  explicit FeaturesHistoricalCommand(CLI::App* features);
  bool parsed() const { return app_->parsed(); }
  int Run();

 private:
  CLI::App* app_ = nullptr;
  std::string repo_ = ".";
  std::string home_;
  std::string store_uri_;
  std::string artifacts_dir_;
  std::string entities_;
  std::string features_;
  std::string service_;
  std::string out_;
  std::string timestamp_column_ = "event_timestamp";
  bool full_feature_names_ = false;
  std::string engine_ = "auto";
  std::string save_dataset_;
  std::string description_;
  bool json_ = false;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_FEATURES_HISTORICAL_COMMAND_H_
