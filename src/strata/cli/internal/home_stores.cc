#include "strata/cli/internal/home_stores.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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

}  // namespace strata::cli
