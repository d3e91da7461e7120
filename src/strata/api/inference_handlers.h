// Inference REST surfaces over a serving::ModelServer: TF Serving REST and MLflow's
// /invocations (rest_protocols.h), the Open Inference Protocol V2
// (/v2/health/live, /v2/health/ready, /v2, /v2/models/{m}[/versions/{v}][/ready|/infer]) and
// the serving metrics appended to /metrics. Infer runs as an asynchronous handler, so a
// request waiting in a batch queue never holds an I/O thread.
#ifndef STRATA_API_INFERENCE_HANDLERS_H_
#define STRATA_API_INFERENCE_HANDLERS_H_

#include <memory>
#include <string_view>

#include "strata/features/live_feature_server.h"
#include "strata/http/router.h"
#include "strata/serving/model_server.h"
#include "strata/serving/request_log.h"

namespace strata::api {

// Every inference response (V2 infer, TF Serving :predict, /invocations) carries an
// X-Request-Id header: the client's own when it is 1..128 visible ASCII characters, else a
// random 128-bit hex id. With `request_log`, each request the log samples is logged under that
// id after its response is sent (success or error).
// With `features` (strata serve --feature-repo; must outlive the router), a V2 infer request
// to a model whose package names a feature service may carry only that service's entity
// keys (its views' join keys): the server reads the service's features from the online store
// and predicts on them (serving/entity_features.h). Requests carrying the signature's
// inputs are served as before.
void AddInferenceRoutes(std::shared_ptr<const serving::ModelServer> server, http::Router& router,
                        std::shared_ptr<serving::RequestLog> request_log = nullptr,
                        features::LiveFeatureServer* features = nullptr);

// Errors the HTTP layer itself produces under `strata serve` (404 no route, 405, 413, 408,
// ...), for http::ServerOptions::error_responder: one JSON body carrying both error shapes its
// protocols read, V2's and TF Serving's {"error"} and MLflow's {"error_code", "message"}.
void WriteServingHttpError(int http_status, std::string_view message, http::Response& response);

}  // namespace strata::api

#endif  // STRATA_API_INFERENCE_HANDLERS_H_
