#include "strata/features/historical.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/features/internal/postgres_offline.h"
#include "strata/features/internal/repository_checks.h"
#include "strata/features/point_in_time.h"
#include "strata/io/read_table.h"

namespace strata::features {
namespace {

namespace fs = std::filesystem;

// What one view contributes to the request.
struct ViewPlan {
  const FeatureView* view = nullptr;
  const DataSource* source = nullptr;  // the batch source for a push source
  std::vector<FeatureField> features;  // requested, in request order, with declared types
  std::vector<JoinKey> keys;           // of the view's entities, in entity order
};

std::string TypeName(table::DataType type) { return std::string(table::DataTypeName(type)); }

std::string ColumnNames(const table::Table& t) {
  std::vector<std::string> names;
  for (const table::Field& f : t.schema().fields()) names.push_back(f.name);
  return absl::StrJoin(names, ", ");
}

// The source column a feature or join key (a mapped name) is read from.
std::string SourceColumnFor(const DataSource& source, const std::string& mapped) {
  for (const auto& [from, to] : source.field_mapping) {
    if (to == mapped) return from;
  }
  return mapped;
}

std::string Where(const ViewPlan& plan, const std::string& origin) {
  return absl::StrCat("feature view '", plan.view->name, "' (source '", plan.source->name, "', ",
                      origin, ")");
}

// A source column as the declared type of a feature.
absl::StatusOr<table::Column> ToDeclared(const table::Column& column, table::DataType declared,
                                         const std::string& feature, const ViewPlan& plan,
                                         const std::string& origin, const std::string& source_col) {
  const table::DataType actual = column.type();
  if (actual == declared) return column;
  if (!internal::FeatureTypeAccepts(declared, actual)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(plan, origin), ": feature '", feature, "' is declared ",
                     TypeName(declared), " but column '", source_col, "' is ", TypeName(actual)));
  }
  if (declared == table::DataType::kString) return column.ToStrings();
  if (declared == table::DataType::kCategory) return column.ToCategory();
  // int64 read as float64.
  table::ColumnBuffers b;
  b.type = table::DataType::kFloat64;
  b.rows = column.size();
  b.doubles.resize(static_cast<size_t>(column.size()));
  absl::Span<const int64_t> ints = column.Int64s();
  for (size_t i = 0; i < ints.size(); ++i) b.doubles[i] = static_cast<double>(ints[i]);
  if (column.null_count() > 0) {
    b.validity.assign(static_cast<size_t>((column.size() + 63) / 64), ~0ULL);
    for (int64_t r = 0; r < column.size(); ++r) {
      if (column.IsNull(r)) b.validity[static_cast<size_t>(r) / 64] &= ~(1ULL << (r % 64));
    }
  }
  return table::Column::FromBuffers(std::move(b));
}

absl::Status CheckKeyType(table::DataType declared, table::DataType actual,
                          const std::string& what) {
  const bool ok = declared == table::DataType::kInt64 ? actual == table::DataType::kInt64
                                                      : (actual == table::DataType::kString ||
                                                         actual == table::DataType::kCategory);
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, " is ", TypeName(actual), "; the join key is declared ", TypeName(declared)));
}

absl::StatusOr<std::vector<ViewPlan>> PlanViews(const FeatureRepository& defs,
                                                const std::vector<FeatureRef>& refs) {
  std::vector<ViewPlan> plans;
  std::map<std::string, size_t> index;
  for (const FeatureRef& ref : refs) {
    auto [it, inserted] = index.emplace(ref.view, plans.size());
    if (inserted) {
      ViewPlan plan;
      plan.view = defs.FindFeatureView(ref.view);
      if (plan.view == nullptr) {
        return absl::NotFoundError(absl::StrCat("unknown feature view '", ref.view, "'"));
      }
      plan.source = defs.FindSource(plan.view->source);
      if (plan.source != nullptr && plan.source->type == SourceType::kPush) {
        plan.source = defs.FindSource(plan.source->batch_source);
      }
      if (plan.source == nullptr) {
        return absl::NotFoundError(absl::StrCat("feature view '", ref.view, "': its source '",
                                                plan.view->source, "' is not defined"));
      }
      for (const std::string& entity_name : plan.view->entities) {
        const Entity* entity = defs.FindEntity(entity_name);
        if (entity == nullptr) {
          return absl::NotFoundError(
              absl::StrCat("feature view '", ref.view, "': unknown entity '", entity_name, "'"));
        }
        plan.keys.insert(plan.keys.end(), entity->join_keys.begin(), entity->join_keys.end());
      }
      plans.push_back(std::move(plan));
    }
    ViewPlan& plan = plans[it->second];
    auto field = std::find_if(plan.view->schema.begin(), plan.view->schema.end(),
                              [&](const FeatureField& f) { return f.name == ref.feature; });
    if (field == plan.view->schema.end()) {
      return absl::NotFoundError(
          absl::StrCat("feature view '", ref.view, "' has no feature '", ref.feature, "'"));
    }
    plan.features.push_back(*field);
  }
  return plans;
}

// The entity set holds the event timestamp and every join key with a usable type.
absl::Status CheckEntities(const table::Table& entities, const std::string& timestamp_column,
                           const std::vector<ViewPlan>& plans, const FeatureRepository& defs) {
  absl::StatusOr<const table::Column*> ts = entities.ColumnByName(timestamp_column);
  if (!ts.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entity set has no timestamp column '", timestamp_column,
        "' (columns: ", ColumnNames(entities), "; name another with --timestamp-column)"));
  }
  if ((*ts)->type() != table::DataType::kTimestamp) {
    return absl::InvalidArgumentError(
        absl::StrCat("entity set column '", timestamp_column, "' is ", TypeName((*ts)->type()),
                     ", not a timestamp (CSV cells must be ISO 8601 dates or date-times)"));
  }
  for (const ViewPlan& plan : plans) {
    for (const std::string& entity_name : plan.view->entities) {
      for (const JoinKey& key : defs.FindEntity(entity_name)->join_keys) {
        absl::StatusOr<const table::Column*> column = entities.ColumnByName(key.name);
        if (!column.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("entity set has no column '", key.name, "' (join key of entity '",
                           entity_name, "', needed by feature view '", plan.view->name,
                           "'); its columns: ", ColumnNames(entities)));
        }
        RETURN_IF_ERROR(
            CheckKeyType(key.type, (*column)->type(),
                         absl::StrCat("entity set column '", key.name, "' (entity '", entity_name,
                                      "', feature view '", plan.view->name, "')")));
      }
    }
  }
  return absl::OkStatus();
}

std::string OutputName(const ViewPlan& plan, const FeatureField& f, bool full) {
  return full ? absl::StrCat(plan.view->name, "__", f.name) : f.name;
}

absl::Status CheckOutputNames(const table::Table& entities, const std::vector<ViewPlan>& plans,
                              bool full) {
  std::set<std::string> taken;
  for (const table::Field& f : entities.schema().fields()) taken.insert(f.name);
  for (const ViewPlan& plan : plans) {
    for (const FeatureField& f : plan.features) {
      const std::string name = OutputName(plan, f, full);
      if (!taken.insert(name).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("output column '", name, "' (feature view '", plan.view->name,
                         "') repeats an entity column or another feature",
                         full ? "" : "; use full feature names (VIEW__FEATURE)"));
      }
    }
  }
  return absl::OkStatus();
}

// ---- File sources -------------------------------------------------------------------------

struct FileSourceRows {
  std::vector<std::string> files;  // relative to the repository, for messages
  std::vector<table::Table> parts;
};

absl::StatusOr<FileSourceRows> ReadFileSource(const DataSource& source, const std::string& root) {
  fs::path path = source.path;
  if (path.is_relative()) {
    if (root.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("file source '", source.name, "' has the relative path '", source.path,
                       "' and no feature repository directory was given to resolve it"));
    }
    path = fs::path(root) / path;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("file source '", source.name, "': ", path.string(), " does not exist"));
  }
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file() && io::FormatFromPath(entry.path().string()).ok()) {
        files.push_back(entry.path());
      }
    }
    if (ec) {
      return absl::InternalError(absl::StrCat("file source '", source.name, "': cannot list ",
                                              path.string(), ": ", ec.message()));
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return absl::NotFoundError(
          absl::StrCat("file source '", source.name, "': ", path.string(), " holds no data files"));
    }
  } else {
    files.push_back(path);
  }
  FileSourceRows rows;
  for (const fs::path& file : files) {
    absl::StatusOr<table::Table> t = io::ReadTable(file.string());
    if (!t.ok()) {
      return absl::Status(t.status().code(),
                          absl::StrCat("file source '", source.name, "': ", file.string(), ": ",
                                       t.status().message()));
    }
    rows.files.push_back(root.empty() ? file.string() : fs::relative(file, root, ec).string());
    rows.parts.push_back(*std::move(t));
  }
  return rows;
}

// One column of a file source across its files.
absl::StatusOr<table::Column> FileColumn(const FileSourceRows& rows, const std::string& name,
                                         const ViewPlan& plan) {
  std::vector<table::Column> pieces;
  for (size_t i = 0; i < rows.parts.size(); ++i) {
    absl::StatusOr<const table::Column*> c = rows.parts[i].ColumnByName(name);
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(Where(plan, absl::StrCat("file ", rows.files[i])), ": no column '", name,
                       "' (columns: ", ColumnNames(rows.parts[i]), ")"));
    }
    if (!pieces.empty() && (*c)->type() != pieces.front().type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(plan, absl::StrCat("file ", rows.files[i])), ": column '", name, "' is ",
          TypeName((*c)->type()), " but ", TypeName(pieces.front().type()), " in ", rows.files[0]));
    }
    pieces.push_back(**c);
  }
  if (pieces.size() == 1) return pieces.front();
  return table::Column::Concat(pieces);
}

// ---- The view's rows, whatever the source -------------------------------------------------

// Internal names of the timestamp columns in a view's row table (features and keys keep
// their mapped names; these cannot clash with them: features may not start with "__strata").
constexpr char kTimestampName[] = "__strata_ts";
constexpr char kCreatedName[] = "__strata_created";

// Source column names in the order the row table holds them: keys, timestamp, created,
// features.
struct RowLayout {
  std::vector<std::string> source_columns;
  std::vector<std::string> names;
};

RowLayout LayoutOf(const ViewPlan& plan) {
  RowLayout l;
  for (const JoinKey& k : plan.keys) {
    l.source_columns.push_back(SourceColumnFor(*plan.source, k.name));
    l.names.push_back(k.name);
  }
  l.source_columns.push_back(plan.source->timestamp_field);
  l.names.push_back(kTimestampName);
  if (!plan.source->created_timestamp_column.empty()) {
    l.source_columns.push_back(plan.source->created_timestamp_column);
    l.names.push_back(kCreatedName);
  }
  for (const FeatureField& f : plan.features) {
    l.source_columns.push_back(SourceColumnFor(*plan.source, f.name));
    l.names.push_back(f.name);
  }
  return l;
}

// Checks and converts raw columns (in LayoutOf order) into the view's row table.
absl::StatusOr<table::Table> RowTable(const ViewPlan& plan, const RowLayout& layout,
                                      std::vector<table::Column> raw, const std::string& origin) {
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  size_t i = 0;
  for (const JoinKey& k : plan.keys) {
    RETURN_IF_ERROR(CheckKeyType(
        k.type, raw[i].type(),
        absl::StrCat(Where(plan, origin), ": join key column '", layout.source_columns[i], "'")));
    fields.push_back({layout.names[i], raw[i].type()});
    columns.push_back(std::move(raw[i]));
    ++i;
  }
  const size_t timestamps = plan.source->created_timestamp_column.empty() ? 1 : 2;
  for (size_t t = 0; t < timestamps; ++t, ++i) {
    if (raw[i].type() != table::DataType::kTimestamp) {
      return absl::InvalidArgumentError(absl::StrCat(
          Where(plan, origin), ": ", t == 0 ? "timestamp_field" : "created_timestamp_column",
          " column '", layout.source_columns[i], "' is ", TypeName(raw[i].type()),
          ", not a timestamp"));
    }
    fields.push_back({layout.names[i], table::DataType::kTimestamp});
    columns.push_back(std::move(raw[i]));
  }
  for (const FeatureField& f : plan.features) {
    ASSIGN_OR_RETURN(table::Column c,
                     ToDeclared(raw[i], f.type, f.name, plan, origin, layout.source_columns[i]));
    fields.push_back({layout.names[i], f.type});
    columns.push_back(std::move(c));
    ++i;
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

const std::string& PostgresUrl(const FeatureRepository& defs) {
  return defs.config.offline_store.connection_string;
}

absl::StatusOr<std::unique_ptr<internal::PgSession>> ConnectOffline(const FeatureRepository& defs,
                                                                    const ViewPlan& plan) {
  if (defs.config.offline_store.type != "postgres" || PostgresUrl(defs).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "feature view '", plan.view->name, "': source '", plan.source->name,
        "' is a postgres source but the offline store has no postgres connection_string"));
  }
  return internal::PgSession::Connect(PostgresUrl(defs));
}

absl::StatusOr<table::Table> RunMemory(const HistoricalRequest& request,
                                       const std::vector<ViewPlan>& plans,
                                       const std::string& root) {
  const FeatureRepository& defs = *request.definitions;
  std::map<std::string, FileSourceRows> file_sources;
  std::unique_ptr<internal::PgSession> pg;
  std::vector<table::Table> rows;
  rows.reserve(plans.size());
  std::vector<FeatureViewJoin> joins;
  for (const ViewPlan& plan : plans) {
    const RowLayout layout = LayoutOf(plan);
    std::vector<table::Column> raw;
    std::string origin;
    if (plan.source->type == SourceType::kFile) {
      auto it = file_sources.find(plan.source->name);
      if (it == file_sources.end()) {
        ASSIGN_OR_RETURN(FileSourceRows read, ReadFileSource(*plan.source, root));
        it = file_sources.emplace(plan.source->name, std::move(read)).first;
      }
      origin = it->second.files.size() == 1 ? absl::StrCat("file ", it->second.files[0])
                                            : absl::StrCat("directory ", plan.source->path);
      for (const std::string& c : layout.source_columns) {
        ASSIGN_OR_RETURN(table::Column column, FileColumn(it->second, c, plan));
        raw.push_back(std::move(column));
      }
    } else {
      if (pg == nullptr) {
        ASSIGN_OR_RETURN(pg, ConnectOffline(defs, plan));
      }
      internal::PgRelation relation = internal::SourceRelation(*plan.source);
      origin = relation.label;
      ASSIGN_OR_RETURN(std::vector<internal::PgColumn> described,
                       internal::DescribeRelation(*pg, &relation));
      ASSIGN_OR_RETURN(table::Table t, internal::ReadRelation(*pg, relation, described,
                                                              layout.source_columns, layout.names));
      for (int i = 0; i < t.num_columns(); ++i) raw.push_back(t.column(i));
    }
    ASSIGN_OR_RETURN(table::Table view_rows, RowTable(plan, layout, std::move(raw), origin));
    rows.push_back(std::move(view_rows));
    FeatureViewJoin join;
    join.name = plan.view->name;
    join.rows = &rows.back();
    for (const JoinKey& k : plan.keys) join.join_keys.push_back(k.name);
    join.timestamp_column = kTimestampName;
    if (!plan.source->created_timestamp_column.empty()) join.created_column = kCreatedName;
    join.ttl_micros = plan.view->ttl_micros;
    for (const FeatureField& f : plan.features) join.features.push_back(f.name);
    joins.push_back(std::move(join));
  }
  PointInTimeOptions options;
  options.full_feature_names = request.full_feature_names;
  options.threads = request.threads;
  return PointInTimeJoin(*request.entities, request.timestamp_column, joins, options);
}

absl::StatusOr<table::Table> RunPostgres(const HistoricalRequest& request,
                                         const std::vector<ViewPlan>& plans) {
  const FeatureRepository& defs = *request.definitions;
  for (const ViewPlan& plan : plans) {
    if (plan.source->type != SourceType::kPostgres) {
      return absl::InvalidArgumentError(absl::StrCat(
          "engine postgres: feature view '", plan.view->name, "' reads source '", plan.source->name,
          "', a ", AsAbsl(SourceTypeName(plan.source->type)),
          " source (pushdown needs every view on a postgres source; use --engine memory or auto)"));
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<internal::PgSession> pg, ConnectOffline(defs, plans.front()));
  std::vector<internal::PushdownView> views;
  std::vector<RowLayout> layouts;
  for (const ViewPlan& plan : plans) {
    internal::PushdownView v;
    v.relation = internal::SourceRelation(*plan.source);
    ASSIGN_OR_RETURN(v.described, internal::DescribeRelation(*pg, &v.relation));
    // Type checks before the (long) query: the same rules and messages as the memory engine.
    const RowLayout layout = LayoutOf(plan);
    std::vector<table::Column> probe;
    for (const std::string& c : layout.source_columns) {
      auto it = std::find_if(v.described.begin(), v.described.end(),
                             [&](const internal::PgColumn& d) { return d.name == c; });
      if (it == v.described.end() || !it->supported) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(plan, v.relation.label), ": ",
            it == v.described.end() ? "no column '" : "unsupported type of column '", c, "'"));
      }
      probe.push_back(table::ColumnBuilder(it->type).Finish());
    }
    RETURN_IF_ERROR(RowTable(plan, layout, std::move(probe), v.relation.label).status());
    for (const JoinKey& k : plan.keys) {
      v.source_keys.push_back(SourceColumnFor(*plan.source, k.name));
      v.entity_keys.push_back(k.name);
    }
    v.timestamp_column = plan.source->timestamp_field;
    v.created_column = plan.source->created_timestamp_column;
    v.ttl_micros = plan.view->ttl_micros;
    for (const FeatureField& f : plan.features) {
      v.source_features.push_back(SourceColumnFor(*plan.source, f.name));
    }
    layouts.push_back(layout);
    views.push_back(std::move(v));
  }
  ASSIGN_OR_RETURN(
      table::Table joined,
      internal::PushdownPointInTime(*pg, *request.entities, request.timestamp_column, views));
  std::vector<table::Field> fields = request.entities->schema().fields();
  std::vector<table::Column> columns;
  for (int i = 0; i < request.entities->num_columns(); ++i) {
    columns.push_back(request.entities->column(i));
  }
  int next = 0;
  for (size_t vi = 0; vi < plans.size(); ++vi) {
    const ViewPlan& plan = plans[vi];
    for (size_t fi = 0; fi < plan.features.size(); ++fi) {
      const FeatureField& f = plan.features[fi];
      ASSIGN_OR_RETURN(table::Column c,
                       ToDeclared(joined.column(next++), f.type, f.name, plan,
                                  views[vi].relation.label, views[vi].source_features[fi]));
      fields.push_back({OutputName(plan, f, request.full_feature_names), f.type});
      columns.push_back(std::move(c));
    }
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

}  // namespace

std::string_view HistoricalEngineName(HistoricalEngine engine) {
  switch (engine) {
    case HistoricalEngine::kAuto:
      return "auto";
    case HistoricalEngine::kMemory:
      return "memory";
    case HistoricalEngine::kPostgres:
      return "postgres";
  }
  return "auto";
}

absl::StatusOr<HistoricalEngine> ParseHistoricalEngine(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(AsAbsl(text));
  if (lower == "auto") return HistoricalEngine::kAuto;
  if (lower == "memory") return HistoricalEngine::kMemory;
  if (lower == "postgres" || lower == "postgresql") return HistoricalEngine::kPostgres;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown engine '", AsAbsl(text), "' (expected auto, memory or postgres)"));
}

absl::StatusOr<HistoricalResult> GetHistoricalFeatures(const HistoricalRequest& request) {
  if (request.definitions == nullptr || request.entities == nullptr) {
    return absl::InvalidArgumentError("historical retrieval needs definitions and an entity set");
  }
  const FeatureRepository& defs = *request.definitions;
  if (request.features.empty() == request.service.empty()) {
    return absl::InvalidArgumentError(
        "name either features (view:feature, ...) or a feature service, not both or neither");
  }
  HistoricalResult result;
  if (!request.service.empty()) {
    ASSIGN_OR_RETURN(result.features, ResolveFeatureService(defs, request.service));
  } else {
    ASSIGN_OR_RETURN(result.features, ResolveFeatureRefs(defs, request.features));
  }
  if (result.features.empty()) return absl::InvalidArgumentError("no features requested");
  ASSIGN_OR_RETURN(std::vector<ViewPlan> plans, PlanViews(defs, result.features));
  RETURN_IF_ERROR(CheckEntities(*request.entities, request.timestamp_column, plans, defs));
  RETURN_IF_ERROR(CheckOutputNames(*request.entities, plans, request.full_feature_names));
  // Output order groups features by view.
  result.features.clear();
  for (const ViewPlan& plan : plans) {
    result.views.push_back(plan.view->name);
    for (const FeatureField& f : plan.features)
      result.features.push_back({plan.view->name, f.name});
  }

  HistoricalEngine engine = request.engine;
  if (engine == HistoricalEngine::kAuto) {
    const bool all_postgres = defs.config.offline_store.type == "postgres" &&
                              std::all_of(plans.begin(), plans.end(), [](const ViewPlan& p) {
                                return p.source->type == SourceType::kPostgres;
                              });
    engine = all_postgres ? HistoricalEngine::kPostgres : HistoricalEngine::kMemory;
  }
  result.engine = engine;
  if (engine == HistoricalEngine::kPostgres) {
    ASSIGN_OR_RETURN(result.table, RunPostgres(request, plans));
  } else {
    const std::string root =
        request.repository_directory.empty() ? defs.directory : request.repository_directory;
    ASSIGN_OR_RETURN(result.table, RunMemory(request, plans, root));
  }
  return result;
}

}  // namespace strata::features
