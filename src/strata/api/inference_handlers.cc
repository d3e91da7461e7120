#include "strata/api/inference_handlers.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

using serving::ModelServer;
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

void HandleInfer(const std::shared_ptr<const ModelServer>& server, http::Request&& req,
                 http::Responder responder) {
  std::optional<ModelPath> path = ParseModelPath(req.wildcard);
  http::Response res;
  if (!path.has_value() || path->action != "infer") {
    WriteV2Error(404, absl::StrCat("no endpoint POST ", req.path), res);
    responder.Send(std::move(res));
    return;
  }
  absl::StatusOr<std::shared_ptr<const ServedVersion>> version =
      server->Find(path->name, path->version);
  if (!version.ok()) {
    WriteStatusError(version.status(), res);
    responder.Send(std::move(res));
    return;
  }
  absl::StatusOr<V2InferRequest> decoded = DecodeV2InferRequest(
      req.body, (*version)->model().manifest().signature, server->options().max_request_rows);
  if (!decoded.ok()) {
    // Counted as a failed request of the version, as Triton does for malformed requests.
    (*version)->stats().RecordRequest(false, 0);
    WriteStatusError(decoded.status(), res);
    responder.Send(std::move(res));
    return;
  }
  if (!decoded->requested_outputs.empty()) {
    const ServedVersion& v = **version;
    std::vector<std::string> names =
        OutputNames(v.model().manifest(), v.model().predictor().num_outputs());
    for (const std::string& r : decoded->requested_outputs) {
      if (std::find(names.begin(), names.end(), r) == names.end()) {
        v.stats().RecordRequest(false, 0);
        WriteV2Error(400, absl::StrCat("output '", r, "' is not an output of model '", v.name(),
                                       "'"),
                     res);
        responder.Send(std::move(res));
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
       requested = std::move(decoded->requested_outputs)](
          absl::StatusOr<models::Model::Predictions> predictions) {
        http::Response out;
        if (!predictions.ok()) {
          WriteStatusError(predictions.status(), out);
        } else {
          absl::StatusOr<std::string> body = EncodeV2InferResponse(
              served->name(), served->version(), id, served->model().manifest(), *predictions,
              requested);
          if (body.ok()) {
            WriteJson(std::move(*body), out);
          } else {
            WriteStatusError(body.status(), out);
          }
        }
        shared_responder->Send(std::move(out));
      });
}

}  // namespace

void AddInferenceRoutes(std::shared_ptr<const ModelServer> server, http::Router& router) {
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
                  [server](http::Request&& req, http::Responder responder) {
                    HandleInfer(server, std::move(req), std::move(responder));
                  });
}

}  // namespace strata::api
