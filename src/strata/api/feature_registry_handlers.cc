#include "strata/api/feature_registry_handlers.h"

#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/base/status_macros.h"
#include "strata/features/feature_registry.h"
#include "strata/features/historical.h"
#include "strata/features/materialize.h"
#include "strata/features/training_set.h"
#include "strata/io/csv_reader.h"
#include "strata/io/read_table.h"
#include "strata/io/write_table.h"

namespace strata::api {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

absl::Status BadRequest(std::string message) {
  return WithErrorCode(absl::InvalidArgumentError(std::move(message)), "INVALID_PARAMETER_VALUE");
}

// "postgresql://user:secret@host/db" -> "postgresql://user:***@host/db": registry snapshots
// carry the stores' connection strings, which must not leak a password over HTTP.
std::string RedactPassword(const std::string& uri) {
  const size_t scheme = uri.find("://");
  const size_t at = uri.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return uri;
  const size_t colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return uri;
  return absl::StrCat(uri.substr(0, colon + 1), "***", uri.substr(at));
}

json Definitions(const features::RegistryVersion& v) {
  json defs = json::parse(v.snapshot_json, nullptr, /*allow_exceptions=*/false);
  if (!defs.is_object()) return json::object();
  for (const char* store : {"online_store", "offline_store"}) {
    json& config = defs["config"][store];
    if (config.is_object() && config.contains("connection_string") &&
        config["connection_string"].is_string()) {
      config["connection_string"] = RedactPassword(config["connection_string"].get<std::string>());
    }
  }
  return defs;
}

// A temporary directory removed with the object.
class TempDir {
 public:
  static absl::StatusOr<TempDir> Make() {
    std::string pattern = (fs::temp_directory_path() / "strata-historical-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError("cannot create a temporary directory");
    }
    return TempDir(pattern);
  }
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir(const TempDir&) = delete;
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

class FeatureRoutes {
 public:
  FeatureRoutes(std::unique_ptr<features::FeatureRegistry> registry,
                std::unique_ptr<features::Materializer> materializer, data::Datasets& datasets)
      : registry_(std::move(registry)),
        materializer_(std::move(materializer)),
        datasets_(datasets) {}

  absl::Status Projects(http::Response& res) {
    ASSIGN_OR_RETURN(std::vector<features::RegistryVersion> all, registry_->ListProjects());
    json list = json::array();
    for (const features::RegistryVersion& v : all) {
      list.push_back(
          {{"project", v.project}, {"version", v.version}, {"created_at_ms", v.created_at_ms}});
    }
    res.body = json{{"projects", std::move(list)}}.dump();
    return absl::OkStatus();
  }

  absl::Status Browse(const http::Request& req, http::Response& res) {
    std::vector<std::string> parts = absl::StrSplit(req.wildcard, '/');
    if (parts.empty() || parts[0].empty()) return absl::NotFoundError("no project named");
    const std::string& project = parts[0];
    if (parts.size() == 2 && parts[1] == "versions") {
      ASSIGN_OR_RETURN(std::vector<features::RegistryVersion> versions,
                       registry_->ListVersions(project));
      if (versions.empty()) return UnknownProject(project);
      json list = json::array();
      for (const features::RegistryVersion& v : versions) {
        json changes = json::parse(v.changes_json, nullptr, false);
        list.push_back({{"version", v.version},
                        {"created_at_ms", v.created_at_ms},
                        {"object_versions", v.object_versions},
                        {"changes", changes.is_discarded() ? json() : changes}});
      }
      res.body = json{{"project", project}, {"versions", std::move(list)}}.dump();
      return absl::OkStatus();
    }
    if (parts.size() >= 4 && parts[1] == "views" && parts[3] == "materializations") {
      return Materializations(project, parts, res);
    }
    if (parts.size() != 1 && !(parts.size() == 3 && parts[1] == "views")) {
      return absl::NotFoundError(absl::StrCat("no route /api/v1/features/projects/", req.wildcard));
    }
    ASSIGN_OR_RETURN(features::RegistryVersion version, VersionOf(project, req));
    if (parts.size() == 1) {
      res.body = json{{"project", project},
                      {"version", version.version},
                      {"created_at_ms", version.created_at_ms},
                      {"object_versions", version.object_versions},
                      {"definitions", Definitions(version)}}
                     .dump();
      return absl::OkStatus();
    }
    const std::string& view_name = parts[2];
    json defs = Definitions(version);
    json view, source, entities = json::array();
    for (const json& v : defs["feature_views"]) {
      if (v.value("name", "") == view_name) view = v;
    }
    if (view.is_null()) {
      return absl::NotFoundError(absl::StrCat("project '", project, "' version ", version.version,
                                              " has no feature view '", view_name, "'"));
    }
    for (const json& s : defs["sources"]) {
      if (s.value("name", "") == view.value("source", "")) source = s;
    }
    for (const json& e : defs["entities"]) {
      for (const json& name : view["entities"]) {
        if (e.value("name", "") == name) entities.push_back(e);
      }
    }
    auto ov = version.object_versions.find("feature_view:" + view_name);
    res.body = json{
        {"project", project},
        {"version", version.version},
        {"object_version", ov == version.object_versions.end() ? version.version : ov->second},
        {"view", view},
        {"source", source},
        {"entities",
         entities}}.dump();
    return absl::OkStatus();
  }

  // views/V/materializations            every run of V, newest first, each with its profile
  //                                       summary ("profile": the data layer's profile JSON)
  // views/V/materializations/ID/profile   that run's profile alone
  absl::Status Materializations(const std::string& project, const std::vector<std::string>& parts,
                                http::Response& res) {
    const std::string& view = parts[2];
    if (parts.size() == 4) {
      ASSIGN_OR_RETURN(std::vector<features::ViewMaterialization> runs,
                       materializer_->ListMaterializations(project, view));
      json list = json::array();
      for (const features::ViewMaterialization& m : runs) {
        ASSIGN_OR_RETURN(std::string profile, materializer_->MaterializationProfile(m.id));
        json parsed = profile.empty() ? json() : json::parse(profile, nullptr, false);
        list.push_back({{"id", m.id},
                        {"registry_version", m.registry_version},
                        {"start_micros", m.start_micros},
                        {"end_micros", m.end_micros},
                        {"rows_read", m.rows_read},
                        {"rows_in_window", m.rows_in_window},
                        {"keys_written", m.keys_written},
                        {"skipped", m.skipped},
                        {"wall_ms", m.wall_ms},
                        {"created_at_ms", m.created_at_ms},
                        {"lineage_execution_id", m.lineage_execution_id},
                        {"profile", parsed.is_discarded() ? json() : parsed}});
      }
      res.body = json{{"project", project}, {"view", view}, {"materializations", std::move(list)}}
                     .dump();
      return absl::OkStatus();
    }
    int64_t id = 0;
    if (parts.size() != 6 || parts[5] != "profile" || !absl::SimpleAtoi(parts[4], &id)) {
      return absl::NotFoundError(absl::StrCat("no route /api/v1/features/projects/",
                                              absl::StrJoin(parts, "/")));
    }
    ASSIGN_OR_RETURN(std::vector<features::ViewMaterialization> runs,
                     materializer_->ListMaterializations(project, view));
    bool known = false;
    for (const features::ViewMaterialization& m : runs) known = known || m.id == id;
    if (!known) {
      return absl::NotFoundError(absl::StrCat("feature view '", view, "' of project '", project,
                                              "' has no materialization ", id));
    }
    ASSIGN_OR_RETURN(std::string profile, materializer_->MaterializationProfile(id));
    if (profile.empty()) {
      return absl::NotFoundError(absl::StrCat("materialization ", id, " recorded no profile"));
    }
    res.body = std::move(profile);
    return absl::OkStatus();
  }

  absl::Status Historical(const http::Request& req, http::Response& res) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) {
      return BadRequest("the request body must be a JSON object");
    }
    ASSIGN_OR_RETURN(std::string project, StringField(body, "project", true));
    ASSIGN_OR_RETURN(std::string service, StringField(body, "feature_service", false));
    ASSIGN_OR_RETURN(std::string timestamp_column, StringField(body, "timestamp_column", false));
    if (timestamp_column.empty()) timestamp_column = "event_timestamp";
    ASSIGN_OR_RETURN(std::string engine_text, StringField(body, "engine", false));
    ASSIGN_OR_RETURN(std::string repo, StringField(body, "repo", false));
    ASSIGN_OR_RETURN(std::string save_dataset, StringField(body, "save_dataset", false));
    bool full_names = false;
    if (body.contains("full_feature_names")) {
      if (!body["full_feature_names"].is_boolean()) {
        return BadRequest("'full_feature_names' must be a boolean");
      }
      full_names = body["full_feature_names"].get<bool>();
    }
    std::vector<std::string> refs;
    if (body.contains("features")) {
      const json& f = body["features"];
      if (!f.is_array()) return BadRequest("'features' must be an array of \"view:feature\"");
      for (size_t i = 0; i < f.size(); ++i) {
        if (!f[i].is_string())
          return BadRequest(absl::StrCat("'features'[", i, "] is not a string"));
        refs.push_back(f[i].get<std::string>());
      }
    }
    if (refs.empty() == service.empty()) {
      return BadRequest("give either 'features' (a non-empty array) or 'feature_service'");
    }
    features::HistoricalEngine engine = features::HistoricalEngine::kAuto;
    if (!engine_text.empty()) {
      absl::StatusOr<features::HistoricalEngine> parsed =
          features::ParseHistoricalEngine(engine_text);
      if (!parsed.ok()) return BadRequest(std::string(parsed.status().message()));
      engine = *parsed;
    }
    if (!save_dataset.empty()) {
      absl::Status valid = data::ValidateDatasetName(save_dataset);
      if (!valid.ok()) return BadRequest(absl::StrCat("'save_dataset': ", valid.message()));
    }
    ASSIGN_OR_RETURN(features::RegistryVersion version, VersionOf(project, req));
    ASSIGN_OR_RETURN(features::FeatureRepository defs,
                     features::FeatureRegistry::Definitions(version));

    ASSIGN_OR_RETURN(TempDir temp, TempDir::Make());
    if (!body.contains("entities") || !body["entities"].is_object()) {
      return BadRequest("'entities' must be {\"dataset\": \"NAME[@V]\"} or {\"columns\": {...}}");
    }
    const json& entities_json = body["entities"];
    table::Table entities;
    features::EntitySetOrigin origin;
    if (entities_json.contains("dataset")) {
      if (!entities_json["dataset"].is_string()) {
        return BadRequest("'entities.dataset' must be a string NAME[@V]");
      }
      absl::StatusOr<data::DatasetRef> ref =
          data::ParseDatasetRef(entities_json["dataset"].get<std::string>());
      if (!ref.ok())
        return BadRequest(absl::StrCat("'entities.dataset': ", ref.status().message()));
      ASSIGN_OR_RETURN(data::DatasetVersion dv, datasets_.GetVersion(*ref));
      ASSIGN_OR_RETURN(std::string path, datasets_.Materialize({dv.name, dv.version}, temp.path()));
      absl::StatusOr<table::Table> read = io::ReadTable(path);
      if (!read.ok()) {
        return BadRequest(absl::StrCat("entity dataset ", dv.name, "@", dv.version, ": ",
                                       read.status().message()));
      }
      entities = *std::move(read);
      origin.dataset = absl::StrCat(dv.name, "@", dv.version);
    } else if (entities_json.contains("columns")) {
      ASSIGN_OR_RETURN(entities, EntitiesFromColumns(entities_json["columns"], timestamp_column));
      if (!save_dataset.empty()) {
        origin.file_path = (fs::path(temp.path()) / "entities.parquet").string();
        RETURN_IF_ERROR(io::WriteTable(origin.file_path, entities));
        origin.inline_request = true;
      }
    } else {
      return BadRequest("'entities' must hold \"dataset\" or \"columns\"");
    }

    features::HistoricalRequest request;
    request.definitions = &defs;
    request.repository_directory = repo;
    request.entities = &entities;
    request.timestamp_column = timestamp_column;
    request.features = refs;
    request.service = service;
    request.full_feature_names = full_names;
    request.engine = engine;
    absl::StatusOr<features::HistoricalResult> result = features::GetHistoricalFeatures(request);
    if (!result.ok()) {
      // A bad request names what is wrong; 404 stays for unknown features and views.
      if (absl::IsInvalidArgument(result.status())) {
        return BadRequest(std::string(result.status().message()));
      }
      return result.status();
    }
    json out = {{"project", project},
                {"registry_version", version.version},
                {"engine", std::string(features::HistoricalEngineName(result->engine))},
                {"rows", result->table.num_rows()}};
    if (save_dataset.empty()) {
      out["columns"] = TableToJson(result->table);
      res.body = out.dump(-1, ' ', false, json::error_handler_t::replace);
      return absl::OkStatus();
    }
    const std::string result_path = (fs::path(temp.path()) / (save_dataset + ".parquet")).string();
    RETURN_IF_ERROR(io::WriteTable(result_path, result->table));
    features::SaveTrainingSetRequest save;
    save.dataset_name = save_dataset;
    save.result_path = result_path;
    save.registry_version = &version;
    save.result = &*result;
    save.timestamp_column = timestamp_column;
    save.full_feature_names = full_names;
    save.entities = origin;
    save.add_options.capture_git = false;
    save.add_options.created_by = "strata server";
    ASSIGN_OR_RETURN(features::SavedTrainingSet saved, features::SaveTrainingSet(datasets_, save));
    out["dataset"] = data::ManifestToJson(saved.version);
    out["created"] = saved.created;
    out["lineage_execution_id"] = saved.lineage_execution_id;
    res.body = out.dump(-1, ' ', false, json::error_handler_t::replace);
    return absl::OkStatus();
  }

 private:
  static absl::Status UnknownProject(const std::string& project) {
    return absl::NotFoundError(absl::StrCat("feature project '", project,
                                            "' has nothing applied (strata features apply)"));
  }

  absl::StatusOr<features::RegistryVersion> VersionOf(const std::string& project,
                                                      const http::Request& req) {
    if (const std::string* v = req.QueryParam("version")) {
      absl::StatusOr<std::optional<int64_t>> n = data::ParseVersion(*v);
      if (!n.ok() || !n->has_value()) return BadRequest(absl::StrCat("bad version '", *v, "'"));
      return registry_->GetVersion(project, **n);
    }
    ASSIGN_OR_RETURN(std::optional<features::RegistryVersion> current, registry_->Current(project));
    if (!current) return UnknownProject(project);
    return *std::move(current);
  }

  static absl::StatusOr<std::string> StringField(const json& body, const char* name,
                                                 bool required) {
    if (!body.contains(name) || body[name].is_null()) {
      if (required) return BadRequest(absl::StrCat("'", name, "' is required"));
      return std::string();
    }
    if (!body[name].is_string()) return BadRequest(absl::StrCat("'", name, "' must be a string"));
    return body[name].get<std::string>();
  }

  static absl::StatusOr<table::Table> EntitiesFromColumns(const json& columns,
                                                          const std::string& timestamp_column) {
    if (!columns.is_object() || columns.empty()) {
      return BadRequest("'entities.columns' must be a non-empty object of column arrays");
    }
    std::vector<table::Field> fields;
    std::vector<table::Column> out;
    size_t rows = 0;
    bool first = true;
    for (const auto& [name, values] : columns.items()) {
      const std::string where = absl::StrCat("'entities.columns.", name, "'");
      if (!values.is_array()) return BadRequest(absl::StrCat(where, " must be an array"));
      if (first) rows = values.size();
      first = false;
      if (values.size() != rows) {
        return BadRequest(
            absl::StrCat(where, " has ", values.size(), " values, the first column ", rows));
      }
      // The column's type: the timestamp column is a timestamp; otherwise the JSON kinds
      // (integers widen to float64 when a number with a fraction appears).
      bool any_string = false, any_float = false, any_int = false, any_bool = false;
      for (const json& v : values) {
        any_string |= v.is_string();
        any_float |= v.is_number_float();
        any_int |= v.is_number_integer();
        any_bool |= v.is_boolean();
        if (!v.is_null() && !v.is_string() && !v.is_number() && !v.is_boolean()) {
          return BadRequest(absl::StrCat(where, " holds a value that is not a scalar"));
        }
      }
      table::DataType type = table::DataType::kString;
      if (name == timestamp_column) {
        type = table::DataType::kTimestamp;
      } else if (any_string) {
        type = table::DataType::kString;
      } else if (any_bool) {
        type = table::DataType::kBool;
      } else if (any_float) {
        type = table::DataType::kFloat64;
      } else if (any_int) {
        type = table::DataType::kInt64;
      }
      if ((any_string + (any_float || any_int) + any_bool) > 1 &&
          type != table::DataType::kTimestamp) {
        return BadRequest(absl::StrCat(where, " mixes strings, numbers and booleans"));
      }
      table::ColumnBuilder b(type);
      b.Reserve(static_cast<int64_t>(rows));
      for (size_t r = 0; r < rows; ++r) {
        const json& v = values[r];
        if (v.is_null()) {
          b.AppendNull();
          continue;
        }
        switch (type) {
          case table::DataType::kTimestamp: {
            int64_t micros = 0;
            if (v.is_number_integer()) {
              micros = v.get<int64_t>();
            } else if (!v.is_string() || !io::ParseTimestampMicros(v.get<std::string>(), &micros)) {
              return BadRequest(absl::StrCat(where, "[", r, "]: ", v.dump(),
                                             " is not an ISO 8601 timestamp or microseconds"));
            }
            b.AppendInt64(micros);
            break;
          }
          case table::DataType::kString:
            b.AppendString(v.get<std::string>());
            break;
          case table::DataType::kBool:
            b.AppendBool(v.get<bool>());
            break;
          case table::DataType::kFloat64:
            b.AppendFloat64(v.get<double>());
            break;
          default: {
            if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
              return BadRequest(absl::StrCat(where, "[", r, "] is out of the int64 range"));
            }
            b.AppendInt64(v.get<int64_t>());
          }
        }
      }
      fields.push_back({name, type});
      out.push_back(b.Finish());
    }
    return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
  }

  static json TableToJson(const table::Table& t) {
    json columns = json::array();
    for (int c = 0; c < t.num_columns(); ++c) {
      const table::Column& col = t.column(c);
      json values = json::array();
      for (int64_t r = 0; r < col.size(); ++r) {
        if (col.IsNull(r)) {
          values.push_back(nullptr);
          continue;
        }
        const size_t i = static_cast<size_t>(r);
        switch (col.type()) {
          case table::DataType::kBool:
            values.push_back(col.Bools()[i] != 0);
            break;
          case table::DataType::kInt64:
            values.push_back(col.Int64s()[i]);
            break;
          case table::DataType::kFloat64: {
            const double d = col.Float64s()[i];
            if (std::isfinite(d)) {
              values.push_back(d);
            } else {
              values.push_back(nullptr);
            }
            break;
          }
          case table::DataType::kTimestamp:
            values.push_back(io::FormatTimestampMicros(col.Int64s()[i]));
            break;
          default:
            values.push_back(std::string(col.StringAt(r)));
        }
      }
      columns.push_back({{"name", t.schema().field(c).name},
                         {"type", std::string(table::DataTypeName(col.type()))},
                         {"values", std::move(values)}});
    }
    return columns;
  }

  std::unique_ptr<features::FeatureRegistry> registry_;
  std::unique_ptr<features::Materializer> materializer_;
  data::Datasets& datasets_;
};

template <typename Fn>
http::Handler Wrap(std::shared_ptr<FeatureRoutes> routes, Fn fn) {
  return [routes, fn](const http::Request& req, http::Response& res) {
    absl::Status s = fn(*routes, req, res);
    if (!s.ok()) WriteError(s, res);
  };
}

}  // namespace

absl::Status AddFeatureRegistryRoutes(http::Router& router, store::Database& db,
                                      data::Datasets& datasets) {
  ASSIGN_OR_RETURN(std::unique_ptr<features::FeatureRegistry> registry,
                   features::FeatureRegistry::Open(&db, &datasets.lineage()));
  ASSIGN_OR_RETURN(std::unique_ptr<features::Materializer> materializer,
                   features::Materializer::Open(&db, &datasets.lineage()));
  auto routes =
      std::make_shared<FeatureRoutes>(std::move(registry), std::move(materializer), datasets);
  router.Add("GET", "/api/v1/features/projects",
             Wrap(routes, [](FeatureRoutes& r, const http::Request&, http::Response& res) {
               return r.Projects(res);
             }));
  router.Add("GET", "/api/v1/features/projects/*",
             Wrap(routes, [](FeatureRoutes& r, const http::Request& req, http::Response& res) {
               return r.Browse(req, res);
             }));
  router.Add("POST", "/api/v1/features/historical",
             Wrap(routes, [](FeatureRoutes& r, const http::Request& req, http::Response& res) {
               return r.Historical(req, res);
             }));
  return absl::OkStatus();
}

}  // namespace strata::api
