#include "strata/cli/internal/data_commands.h"

#include <cstdio>

namespace strata::cli {

DataCommands::DataCommands(CLI::App& app) {
  data_ = app.add_subcommand("data", "Inspect, convert, query, profile, clean and version data");
  verbs_.push_back(MakeDataShowCommand(*data_));
  verbs_.push_back(MakeDataAddCommand(*data_));
  verbs_.push_back(MakeDataVersionsCommand(*data_));
  verbs_.push_back(MakeDataGetCommand(*data_));
  verbs_.push_back(MakeDataDiffCommand(*data_));
  verbs_.push_back(MakeDataLogInputCommand(*data_));
  verbs_.push_back(MakeDataConvertCommand(*data_));
  verbs_.push_back(MakeDataSqlCommand(*data_));
  verbs_.push_back(MakeDataProfileCommand(*data_));
  verbs_.push_back(MakeDataCleanCommand(*data_));
  verbs_.push_back(MakeDataFitTransformCommand(*data_));
  verbs_.push_back(MakeDataTransformCommand(*data_));
}

int DataCommands::Run() {
  for (const std::unique_ptr<DataSubcommand>& verb : verbs_) {
    if (verb->app()->parsed()) return verb->Run();
  }
  if (data_->parsed()) {
    std::fprintf(stderr, "%s", data_->help().c_str());
    return 2;
  }
  return -1;
}

}  // namespace strata::cli
