// MLflow tracking REST API (experiments, runs, metrics) on an http::Router, under both
// /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/, with MLflow's methods, JSON field names and
// error codes so the official MLflow clients work unchanged. Handlers only decode requests,
// call tracking::TrackingStore and encode responses; the rules live in the store.
//
// Thread-safety: the registered handlers may run concurrently; `store` must outlive the router.
#ifndef STRATA_API_MLFLOW_TRACKING_HANDLERS_H_
#define STRATA_API_MLFLOW_TRACKING_HANDLERS_H_

#include "strata/http/router.h"
#include "strata/tracking/tracking_store.h"

namespace strata::api {

void AddTrackingRoutes(http::Router& router, tracking::TrackingStore& store);

}  // namespace strata::api

#endif  // STRATA_API_MLFLOW_TRACKING_HANDLERS_H_
