#include "strata/features/internal/repository_checks.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"
#include "strata/io/parquet_reader.h"
#include "strata/io/read_table.h"

namespace strata::features::internal {
namespace {

namespace fs = std::filesystem;
using table::DataType;

std::string TypeName(DataType type) { return std::string(table::DataTypeName(type)); }

// The source a view reads its schema from: push sources resolve to their batch source.
const DataSource* BatchSourceOf(const FeatureRepository& repo, const DataSource* source) {
  if (source != nullptr && source->type == SourceType::kPush) {
    const DataSource* batch = repo.FindSource(source->batch_source);
    return batch != nullptr && batch->type != SourceType::kPush ? batch : nullptr;
  }
  return source;
}

// One column of a data file: its type when Strata can read it, else why not.
struct SourceColumn {
  std::optional<DataType> type;
  std::string unsupported;
};

struct SourceSchema {
  std::string file;  // relative to the repository, for messages
  std::map<std::string, SourceColumn> columns;  // by the file's column names
  std::vector<std::string> order;
};

absl::StatusOr<SourceSchema> ReadSourceSchema(const FeatureRepository& repo,
                                              const DataSource& source) {
  fs::path path = source.resolved_path;
  std::error_code ec;
  if (!fs::exists(path, ec)) return absl::NotFoundError("does not exist");
  if (fs::is_directory(path, ec)) {
    // The first data file (by path) stands for the directory.
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file() && io::FormatFromPath(entry.path().string()).ok()) {
        files.push_back(entry.path());
      }
    }
    if (files.empty()) {
      return absl::NotFoundError("is a directory without data files (.parquet, .csv, .tsv, "
                                 ".jsonl)");
    }
    path = *std::min_element(files.begin(), files.end());
  }
  SourceSchema schema;
  schema.file = fs::relative(path, repo.directory, ec).string();
  absl::StatusOr<io::FileFormat> format = io::FormatFromPath(path.string());
  if (!format.ok()) return format.status();
  if (*format == io::FileFormat::kParquet) {
    absl::StatusOr<io::ParquetFileInfo> info = io::ReadParquetFileInfo(path.string());
    if (!info.ok()) return info.status();
    for (const io::ParquetColumnInfo& column : info->columns) {
      SourceColumn c;
      if (column.readable) {
        c.type = column.type;
      } else {
        c.unsupported = column.unsupported;
      }
      schema.columns[column.path] = c;
      schema.order.push_back(column.path);
    }
  } else {
    absl::StatusOr<table::Table> table = io::ReadTable(path.string());
    if (!table.ok()) return table.status();
    for (const table::Field& field : table->schema().fields()) {
      schema.columns[field.name] = {field.type, ""};
      schema.order.push_back(field.name);
    }
  }
  return schema;
}

std::string ColumnList(const SourceSchema& schema) {
  constexpr size_t kMax = 20;
  std::vector<std::string> names(schema.order.begin(),
                                 schema.order.begin() + std::min(kMax, schema.order.size()));
  std::string list = absl::StrJoin(names, ", ");
  if (schema.order.size() > kMax) absl::StrAppend(&list, ", ...");
  return list;
}

// Source column names after field_mapping (mapped name -> file column name).
std::map<std::string, std::string> MappedNames(const DataSource& source,
                                               const SourceSchema& schema) {
  std::map<std::string, std::string> mapped;
  for (const std::string& column : schema.order) {
    auto it = source.field_mapping.find(column);
    mapped[it == source.field_mapping.end() ? column : it->second] = column;
  }
  return mapped;
}

}  // namespace

bool FeatureTypeAccepts(DataType declared, DataType actual) {
  if (declared == actual) return true;
  if (declared == DataType::kFloat64 && actual == DataType::kInt64) return true;
  const bool declared_text = declared == DataType::kString || declared == DataType::kCategory;
  const bool actual_text = actual == DataType::kString || actual == DataType::kCategory;
  return declared_text && actual_text;
}

void CheckReferences(const FeatureRepository& repo, Problems* problems) {
  for (const DataSource& source : repo.sources) {
    const std::string label = ObjectLabel("source", source.name);
    if (source.type == SourceType::kPush && !source.batch_source.empty()) {
      const DataSource* batch = repo.FindSource(source.batch_source);
      if (batch == nullptr) {
        problems->Add(source.defined_at, label, "batch_source",
                      absl::StrCat("unknown source '", source.batch_source, "'"));
      } else if (batch->type == SourceType::kPush) {
        problems->Add(source.defined_at, label, "batch_source",
                      absl::StrCat("'", source.batch_source,
                                   "' is a push source; a batch source is file or postgres"));
      }
    }
    if (source.type == SourceType::kPostgres && repo.config.offline_store.type != "postgres") {
      problems->Add(source.defined_at, label, "type",
                    absl::StrCat("a postgres source needs offline_store type postgres in "
                                 "feature_store.yaml (it is '",
                                 repo.config.offline_store.type, "')"));
    }
  }
  for (const FeatureView& view : repo.feature_views) {
    const std::string label = ObjectLabel("feature_view", view.name);
    std::map<std::string, std::string> key_owner;  // join key -> entity
    std::set<std::string> listed;
    for (const std::string& name : view.entities) {
      if (!listed.insert(name).second) {
        problems->Add(view.defined_at, label, "entities",
                      absl::StrCat("entity '", name, "' listed twice"));
        continue;
      }
      const Entity* entity = repo.FindEntity(name);
      if (entity == nullptr) {
        problems->Add(view.defined_at, label, "entities",
                      absl::StrCat("unknown entity '", name, "'"));
        continue;
      }
      for (const JoinKey& key : entity->join_keys) {
        auto [it, inserted] = key_owner.emplace(key.name, name);
        if (!inserted) {
          problems->Add(view.defined_at, label, "entities",
                        absl::StrCat("join key '", key.name, "' of entity '", name,
                                     "' is also a join key of entity '", it->second, "'"));
        }
      }
    }
    const DataSource* source = repo.FindSource(view.source);
    if (!view.source.empty() && source == nullptr) {
      problems->Add(view.defined_at, label, "source",
                    absl::StrCat("unknown source '", view.source, "'"));
    }
    const DataSource* batch = BatchSourceOf(repo, source);
    for (const FeatureField& feature : view.schema) {
      if (key_owner.contains(feature.name)) {
        problems->Add(view.defined_at, label, "schema",
                      absl::StrCat("feature '", feature.name, "' has the name of a join key of "
                                   "entity '", key_owner[feature.name], "'"));
      }
      if (batch != nullptr && (feature.name == batch->timestamp_field ||
                               feature.name == batch->created_timestamp_column)) {
        problems->Add(view.defined_at, label, "schema",
                      absl::StrCat("feature '", feature.name, "' is the timestamp column of "
                                   "source '", batch->name, "'"));
      }
    }
  }
  for (const FeatureService& service : repo.feature_services) {
    const std::string label = ObjectLabel("feature_service", service.name);
    std::set<std::string> seen;
    for (const std::string& ref : service.features) {
      absl::StatusOr<std::vector<FeatureRef>> resolved = ResolveFeatureRefs(repo, {ref});
      if (!resolved.ok()) {
        problems->Add(service.defined_at, label, "features",
                      AsStd(resolved.status().message()));
        continue;
      }
      for (const FeatureRef& r : *resolved) {
        if (!seen.insert(absl::StrCat(r.view, ":", r.feature)).second) {
          problems->Add(service.defined_at, label, "features",
                        absl::StrCat("'", r.view, ":", r.feature, "' listed twice"));
        }
      }
    }
  }
}

void CheckSourceSchemas(const FeatureRepository& repo, Problems* problems) {
  std::map<std::string, std::optional<SourceSchema>> schemas;  // by source name
  for (const DataSource& source : repo.sources) {
    if (source.type != SourceType::kFile) continue;
    const std::string label = ObjectLabel("source", source.name);
    absl::StatusOr<SourceSchema> schema = ReadSourceSchema(repo, source);
    if (!schema.ok()) {
      problems->Add(source.defined_at, label, "path",
                    absl::StrCat("'", source.path, "': ", schema.status().message()));
      schemas[source.name] = std::nullopt;
      continue;
    }
    for (const auto& [column, unused] : source.field_mapping) {
      if (!schema->columns.contains(column)) {
        problems->Add(source.defined_at, label, "field_mapping",
                      absl::StrCat("column '", column, "' is not in ", schema->file,
                                   " (columns: ", ColumnList(*schema), ")"));
      }
    }
    for (const auto& [field, column] :
         {std::pair<std::string_view, std::string>{"timestamp_field", source.timestamp_field},
          {"created_timestamp_column", source.created_timestamp_column}}) {
      if (column.empty()) continue;
      auto it = schema->columns.find(column);
      if (it == schema->columns.end()) {
        problems->Add(source.defined_at, label, field,
                      absl::StrCat("column '", column, "' is not in ", schema->file,
                                   " (columns: ", ColumnList(*schema), ")"));
      } else if (it->second.type != DataType::kTimestamp) {
        problems->Add(source.defined_at, label, field,
                      absl::StrCat("column '", column, "' of ", schema->file, " is ",
                                   it->second.type ? TypeName(*it->second.type)
                                                   : it->second.unsupported,
                                   "; it must be a timestamp"));
      }
    }
    schemas[source.name] = std::move(*schema);
  }

  for (const FeatureView& view : repo.feature_views) {
    const DataSource* batch = BatchSourceOf(repo, repo.FindSource(view.source));
    if (batch == nullptr || batch->type != SourceType::kFile) continue;
    const std::optional<SourceSchema>& schema = schemas[batch->name];
    if (!schema) continue;  // already reported on the source
    const std::string label = ObjectLabel("feature_view", view.name);
    const std::map<std::string, std::string> mapped = MappedNames(*batch, *schema);
    auto check = [&](std::string_view field, std::string_view what, const std::string& name,
                     DataType declared, bool is_key) {
      auto it = mapped.find(name);
      if (it == mapped.end()) {
        problems->Add(view.defined_at, label, field,
                      absl::StrCat(AsAbsl(what), " '", name, "' is not a column of ",
                                   schema->file, " (source '", batch->name,
                                   "'; columns: ", ColumnList(*schema), ")"));
        return;
      }
      const SourceColumn& column = schema->columns.at(it->second);
      const std::string column_name =
          it->second == name ? absl::StrCat("column '", name, "'")
                             : absl::StrCat("column '", it->second, "' (mapped to '", name, "')");
      if (!column.type) {
        problems->Add(view.defined_at, label, field,
                      absl::StrCat(AsAbsl(what), " '", name, "': ", column_name, " of ",
                                   schema->file, " cannot be read: ", column.unsupported));
        return;
      }
      const bool ok = is_key ? (declared == DataType::kInt64 ? *column.type == DataType::kInt64
                                                             : FeatureTypeAccepts(declared,
                                                                                  *column.type))
                             : FeatureTypeAccepts(declared, *column.type);
      if (!ok) {
        problems->Add(view.defined_at, label, field,
                      absl::StrCat(AsAbsl(what), " '", name, "' is declared ", TypeName(declared),
                                   " but ", column_name, " of ", schema->file, " (source '",
                                   batch->name, "') is ", TypeName(*column.type)));
      }
    };
    for (const std::string& entity_name : view.entities) {
      const Entity* entity = repo.FindEntity(entity_name);
      if (entity == nullptr) continue;
      for (const JoinKey& key : entity->join_keys) {
        check("entities", absl::StrCat("join key of entity '", entity_name, "'"), key.name,
              key.type, /*is_key=*/true);
      }
    }
    for (const FeatureField& feature : view.schema) {
      check("schema", "feature", feature.name, feature.type, /*is_key=*/false);
    }
  }
}

}  // namespace strata::features::internal
