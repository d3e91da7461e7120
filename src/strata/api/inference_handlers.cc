#include "strata/api/inference_handlers.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/api/errors.h"
#include "strata/api/internal/request_trace.h"
#include "strata/api/internal/v2_binary.h"
#include "strata/api/rest_protocols.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/serving/entity_features.h"

namespace strata::api {
namespace {

using internal::RequestTrace;
using serving::ModelServer;
using serving::RequestLog;
using serving::ServedVersion;

// A parsed /v2/models/... wildcard: "{m}[/versions/{v}][/{action}]".
struct ModelPath {
  std::string name;
  std::optional<int64_t> version;
  std::string action;  // "", "ready" or "infer"
};

std::optional<ModelPath> ParseModelPath(std::string_view rest) {
  ModelPath p;
  size_t slash = rest.find('/');
  p.name = std::string(rest.substr(0, slash));
  if (p.name.empty()) return std::nullopt;
  if (slash == std::string_view::npos) return p;
  rest.remove_prefix(slash + 1);
  if (rest.substr(0, 9) == "versions/") {
    rest.remove_prefix(9);
    size_t end = rest.find('/');
    int64_t v = 0;
    if (!absl::SimpleAtoi(AsAbsl(rest.substr(0, end)), &v) || v < 1) return std::nullopt;
    p.version = v;
    if (end == std::string_view::npos) return p;
    rest.remove_prefix(end + 1);
  }
  if (rest != "ready" && rest != "infer") return std::nullopt;
  p.action = std::string(rest);
  return p;
}

void WriteJson(std::string body, http::Response& res) {
  res.status = 200;
  res.content_type = "application/json";
  res.body = std::move(body);
}

void WriteStatusError(const absl::Status& status, http::Response& res) {
  WriteV2Error(InferenceHttpStatus(status), AsStd(status.message()), res);
}

// Shadow mode: the shadow predicts the same inputs after the answer is on its way. Its
// outcome shows in its own inference metrics (model and version labels) and, when the request
// is logged, as a request-log line with role "shadow" and the request's id; the answer itself
// is never returned.
void InferShadow(const ModelServer& server, std::shared_ptr<const ServedVersion> shadow,
                 const table::Table& inputs, const RequestTrace& primary) {
  if (shadow == nullptr) return;
  RequestTrace trace = primary.Shadow(*shadow);
  trace.SetInputs(inputs);
  std::shared_ptr<const ServedVersion> served = shadow;
  server.Infer(std::move(shadow), inputs,
               [served, trace = std::move(trace)](
                   absl::StatusOr<models::Model::Predictions> predictions) mutable {
                 trace.LogShadow(*served, std::move(predictions));
               });
}

void HandleModelGet(const ModelServer& server, const http::Request& req, http::Response& res) {
  std::optional<ModelPath> path = ParseModelPath(req.wildcard);
  if (!path.has_value() || path->action == "infer") {
    WriteV2Error(404, absl::StrCat("no endpoint GET ", req.path), res);
    return;
  }
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version =
      server.Find(path->name, path->version);
  if (!version.ok()) {
    WriteStatusError(version.status(), res);
    return;
  }
  const ServedVersion& v = **version;
  if (path->action == "ready") {
    WriteJson(absl::StrCat("{\"name\":\"", v.name(), "\",\"ready\":true}"), res);
    return;
  }
  std::vector<int64_t> versions =
      path->version.has_value() ? std::vector<int64_t>{*path->version} : server.Versions(v.name());
  WriteJson(V2ModelMetadata(v.name(), versions, v.model().manifest(),
                            v.model().predictor().num_outputs()),
            res);
}

// Triton's binary tensor extension (api/internal/v2_binary.h) when the body is split by
// Inference-Header-Content-Length or asks for binary outputs; the V2 JSON codec otherwise.
absl::StatusOr<V2InferRequest> DecodeV2Body(const http::Request& req,
                                            const models::Signature& signature, int64_t max_rows,
                                            internal::V2BinaryOutputs& binary_outputs) {
  std::string_view header_length = req.Header(internal::kInferenceHeaderContentLength);
  if (!header_length.empty()) {
    ASSIGN_OR_RETURN(internal::V2BinaryInferRequest binary,
                     internal::DecodeV2BinaryInferRequest(req.body, header_length, signature,
                                                          max_rows));
    binary_outputs = std::move(binary.binary_outputs);
    return std::move(binary.request);
  }
  ASSIGN_OR_RETURN(V2InferRequest request, DecodeV2InferRequest(req.body, signature, max_rows));
  if (internal::MayRequestBinaryOutputs(req.body)) {
    ASSIGN_OR_RETURN(binary_outputs, internal::ReadV2BinaryOutputs(req.body));
  }
  return request;
}

void WriteV2BinaryAnswer(const ServedVersion& served, std::string_view id,
                         const models::Model::Predictions& predictions,
                         const std::vector<std::string>& requested,
                         const internal::V2BinaryOutputs& binary_outputs, http::Response& out) {
  absl::StatusOr<internal::V2BinaryInferResponse> binary = internal::EncodeV2BinaryInferResponse(
      served.name(), served.version(), id, served.model().manifest(), predictions, requested,
      binary_outputs);
  if (!binary.ok()) {
    WriteStatusError(binary.status(), out);
    return;
  }
  out.status = 200;
  out.content_type = "application/octet-stream";
  out.headers.emplace_back("Inference-Header-Content-Length",
                           std::to_string(binary->header_length));
  out.body = std::move(binary->body);
}

// Answers a V2 error now (and logs it with the request's trace).
void RefuseV2(const absl::Status& status, RequestTrace& trace, http::Responder& responder) {
  http::Response res;
  WriteStatusError(status, res);
  trace.SendError(responder, std::move(res), AsStd(status.message()));
}

// The shadow may be another model: it decodes the body by its own signature.
void ShadowV2(const ModelServer& server, std::shared_ptr<const ServedVersion> shadow,
              const http::Request& req, const RequestTrace& primary) {
  internal::V2BinaryOutputs unused;
  absl::StatusOr<V2InferRequest> decoded = DecodeV2Body(
      req, shadow->model().manifest().signature, server.options().max_request_rows, unused);
  if (!decoded.ok()) {
    shadow->stats().RecordRequest(false, 0);
    return;
  }
  InferShadow(server, std::move(shadow), decoded->inputs, primary);
}

void HandleInfer(const std::shared_ptr<const ModelServer>& server,
                 const std::shared_ptr<RequestLog>& log, features::LiveFeatureServer* features,
                 http::Request&& req, http::Responder responder) {
  RequestTrace trace(req, "v2", log);
  std::optional<ModelPath> path = ParseModelPath(req.wildcard);
  if (!path.has_value() || path->action != "infer") {
    RefuseV2(absl::NotFoundError(absl::StrCat("no endpoint POST ", req.path)), trace, responder);
    return;
  }
  trace.SetModel(path->name, path->version.value_or(0));
  absl::StatusOr<serving::RouteResult> route =
      server->Route(path->name, serving::VersionTarget{path->version, std::string()});
  if (!route.ok()) {
    RefuseV2(route.status(), trace, responder);
    return;
  }
  const ServedVersion& v = *route->version;
  trace.SetModel(v);
  // Most requests are one [N, features] JSON tensor: decoded straight into the feature
  // matrix. Binary tensors (a header length), binary outputs and logged requests (the log
  // records the decoded columns) take the general path.
  const bool binary_request = !req.Header(internal::kInferenceHeaderContentLength).empty();
  features::LiveFeatureServer* entity_features =
      v.model().manifest().feature_service.empty() ? nullptr : features;
  std::optional<V2FeatureRequest> fast;
  if (!binary_request && !trace.logged() && entity_features == nullptr &&
      !internal::MayRequestBinaryOutputs(req.body)) {
    fast = DecodeV2FeatureRequest(req.body, v.model(), server->options().max_request_rows);
  }
  std::optional<V2InferRequest> decoded;
  internal::V2BinaryOutputs binary_outputs;
  std::string* id = nullptr;
  std::vector<std::string>* requested = nullptr;
  if (fast.has_value()) {
    id = &fast->id;
    requested = &fast->requested_outputs;
  } else {
    // serving/entity_features.h: by the model's signature, or by entity key. The decode
    // keeps the request's other parts (id, requested outputs) in `decoded`.
    absl::StatusOr<table::Table> inputs = serving::DecodeModelInputs(
        v.model(), entity_features,
        [&](const models::Signature& signature) -> absl::StatusOr<table::Table> {
          binary_outputs = {};
          ASSIGN_OR_RETURN(decoded, DecodeV2Body(req, signature,
                                                 server->options().max_request_rows,
                                                 binary_outputs));
          return std::move(decoded->inputs);
        });
    if (!inputs.ok()) {
      // Counted as a failed request of the version, as Triton does for malformed requests.
      v.stats().RecordRequest(false, 0);
      RefuseV2(inputs.status(), trace, responder);
      return;
    }
    decoded->inputs = *std::move(inputs);
    id = &decoded->id;
    requested = &decoded->requested_outputs;
    trace.SetInputs(decoded->inputs);
  }
  if (!requested->empty()) {
    std::vector<std::string> names =
        OutputNames(v.model().manifest(), v.model().predictor().num_outputs());
    for (const std::string& r : *requested) {
      if (std::find(names.begin(), names.end(), r) == names.end()) {
        v.stats().RecordRequest(false, 0);
        RefuseV2(absl::InvalidArgumentError(absl::StrCat(
                     "output '", r, "' is not an output of model '", v.name(), "'")),
                 trace, responder);
        return;
      }
    }
  }
  std::optional<RequestTrace> shadow_trace;
  if (route->shadow != nullptr) shadow_trace = trace;
  // std::function needs a copyable callable; the responder is shared by the one callback.
  auto shared_responder = std::make_shared<http::Responder>(std::move(responder));
  std::shared_ptr<const ServedVersion> served = route->version;
  auto done = [shared_responder, served, id = std::move(*id), requested = std::move(*requested),
               binary_outputs = std::move(binary_outputs), trace = std::move(trace)](
                  absl::StatusOr<models::Model::Predictions> predictions) mutable {
    if (!predictions.ok()) {
      RefuseV2(predictions.status(), trace, *shared_responder);
      return;
    }
    http::Response out;
    if (binary_outputs.Any()) {
      WriteV2BinaryAnswer(*served, id, *predictions, requested, binary_outputs, out);
      if (out.status != 200) {
        trace.SendError(*shared_responder, std::move(out), "binary output encoding failed");
        return;
      }
    } else {
      absl::StatusOr<std::string> body =
          EncodeV2InferResponse(served->name(), served->version(), id,
                                served->model().manifest(), *predictions, requested);
      if (!body.ok()) {
        RefuseV2(body.status(), trace, *shared_responder);
        return;
      }
      WriteJson(std::move(*body), out);
    }
    trace.SendPredictions(*shared_responder, std::move(out), *served, std::move(*predictions));
  };
  if (fast.has_value()) {
    server->InferFeatures(served, std::move(fast->features), fast->rows, std::move(done));
  } else {
    server->Infer(served, decoded->inputs, std::move(done));
  }
  if (shadow_trace.has_value()) ShadowV2(*server, route->shadow, req, *shadow_trace);
}

void WriteTfStatusError(const absl::Status& status, http::Response& res) {
  WriteTfError(InferenceHttpStatus(status), AsStd(status.message()), res);
}

using ErrorWriter = void (*)(const absl::Status&, http::Response&);
using Encoder = std::function<std::string(const models::Model::Predictions&)>;

// Predicts a decoded table on `version` and answers through `responder` (later, when the
// request waits in a batch).
void InferAndRespond(const ModelServer& server, const serving::RouteResult& route,
                     const table::Table& inputs, RequestTrace trace, http::Responder responder,
                     Encoder encode, ErrorWriter write_error) {
  auto shared_responder = std::make_shared<http::Responder>(std::move(responder));
  trace.SetInputs(inputs);
  std::optional<RequestTrace> shadow_trace;
  if (route.shadow != nullptr) shadow_trace = trace;
  std::shared_ptr<const ServedVersion> served = route.version;  // for the log's output names
  server.Infer(route.version, inputs,
               [shared_responder, encode = std::move(encode), write_error, served,
                trace = std::move(trace)](
                   absl::StatusOr<models::Model::Predictions> predictions) mutable {
                 http::Response out;
                 if (!predictions.ok()) {
                   write_error(predictions.status(), out);
                   trace.SendError(*shared_responder, std::move(out),
                                   AsStd(predictions.status().message()));
                   return;
                 }
                 WriteJson(encode(*predictions), out);
                 trace.SendPredictions(*shared_responder, std::move(out), *served,
                                       std::move(*predictions));
               });
  if (shadow_trace.has_value()) InferShadow(server, route.shadow, inputs, *shadow_trace);
}

// Answers an error now; a decoding failure counts as a failed request of the version.
void Refuse(const ServedVersion* version, const absl::Status& status, ErrorWriter write_error,
            RequestTrace& trace, http::Responder& responder) {
  if (version != nullptr) version->stats().RecordRequest(false, 0);
  http::Response res;
  write_error(status, res);
  trace.SendError(responder, std::move(res), AsStd(status.message()));
}

// A TF Serving path's version: /versions/{v}, /labels/{l} (registry aliases), or the default.
absl::StatusOr<serving::RouteResult> RouteTf(const ModelServer& server, const TfModelPath& path) {
  return server.Route(path.name, serving::VersionTarget{path.version, path.label});
}

void HandleTfGet(const ModelServer& server, const http::Request& req, http::Response& res) {
  std::optional<TfModelPath> path = ParseTfModelPath(req.wildcard);
  if (!path.has_value() || path->action == "predict") {
    WriteTfError(404, absl::StrCat("no endpoint GET ", req.path), res);
    return;
  }
  absl::StatusOr<serving::RouteResult> route = RouteTf(server, *path);
  if (!route.ok()) {
    WriteTfStatusError(route.status(), res);
    return;
  }
  const std::shared_ptr<const ServedVersion>* version = &route->version;
  if (path->action == "metadata") {
    WriteJson(TfModelMetadata((*version)->name(), (*version)->version(),
                              (*version)->model().manifest()),
              res);
    return;
  }
  const bool one_version = path->version.has_value() || !path->label.empty();
  WriteJson(TfModelStatus(one_version ? std::vector<int64_t>{(*version)->version()}
                                      : server.Versions((*version)->name())),
            res);
}

void HandleTfPredict(const std::shared_ptr<const ModelServer>& server,
                     const std::shared_ptr<RequestLog>& log, features::LiveFeatureServer* features,
                     http::Request&& req, http::Responder responder) {
  RequestTrace trace(req, "tfserving", log);
  std::optional<TfModelPath> path = ParseTfModelPath(req.wildcard);
  if (!path.has_value() || path->action != "predict") {
    Refuse(nullptr, absl::NotFoundError(absl::StrCat("no endpoint POST ", req.path)),
           WriteTfStatusError, trace, responder);
    return;
  }
  trace.SetModel(path->name, path->version.value_or(0));
  absl::StatusOr<serving::RouteResult> route = RouteTf(*server, *path);
  if (!route.ok()) {
    Refuse(nullptr, route.status(), WriteTfStatusError, trace, responder);
    return;
  }
  const std::shared_ptr<const ServedVersion>* version = &route->version;
  trace.SetModel(**version);
  // serving/entity_features.h: by the model's signature, or by entity key.
  bool columnar = false;
  absl::StatusOr<table::Table> inputs = serving::DecodeModelInputs(
      (*version)->model(), features,
      [&](const models::Signature& signature) -> absl::StatusOr<table::Table> {
        ASSIGN_OR_RETURN(TfPredictRequest r, DecodeTfPredictRequest(
                                                 req.body, signature,
                                                 server->options().max_request_rows));
        columnar = r.columnar;
        return std::move(r.inputs);
      });
  if (!inputs.ok()) {
    Refuse(version->get(), inputs.status(), WriteTfStatusError, trace, responder);
    return;
  }
  InferAndRespond(
      *server, *route, *inputs, std::move(trace), std::move(responder),
      [columnar](const models::Model::Predictions& p) {
        return EncodeTfPredictResponse(p, columnar);
      },
      WriteTfStatusError);
}

// MLflow's scoring server serves one model; with several, ?model=NAME picks one.
absl::StatusOr<serving::RouteResult> RouteMlflow(const ModelServer& server,
                                                 const http::Request& req) {
  if (const std::string* name = req.QueryParam("model"); name != nullptr) {
    return server.Route(*name, {});
  }
  std::vector<std::string> names = server.ModelNames();
  if (names.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        names.size(), " models are served: name one with /invocations?model=NAME"));
  }
  return server.Route(names[0], {});
}

// MLflow's scoring server answers 415 to a content type it does not read (a form-encoded
// curl -d, text/plain, ...); an absent one is read as JSON.
bool MlflowReadsContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.empty() || absl::EqualsIgnoreCase(AsAbsl(type), "application/json") ||
         absl::EqualsIgnoreCase(AsAbsl(type), "text/csv");
}

void HandleInvocations(const std::shared_ptr<const ModelServer>& server,
                       const std::shared_ptr<RequestLog>& log,
                       features::LiveFeatureServer* features, http::Request&& req,
                       http::Responder responder) {
  RequestTrace trace(req, "mlflow", log);
  if (const std::string* name = req.QueryParam("model"); name != nullptr) {
    trace.SetModel(*name, 0);
  }
  absl::StatusOr<serving::RouteResult> route = RouteMlflow(*server, req);
  if (!route.ok()) {
    Refuse(nullptr, route.status(), WriteError, trace, responder);
    return;
  }
  const std::shared_ptr<const ServedVersion>* version = &route->version;
  trace.SetModel(**version);
  if (!MlflowReadsContentType(req.Header("content-type"))) {
    (*version)->stats().RecordRequest(false, 0);
    const std::string message = absl::StrCat(
        "content type '", AsAbsl(req.Header("content-type")),
        "' is not supported; send application/json or text/csv");
    http::Response res;
    WriteError(absl::InvalidArgumentError(message), res);
    res.status = 415;
    trace.SendError(responder, std::move(res), message);
    return;
  }
  // serving/entity_features.h: by the model's signature, or by entity key.
  absl::StatusOr<table::Table> inputs = serving::DecodeModelInputs(
      (*version)->model(), features, [&](const models::Signature& signature) {
        return DecodeMlflowInvocation(req.body, req.Header("content-type"), signature,
                                      server->options().max_request_rows);
      });
  if (!inputs.ok()) {
    Refuse(version->get(), inputs.status(), WriteError, trace, responder);
    return;
  }
  InferAndRespond(*server, *route, *inputs, std::move(trace), std::move(responder),
                  EncodeMlflowPredictions, WriteError);
}

}  // namespace

void WriteServingHttpError(int http_status, std::string_view message, http::Response& response) {
  std::string_view code = http_status == 404   ? "ENDPOINT_NOT_FOUND"
                          : http_status == 429 ? "REQUEST_LIMIT_EXCEEDED"
                          : http_status == 503 ? "TEMPORARILY_UNAVAILABLE"
                          : http_status >= 500 ? "INTERNAL_ERROR"
                                               : "BAD_REQUEST";
  response.status = http_status;
  response.content_type = "application/json";
  response.file_path.clear();
  response.body = "{\"error\":";
  AppendJsonString(message, response.body);
  absl::StrAppend(&response.body, ",\"error_code\":\"", AsAbsl(code), "\",\"message\":");
  AppendJsonString(message, response.body);
  response.body += '}';
}

void AddInferenceRoutes(std::shared_ptr<const ModelServer> server, http::Router& router,
                        std::shared_ptr<RequestLog> request_log,
                        features::LiveFeatureServer* features) {
  router.Add("GET", "/v2/health/live", [](const http::Request&, http::Response& res) {
    WriteJson("{\"live\":true}", res);
  });
  router.Add("GET", "/v2/health/ready", [server](const http::Request&, http::Response& res) {
    bool ready = server->Ready();
    WriteJson(ready ? "{\"ready\":true}" : "{\"ready\":false}", res);
    if (!ready) res.status = 503;
  });
  router.Add("GET", "/v2", [](const http::Request&, http::Response& res) {
    WriteJson(V2ServerMetadata(), res);
  });
  router.Add("GET", "/v2/models/*", [server](const http::Request& req, http::Response& res) {
    HandleModelGet(*server, req, res);
  });
  router.AddAsync("POST", "/v2/models/*",
                  [server, request_log, features](http::Request&& req,
                                                  http::Responder responder) {
                    HandleInfer(server, request_log, features, std::move(req),
                                std::move(responder));
                  });
  // TF Serving REST.
  router.Add("GET", "/v1/models/*", [server](const http::Request& req, http::Response& res) {
    HandleTfGet(*server, req, res);
  });
  router.AddAsync("POST", "/v1/models/*",
                  [server, request_log, features](http::Request&& req,
                                                  http::Responder responder) {
                    HandleTfPredict(server, request_log, features, std::move(req),
                                    std::move(responder));
                  });
  // MLflow's scoring server.
  for (const char* path : {"/ping", "/health"}) {
    router.Add("GET", path, [server](const http::Request&, http::Response& res) {
      const bool ready = server->Ready();
      res.status = ready ? 200 : 503;
      res.content_type = "text/plain";
      res.body = ready ? "\n" : "no model is loaded\n";
    });
  }
  router.AddAsync("POST", "/invocations",
                  [server, request_log, features](http::Request&& req,
                                                  http::Responder responder) {
                    HandleInvocations(server, request_log, features, std::move(req),
                                      std::move(responder));
                  });
}

}  // namespace strata::api
