// Saving a historical retrieval (historical.h) as a versioned dataset with lineage: the
// result file becomes the next version of a dataset (data/datasets.h, as `strata data
// dataset add` does) and one execution links it to what it was made from:
//   execution "FeatureRetrieval"   (properties: project, registry_version, features, engine,
//                                   timestamp_column, full_feature_names, rows)
//   inputs    "FeatureView"  PROJECT:VIEW@V   role "feature_view", V = the registry version
//                                             the view's definition last changed
//                                             (RegistryVersion::object_versions), the same
//                                             artifact `strata features apply` recorded
//             "Dataset"      NAME@V           role "entities" (entity set from a dataset), or
//             "EntitySet"    sha256:HEX       role "entities" (a file; uri file:PATH,
//                                             properties path, sha256, size_bytes; inline
//                                             columns: uri inline:sha256:HEX, no path)
//   output    "Dataset"      NAME@V           role "training_set"
//   context   "FeatureRepository" PROJECT
#ifndef STRATA_FEATURES_TRAINING_SET_H_
#define STRATA_FEATURES_TRAINING_SET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/data/datasets.h"
#include "strata/features/feature_registry.h"
#include "strata/features/historical.h"

namespace strata::features {

// Where the entity set came from: a dataset version, or a file.
struct EntitySetOrigin {
  std::string dataset;    // "NAME@V"; empty for a file
  std::string file_path;  // the file (absolute), when not a dataset
  // The file is a copy of columns sent inline in a request (HTTP): recorded by checksum
  // only (uri "inline:sha256:HEX", no path), since the file does not outlive the request.
  bool inline_request = false;
};

struct SaveTrainingSetRequest {
  std::string dataset_name;
  std::string result_path;  // the retrieval's table, already written (its extension = format)
  const RegistryVersion* registry_version = nullptr;  // the definitions used
  const HistoricalResult* result = nullptr;
  std::string timestamp_column;
  bool full_feature_names = false;
  EntitySetOrigin entities;
  data::AddOptions add_options;
};

struct SavedTrainingSet {
  data::DatasetVersion version;
  bool created = false;  // false: the newest version already had these bytes
  int64_t lineage_execution_id = 0;
};

// Errors: INVALID_ARGUMENT (bad dataset name, missing registry version or result), those of
// Datasets::AddVersion, NOT_FOUND for an entity file that is gone, lineage store errors (the
// dataset version then stays added).
absl::StatusOr<SavedTrainingSet> SaveTrainingSet(data::Datasets& datasets,
                                                 const SaveTrainingSetRequest& request);

}  // namespace strata::features

#endif  // STRATA_FEATURES_TRAINING_SET_H_
