// `strata features plan|apply|list`: feature repository definitions against the feature
// registry in the home directory's metadata store (the one `strata server` serves).
// `strata features materialize|materialize-incremental` (and the hidden debug verb
// `dump-online`): features_materialize_commands.cc.
#ifndef STRATA_CLI_INTERNAL_FEATURES_COMMANDS_H_
#define STRATA_CLI_INTERNAL_FEATURES_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

class FeaturesCommands {
 public:
  // Registers `features` and its verbs on `app`.
  explicit FeaturesCommands(CLI::App& app);
  // Runs whichever verb was parsed; returns its exit code, or -1 when `features` was not parsed.
  int Run();

 private:
  int Plan();
  int Apply();
  int List();
  // features_materialize_commands.cc
  void AddMaterializeVerbs();
  int Materialize(bool incremental);
  int DumpOnline();

  CLI::App* features_ = nullptr;
  CLI::App* plan_ = nullptr;
  CLI::App* apply_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* materialize_ = nullptr;
  CLI::App* materialize_incremental_ = nullptr;
  CLI::App* dump_online_ = nullptr;
  std::string start_;
  std::string end_;
  std::vector<std::string> views_;
  int64_t batch_rows_ = 50000;
  std::string repo_ = ".";
  std::string home_;
  std::string store_uri_;
  std::string project_;
  int64_t version_ = 0;
  bool json_ = false;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_FEATURES_COMMANDS_H_
