// MLflow's artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`) and the tracking
// server's `artifacts/list`, served from a blob::ArtifactStore. A run whose artifact_uri is
// "mlflow-artifacts:/1/abc/artifacts" keeps its files at logical path "1/abc/artifacts/..."
// in the store, which is what MLflow's clients PUT/GET through the proxy.
#ifndef STRATA_API_ARTIFACT_HANDLERS_H_
#define STRATA_API_ARTIFACT_HANDLERS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "strata/blob/artifact_store.h"
#include "strata/http/router.h"

namespace strata::api {

// A run's artifact_uri. Errors: NOT_FOUND for an unknown run (others passed through).
using RunArtifactRootFn = std::function<absl::StatusOr<std::string>(const std::string& run_id)>;

// Upload size limit of the artifact PUT routes. IMPORTANT: the HTTP layer currently reads a
// whole body into memory before the handler runs, so a server may hold this much per
// concurrent upload.
inline constexpr uint64_t kMaxArtifactUploadBytes = 1ull << 30;

// Maps an mlflow-artifacts URI to the store's logical path: "mlflow-artifacts:/1/abc" and
// "mlflow-artifacts://host:5000/1/abc" -> "1/abc"; "mlflow-artifacts:" -> "" (the root).
// Errors: INVALID_ARGUMENT for any other scheme (e.g. a run whose experiment stores artifacts
// in a local folder or S3, which this server does not serve).
absl::StatusOr<std::string> MlflowArtifactsUriToPath(std::string_view uri);

// Registers, under both /api/2.0 and /ajax-api/2.0:
//   PUT    .../mlflow-artifacts/artifacts/<path>   upload the raw body -> {}
//   GET    .../mlflow-artifacts/artifacts/<path>   download (streamed from the blob file)
//   GET    .../mlflow-artifacts/artifacts?path=D   list D: {"files":[{"path":<name>,...}]}
//   DELETE .../mlflow-artifacts/artifacts/<path>   delete a file or folder -> {}
//   GET    .../mlflow/artifacts/list?run_id=R&path=D
//          {"root_uri": <run artifact_uri>, "files":[{"path":"D/<name>",...}]}
// `store` must outlive the router; `run_root` is called per request from server threads.
void AddArtifactRoutes(http::Router& router, blob::ArtifactStore& store,
                       RunArtifactRootFn run_root);

}  // namespace strata::api

#endif  // STRATA_API_ARTIFACT_HANDLERS_H_
