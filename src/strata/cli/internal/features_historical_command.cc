#include "strata/cli/internal/features_historical_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/blob/artifact_store.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/data/datasets.h"
#include "strata/features/definitions.h"
#include "strata/features/feature_registry.h"
#include "strata/features/historical.h"
#include "strata/features/training_set.h"
#include "strata/io/read_table.h"
#include "strata/io/write_table.h"
#include "strata/lineage/lineage_store.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "strata features historical: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "strata features historical: %s\n", message.c_str());
  return 2;
}

std::vector<std::string> SplitRefs(const std::string& text) {
  std::vector<std::string> refs;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    refs.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return refs;
}

}  // namespace

FeaturesHistoricalCommand::FeaturesHistoricalCommand(CLI::App* features) {
  home_ = DefaultHome();
  app_ = features->add_subcommand(
      "historical", "Point-in-time-correct feature values for an entity set (a training set)");
  app_->add_option("--repo", repo_, "Feature repository directory (project, file paths)")
      ->capture_default_str();
  app_->add_option("--home", home_, "Home directory (default $STRATA_HOME or ~/.strata)");
  app_->add_option("--store", store_uri_, "Metadata store URI; default sqlite under --home");
  app_->add_option("--artifacts", artifacts_dir_, "Blob store directory; default <home>/artifacts");
  app_->add_option("--entities", entities_,
                   "Entity set file (.parquet, .csv, ...): join keys + an event timestamp")
      ->required();
  app_->add_option("--features", features_, "view:feature,view:feature,... (view:* = all)");
  app_->add_option("--service", service_, "A feature service instead of --features");
  app_->add_option("--out", out_, "Output file; the format follows the extension")->required();
  app_->add_option("--timestamp-column", timestamp_column_, "Event timestamp column")
      ->capture_default_str();
  app_->add_flag("--full-feature-names", full_feature_names_, "Name columns VIEW__FEATURE");
  app_->add_option("--engine", engine_, "auto | memory | postgres (pushdown)")
      ->capture_default_str();
  app_->add_option("--save-dataset", save_dataset_,
                   "Also save the result as a new version of this dataset, with lineage");
  app_->add_option("--description", description_, "Description of the saved dataset version");
  app_->add_flag("--json", json_, "Print the summary as JSON");
}

int FeaturesHistoricalCommand::Run() {
  if (features_.empty() == service_.empty()) {
    return Usage("give either --features view:feature,... or --service NAME");
  }
  absl::StatusOr<features::HistoricalEngine> engine = features::ParseHistoricalEngine(engine_);
  if (!engine.ok()) return Usage(std::string(engine.status().message()));
  if (!save_dataset_.empty()) {
    if (absl::Status s = data::ValidateDatasetName(save_dataset_); !s.ok()) {
      return Usage(std::string(s.message()));
    }
  }
  absl::StatusOr<io::FileFormat> out_format = io::FormatFromPath(out_);
  if (!out_format.ok()) return Usage(absl::StrCat("--out: ", out_format.status().message()));

  absl::StatusOr<features::RepositoryConfig> config = features::LoadRepositoryConfig(repo_);
  if (!config.ok()) return Fail(config.status());
  std::error_code ec;
  const std::string repo_dir = fs::absolute(repo_, ec).lexically_normal().string();

  absl::StatusOr<std::unique_ptr<store::Database>> db = OpenHomeDatabase(home_, store_uri_);
  if (!db.ok()) return Fail(db.status());
  absl::StatusOr<std::unique_ptr<lineage::LineageStore>> lineage =
      lineage::LineageStore::Open(db->get());
  if (!lineage.ok()) return Fail(lineage.status());
  absl::StatusOr<std::unique_ptr<features::FeatureRegistry>> registry =
      features::FeatureRegistry::Open(db->get(), lineage->get());
  if (!registry.ok()) return Fail(registry.status());
  absl::StatusOr<std::optional<features::RegistryVersion>> current =
      (*registry)->Current(config->project);
  if (!current.ok()) return Fail(current.status());
  if (!current->has_value()) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "nothing applied for project '", config->project, "' (run strata features apply)")));
  }
  const features::RegistryVersion& version = **current;
  absl::StatusOr<features::FeatureRepository> defs =
      features::FeatureRegistry::Definitions(version);
  if (!defs.ok()) return Fail(defs.status());

  if (!fs::is_regular_file(entities_, ec)) {
    return Fail(absl::NotFoundError(
        absl::StrCat("entity set ", entities_,
                     fs::exists(entities_, ec) ? ": not a regular file" : ": no such file")));
  }
  absl::StatusOr<table::Table> entities = io::ReadTable(entities_);
  if (!entities.ok()) {
    return Fail(absl::Status(entities.status().code(), absl::StrCat("entity set ", entities_, ": ",
                                                                    entities.status().message())));
  }

  features::HistoricalRequest request;
  request.definitions = &*defs;
  request.repository_directory = repo_dir;
  request.entities = &*entities;
  request.timestamp_column = timestamp_column_;
  if (!features_.empty()) request.features = SplitRefs(features_);
  request.service = service_;
  request.full_feature_names = full_feature_names_;
  request.engine = *engine;
  absl::StatusOr<features::HistoricalResult> result = features::GetHistoricalFeatures(request);
  if (!result.ok()) return Fail(result.status());
  if (absl::Status s = io::WriteTable(out_, result->table); !s.ok()) return Fail(s);

  json summary = {{"project", version.project},
                  {"registry_version", version.version},
                  {"engine", std::string(features::HistoricalEngineName(result->engine))},
                  {"rows", result->table.num_rows()},
                  {"columns", result->table.num_columns()},
                  {"out", out_}};
  std::string saved_text;
  if (!save_dataset_.empty()) {
    absl::StatusOr<std::unique_ptr<blob::ArtifactStore>> blobs =
        blob::ArtifactStore::Open(HomeArtifactsDir(home_, artifacts_dir_));
    if (!blobs.ok()) return Fail(blobs.status());
    absl::StatusOr<std::unique_ptr<data::Datasets>> datasets =
        data::Datasets::Open(db->get(), blobs->get());
    if (!datasets.ok()) return Fail(datasets.status());
    features::SaveTrainingSetRequest save;
    save.dataset_name = save_dataset_;
    save.result_path = out_;
    save.registry_version = &version;
    save.result = &*result;
    save.timestamp_column = timestamp_column_;
    save.full_feature_names = full_feature_names_;
    save.entities.file_path = fs::absolute(entities_, ec).lexically_normal().string();
    save.add_options.description = description_;
    absl::StatusOr<features::SavedTrainingSet> saved = features::SaveTrainingSet(**datasets, save);
    if (!saved.ok()) {
      return Fail(absl::Status(saved.status().code(),
                               absl::StrCat("the result is in ", out_,
                                            " but saving it failed: ", saved.status().message())));
    }
    summary["dataset"] = {{"name", saved->version.name},
                          {"version", saved->version.version},
                          {"created", saved->created},
                          {"lineage_execution_id", saved->lineage_execution_id}};
    saved_text = absl::StrCat("; saved as dataset ", saved->version.name, "@",
                              saved->version.version, saved->created ? "" : " (unchanged)");
  }
  if (json_) {
    std::printf("%s\n", summary.dump().c_str());
  } else {
    std::printf(
        "wrote %lld rows x %d columns to %s (project %s, registry version %lld, engine "
        "%s)%s\n",
        static_cast<long long>(result->table.num_rows()), result->table.num_columns(), out_.c_str(),
        version.project.c_str(), static_cast<long long>(version.version),
        std::string(features::HistoricalEngineName(result->engine)).c_str(), saved_text.c_str());
  }
  return 0;
}

}  // namespace strata::cli
