// Feature repository definitions: the object model (entities, data sources, feature views,
// feature services, the repository config) and the parser + validator of a feature repository
// directory:
//
//   DIR/feature_store.yaml   project, online_store {type: lmdb|redis, connection_string},
//                            offline_store {type: file|postgres, connection_string}
//   DIR/*.yaml, DIR/*.yml    any number of files, each holding any of the sections
//                            entities, sources, feature_views, feature_services
//
// The YAML shapes are in features/README.md ("Definitions"). Names follow Feast where Feast
// has them (join_keys, value_type, timestamp_field, created_timestamp_column, field_mapping,
// batch_source, ttl, online, tags, owner, description).
//
// Every error names the file (relative to DIR) and line, the object and the field:
//   "views.yaml:12: feature_view 'user_stats': field 'ttl': ..."
// and the loader reports all problems it finds (one per line), not only the first.
#ifndef STRATA_FEATURES_DEFINITIONS_H_
#define STRATA_FEATURES_DEFINITIONS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/table/column.h"

namespace strata::features {

struct StoreConfig {
  std::string type;               // online: "lmdb" | "redis"; offline: "file" | "postgres"
  std::string connection_string;  // redis://host:port/db, postgresql://...; "" for lmdb/file
  bool operator==(const StoreConfig&) const = default;
};

struct RepositoryConfig {
  std::string project;
  StoreConfig online_store = {"lmdb", ""};
  StoreConfig offline_store = {"file", ""};
  bool operator==(const RepositoryConfig&) const = default;
};

// Where an object was defined, for messages. Not part of the object's identity: moving an
// object to another file is not a change.
struct DefinedAt {
  std::string file;  // relative to the repository directory
  int line = 0;      // 1-based
};

struct JoinKey {
  std::string name;
  table::DataType type = table::DataType::kInt64;  // int64 or string
  bool operator==(const JoinKey&) const = default;
};

struct Entity {
  std::string name;
  std::vector<JoinKey> join_keys;  // one or more, distinct names
  std::string description;
  std::map<std::string, std::string> tags;
  std::string owner;
  DefinedAt defined_at;
};

enum class SourceType { kFile, kPostgres, kPush };
std::string_view SourceTypeName(SourceType type);  // "file", "postgres", "push"

struct DataSource {
  std::string name;
  SourceType type = SourceType::kFile;
  // file: a Parquet/CSV/TSV/JSON-lines file or a directory of them, as written (relative to
  // the repository directory); `resolved_path` is the absolute path (not part of identity).
  std::string path;
  std::string resolved_path;
  // postgres: exactly one of table / query; the connection is the offline store's.
  std::string table;
  std::string query;
  // push: the file/postgres source holding the offline copy of pushed rows.
  std::string batch_source;
  // file / postgres (push sources take them from their batch source).
  std::string timestamp_field;
  std::string created_timestamp_column;  // optional
  // Source column -> the name features and join keys use (Feast's field_mapping).
  std::map<std::string, std::string> field_mapping;
  std::string description;
  std::map<std::string, std::string> tags;
  std::string owner;
  DefinedAt defined_at;
};

struct FeatureField {
  std::string name;
  table::DataType type = table::DataType::kFloat64;
  bool operator==(const FeatureField&) const = default;
};

struct FeatureView {
  std::string name;
  std::vector<std::string> entities;  // entity names, one or more
  std::string source;                 // a source name
  int64_t ttl_micros = 0;             // 0 = unbounded
  std::vector<FeatureField> schema;   // the features, one or more
  bool online = true;
  std::map<std::string, std::string> tags;
  std::string owner;
  std::string description;
  DefinedAt defined_at;
};

// "view:feature"; a service may also list "view:*" (every feature of the view).
struct FeatureRef {
  std::string view;
  std::string feature;
  bool operator==(const FeatureRef&) const = default;
};

struct FeatureService {
  std::string name;
  std::vector<std::string> features;  // as written: "view:feature" or "view:*"
  std::map<std::string, std::string> tags;
  std::string owner;
  std::string description;
  DefinedAt defined_at;
};

// A parsed, validated repository. Objects are sorted by name.
struct FeatureRepository {
  std::string directory;  // absolute
  RepositoryConfig config;
  std::vector<Entity> entities;
  std::vector<DataSource> sources;
  std::vector<FeatureView> feature_views;
  std::vector<FeatureService> feature_services;

  const Entity* FindEntity(std::string_view name) const;
  const DataSource* FindSource(std::string_view name) const;
  const FeatureView* FindFeatureView(std::string_view name) const;
  const FeatureService* FindFeatureService(std::string_view name) const;
};

struct LoadOptions {
  // Read the schema of each file source (Parquet footers; CSV/TSV/JSON-lines files are read
  // whole, which infers their types) and check the join keys, timestamp columns and features
  // of every view against it. Off: only the definitions themselves are checked.
  bool check_source_schemas = true;
};

// Parses and validates DIR. Errors: INVALID_ARGUMENT listing every problem found, one per
// line, each naming file:line, object and field (unknown references, duplicate names across
// files, bad types/ttl/names, unknown keys, paths escaping DIR, type clashes with a file
// source's schema naming both); NOT_FOUND when DIR or DIR/feature_store.yaml is missing.
absl::StatusOr<FeatureRepository> LoadFeatureRepository(const std::string& directory,
                                                        const LoadOptions& options = {});

// Only DIR/feature_store.yaml (for commands that need the project, not the objects).
absl::StatusOr<RepositoryConfig> LoadRepositoryConfig(const std::string& directory);

// "bool", "int64", "float64", "string", "timestamp", "category" (case-insensitive), and
// Feast's "Int64", "Float64", "String", "Bool", "UnixTimestamp". INVALID_ARGUMENT otherwise.
absl::StatusOr<table::DataType> ParseFeatureType(std::string_view text);

// The features a service names, "view:*" expanded in schema order, in the service's order.
// Errors: NOT_FOUND for an unknown service, view or feature.
absl::StatusOr<std::vector<FeatureRef>> ResolveFeatureService(const FeatureRepository& repo,
                                                              std::string_view service);
// Parses "view:feature" / "view:*" against `repo` (expanding "*").
absl::StatusOr<std::vector<FeatureRef>> ResolveFeatureRefs(const FeatureRepository& repo,
                                                           const std::vector<std::string>& refs);

// The canonical JSON of the definitions (config and objects, sorted, no file locations or
// resolved paths): equal definitions give byte-equal JSON. This is what the registry stores.
std::string RepositoryToJson(const FeatureRepository& repo);
// The inverse (directory and defined_at stay empty). Errors: INVALID_ARGUMENT for malformed
// JSON or a missing/mistyped member.
absl::StatusOr<FeatureRepository> RepositoryFromJson(std::string_view json);

}  // namespace strata::features

#endif  // STRATA_FEATURES_DEFINITIONS_H_
