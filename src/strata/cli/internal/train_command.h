// `strata train`: fit a GLM, GBDT or random forest on a table as a tracked run, in-process on
// the home directory's stores (the ones `strata server` serves).
#ifndef STRATA_CLI_INTERNAL_TRAIN_COMMAND_H_
#define STRATA_CLI_INTERNAL_TRAIN_COMMAND_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

struct TrainArgs {
  std::string home;
  std::string store_uri;
  std::string artifacts_dir;
  std::string data;        // a file path or dataset:NAME@V
  std::string target;
  std::string model = "gbdt";  // glm | gbdt | rf
  std::string task = "auto";   // auto | regression | binary | multiclass
  std::vector<std::string> params;  // k=v
  std::string transforms;  // spec YAML path
  std::string experiment;  // name; empty = Default
  std::string run_name;
  int cv = 0;
  std::string search;      // "", grid, random
  std::string space;       // YAML path
  int trials = 10;
  std::string metric;      // search/early-stopping metric; empty = by task
  bool halving = false;
  double valid_fraction = 0.2;
  uint64_t seed = 0;
  int threads = 2;
  bool json = false;
  std::string package_out;  // also copy the model package here (a new or empty directory)
  std::string feature_service;  // the package's feature service (inference by entity key)
};

class TrainCommand {
 public:
  // Registers `train` on `app`.
  explicit TrainCommand(CLI::App& app);
  // Runs it when parsed; returns the exit code, or -1 when `train` was not parsed.
  int Run();

 private:
  CLI::App* command_ = nullptr;
  TrainArgs args_;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_TRAIN_COMMAND_H_
