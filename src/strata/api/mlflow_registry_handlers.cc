#include "strata/api/mlflow_registry_handlers.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/api/request_params.h"
#include "strata/base/status_macros.h"

namespace strata::api {
namespace {

using nlohmann::json;
using registry::ModelRegistry;

constexpr std::string_view kDefaultActor = "anonymous";

// ---- encoding (MLflow's proto3-JSON shapes; empty repeated fields are omitted) ----

json TagsJson(const std::vector<registry::Tag>& tags) {
  json out = json::array();
  for (const registry::Tag& t : tags) out.push_back({{"key", t.key}, {"value", t.value}});
  return out;
}

json VersionJson(const registry::ModelVersion& v) {
  // MLflow's proto declares `version` as a string.
  json out = {{"name", v.name},
              {"version", std::to_string(v.version)},
              {"creation_timestamp", v.creation_timestamp},
              {"last_updated_timestamp", v.last_updated_timestamp},
              {"current_stage", v.current_stage},
              {"description", v.description},
              {"source", v.source},
              {"run_id", v.run_id},
              {"status", v.status}};
  if (!v.user_id.empty()) out["user_id"] = v.user_id;
  if (!v.run_link.empty()) out["run_link"] = v.run_link;
  if (!v.status_message.empty()) out["status_message"] = v.status_message;
  if (!v.tags.empty()) out["tags"] = TagsJson(v.tags);
  if (!v.aliases.empty()) out["aliases"] = v.aliases;
  return out;
}

json ModelJson(const registry::RegisteredModel& m) {
  json out = {{"name", m.name},
              {"creation_timestamp", m.creation_timestamp},
              {"last_updated_timestamp", m.last_updated_timestamp},
              {"description", m.description}};
  if (!m.latest_versions.empty()) {
    json versions = json::array();
    for (const registry::ModelVersion& v : m.latest_versions) versions.push_back(VersionJson(v));
    out["latest_versions"] = std::move(versions);
  }
  if (!m.tags.empty()) out["tags"] = TagsJson(m.tags);
  if (!m.aliases.empty()) {
    json aliases = json::array();
    for (const registry::AliasRef& a : m.aliases) {
      aliases.push_back({{"alias", a.alias}, {"version", std::to_string(a.version)}});
    }
    out["aliases"] = std::move(aliases);
  }
  return out;
}

json VersionsJson(const std::vector<registry::ModelVersion>& versions) {
  json out = json::array();
  for (const registry::ModelVersion& v : versions) out.push_back(VersionJson(v));
  return out;
}

json AuditJson(const registry::AuditEvent& e) {
  json out = {{"id", e.id},
              {"timestamp", e.timestamp},
              {"actor", e.actor},
              {"action", e.action},
              {"name", e.name}};
  out["version"] = e.version ? json(*e.version) : json(nullptr);
  if (e.alias) out["alias"] = *e.alias;
  out["from"] = e.from_value ? json(*e.from_value) : json(nullptr);
  out["to"] = e.to_value ? json(*e.to_value) : json(nullptr);
  return out;
}

// ---- decoding ----

absl::StatusOr<std::vector<registry::Tag>> DecodeTags(const RequestParams& p) {
  ASSIGN_OR_RETURN(std::vector<RequestParams> items, p.ObjectList("tags"));
  std::vector<registry::Tag> tags;
  for (const RequestParams& item : items) {
    registry::Tag t;
    ASSIGN_OR_RETURN(t.key, item.RequiredString("key"));
    ASSIGN_OR_RETURN(std::optional<std::string> value, item.OptionalString("value"));
    t.value = value.value_or("");
    tags.push_back(std::move(t));
  }
  return tags;
}

absl::StatusOr<registry::SearchRequest> DecodeSearch(const RequestParams& p) {
  registry::SearchRequest r;
  ASSIGN_OR_RETURN(std::optional<std::string> filter, p.OptionalString("filter"));
  r.filter = filter.value_or("");
  ASSIGN_OR_RETURN(r.max_results, p.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(r.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
  r.page_token = token.value_or("");
  return r;
}

std::string Actor(const http::Request& request) {
  std::string_view user = request.Header("X-Strata-User");
  return std::string(user.empty() ? kDefaultActor : user);
}

// MLflow's clients send DELETE parameters as a JSON body; other clients (curl) use the query
// string, which is honoured when the body is empty.
absl::StatusOr<RequestParams> DecodeParams(const http::Request& request) {
  if (request.method == "DELETE" && request.body.empty() && !request.query.empty()) {
    http::Request as_get = request;
    as_get.method = "GET";
    return RequestParams::FromRequest(as_get);
  }
  return RequestParams::FromRequest(request);
}

using Endpoint = std::function<absl::StatusOr<json>(const RequestParams&, const http::Request&)>;

http::Handler Wrap(Endpoint endpoint) {
  return [endpoint = std::move(endpoint)](const http::Request& request, http::Response& response) {
    absl::StatusOr<RequestParams> params = DecodeParams(request);
    if (!params.ok()) {
      WriteError(params.status(), response);
      return;
    }
    absl::StatusOr<json> body = endpoint(*params, request);
    if (!body.ok()) {
      WriteError(body.status(), response);
      return;
    }
    response.status = 200;
    response.content_type = "application/json";
    response.body = DumpJson(*body);
  };
}

void AddMlflow(http::Router& router, const char* method, const std::string& path,
               const Endpoint& endpoint) {
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(method, prefix + path, Wrap(endpoint));
  }
}

void AddRegisteredModelRoutes(http::Router& router, ModelRegistry& reg) {
  AddMlflow(router, "POST", "registered-models/create",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::optional<std::string> description,
                               p.OptionalString("description"));
              ASSIGN_OR_RETURN(std::vector<registry::Tag> tags, DecodeTags(p));
              ASSIGN_OR_RETURN(registry::RegisteredModel m,
                               reg.CreateRegisteredModel(name, description.value_or(""), tags));
              return json{{"registered_model", ModelJson(m)}};
            });
  AddMlflow(router, "GET", "registered-models/get",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(registry::RegisteredModel m, reg.GetRegisteredModel(name));
              return json{{"registered_model", ModelJson(m)}};
            });
  AddMlflow(router, "POST", "registered-models/rename",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::string new_name, p.RequiredString("new_name"));
              ASSIGN_OR_RETURN(registry::RegisteredModel m,
                               reg.RenameRegisteredModel(name, new_name, Actor(r)));
              return json{{"registered_model", ModelJson(m)}};
            });
  AddMlflow(router, "PATCH", "registered-models/update",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::optional<std::string> description,
                               p.OptionalString("description"));
              ASSIGN_OR_RETURN(registry::RegisteredModel m,
                               reg.UpdateRegisteredModel(name, description.value_or("")));
              return json{{"registered_model", ModelJson(m)}};
            });
  AddMlflow(router, "DELETE", "registered-models/delete",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              RETURN_IF_ERROR(reg.DeleteRegisteredModel(name, Actor(r)));
              return json::object();
            });
  AddMlflow(router, "GET", "registered-models/search",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(registry::SearchRequest request, DecodeSearch(p));
              ASSIGN_OR_RETURN(registry::RegisteredModelPage page,
                               reg.SearchRegisteredModels(request));
              json out = json::object();
              if (!page.registered_models.empty()) {
                json models = json::array();
                for (const auto& m : page.registered_models) models.push_back(ModelJson(m));
                out["registered_models"] = std::move(models);
              }
              if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
              return out;
            });
  Endpoint latest = [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
    ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
    ASSIGN_OR_RETURN(std::vector<std::string> stages, p.StringList("stages"));
    ASSIGN_OR_RETURN(std::vector<registry::ModelVersion> versions,
                     reg.GetLatestVersions(name, stages));
    json out = json::object();
    if (!versions.empty()) out["model_versions"] = VersionsJson(versions);
    return out;
  };
  AddMlflow(router, "POST", "registered-models/get-latest-versions", latest);
  AddMlflow(router, "GET", "registered-models/get-latest-versions", latest);
  AddMlflow(router, "POST", "registered-models/set-tag",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              registry::Tag tag;
              ASSIGN_OR_RETURN(tag.key, p.RequiredString("key"));
              ASSIGN_OR_RETURN(std::optional<std::string> value, p.OptionalString("value"));
              tag.value = value.value_or("");
              RETURN_IF_ERROR(reg.SetRegisteredModelTag(name, tag));
              return json::object();
            });
  AddMlflow(router, "DELETE", "registered-models/delete-tag",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
              RETURN_IF_ERROR(reg.DeleteRegisteredModelTag(name, key));
              return json::object();
            });
}

void AddAliasRoutes(http::Router& router, ModelRegistry& reg) {
  AddMlflow(router, "POST", "registered-models/alias",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::string alias, p.RequiredString("alias"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              RETURN_IF_ERROR(reg.SetRegisteredModelAlias(name, alias, version, Actor(r)));
              return json::object();
            });
  AddMlflow(router, "DELETE", "registered-models/alias",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::string alias, p.RequiredString("alias"));
              RETURN_IF_ERROR(reg.DeleteRegisteredModelAlias(name, alias, Actor(r)));
              return json::object();
            });
  AddMlflow(router, "GET", "registered-models/alias",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(std::string alias, p.RequiredString("alias"));
              ASSIGN_OR_RETURN(registry::ModelVersion v, reg.GetModelVersionByAlias(name, alias));
              return json{{"model_version", VersionJson(v)}};
            });
}

void AddModelVersionRoutes(http::Router& router, ModelRegistry& reg) {
  AddMlflow(router, "POST", "model-versions/create",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              registry::CreateModelVersionRequest request;
              ASSIGN_OR_RETURN(request.name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(request.source, p.RequiredString("source"));
              ASSIGN_OR_RETURN(std::optional<std::string> run_id, p.OptionalString("run_id"));
              ASSIGN_OR_RETURN(std::optional<std::string> run_link, p.OptionalString("run_link"));
              ASSIGN_OR_RETURN(std::optional<std::string> description,
                               p.OptionalString("description"));
              ASSIGN_OR_RETURN(request.tags, DecodeTags(p));
              request.run_id = run_id.value_or("");
              request.run_link = run_link.value_or("");
              request.description = description.value_or("");
              request.user_id = std::string(r.Header("X-Strata-User"));
              ASSIGN_OR_RETURN(registry::ModelVersion v, reg.CreateModelVersion(request));
              return json{{"model_version", VersionJson(v)}};
            });
  AddMlflow(router, "GET", "model-versions/get",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              ASSIGN_OR_RETURN(registry::ModelVersion v, reg.GetModelVersion(name, version));
              return json{{"model_version", VersionJson(v)}};
            });
  AddMlflow(router, "PATCH", "model-versions/update",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              ASSIGN_OR_RETURN(std::optional<std::string> description,
                               p.OptionalString("description"));
              ASSIGN_OR_RETURN(registry::ModelVersion v,
                               reg.UpdateModelVersion(name, version, description.value_or("")));
              return json{{"model_version", VersionJson(v)}};
            });
  AddMlflow(router, "DELETE", "model-versions/delete",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              RETURN_IF_ERROR(reg.DeleteModelVersion(name, version, Actor(r)));
              return json::object();
            });
  AddMlflow(router, "GET", "model-versions/search",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(registry::SearchRequest request, DecodeSearch(p));
              ASSIGN_OR_RETURN(registry::ModelVersionPage page, reg.SearchModelVersions(request));
              json out = json::object();
              if (!page.model_versions.empty()) {
                out["model_versions"] = VersionsJson(page.model_versions);
              }
              if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
              return out;
            });
  AddMlflow(router, "POST", "model-versions/transition-stage",
            [&reg](const RequestParams& p, const http::Request& r) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              ASSIGN_OR_RETURN(std::string stage, p.RequiredString("stage"));
              ASSIGN_OR_RETURN(std::optional<bool> archive,
                               p.OptionalBool("archive_existing_versions"));
              ASSIGN_OR_RETURN(registry::ModelVersion v,
                               reg.TransitionModelVersionStage(name, version, stage,
                                                               archive.value_or(false), Actor(r)));
              return json{{"model_version", VersionJson(v)}};
            });
  AddMlflow(router, "GET", "model-versions/get-download-uri",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              ASSIGN_OR_RETURN(std::string uri, reg.GetModelVersionDownloadUri(name, version));
              return json{{"artifact_uri", uri}};
            });
  AddMlflow(router, "POST", "model-versions/set-tag",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              registry::Tag tag;
              ASSIGN_OR_RETURN(tag.key, p.RequiredString("key"));
              ASSIGN_OR_RETURN(std::optional<std::string> value, p.OptionalString("value"));
              tag.value = value.value_or("");
              RETURN_IF_ERROR(reg.SetModelVersionTag(name, version, tag));
              return json::object();
            });
  AddMlflow(router, "DELETE", "model-versions/delete-tag",
            [&reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
              ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
              ASSIGN_OR_RETURN(int64_t version, p.RequiredInt64("version"));
              ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
              RETURN_IF_ERROR(reg.DeleteModelVersionTag(name, version, key));
              return json::object();
            });
}

}  // namespace

void AddRegistryRoutes(http::Router& router, ModelRegistry& registry) {
  AddRegisteredModelRoutes(router, registry);
  AddAliasRoutes(router, registry);
  AddModelVersionRoutes(router, registry);
  ModelRegistry* reg = &registry;
  router.Add("GET", "/api/v1/registry/audit",
             Wrap([reg](const RequestParams& p, const http::Request&) -> absl::StatusOr<json> {
               ASSIGN_OR_RETURN(std::optional<std::string> name, p.OptionalString("name"));
               ASSIGN_OR_RETURN(std::optional<int64_t> max_results, p.OptionalInt64("max_results"));
               ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
               ASSIGN_OR_RETURN(registry::AuditPage page,
                                reg->ListAudit(name, max_results, token.value_or("")));
               json events = json::array();
               for (const registry::AuditEvent& e : page.events) events.push_back(AuditJson(e));
               json out = {{"events", std::move(events)}};
               if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
               return out;
             }));
}

}  // namespace strata::api
