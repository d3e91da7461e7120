// The object model's lookups, feature references and the canonical JSON. The directory
// loader is in internal/repository_loader.cc.
#include "strata/features/definitions.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "strata/base/strings.h"
#include "strata/features/duration.h"

namespace strata::features {
namespace {

using nlohmann::json;
using table::DataType;

template <typename T>
const T* FindByName(const std::vector<T>& objects, std::string_view name) {
  auto it = std::lower_bound(objects.begin(), objects.end(), name,
                             [](const T& o, std::string_view n) { return o.name < n; });
  return it != objects.end() && it->name == name ? &*it : nullptr;
}

json TypeJson(DataType type) { return std::string(table::DataTypeName(type)); }

json SourceJson(const DataSource& s) {
  json j = {{"name", s.name},
            {"type", std::string(SourceTypeName(s.type))},
            {"description", s.description},
            {"tags", s.tags},
            {"owner", s.owner}};
  switch (s.type) {
    case SourceType::kFile: j["path"] = s.path; break;
    case SourceType::kPostgres:
      j["table"] = s.table;
      j["query"] = s.query;
      break;
    case SourceType::kPush: j["batch_source"] = s.batch_source; break;
  }
  if (s.type != SourceType::kPush) {
    j["timestamp_field"] = s.timestamp_field;
    j["created_timestamp_column"] = s.created_timestamp_column;
    j["field_mapping"] = s.field_mapping;
  }
  return j;
}

// Reading the canonical JSON back: every member the writer writes is required.
class JsonReader {
 public:
  explicit JsonReader(const json& object, std::string where)
      : object_(object), where_(std::move(where)) {}
  const json& At(const char* key) {
    static const json kNull;
    if (!object_.is_object() || !object_.contains(key)) {
      Fail(key, "missing");
      return kNull;
    }
    return object_.at(key);
  }
  std::string String(const char* key) {
    const json& j = At(key);
    if (j.is_string()) return j.get<std::string>();
    if (!j.is_null()) Fail(key, "not a string");
    return "";
  }
  std::map<std::string, std::string> StringMap(const char* key) {
    const json& j = At(key);
    std::map<std::string, std::string> out;
    if (!j.is_object()) {
      if (!j.is_null()) Fail(key, "not an object");
      return out;
    }
    for (const auto& [k, v] : j.items()) {
      if (v.is_string()) {
        out[k] = v.get<std::string>();
      } else {
        Fail(key, "not an object of strings");
      }
    }
    return out;
  }
  DataType Type(const char* key) {
    absl::StatusOr<DataType> type = ParseFeatureType(String(key));
    if (!type.ok()) {
      Fail(key, "not a type");
      return DataType::kInt64;
    }
    return *type;
  }
  void Fail(const char* key, const char* problem) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(
          absl::StrCat("feature registry snapshot: ", where_, ".", key, ": ", problem));
    }
  }
  absl::Status& status() { return status_; }

 private:
  const json& object_;
  std::string where_;
  absl::Status status_;
};

}  // namespace

std::string_view SourceTypeName(SourceType type) {
  switch (type) {
    case SourceType::kFile: return "file";
    case SourceType::kPostgres: return "postgres";
    case SourceType::kPush: return "push";
  }
  return "?";
}

const Entity* FeatureRepository::FindEntity(std::string_view name) const {
  return FindByName(entities, name);
}
const DataSource* FeatureRepository::FindSource(std::string_view name) const {
  return FindByName(sources, name);
}
const FeatureView* FeatureRepository::FindFeatureView(std::string_view name) const {
  return FindByName(feature_views, name);
}
const FeatureService* FeatureRepository::FindFeatureService(std::string_view name) const {
  return FindByName(feature_services, name);
}

absl::StatusOr<DataType> ParseFeatureType(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(AsAbsl(text));
  if (lower == "bool") return DataType::kBool;
  if (lower == "int64") return DataType::kInt64;
  if (lower == "float64") return DataType::kFloat64;
  if (lower == "string") return DataType::kString;
  if (lower == "timestamp" || lower == "unixtimestamp") return DataType::kTimestamp;
  if (lower == "category") return DataType::kCategory;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown type '", AsAbsl(text),
                   "' (known: bool, int64, float64, string, timestamp, category)"));
}

absl::StatusOr<std::vector<FeatureRef>> ResolveFeatureRefs(const FeatureRepository& repo,
                                                           const std::vector<std::string>& refs) {
  std::vector<FeatureRef> out;
  for (const std::string& ref : refs) {
    const size_t colon = ref.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == ref.size() ||
        ref.find(':', colon + 1) != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", ref, "' is not \"view:feature\" or \"view:*\""));
    }
    const std::string view_name = ref.substr(0, colon);
    const std::string feature = ref.substr(colon + 1);
    const FeatureView* view = repo.FindFeatureView(view_name);
    if (view == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("'", ref, "' names unknown feature_view '", view_name, "'"));
    }
    if (feature == "*") {
      for (const FeatureField& f : view->schema) out.push_back({view_name, f.name});
      continue;
    }
    const bool found = std::any_of(view->schema.begin(), view->schema.end(),
                                   [&](const FeatureField& f) { return f.name == feature; });
    if (!found) {
      std::vector<std::string> names;
      for (const FeatureField& f : view->schema) names.push_back(f.name);
      return absl::NotFoundError(absl::StrCat("'", ref, "': feature_view '", view_name,
                                              "' has no feature '", feature,
                                              "' (features: ", absl::StrJoin(names, ", "), ")"));
    }
    out.push_back({view_name, feature});
  }
  return out;
}

absl::StatusOr<std::vector<FeatureRef>> ResolveFeatureService(const FeatureRepository& repo,
                                                              std::string_view service) {
  const FeatureService* s = repo.FindFeatureService(service);
  if (s == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("unknown feature_service '", AsAbsl(service), "'"));
  }
  return ResolveFeatureRefs(repo, s->features);
}

std::string RepositoryToJson(const FeatureRepository& repo) {
  json entities = json::array();
  for (const Entity& e : repo.entities) {
    json keys = json::array();
    for (const JoinKey& k : e.join_keys) keys.push_back({{"name", k.name}, {"type", TypeJson(k.type)}});
    entities.push_back({{"name", e.name},
                        {"join_keys", keys},
                        {"description", e.description},
                        {"tags", e.tags},
                        {"owner", e.owner}});
  }
  json sources = json::array();
  for (const DataSource& s : repo.sources) sources.push_back(SourceJson(s));
  json views = json::array();
  for (const FeatureView& v : repo.feature_views) {
    json schema = json::array();
    for (const FeatureField& f : v.schema) schema.push_back({{"name", f.name}, {"type", TypeJson(f.type)}});
    views.push_back({{"name", v.name},
                     {"entities", v.entities},
                     {"source", v.source},
                     {"ttl", FormatDurationMicros(v.ttl_micros)},
                     {"schema", schema},
                     {"online", v.online},
                     {"tags", v.tags},
                     {"owner", v.owner},
                     {"description", v.description}});
  }
  json services = json::array();
  for (const FeatureService& s : repo.feature_services) {
    services.push_back({{"name", s.name},
                        {"features", s.features},
                        {"tags", s.tags},
                        {"owner", s.owner},
                        {"description", s.description}});
  }
  const RepositoryConfig& c = repo.config;
  json config = {{"project", c.project},
                 {"online_store", {{"type", c.online_store.type},
                                   {"connection_string", c.online_store.connection_string}}},
                 {"offline_store", {{"type", c.offline_store.type},
                                    {"connection_string", c.offline_store.connection_string}}}};
  // nlohmann::json orders object members by key, so the text is canonical.
  json root = {{"config", config},
               {"entities", entities},
               {"sources", sources},
               {"feature_views", views},
               {"feature_services", services}};
  return root.dump();
}

absl::StatusOr<FeatureRepository> RepositoryFromJson(std::string_view text) {
  json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError("feature registry snapshot: not a JSON object");
  }
  FeatureRepository repo;
  JsonReader r(root, "snapshot");
  {
    const json& config = r.At("config");
    JsonReader c(config, "config");
    repo.config.project = c.String("project");
    JsonReader on(c.At("online_store"), "config.online_store");
    repo.config.online_store = {on.String("type"), on.String("connection_string")};
    JsonReader off(c.At("offline_store"), "config.offline_store");
    repo.config.offline_store = {off.String("type"), off.String("connection_string")};
    for (absl::Status* s : {&c.status(), &on.status(), &off.status()}) {
      if (!s->ok()) return *s;
    }
  }
  auto list = [&](const char* key) -> const json& {
    const json& j = r.At(key);
    if (!j.is_array()) r.Fail(key, "not an array");
    return j;
  };
  auto strings = [](const json& j) {
    std::vector<std::string> out;
    if (j.is_array()) {
      for (const json& s : j) {
        if (s.is_string()) out.push_back(s.get<std::string>());
      }
    }
    return out;
  };
  const json& entities = list("entities");
  const json& sources = list("sources");
  const json& views = list("feature_views");
  const json& services = list("feature_services");
  if (!r.status().ok()) return r.status();
  for (const json& j : entities) {
    JsonReader e(j, "entities[]");
    Entity entity;
    entity.name = e.String("name");
    for (const json& k : e.At("join_keys")) {
      JsonReader kr(k, "join_keys[]");
      entity.join_keys.push_back({kr.String("name"), kr.Type("type")});
      if (!kr.status().ok()) return kr.status();
    }
    entity.description = e.String("description");
    entity.tags = e.StringMap("tags");
    entity.owner = e.String("owner");
    if (!e.status().ok()) return e.status();
    repo.entities.push_back(std::move(entity));
  }
  for (const json& j : sources) {
    JsonReader s(j, "sources[]");
    DataSource source;
    source.name = s.String("name");
    const std::string type = s.String("type");
    if (type == "file") {
      source.type = SourceType::kFile;
      source.path = s.String("path");
    } else if (type == "postgres") {
      source.type = SourceType::kPostgres;
      source.table = s.String("table");
      source.query = s.String("query");
    } else if (type == "push") {
      source.type = SourceType::kPush;
      source.batch_source = s.String("batch_source");
    } else {
      s.Fail("type", "not file, postgres or push");
    }
    if (source.type != SourceType::kPush) {
      source.timestamp_field = s.String("timestamp_field");
      source.created_timestamp_column = s.String("created_timestamp_column");
      source.field_mapping = s.StringMap("field_mapping");
    }
    source.description = s.String("description");
    source.tags = s.StringMap("tags");
    source.owner = s.String("owner");
    if (!s.status().ok()) return s.status();
    repo.sources.push_back(std::move(source));
  }
  for (const json& j : views) {
    JsonReader v(j, "feature_views[]");
    FeatureView view;
    view.name = v.String("name");
    view.entities = strings(v.At("entities"));
    view.source = v.String("source");
    absl::StatusOr<int64_t> ttl = ParseDurationMicros(v.String("ttl"));
    if (!ttl.ok()) v.Fail("ttl", "not a duration");
    view.ttl_micros = ttl.value_or(0);
    for (const json& f : v.At("schema")) {
      JsonReader fr(f, "schema[]");
      view.schema.push_back({fr.String("name"), fr.Type("type")});
      if (!fr.status().ok()) return fr.status();
    }
    const json& online = v.At("online");
    view.online = online.is_boolean() ? online.get<bool>() : true;
    view.tags = v.StringMap("tags");
    view.owner = v.String("owner");
    view.description = v.String("description");
    if (!v.status().ok()) return v.status();
    repo.feature_views.push_back(std::move(view));
  }
  for (const json& j : services) {
    JsonReader s(j, "feature_services[]");
    FeatureService service;
    service.name = s.String("name");
    service.features = strings(s.At("features"));
    service.tags = s.StringMap("tags");
    service.owner = s.String("owner");
    service.description = s.String("description");
    if (!s.status().ok()) return s.status();
    repo.feature_services.push_back(std::move(service));
  }
  return repo;
}

}  // namespace strata::features
