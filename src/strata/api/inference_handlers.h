// Inference REST surfaces over a serving::ModelServer: TF Serving REST and MLflow's
// /invocations (rest_protocols.h), the Open Inference Protocol V2
// (/v2/health/live, /v2/health/ready, /v2, /v2/models/{m}[/versions/{v}][/ready|/infer]) and
// the serving metrics appended to /metrics. Infer runs as an asynchronous handler, so a
// request waiting in a batch queue never holds an I/O thread.
#ifndef STRATA_API_INFERENCE_HANDLERS_H_
#define STRATA_API_INFERENCE_HANDLERS_H_

#include <memory>

#include "strata/http/router.h"
#include "strata/serving/model_server.h"

namespace strata::api {

// `server` must outlive the router's HTTP server.
void AddInferenceRoutes(std::shared_ptr<const serving::ModelServer> server, http::Router& router);

}  // namespace strata::api

#endif  // STRATA_API_INFERENCE_HANDLERS_H_
