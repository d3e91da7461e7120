// Models served from the registry: `models:/` URIs, what they resolve to now, and fetching a
// registered version's package from the blob store into a local cache to load it.
//
//   models:/NAME@ALIAS     the version the alias points at (follows the alias when it moves)
//   models:/NAME/VERSION   that version, fixed
//   models:/NAME/latest    the highest registered version (follows new registrations)
#ifndef STRATA_SERVING_REGISTRY_SOURCE_H_
#define STRATA_SERVING_REGISTRY_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/blob/artifact_store.h"
#include "strata/models/model_package.h"
#include "strata/registry/model_registry.h"

namespace strata::serving {

struct ModelUri {
  std::string name;
  std::string alias;              // models:/NAME@ALIAS
  std::optional<int64_t> version;  // models:/NAME/VERSION
  bool latest = false;             // models:/NAME/latest
  std::string text;                // as given

  // Moves when the registry changes (alias or latest), so the server polls it.
  bool follows() const { return !version.has_value(); }
};

// Errors: INVALID_ARGUMENT naming what is wrong (scheme, empty name or alias, bad version).
absl::StatusOr<ModelUri> ParseModelUri(std::string_view uri);

// Maps a model version to the blob-store folder holding its package files (for a version
// whose source is "runs:/RUN/model": the run's artifact folder + "/model"). Supplied by the
// caller, who knows the tracking store.
using PackageLocator = std::function<absl::StatusOr<std::string>(const registry::ModelVersion&)>;

// Not thread-safe: one poller uses it.
class RegistrySource {
 public:
  // `cache_dir` holds fetched packages as NAME/VERSION/ (created when missing).
  RegistrySource(registry::ModelRegistry* registry, const blob::ArtifactStore* blobs,
                 PackageLocator locate, std::string cache_dir);

  // The version numbers `uri` names now, newest first: one for an alias or a fixed version,
  // the `count` highest registered ones for latest. Errors: NOT_FOUND (model, alias, version).
  absl::StatusOr<std::vector<int64_t>> Resolve(const ModelUri& uri, int count = 1);

  // Fetches version `version` of `name` into the cache (once; a cached copy that fails its
  // checksums is fetched again) and loads it, verifying every file. Errors: NOT_FOUND,
  // DATA_LOSS (checksum), INVALID_ARGUMENT (malformed package), INTERNAL (filesystem).
  absl::StatusOr<std::unique_ptr<models::Model>> Load(std::string_view name, int64_t version);

  // The cache folder of a version (whether fetched or not).
  std::string CacheDir(std::string_view name, int64_t version) const;

 private:
  absl::Status Fetch(const registry::ModelVersion& version, const std::string& dir);

  registry::ModelRegistry* registry_;
  const blob::ArtifactStore* blobs_;
  PackageLocator locate_;
  std::string cache_dir_;
};

}  // namespace strata::serving

#endif  // STRATA_SERVING_REGISTRY_SOURCE_H_
