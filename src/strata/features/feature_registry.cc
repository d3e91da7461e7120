#include "strata/features/feature_registry.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::features {
namespace {

using nlohmann::json;

const store::Migration kMigrations[] = {
    {1, "feature registry versions",
     "CREATE TABLE feature_registry_versions ("
     "  project TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  snapshot_json TEXT NOT NULL,"
     "  object_versions_json TEXT NOT NULL,"
     "  changes_json TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (project, version))"},
    // materialize.h: one row per view per materialization, and each view's watermark.
    {2, "feature materializations",
     "CREATE TABLE feature_materializations ("
     "  id ${ID_PK},"
     "  project TEXT NOT NULL,"
     "  view_name TEXT NOT NULL,"
     "  registry_version BIGINT NOT NULL,"
     "  start_micros BIGINT NOT NULL,"
     "  end_micros BIGINT NOT NULL,"
     "  rows_read BIGINT NOT NULL,"
     "  rows_in_window BIGINT NOT NULL,"
     "  keys_written BIGINT NOT NULL,"
     "  skipped BIGINT NOT NULL,"
     "  wall_ms BIGINT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  lineage_execution_id BIGINT NOT NULL,"
     "  profile_json TEXT NOT NULL);"
     "CREATE INDEX feature_materializations_by_view"
     "  ON feature_materializations (project, view_name, id);"
     "CREATE TABLE feature_materialization_watermarks ("
     "  project TEXT NOT NULL,"
     "  view_name TEXT NOT NULL,"
     "  end_micros BIGINT NOT NULL,"
     "  updated_at_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (project, view_name))"},
};

// Snapshot sections in plan order, with the object type each holds.
constexpr std::pair<const char*, const char*> kSections[] = {
    {"entities", "entity"},
    {"sources", "source"},
    {"feature_views", "feature_view"},
    {"feature_services", "feature_service"},
};

std::map<std::string, json> ByName(const json& list) {
  std::map<std::string, json> out;
  if (!list.is_array()) return out;
  for (const json& object : list) {
    if (object.is_object() && object.contains("name") && object["name"].is_string()) {
      out[object["name"].get<std::string>()] = object;
    }
  }
  return out;
}

std::vector<FieldChange> FieldChanges(const json& before, const json& after) {
  std::vector<FieldChange> fields;
  for (const auto& [key, value] : after.items()) {
    if (!before.contains(key)) {
      fields.push_back({key, "", value.dump()});
    } else if (before.at(key) != value) {
      fields.push_back({key, before.at(key).dump(), value.dump()});
    }
  }
  for (const auto& [key, value] : before.items()) {
    if (!after.contains(key)) fields.push_back({key, value.dump(), ""});
  }
  return fields;
}

absl::StatusOr<json> ParseSnapshot(std::string_view text) {
  if (text.empty()) return json::object();
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("feature registry snapshot: not a JSON object");
  }
  return j;
}

std::string ObjectKey(const ObjectChange& change) {
  return absl::StrCat(change.object_type, ":", change.name);
}

RegistryVersion VersionFromRow(const store::Row& row, bool with_snapshot) {
  RegistryVersion v;
  v.project = row.GetString(0);
  v.version = row.GetInt(1);
  if (with_snapshot) v.snapshot_json = row.GetString(2);
  const std::string ov = row.GetString(3);
  json objects = json::parse(ov, nullptr, /*allow_exceptions=*/false);
  if (objects.is_object()) {
    for (const auto& [key, value] : objects.items()) {
      if (value.is_number_integer()) v.object_versions[key] = value.get<int64_t>();
    }
  }
  v.changes_json = row.GetString(4);
  v.created_at_ms = row.GetInt(5);
  return v;
}

constexpr const char* kSelect =
    "SELECT project, version, snapshot_json, object_versions_json, changes_json, created_at_ms "
    "FROM feature_registry_versions ";

}  // namespace

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kCreate: return "create";
    case ChangeKind::kUpdate: return "update";
    case ChangeKind::kDelete: return "delete";
  }
  return "?";
}

absl::StatusOr<RegistryPlan> DiffSnapshots(std::string_view before_text,
                                           std::string_view after_text) {
  ASSIGN_OR_RETURN(json before, ParseSnapshot(before_text));
  ASSIGN_OR_RETURN(json after, ParseSnapshot(after_text));
  RegistryPlan plan;
  if (after.contains("config") && after["config"].contains("project")) {
    plan.project = after["config"]["project"].get<std::string>();
  }
  const json empty = json::object();
  const json& old_config = before.contains("config") ? before["config"] : empty;
  const json& new_config = after.contains("config") ? after["config"] : empty;
  if (old_config != new_config) {
    ObjectChange change;
    change.kind = old_config.empty()   ? ChangeKind::kCreate
                  : new_config.empty() ? ChangeKind::kDelete
                                       : ChangeKind::kUpdate;
    change.object_type = "config";
    change.name = plan.project;
    if (change.kind == ChangeKind::kUpdate) change.fields = FieldChanges(old_config, new_config);
    plan.changes.push_back(std::move(change));
  }
  for (const auto& [section, type] : kSections) {
    const std::map<std::string, json> old_objects =
        ByName(before.contains(section) ? before[section] : json::array());
    const std::map<std::string, json> new_objects =
        ByName(after.contains(section) ? after[section] : json::array());
    for (const auto& [name, object] : new_objects) {
      auto it = old_objects.find(name);
      if (it == old_objects.end()) {
        plan.changes.push_back({ChangeKind::kCreate, type, name, {}});
      } else if (it->second != object) {
        plan.changes.push_back({ChangeKind::kUpdate, type, name, FieldChanges(it->second, object)});
      }
    }
    for (const auto& [name, object] : old_objects) {
      if (!new_objects.contains(name)) plan.changes.push_back({ChangeKind::kDelete, type, name, {}});
    }
  }
  return plan;
}

std::string FormatPlan(const RegistryPlan& plan) {
  if (plan.empty()) return "no changes\n";
  std::string out;
  for (const ObjectChange& c : plan.changes) {
    const char* sign = c.kind == ChangeKind::kCreate   ? "+"
                       : c.kind == ChangeKind::kUpdate ? "~"
                                                       : "-";
    absl::StrAppend(&out, sign, " ", c.object_type, " ", c.name);
    if (c.kind == ChangeKind::kUpdate) {
      std::vector<std::string> fields;
      for (const FieldChange& f : c.fields) {
        fields.push_back(absl::StrCat(f.field, " ", f.old_json.empty() ? "(none)" : f.old_json,
                                      " -> ", f.new_json.empty() ? "(none)" : f.new_json));
      }
      absl::StrAppend(&out, ": ", absl::StrJoin(fields, "; "));
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

std::string PlanToJson(const RegistryPlan& plan) {
  json changes = json::array();
  for (const ObjectChange& c : plan.changes) {
    json fields = json::array();
    for (const FieldChange& f : c.fields) {
      fields.push_back({{"field", f.field},
                        {"old", f.old_json.empty() ? json() : json::parse(f.old_json)},
                        {"new", f.new_json.empty() ? json() : json::parse(f.new_json)}});
    }
    changes.push_back({{"kind", std::string(ChangeKindName(c.kind))},
                       {"type", c.object_type},
                       {"name", c.name},
                       {"fields", fields}});
  }
  return json{{"project", plan.project},
              {"current_version", plan.current_version},
              {"changes", changes}}
      .dump();
}

absl::StatusOr<std::unique_ptr<FeatureRegistry>> FeatureRegistry::Open(
    store::Database* db, lineage::LineageStore* lineage) {
  RETURN_IF_ERROR(db->Migrate("features", kMigrations));
  return std::unique_ptr<FeatureRegistry>(new FeatureRegistry(db, lineage));
}

absl::StatusOr<std::optional<RegistryVersion>> FeatureRegistry::Current(
    std::string_view project) {
  std::optional<RegistryVersion> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat(kSelect, "WHERE project = ? ORDER BY version DESC "
                                                      "LIMIT 1"),
                                {std::string(project)}));
    if (row) out = VersionFromRow(*row, true);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<RegistryVersion> FeatureRegistry::GetVersion(std::string_view project,
                                                            int64_t version) {
  std::optional<RegistryVersion> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat(kSelect, "WHERE project = ? AND version = ?"),
                                {std::string(project), version}));
    if (row) out = VersionFromRow(*row, true);
    return absl::OkStatus();
  }));
  if (!out) {
    return absl::NotFoundError(absl::StrCat("feature registry of project '", AsAbsl(project),
                                            "' has no version ", version));
  }
  return *std::move(out);
}

absl::StatusOr<std::vector<RegistryVersion>> FeatureRegistry::ListVersions(
    std::string_view project) {
  std::vector<RegistryVersion> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach(absl::StrCat(kSelect, "WHERE project = ? ORDER BY version DESC"),
                     {std::string(project)}, [&](const store::Row& row) {
                       out.push_back(VersionFromRow(row, false));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<int64_t> FeatureRegistry::CurrentVersionNumber(std::string_view project) {
  int64_t version = 0;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne("SELECT MAX(version) FROM feature_registry_versions "
                                "WHERE project = ?",
                                {std::string(project)}));
    if (row && !row->IsNull(0)) version = row->GetInt(0);
    return absl::OkStatus();
  }));
  return version;
}

absl::StatusOr<std::vector<RegistryVersion>> FeatureRegistry::ListProjects() {
  std::vector<RegistryVersion> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach(absl::StrCat(kSelect, "AS v WHERE version = (SELECT MAX(version) FROM "
                                           "feature_registry_versions AS w WHERE w.project = "
                                           "v.project) ORDER BY project"),
                     {}, [&](const store::Row& row) {
                       out.push_back(VersionFromRow(row, false));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<FeatureRepository> FeatureRegistry::Definitions(const RegistryVersion& version) {
  return RepositoryFromJson(version.snapshot_json);
}

absl::StatusOr<RegistryPlan> FeatureRegistry::Plan(const FeatureRepository& repo) {
  ASSIGN_OR_RETURN(std::optional<RegistryVersion> current, Current(repo.config.project));
  ASSIGN_OR_RETURN(RegistryPlan plan, DiffSnapshots(current ? current->snapshot_json : "",
                                                    RepositoryToJson(repo)));
  plan.project = repo.config.project;
  plan.current_version = current ? current->version : 0;
  return plan;
}

absl::StatusOr<ApplyResult> FeatureRegistry::Apply(const FeatureRepository& repo) {
  const std::string snapshot = RepositoryToJson(repo);
  const std::string& project = repo.config.project;
  ApplyResult result;
  RegistryVersion applied;
  // Plan and write in one transaction, so the diff recorded is the diff applied.
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    result = ApplyResult();
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat(kSelect, "WHERE project = ? ORDER BY version DESC "
                                                      "LIMIT 1"),
                                {project}));
    std::optional<RegistryVersion> current;
    if (row) current = VersionFromRow(*row, true);
    ASSIGN_OR_RETURN(result.plan, DiffSnapshots(current ? current->snapshot_json : "", snapshot));
    result.plan.project = project;
    result.plan.current_version = current ? current->version : 0;
    result.version = result.plan.current_version;
    if (result.plan.empty()) return absl::OkStatus();
    applied = RegistryVersion();
    applied.project = project;
    applied.version = result.plan.current_version + 1;
    applied.snapshot_json = snapshot;
    if (current) applied.object_versions = current->object_versions;
    for (const ObjectChange& change : result.plan.changes) {
      if (change.kind == ChangeKind::kDelete) {
        applied.object_versions.erase(ObjectKey(change));
      } else {
        applied.object_versions[ObjectKey(change)] = applied.version;
      }
    }
    applied.changes_json = PlanToJson(result.plan);
    applied.created_at_ms = NowMillis();
    absl::StatusOr<int64_t> inserted = c.Execute(
        "INSERT INTO feature_registry_versions (project, version, snapshot_json, "
        "object_versions_json, changes_json, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)",
        {project, applied.version, applied.snapshot_json, json(applied.object_versions).dump(),
         applied.changes_json, applied.created_at_ms});
    if (inserted.status().code() == absl::StatusCode::kAlreadyExists) {
      return absl::AbortedError(absl::StrCat("feature registry of project '", project,
                                             "': version ", applied.version,
                                             " was applied concurrently; plan again"));
    }
    RETURN_IF_ERROR(inserted.status());
    result.applied = true;
    result.version = applied.version;
    return absl::OkStatus();
  }));
  if (result.applied && lineage_ != nullptr) {
    // After the commit: LineageStore runs its own transactions. Artifacts are get-or-create by
    // name, so recording is safe to repeat.
    absl::StatusOr<int64_t> execution = RecordLineage(applied, result.plan);
    if (!execution.ok()) {
      return absl::Status(execution.status().code(),
                          absl::StrCat("registry version ", applied.version,
                                       " was applied but recording lineage failed: ",
                                       execution.status().message()));
    }
    result.lineage_execution_id = *execution;
  }
  return result;
}

absl::StatusOr<int64_t> FeatureRegistry::RecordLineage(const RegistryVersion& version,
                                                       const RegistryPlan& plan) {
  ASSIGN_OR_RETURN(lineage::Context context,
                   lineage_->PutContext({0, "FeatureRepository", version.project, "{}", 0}));
  std::vector<lineage::LineageStore::Io> inputs;
  std::vector<lineage::LineageStore::Io> outputs;
  const std::string registry_name = absl::StrCat(version.project, "@", version.version);
  outputs.push_back({{0, "FeatureRegistry", registry_name, "features:" + registry_name,
                      json{{"project", version.project}, {"version", version.version}}.dump(),
                      0},
                     "registry"});
  if (version.version > 1) {
    const std::string previous = absl::StrCat(version.project, "@", version.version - 1);
    inputs.push_back({{0, "FeatureRegistry", previous, "features:" + previous,
                       json{{"project", version.project}, {"version", version.version - 1}}.dump(),
                       0},
                      "previous"});
  }
  json created = json::array(), updated = json::array(), deleted = json::array();
  for (const ObjectChange& change : plan.changes) {
    const std::string key = absl::StrCat(change.object_type, ":", change.name);
    (change.kind == ChangeKind::kCreate   ? created
     : change.kind == ChangeKind::kUpdate ? updated
                                          : deleted)
        .push_back(key);
    if (change.kind == ChangeKind::kDelete) continue;
    const char* type = change.object_type == "feature_view"      ? "FeatureView"
                       : change.object_type == "feature_service" ? "FeatureService"
                                                                 : nullptr;
    if (type == nullptr) continue;
    const std::string name =
        absl::StrCat(version.project, ":", change.name, "@", version.version);
    outputs.push_back({{0, type, name, "features:" + name,
                        json{{"project", version.project},
                             {"name", change.name},
                             {"registry_version", version.version}}
                            .dump(),
                        0},
                       change.kind == ChangeKind::kCreate ? "created" : "updated"});
  }
  lineage::Execution execution;
  execution.type = "FeatureApply";
  execution.name = absl::StrCat("apply ", registry_name);
  execution.state = lineage::ExecutionState::kComplete;
  execution.properties_json = json{{"project", version.project},
                                   {"version", version.version},
                                   {"created", created},
                                   {"updated", updated},
                                   {"deleted", deleted}}
                                  .dump();
  ASSIGN_OR_RETURN(lineage::Execution recorded,
                   lineage_->RecordExecution(execution, inputs, outputs, context.id));
  return recorded.id;
}

}  // namespace strata::features
