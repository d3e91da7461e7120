// `strata models import|predict|register|alias`: model packages, run in-process on local files and
// on the home directory's metadata and artifact stores (the ones `strata server` serves).
#ifndef STRATA_CLI_INTERNAL_MODEL_PACKAGE_COMMANDS_H_
#define STRATA_CLI_INTERNAL_MODEL_PACKAGE_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

class ModelPackageCommands {
 public:
  // Registers the verbs under `models` (the `strata models` App of TrackingCommands).
  explicit ModelPackageCommands(CLI::App* models);
  // Runs whichever verb was parsed; returns its exit code, or -1 when none of ours ran.
  int Run();

 private:
  int Import();
  int Predict();
  int Register();
  int Alias();

  std::string flavor_ = "xgboost";
  std::string model_file_;
  std::string signature_file_;
  std::string out_;
  std::string name_;
  std::string feature_service_;  // import: the package's feature service
  std::string model_dir_;
  std::string data_;
  int threads_ = 0;
  std::string source_;
  std::string home_;
  std::string store_uri_;
  std::string artifacts_dir_;
  std::string alias_model_;
  std::string alias_;
  int64_t alias_version_ = 0;
  bool alias_delete_ = false;
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions_;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_MODEL_PACKAGE_COMMANDS_H_
