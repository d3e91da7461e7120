#include "strata/api/inference_handlers.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/api/errors.h"
#include "strata/api/internal/request_trace.h"
#include "strata/api/rest_protocols.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/strings.h"

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

// Answers a V2 error now (and logs it with the request's trace).
void RefuseV2(const absl::Status& status, RequestTrace& trace, http::Responder& responder) {
  http::Response res;
  WriteStatusError(status, res);
  trace.SendError(responder, std::move(res), AsStd(status.message()));
}

void HandleInfer(const std::shared_ptr<const ModelServer>& server,
                 const std::shared_ptr<RequestLog>& log, http::Request&& req,
                 http::Responder responder) {
  RequestTrace trace(req, "v2", log);
  std::optional<ModelPath> path = ParseModelPath(req.wildcard);
  if (!path.has_value() || path->action != "infer") {
    RefuseV2(absl::NotFoundError(absl::StrCat("no endpoint POST ", req.path)), trace, responder);
    return;
  }
  trace.SetModel(path->name, path->version.value_or(0));
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version =
      server->Find(path->name, path->version);
  if (!version.ok()) {
    RefuseV2(version.status(), trace, responder);
    return;
  }
  trace.SetModel(**version);
  absl::StatusOr<V2InferRequest> decoded = DecodeV2InferRequest(
      req.body, (*version)->model().manifest().signature, server->options().max_request_rows);
  if (!decoded.ok()) {
    // Counted as a failed request of the version, as Triton does for malformed requests.
    (*version)->stats().RecordRequest(false, 0);
    RefuseV2(decoded.status(), trace, responder);
    return;
  }
  trace.SetInputs(decoded->inputs);
  if (!decoded->requested_outputs.empty()) {
    const ServedVersion& v = **version;
    std::vector<std::string> names =
        OutputNames(v.model().manifest(), v.model().predictor().num_outputs());
    for (const std::string& r : decoded->requested_outputs) {
      if (std::find(names.begin(), names.end(), r) == names.end()) {
        v.stats().RecordRequest(false, 0);
        RefuseV2(absl::InvalidArgumentError(absl::StrCat(
                     "output '", r, "' is not an output of model '", v.name(), "'")),
                 trace, responder);
        return;
      }
    }
  }
  // std::function needs a copyable callable; the responder is shared by the one callback.
  auto shared_responder = std::make_shared<http::Responder>(std::move(responder));
  std::shared_ptr<const ServedVersion> served = *version;
  server->Infer(
      served, decoded->inputs,
      [shared_responder, served, id = std::move(decoded->id),
       requested = std::move(decoded->requested_outputs), trace = std::move(trace)](
          absl::StatusOr<models::Model::Predictions> predictions) mutable {
        if (!predictions.ok()) {
          RefuseV2(predictions.status(), trace, *shared_responder);
          return;
        }
        absl::StatusOr<std::string> body = EncodeV2InferResponse(
            served->name(), served->version(), id, served->model().manifest(), *predictions,
            requested);
        if (!body.ok()) {
          RefuseV2(body.status(), trace, *shared_responder);
          return;
        }
        http::Response out;
        WriteJson(std::move(*body), out);
        trace.SendPredictions(*shared_responder, std::move(out), *served, std::move(*predictions));
      });
}

void WriteTfStatusError(const absl::Status& status, http::Response& res) {
  WriteTfError(InferenceHttpStatus(status), AsStd(status.message()), res);
}

using ErrorWriter = void (*)(const absl::Status&, http::Response&);
using Encoder = std::function<std::string(const models::Model::Predictions&)>;

// Predicts a decoded table on `version` and answers through `responder` (later, when the
// request waits in a batch).
void InferAndRespond(const ModelServer& server, std::shared_ptr<const ServedVersion> version,
                     const table::Table& inputs, RequestTrace trace, http::Responder responder,
                     Encoder encode, ErrorWriter write_error) {
  auto shared_responder = std::make_shared<http::Responder>(std::move(responder));
  trace.SetInputs(inputs);
  std::shared_ptr<const ServedVersion> served = version;  // for the log's output names
  server.Infer(std::move(version), inputs,
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
}

// Answers an error now; a decoding failure counts as a failed request of the version.
void Refuse(const ServedVersion* version, const absl::Status& status, ErrorWriter write_error,
            RequestTrace& trace, http::Responder& responder) {
  if (version != nullptr) version->stats().RecordRequest(false, 0);
  http::Response res;
  write_error(status, res);
  trace.SendError(responder, std::move(res), AsStd(status.message()));
}

absl::StatusOr<std::shared_ptr<const ServedVersion>> FindTf(const ModelServer& server,
                                                            const TfModelPath& path) {
  if (!path.label.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", path.name, "' has no version label '",
                                            path.label, "' (labels are not supported yet)"));
  }
  return server.Find(path.name, path.version);
}

void HandleTfGet(const ModelServer& server, const http::Request& req, http::Response& res) {
  std::optional<TfModelPath> path = ParseTfModelPath(req.wildcard);
  if (!path.has_value() || path->action == "predict") {
    WriteTfError(404, absl::StrCat("no endpoint GET ", req.path), res);
    return;
  }
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version = FindTf(server, *path);
  if (!version.ok()) {
    WriteTfStatusError(version.status(), res);
    return;
  }
  if (path->action == "metadata") {
    WriteJson(TfModelMetadata((*version)->name(), (*version)->version(),
                              (*version)->model().manifest()),
              res);
    return;
  }
  WriteJson(TfModelStatus(path->version.has_value() ? std::vector<int64_t>{*path->version}
                                                    : server.Versions((*version)->name())),
            res);
}

void HandleTfPredict(const std::shared_ptr<const ModelServer>& server,
                     const std::shared_ptr<RequestLog>& log, http::Request&& req,
                     http::Responder responder) {
  RequestTrace trace(req, "tfserving", log);
  std::optional<TfModelPath> path = ParseTfModelPath(req.wildcard);
  if (!path.has_value() || path->action != "predict") {
    Refuse(nullptr, absl::NotFoundError(absl::StrCat("no endpoint POST ", req.path)),
           WriteTfStatusError, trace, responder);
    return;
  }
  trace.SetModel(path->name, path->version.value_or(0));
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version = FindTf(*server, *path);
  if (!version.ok()) {
    Refuse(nullptr, version.status(), WriteTfStatusError, trace, responder);
    return;
  }
  trace.SetModel(**version);
  absl::StatusOr<TfPredictRequest> decoded =
      DecodeTfPredictRequest(req.body, (*version)->model().manifest().signature,
                             server->options().max_request_rows);
  if (!decoded.ok()) {
    Refuse(version->get(), decoded.status(), WriteTfStatusError, trace, responder);
    return;
  }
  const bool columnar = decoded->columnar;
  InferAndRespond(
      *server, *version, decoded->inputs, std::move(trace), std::move(responder),
      [columnar](const models::Model::Predictions& p) {
        return EncodeTfPredictResponse(p, columnar);
      },
      WriteTfStatusError);
}

// MLflow's scoring server serves one model; with several, ?model=NAME picks one.
absl::StatusOr<std::shared_ptr<const ServedVersion>> FindMlflowModel(const ModelServer& server,
                                                                     const http::Request& req) {
  if (const std::string* name = req.QueryParam("model"); name != nullptr) {
    return server.Find(*name);
  }
  std::vector<std::string> names = server.ModelNames();
  if (names.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        names.size(), " models are served: name one with /invocations?model=NAME"));
  }
  return server.Find(names[0]);
}

void HandleInvocations(const std::shared_ptr<const ModelServer>& server,
                       const std::shared_ptr<RequestLog>& log, http::Request&& req,
                       http::Responder responder) {
  RequestTrace trace(req, "mlflow", log);
  if (const std::string* name = req.QueryParam("model"); name != nullptr) {
    trace.SetModel(*name, 0);
  }
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version = FindMlflowModel(*server, req);
  if (!version.ok()) {
    Refuse(nullptr, version.status(), WriteError, trace, responder);
    return;
  }
  trace.SetModel(**version);
  absl::StatusOr<table::Table> inputs =
      DecodeMlflowInvocation(req.body, req.Header("content-type"),
                             (*version)->model().manifest().signature,
                             server->options().max_request_rows);
  if (!inputs.ok()) {
    Refuse(version->get(), inputs.status(), WriteError, trace, responder);
    return;
  }
  InferAndRespond(*server, *version, *inputs, std::move(trace), std::move(responder),
                  EncodeMlflowPredictions, WriteError);
}

}  // namespace

void AddInferenceRoutes(std::shared_ptr<const ModelServer> server, http::Router& router,
                        std::shared_ptr<RequestLog> request_log) {
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
                  [server, request_log](http::Request&& req, http::Responder responder) {
                    HandleInfer(server, request_log, std::move(req), std::move(responder));
                  });
  // TF Serving REST.
  router.Add("GET", "/v1/models/*", [server](const http::Request& req, http::Response& res) {
    HandleTfGet(*server, req, res);
  });
  router.AddAsync("POST", "/v1/models/*",
                  [server, request_log](http::Request&& req, http::Responder responder) {
                    HandleTfPredict(server, request_log, std::move(req),
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
                  [server, request_log](http::Request&& req, http::Responder responder) {
                    HandleInvocations(server, request_log, std::move(req),
                                      std::move(responder));
                  });
}

}  // namespace strata::api
