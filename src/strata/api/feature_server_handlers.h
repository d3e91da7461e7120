// Feast's feature-server HTTP surface over a features::LiveFeatureServer, mounted by
// `strata server --feature-project P` / `--feature-repo DIR` and `strata serve --feature-repo
// DIR` (shapes in api/internal/feature_server_json.h):
//   POST /get-online-features      the online read (features/online_features.h)
//   POST /push                     fresh rows to the online and/or offline store (online_push.h)
//   POST /materialize              materialize [start_ts, end_ts] (features/materialize.h)
//   POST /materialize-incremental  materialize up to end_ts from each view's watermark
//
// Errors are Feast's {"detail": "..."} with 400 (bad request, naming the problem), 404 (no
// project applied, unknown push source), 413 (more entity rows than the limit), 503 (the
// online store is unreachable: Redis down; the server reconnects by itself) and 500 only for
// a damaged store record or an internal failure.
#ifndef STRATA_API_FEATURE_SERVER_HANDLERS_H_
#define STRATA_API_FEATURE_SERVER_HANDLERS_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "strata/features/live_feature_server.h"
#include "strata/http/router.h"
#include "strata/lineage/lineage_store.h"
#include "strata/store/database.h"

namespace strata::api {

struct FeatureRoutesOptions {
  // Entity rows per /get-online-features request at most (413 beyond), and rows per /push.
  int64_t max_entity_rows = 100'000;
  // The metadata store, for materialization state; null leaves /materialize* unmounted.
  store::Database* database = nullptr;
  // Where materializations are recorded in lineage; may be null.
  lineage::LineageStore* lineage = nullptr;
};

// `live` (and options.database / lineage) must outlive the router's server. Errors: the
// materialization migrations' (options.database set).
absl::Status AddFeatureServerRoutes(features::LiveFeatureServer& live, http::Router& router,
                                    FeatureRoutesOptions options = {});

// Feast's error body {"detail": message} with the HTTP status for `status` (not OK).
void WriteFeatureError(const absl::Status& status, http::Response& response);

}  // namespace strata::api

#endif  // STRATA_API_FEATURE_SERVER_HANDLERS_H_
