#include "strata/features/training_set.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/sha256.h"
#include "strata/base/status_macros.h"

namespace strata::features {
namespace {

using nlohmann::json;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

absl::StatusOr<std::pair<std::string, int64_t>> FileSha256(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(path.c_str(), "rb"));
  if (!in) {
    const int err = errno;
    const std::string msg = absl::StrCat("entity set ", path, ": ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InternalError(msg);
  }
  Sha256 hash;
  int64_t size = 0;
  std::string buf(1 << 20, '\0');
  while (true) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), in.get());
    hash.Update(std::string_view(buf.data(), n));
    size += static_cast<int64_t>(n);
    if (n < buf.size()) {
      if (std::ferror(in.get())) {
        return absl::InternalError(absl::StrCat("cannot read entity set ", path));
      }
      break;
    }
  }
  return std::make_pair(hash.HexDigest(), size);
}

}  // namespace

absl::StatusOr<SavedTrainingSet> SaveTrainingSet(data::Datasets& datasets,
                                                 const SaveTrainingSetRequest& request) {
  if (request.registry_version == nullptr || request.result == nullptr) {
    return absl::InvalidArgumentError(
        "saving a training set needs its registry version and result");
  }
  RETURN_IF_ERROR(data::ValidateDatasetName(request.dataset_name));
  const RegistryVersion& registry = *request.registry_version;
  // The entity set's identity before the add, so a vanished file fails before anything is written.
  std::vector<lineage::LineageStore::Io> inputs;
  if (!request.entities.dataset.empty()) {
    inputs.push_back(
        {{0, "Dataset", request.entities.dataset, "dataset:" + request.entities.dataset, "{}", 0},
         "entities"});
  } else {
    ASSIGN_OR_RETURN(auto digest, FileSha256(request.entities.file_path));
    json properties = {{"sha256", digest.first}, {"size_bytes", digest.second}};
    std::string uri = "inline:sha256:" + digest.first;
    if (!request.entities.inline_request) {
      properties["path"] = request.entities.file_path;
      uri = "file:" + request.entities.file_path;
    }
    inputs.push_back(
        {{0, "EntitySet", "sha256:" + digest.first, uri, properties.dump(), 0}, "entities"});
  }
  for (const std::string& view : request.result->views) {
    auto it = registry.object_versions.find("feature_view:" + view);
    const int64_t at = it == registry.object_versions.end() ? registry.version : it->second;
    const std::string name = absl::StrCat(registry.project, ":", view, "@", at);
    inputs.push_back(
        {{0, "FeatureView", name, "features:" + name,
          json{{"project", registry.project}, {"name", view}, {"registry_version", at}}.dump(), 0},
         "feature_view"});
  }

  ASSIGN_OR_RETURN(
      data::AddResult added,
      datasets.AddVersion(request.dataset_name, request.result_path, request.add_options));
  SavedTrainingSet saved;
  saved.version = added.version;
  saved.created = added.created;
  const std::string out_name = absl::StrCat(added.version.name, "@", added.version.version);
  std::vector<lineage::LineageStore::Io> outputs = {
      {{0, "Dataset", out_name, "dataset:" + out_name, "{}", 0}, "training_set"}};
  json features = json::array();
  for (const FeatureRef& f : request.result->features) {
    features.push_back(absl::StrCat(f.view, ":", f.feature));
  }
  lineage::Execution execution;
  execution.type = "FeatureRetrieval";
  execution.name =
      absl::StrCat("historical ", registry.project, "@", registry.version, " -> ", out_name);
  execution.state = lineage::ExecutionState::kComplete;
  execution.properties_json =
      json{{"project", registry.project},
           {"registry_version", registry.version},
           {"features", features},
           {"engine", std::string(HistoricalEngineName(request.result->engine))},
           {"timestamp_column", request.timestamp_column},
           {"full_feature_names", request.full_feature_names},
           {"rows", request.result->table.num_rows()}}
          .dump();
  lineage::LineageStore& lineage = datasets.lineage();
  ASSIGN_OR_RETURN(lineage::Context context,
                   lineage.PutContext({0, "FeatureRepository", registry.project, "{}", 0}));
  ASSIGN_OR_RETURN(lineage::Execution recorded,
                   lineage.RecordExecution(execution, inputs, outputs, context.id));
  saved.lineage_execution_id = recorded.id;
  return saved;
}

}  // namespace strata::features
