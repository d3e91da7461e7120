// The stores of a Strata home for commands that work on it directly (`data add`, `train`,
// `models register`, ...): the same layout `strata server --home` uses, so the server sees
// what the commands wrote.
#ifndef STRATA_CLI_INTERNAL_HOME_STORES_H_
#define STRATA_CLI_INTERNAL_HOME_STORES_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "strata/serving/registry_source.h"
#include "strata/store/database.h"
#include "strata/tracking/tracking_store.h"

namespace strata::cli {

// $STRATA_HOME, else ~/.strata.
std::string DefaultHome();

// Creates `home` if needed and opens `store_uri`, or <home>/strata.db (SQLite) when empty.
absl::StatusOr<std::unique_ptr<store::Database>> OpenHomeDatabase(const std::string& home,
                                                                  const std::string& store_uri);

// `artifacts_dir`, or <home>/artifacts when empty.
std::string HomeArtifactsDir(const std::string& home, const std::string& artifacts_dir);

// The tracking store with the server's default artifact root (mlflow-artifacts:).
absl::StatusOr<std::unique_ptr<tracking::TrackingStore>> OpenHomeTracking(store::Database* db);

// Where a registered version's package lives in the home's blob store: for a source
// "runs:/RUN/PATH" the run's artifact folder + PATH (what `models register` writes); for an
// "mlflow-artifacts:" location that folder. Other schemes are INVALID_ARGUMENT.
serving::PackageLocator HomePackageLocator(tracking::TrackingStore* tracking);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_HOME_STORES_H_
