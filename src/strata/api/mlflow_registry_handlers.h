// MLflow model-registry REST API (registered models, model versions, tags, aliases, stages) on
// an http::Router, under both /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/, with MLflow's
// methods, JSON field names and error codes so the official MLflow clients work unchanged;
// plus the native audit trail at GET /api/v1/registry/audit.
//
// Handlers only decode requests, call registry::ModelRegistry and encode responses. The audit
// actor is the `X-Strata-User` request header, or "anonymous" (MLflow sends no user).
//
// Thread-safety: the registered handlers may run concurrently; `registry` must outlive the
// router.
#ifndef STRATA_API_MLFLOW_REGISTRY_HANDLERS_H_
#define STRATA_API_MLFLOW_REGISTRY_HANDLERS_H_

#include "strata/http/router.h"
#include "strata/registry/model_registry.h"

namespace strata::api {

void AddRegistryRoutes(http::Router& router, registry::ModelRegistry& registry);

}  // namespace strata::api

#endif  // STRATA_API_MLFLOW_REGISTRY_HANDLERS_H_
