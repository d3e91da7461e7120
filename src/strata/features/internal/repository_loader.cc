// LoadFeatureRepository / LoadRepositoryConfig (declared in features/definitions.h): YAML ->
// objects, then the cross-object checks, then the checks against file sources' schemas.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"
#include "strata/features/definitions.h"
#include "strata/features/duration.h"
#include "strata/features/internal/redis_online_store.h"
#include "strata/features/internal/repository_checks.h"
#include "strata/features/internal/yaml_object.h"

namespace strata::features {
namespace {

namespace fs = std::filesystem;
using internal::Problems;
using internal::YamlObject;

constexpr std::string_view kConfigFile = "feature_store.yaml";

// Object names: a letter or '_' then letters, digits, '_' or '-' (no ':' — it separates view
// and feature in references; no '@' or '/' — lineage names are PROJECT:VIEW@VERSION).
bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name[0]);
  if (!std::isalpha(first) && name[0] != '_') return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '-') return false;
  }
  return true;
}

void CheckName(YamlObject& object) {
  if (!object.is_map()) return;
  const std::string name = object.String("name", /*required=*/true);
  if (!name.empty() && !IsValidName(name)) {
    object.Fail("name", absl::StrCat("'", name,
                                     "' is not a valid name (a letter or '_', then letters, "
                                     "digits, '_' or '-')"));
  }
}

std::optional<YAML::Node> LoadYaml(const fs::path& path, const std::string& file,
                                   Problems* problems) {
  try {
    return YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    problems->Add({file, e.mark.line >= 0 ? e.mark.line + 1 : 0}, "", "",
                  absl::StrCat("not valid YAML: ", e.msg));
  } catch (const std::exception& e) {
    problems->Add({file, 0}, "", "", absl::StrCat("cannot read: ", e.what()));
  }
  return std::nullopt;
}

StoreConfig ParseStore(const YAML::Node& node, std::string_view which, const std::string& file,
                       std::initializer_list<std::string_view> types, Problems* problems) {
  StoreConfig store;
  YamlObject object(node, std::string(which), 0, file, {"type", "connection_string"}, problems);
  if (!object.is_map()) return store;
  store.type = object.String("type", /*required=*/true);
  store.connection_string = object.String("connection_string");
  bool known = false;
  for (std::string_view t : types) known = known || t == store.type;
  std::vector<std::string> names(types.begin(), types.end());
  if (!store.type.empty() && !known) {
    object.Fail("type", absl::StrCat("'", store.type, "' is not one of ",
                                     absl::StrJoin(names, ", ")));
  }
  const std::string& conn = store.connection_string;
  if (store.type == "redis" && !absl::StartsWith(conn, "redis://") &&
      !absl::StartsWith(conn, "unix://")) {
    object.Fail("connection_string",
                "a redis online store needs redis://host:port/db or unix:///path/to/redis.sock");
  } else if (store.type == "redis") {
    // The whole URL, so that `features plan` rejects what opening the store would.
    if (absl::StatusOr<internal::RedisAddress> address = internal::ParseRedisUrl(conn);
        !address.ok()) {
      object.Fail("connection_string", AsStd(address.status().message()));
    }
  } else if (store.type == "postgres" && !absl::StartsWith(conn, "postgresql://") &&
             !absl::StartsWith(conn, "postgres://")) {
    object.Fail("connection_string", "a postgres offline store needs postgresql://...");
  } else if ((store.type == "lmdb" || store.type == "file") && !conn.empty()) {
    object.Fail("connection_string", absl::StrCat("a ", store.type, " store takes none"));
  }
  return store;
}

RepositoryConfig ParseConfig(const YAML::Node& root, Problems* problems) {
  const std::string file(kConfigFile);
  RepositoryConfig config;
  YamlObject object(root, "repository config", 0, file,
                    {"project", "online_store", "offline_store"}, problems);
  if (!object.is_map()) return config;
  config.project = object.String("project", /*required=*/true);
  if (!config.project.empty() && !IsValidName(config.project)) {
    object.Fail("project", absl::StrCat("'", config.project, "' is not a valid name"));
  }
  if (object.Has("online_store")) {
    config.online_store =
        ParseStore(object.Get("online_store"), "online_store", file, {"lmdb", "redis"}, problems);
  }
  if (object.Has("offline_store")) {
    config.offline_store = ParseStore(object.Get("offline_store"), "offline_store", file,
                                      {"file", "postgres"}, problems);
  }
  return config;
}

// A "type" field of a schema entry or join key.
std::optional<table::DataType> TypeField(YamlObject& object, std::string_view key,
                                         std::optional<table::DataType> fallback) {
  if (!object.Has(key)) {
    if (!fallback) object.Fail(key, "missing");
    return fallback;
  }
  const std::string text = object.String(key);
  absl::StatusOr<table::DataType> type = ParseFeatureType(text);
  if (!type.ok()) {
    object.Fail(key, AsStd(type.status().message()));
    return std::nullopt;
  }
  return *type;
}

bool IsKeyType(table::DataType type) {
  return type == table::DataType::kInt64 || type == table::DataType::kString;
}

Entity ParseEntity(const YAML::Node& node, int index, const std::string& file, Problems* p) {
  Entity entity;
  YamlObject object(node, "entity", index, file,
                    {"name", "join_keys", "join_key", "value_type", "description", "tags",
                     "owner"},
                    p);
  CheckName(object);
  entity.name = object.name();
  entity.defined_at = object.at();
  if (!object.is_map()) return entity;
  entity.description = object.String("description");
  entity.owner = object.String("owner");
  entity.tags = object.StringMap("tags");
  const table::DataType default_type =
      TypeField(object, "value_type", table::DataType::kInt64).value_or(table::DataType::kInt64);
  if (object.Has("value_type") && !IsKeyType(default_type)) {
    object.Fail("value_type", "a join key is int64 or string");
  }
  YAML::Node keys = object.Get("join_keys");
  if (object.Has("join_key")) {
    if (object.Has("join_keys")) {
      object.Fail("join_key", "give join_keys or join_key, not both");
    } else {
      YAML::Node one(YAML::NodeType::Sequence);
      one.push_back(object.Get("join_key"));
      keys = one;
    }
  }
  if (!keys.IsDefined() || keys.IsNull()) {
    object.Fail("join_keys", "missing (one or more join keys)");
    return entity;
  }
  if (!keys.IsSequence() || keys.size() == 0) {
    object.Fail("join_keys", "expected a non-empty list of keys");
    return entity;
  }
  std::set<std::string> seen;
  int key_index = 0;
  for (const auto& key : keys) {
    JoinKey join_key;
    const DefinedAt at = {file, internal::LineOf(key)};
    if (key.IsScalar()) {
      join_key = {key.Scalar(), default_type};
    } else if (key.IsMap()) {
      YamlObject key_object(key, absl::StrCat(entity.name, " join key"), key_index, file,
                            {"name", "type"}, p);
      join_key.name = key_object.String("name", /*required=*/true);
      join_key.type = TypeField(key_object, "type", default_type).value_or(default_type);
      if (!IsKeyType(join_key.type)) {
        object.FailAt(at, "join_keys",
                      absl::StrCat("key '", join_key.name, "' is ",
                                   AsAbsl(table::DataTypeName(join_key.type)),
                                   "; a join key is int64 or string"));
      }
    } else {
      object.FailAt(at, "join_keys", "each key is a name or {name, type}");
      continue;
    }
    ++key_index;
    if (join_key.name.empty()) continue;
    if (!IsValidName(join_key.name)) {
      object.FailAt(at, "join_keys",
                    absl::StrCat("'", join_key.name, "' is not a valid column name"));
    } else if (!seen.insert(join_key.name).second) {
      object.FailAt(at, "join_keys", absl::StrCat("key '", join_key.name, "' given twice"));
    }
    entity.join_keys.push_back(std::move(join_key));
  }
  return entity;
}

DataSource ParseSource(const YAML::Node& node, int index, const std::string& file,
                       const fs::path& repo_dir, Problems* p) {
  DataSource source;
  YamlObject object(node, "source", index, file,
                    {"name", "type", "path", "table", "query", "batch_source", "timestamp_field",
                     "created_timestamp_column", "field_mapping", "description", "tags",
                     "owner"},
                    p);
  CheckName(object);
  source.name = object.name();
  source.defined_at = object.at();
  if (!object.is_map()) return source;
  source.description = object.String("description");
  source.owner = object.String("owner");
  source.tags = object.StringMap("tags");
  source.field_mapping = object.StringMap("field_mapping");
  const std::string type = object.String("type", /*required=*/true);
  auto not_for = [&](std::initializer_list<std::string_view> keys) {
    for (std::string_view key : keys) {
      if (object.Has(key)) object.Fail(key, absl::StrCat("not a field of a ", type, " source"));
    }
  };
  if (type == "file") {
    source.type = SourceType::kFile;
    not_for({"table", "query", "batch_source"});
    source.path = object.String("path", /*required=*/true);
    if (!source.path.empty()) {
      // weakly_canonical resolves "..", and symlinks of the existing part, so neither can
      // lead out of the repository.
      std::error_code ec;
      const fs::path resolved = fs::weakly_canonical(repo_dir / source.path, ec);
      const std::string root = repo_dir.string() + "/";
      if (ec || !absl::StartsWith(resolved.string(), root)) {
        object.Fail("path", absl::StrCat("'", source.path,
                                         "' is outside the repository directory (paths are "
                                         "relative to it and may not leave it)"));
      } else {
        source.resolved_path = resolved.string();
      }
    }
  } else if (type == "postgres") {
    source.type = SourceType::kPostgres;
    not_for({"path", "batch_source"});
    source.table = object.String("table");
    source.query = object.String("query");
    if (source.table.empty() == source.query.empty()) {
      object.Fail(source.table.empty() ? "table" : "query",
                  "a postgres source has exactly one of table or query");
    }
  } else if (type == "push") {
    source.type = SourceType::kPush;
    not_for({"path", "table", "query", "timestamp_field", "created_timestamp_column",
             "field_mapping"});
    source.batch_source = object.String("batch_source", /*required=*/true);
  } else if (!type.empty()) {
    object.Fail("type", absl::StrCat("'", type, "' is not one of file, postgres, push"));
  }
  if (source.type != SourceType::kPush) {
    source.timestamp_field = object.String("timestamp_field", /*required=*/true);
    source.created_timestamp_column = object.String("created_timestamp_column");
  }
  return source;
}

FeatureView ParseView(const YAML::Node& node, int index, const std::string& file, Problems* p) {
  FeatureView view;
  YamlObject object(node, "feature_view", index, file,
                    {"name", "entities", "source", "ttl", "schema", "online", "tags", "owner",
                     "description"},
                    p);
  CheckName(object);
  view.name = object.name();
  view.defined_at = object.at();
  if (!object.is_map()) return view;
  view.entities = object.StringList("entities", /*required=*/true);
  if (object.Has("entities") && view.entities.empty()) {
    object.Fail("entities", "expected one or more entity names");
  }
  view.source = object.String("source", /*required=*/true);
  if (object.Has("ttl")) {
    const std::string ttl = object.String("ttl");
    absl::StatusOr<int64_t> micros = ParseDurationMicros(ttl);
    if (!micros.ok()) {
      object.Fail("ttl", AsStd(micros.status().message()));
    } else {
      view.ttl_micros = *micros;
    }
  }
  view.online = object.Bool("online", true);
  view.tags = object.StringMap("tags");
  view.owner = object.String("owner");
  view.description = object.String("description");
  const YAML::Node schema = object.Get("schema");
  if (!schema.IsDefined() || schema.IsNull()) {
    object.Fail("schema", "missing (a list of {name, type})");
    return view;
  }
  if (!schema.IsSequence() || schema.size() == 0) {
    object.Fail("schema", "expected a non-empty list of {name, type}");
    return view;
  }
  std::set<std::string> seen;
  int field_index = 0;
  for (const auto& entry : schema) {
    const DefinedAt at = {file, internal::LineOf(entry)};
    YamlObject field(entry, absl::StrCat(view.name, " schema field"), field_index++, file,
                     {"name", "type", "dtype", "description", "tags"}, p);
    if (!field.is_map()) continue;
    FeatureField feature;
    feature.name = field.String("name", /*required=*/true);
    const std::string_view type_key = field.Has("dtype") ? "dtype" : "type";
    std::optional<table::DataType> type = TypeField(field, type_key, std::nullopt);
    if (type) feature.type = *type;
    if (feature.name.empty()) continue;
    if (absl::StrContains(feature.name, ":")) {
      object.FailAt(at, "schema", absl::StrCat("feature '", feature.name, "': ':' not allowed"));
    } else if (!seen.insert(feature.name).second) {
      object.FailAt(at, "schema", absl::StrCat("feature '", feature.name, "' given twice"));
    }
    view.schema.push_back(std::move(feature));
  }
  return view;
}

FeatureService ParseService(const YAML::Node& node, int index, const std::string& file,
                            Problems* p) {
  FeatureService service;
  YamlObject object(node, "feature_service", index, file,
                    {"name", "features", "tags", "owner", "description"}, p);
  CheckName(object);
  service.name = object.name();
  service.defined_at = object.at();
  if (!object.is_map()) return service;
  service.features = object.StringList("features", /*required=*/true);
  if (object.Has("features") && service.features.empty()) {
    object.Fail("features", "expected one or more \"view:feature\" or \"view:*\"");
  }
  service.tags = object.StringMap("tags");
  service.owner = object.String("owner");
  service.description = object.String("description");
  return service;
}

template <typename T>
void CheckDuplicates(const std::vector<T>& objects, std::string_view kind, Problems* problems) {
  std::map<std::string, DefinedAt> first;
  for (const T& object : objects) {
    if (object.name.empty()) continue;
    auto [it, inserted] = first.emplace(object.name, object.defined_at);
    if (!inserted) {
      problems->Add(object.defined_at, internal::ObjectLabel(kind, object.name), "name",
                    absl::StrCat("duplicate name (first defined at ", it->second.file, ":",
                                 it->second.line, ")"));
    }
  }
}

template <typename T>
void SortByName(std::vector<T>& objects) {
  std::stable_sort(objects.begin(), objects.end(),
                   [](const T& a, const T& b) { return a.name < b.name; });
}

}  // namespace

absl::StatusOr<RepositoryConfig> LoadRepositoryConfig(const std::string& directory) {
  std::error_code ec;
  const fs::path dir = fs::canonical(directory, ec);
  if (ec || !fs::is_directory(dir)) {
    return absl::NotFoundError(absl::StrCat("feature repository ", directory,
                                            ": not a directory"));
  }
  if (!fs::exists(dir / kConfigFile)) {
    return absl::NotFoundError(absl::StrCat("feature repository ", directory, ": no ",
                                            AsAbsl(kConfigFile)));
  }
  Problems problems;
  RepositoryConfig config;
  if (std::optional<YAML::Node> root = LoadYaml(dir / kConfigFile, std::string(kConfigFile),
                                                &problems)) {
    config = ParseConfig(*root, &problems);
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems.lines(), "\n"));
  }
  return config;
}

absl::StatusOr<FeatureRepository> LoadFeatureRepository(const std::string& directory,
                                                        const LoadOptions& options) {
  FeatureRepository repo;
  {
    absl::StatusOr<RepositoryConfig> config = LoadRepositoryConfig(directory);
    if (!config.ok()) return config.status();
    repo.config = std::move(*config);
  }
  const fs::path dir = fs::canonical(directory);
  repo.directory = dir.string();

  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == kConfigFile || name.starts_with(".")) continue;
    if (!entry.is_regular_file()) continue;
    if (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml")) files.push_back(entry);
  }
  std::sort(files.begin(), files.end());

  Problems problems;
  for (const fs::path& path : files) {
    const std::string file = path.filename().string();
    std::optional<YAML::Node> root = LoadYaml(path, file, &problems);
    if (!root || root->IsNull()) continue;
    if (!root->IsMap()) {
      problems.Add({file, internal::LineOf(*root)}, "", "",
                   "expected a mapping with sections entities, sources, feature_views, "
                   "feature_services");
      continue;
    }
    for (const auto& section : *root) {
      const std::string key = section.first.IsScalar() ? section.first.Scalar() : "?";
      const YAML::Node& items = section.second;
      const DefinedAt at = {file, internal::LineOf(section.first)};
      const bool known = key == "entities" || key == "sources" || key == "feature_views" ||
                         key == "feature_services";
      if (!known) {
        problems.Add(at, "", key,
                     "unknown section (known: entities, sources, feature_views, "
                     "feature_services)");
        continue;
      }
      if (items.IsNull()) continue;
      if (!items.IsSequence()) {
        problems.Add(at, "", key, "expected a list");
        continue;
      }
      int index = 0;
      for (const auto& item : items) {
        if (key == "entities") {
          repo.entities.push_back(ParseEntity(item, index, file, &problems));
        } else if (key == "sources") {
          repo.sources.push_back(ParseSource(item, index, file, dir, &problems));
        } else if (key == "feature_views") {
          repo.feature_views.push_back(ParseView(item, index, file, &problems));
        } else {
          repo.feature_services.push_back(ParseService(item, index, file, &problems));
        }
        ++index;
      }
    }
  }
  CheckDuplicates(repo.entities, "entity", &problems);
  CheckDuplicates(repo.sources, "source", &problems);
  CheckDuplicates(repo.feature_views, "feature_view", &problems);
  CheckDuplicates(repo.feature_services, "feature_service", &problems);
  SortByName(repo.entities);
  SortByName(repo.sources);
  SortByName(repo.feature_views);
  SortByName(repo.feature_services);
  internal::CheckReferences(repo, &problems);
  if (options.check_source_schemas && problems.empty()) {
    internal::CheckSourceSchemas(repo, &problems);
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid feature repository ", repo.directory, ":\n",
                     absl::StrJoin(problems.lines(), "\n")));
  }
  return repo;
}

}  // namespace strata::features
