#include "strata/api/feature_server_handlers.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/api/internal/feature_server_json.h"
#include "strata/base/strings.h"
#include "strata/features/materialize.h"
#include "strata/features/online_push.h"

namespace strata::api {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WriteJson(std::string body, http::Response& res) {
  res.status = 200;
  res.content_type = "application/json";
  res.body = std::move(body);
}

absl::Status CheckRows(int64_t rows, int64_t limit, std::string_view what) {
  if (rows <= limit) return absl::OkStatus();
  // 413, as the HTTP layer answers an oversized body (not 429: waiting does not help).
  return WithErrorCode(absl::ResourceExhaustedError(absl::StrCat(
                           AsAbsl(what), " has ", rows, " rows; at most ", limit,
                           " are allowed per request")),
                       "RESOURCE_EXHAUSTED");
}

// Asynchronous so that a Redis read does not hold the I/O thread: the reply completes the
// request on the I/O thread's own Redis connection (LMDB answers before this returns).
void HandleGetOnlineFeatures(features::LiveFeatureServer& live, const FeatureRoutesOptions& options,
                             const http::Request& req, http::Responder responder) {
  auto fail = [&responder](const absl::Status& status) {
    http::Response res;
    WriteFeatureError(status, res);
    responder.Send(std::move(res));
  };
  absl::StatusOr<features::OnlineFeaturesRequest> request =
      internal::DecodeGetOnlineFeaturesRequest(req.body);
  if (!request.ok()) return fail(request.status());
  if (!request->entities.empty()) {
    absl::Status rows = CheckRows(static_cast<int64_t>(request->entities.front().values.size()),
                                  options.max_entity_rows, "the entity set");
    if (!rows.ok()) return fail(rows);
  }
  absl::StatusOr<features::LiveFeatureServer::Snapshot> snapshot = live.Current();
  if (!snapshot.ok()) return fail(snapshot.status());
  features::FeatureServer::GetOnlineFeaturesAsync(
      std::move(snapshot->server), std::move(snapshot->store), *request, NowMicros(),
      [responder = std::move(responder)](
          absl::StatusOr<features::OnlineFeaturesResponse> response) mutable {
        http::Response res;
        if (response.ok()) {
          WriteJson(internal::EncodeOnlineFeaturesResponse(*response), res);
        } else {
          WriteFeatureError(response.status(), res);
        }
        responder.Send(std::move(res));
      });
}

void HandlePush(features::LiveFeatureServer& live, features::FeaturePusher& pusher,
                const FeatureRoutesOptions& options, const http::Request& req,
                http::Response& res) {
  absl::StatusOr<features::PushRequest> request = internal::DecodePushRequest(req.body);
  if (!request.ok()) return WriteFeatureError(request.status(), res);
  if (!request->columns.empty()) {
    absl::Status rows = CheckRows(static_cast<int64_t>(request->columns.front().values.size()),
                                  options.max_entity_rows, "the pushed df");
    if (!rows.ok()) return WriteFeatureError(rows, res);
  }
  // An offline-only push needs no online store, so a down Redis does not block it.
  std::shared_ptr<const features::FeatureServer> server;
  std::shared_ptr<features::OnlineStore> store;
  if (request->to == features::PushTarget::kOffline) {
    absl::StatusOr<std::shared_ptr<const features::FeatureServer>> current = live.CurrentServer();
    if (!current.ok()) return WriteFeatureError(current.status(), res);
    server = *std::move(current);
  } else {
    absl::StatusOr<features::LiveFeatureServer::Snapshot> snapshot = live.Current();
    if (!snapshot.ok()) return WriteFeatureError(snapshot.status(), res);
    server = std::move(snapshot->server);
    store = std::move(snapshot->store);
  }
  absl::StatusOr<features::PushResult> pushed = pusher.Push(*server, store.get(), *request);
  if (!pushed.ok()) return WriteFeatureError(pushed.status(), res);
  nlohmann::json body = {{"push_source_name", request->push_source_name},
                         {"rows", pushed->rows},
                         {"registry_version", server->registry_version()}};
  nlohmann::json views = nlohmann::json::array();
  for (const features::PushViewResult& v : pushed->views) {
    views.push_back({{"feature_view", v.view},
                     {"written", v.stats.written},
                     {"skipped_older", v.stats.skipped_older}});
  }
  body["online"] = std::move(views);
  body["offline"] = pushed->offline_location.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(pushed->offline_location);
  WriteJson(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), res);
}

nlohmann::json MaterializationsJson(const std::vector<features::ViewMaterialization>& runs) {
  nlohmann::json views = nlohmann::json::array();
  for (const features::ViewMaterialization& m : runs) {
    std::string start, end;
    internal::AppendRfc3339(m.start_micros, &start);
    internal::AppendRfc3339(m.end_micros, &end);
    views.push_back({{"feature_view", m.view},
                     {"registry_version", m.registry_version},
                     {"start_ts", start},
                     {"end_ts", end},
                     {"rows_read", m.rows_read},
                     {"rows_in_window", m.rows_in_window},
                     {"keys_written", m.keys_written},
                     {"skipped_older", m.skipped},
                     {"wall_ms", m.wall_ms},
                     {"id", m.id}});
  }
  return views;
}

void HandleMaterialize(features::LiveFeatureServer& live, features::Materializer& materializer,
                       bool incremental, const http::Request& req, http::Response& res) {
  absl::StatusOr<internal::MaterializeRequest> request =
      internal::DecodeMaterializeRequest(req.body, incremental);
  if (!request.ok()) return WriteFeatureError(request.status(), res);
  absl::StatusOr<features::LiveFeatureServer::Snapshot> snapshot = live.Current();
  if (!snapshot.ok()) return WriteFeatureError(snapshot.status(), res);
  features::MaterializeOptions options;
  options.repo_directory = live.options().repository_directory;
  options.views = request->feature_views;
  absl::StatusOr<std::vector<features::ViewMaterialization>> runs =
      incremental ? materializer.MaterializeIncremental(*snapshot->version, snapshot->store.get(),
                                                        request->end_micros, options)
                  : materializer.Materialize(*snapshot->version, snapshot->store.get(),
                                             *request->start_micros, request->end_micros,
                                             options);
  if (!runs.ok()) return WriteFeatureError(runs.status(), res);
  nlohmann::json body = {{"project", snapshot->server->project()},
                         {"feature_views", MaterializationsJson(*runs)}};
  WriteJson(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), res);
}

}  // namespace

void WriteFeatureError(const absl::Status& status, http::Response& response) {
  // The project's one status mapping (errors.h); only the body is Feast's {"detail": ...}.
  response.status = HttpStatusForErrorCode(ErrorCodeName(status));
  response.content_type = "application/json";
  response.file_path.clear();
  nlohmann::json body = {{"detail", AsStd(status.message())}};
  // replace: never throw on invalid UTF-8 echoed from a request.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::Status AddFeatureServerRoutes(features::LiveFeatureServer& live, http::Router& router,
                                    FeatureRoutesOptions options) {
  router.AddAsync("POST", "/get-online-features",
                  [&live, options](http::Request&& req, http::Responder responder) {
                    HandleGetOnlineFeatures(live, options, req, std::move(responder));
                  });
  auto pusher = std::make_shared<features::FeaturePusher>();
  router.Add("POST", "/push",
             [&live, pusher, options](const http::Request& req, http::Response& res) {
               HandlePush(live, *pusher, options, req, res);
             });
  if (options.database == nullptr) return absl::OkStatus();
  absl::StatusOr<std::unique_ptr<features::Materializer>> opened =
      features::Materializer::Open(options.database, options.lineage);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<features::Materializer> materializer = std::move(*opened);
  for (bool incremental : {false, true}) {
    router.Add("POST", incremental ? "/materialize-incremental" : "/materialize",
               [&live, materializer, incremental](const http::Request& req, http::Response& res) {
                 HandleMaterialize(live, *materializer, incremental, req, res);
               });
  }
  return absl::OkStatus();
}

}  // namespace strata::api
