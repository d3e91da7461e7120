#include "strata/cli/internal/home_stores.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/api/artifact_handlers.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::cli {

std::string DefaultHome() {
  const char* env = std::getenv("STRATA_HOME");
  if (env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.strata";
}

absl::StatusOr<std::unique_ptr<store::Database>> OpenHomeDatabase(const std::string& home,
                                                                  const std::string& store_uri) {
  std::error_code ec;
  std::filesystem::create_directories(home, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", home, ": ", ec.message()));
  const std::string uri =
      store_uri.empty()
          ? absl::StrCat("sqlite:///", std::filesystem::absolute(home).string(), "/strata.db")
          : store_uri;
  return store::Database::Open(uri);
}

std::string HomeArtifactsDir(const std::string& home, const std::string& artifacts_dir) {
  return artifacts_dir.empty() ? absl::StrCat(home, "/artifacts") : artifacts_dir;
}

absl::StatusOr<std::unique_ptr<tracking::TrackingStore>> OpenHomeTracking(store::Database* db) {
  tracking::TrackingOptions options;
  options.default_artifact_root = "mlflow-artifacts:";  // as strata server
  return tracking::TrackingStore::Open(db, options);
}

serving::PackageLocator HomePackageLocator(tracking::TrackingStore* tracking) {
  return [tracking](const registry::ModelVersion& v) -> absl::StatusOr<std::string> {
    const std::string& where = v.storage_location.empty() ? v.source : v.storage_location;
    constexpr std::string_view kRuns = "runs:/";
    if (std::string_view(where).substr(0, kRuns.size()) == kRuns) {
      std::string_view rest = std::string_view(where).substr(kRuns.size());
      const size_t slash = rest.find('/');
      const std::string run_id(rest.substr(0, slash));
      std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
      ASSIGN_OR_RETURN(std::string artifact_uri, tracking->RunArtifactUri(run_id));
      ASSIGN_OR_RETURN(std::string root, api::MlflowArtifactsUriToPath(artifact_uri));
      if (path.empty()) return root;
      RETURN_IF_ERROR(blob::ValidateArtifactPath(path));
      return root.empty() ? std::string(path) : absl::StrCat(root, "/", AsAbsl(path));
    }
    absl::StatusOr<std::string> path = api::MlflowArtifactsUriToPath(where);
    if (!path.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model '", v.name, "' version ", v.version, ": source '", where,
          "' is neither runs:/RUN/PATH nor mlflow-artifacts: (", path.status().message(), ")"));
    }
    return path;
  };
}

}  // namespace strata::cli
