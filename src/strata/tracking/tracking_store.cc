// TrackingStore: schema, Open() and the experiment operations. Runs live in run_store.cc,
// search in run_search.cc.
#include "strata/tracking/tracking_store.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/tracking/internal/filter_sql.h"
#include "strata/tracking/internal/validation.h"
#include "strata/tracking/search_filter.h"

namespace strata::tracking {
namespace {

using store::Value;

// Migration 1. Metric history lives in metric_chunks: one row per key per logging call, its
// points encoded by internal/metric_chunks.h; latest_metrics holds each key's latest value for
// search and runs/get. Value indexes on params/tags exist on SQLite only: PostgreSQL B-tree entries are
// limited to ~2.7 kB and param/tag values may be longer; the (run_uuid, key) primary keys
// serve the correlated EXISTS probes of search on both backends.
std::string SchemaV1(store::Backend backend) {
  std::string sql = R"sql(
CREATE TABLE experiments (
  experiment_id ${ID_PK},
  name TEXT NOT NULL UNIQUE,
  artifact_location TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL,
  creation_time BIGINT NOT NULL,
  last_update_time BIGINT NOT NULL
);
CREATE TABLE experiment_tags (
  experiment_id BIGINT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);
CREATE TABLE runs (
  run_uuid TEXT NOT NULL PRIMARY KEY,
  experiment_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL,
  status TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT,
  lifecycle_stage TEXT NOT NULL,
  artifact_uri TEXT NOT NULL,
  deleted_time BIGINT
);
CREATE INDEX runs_experiment_stage_start ON runs (experiment_id, lifecycle_stage,
  start_time DESC, run_uuid);
CREATE TABLE metric_chunks (
  chunk_id ${CHUNK_ID},
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  points INTEGER NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX metric_chunks_run_key ON metric_chunks (run_uuid, key);
CREATE TABLE latest_metrics (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value ${DOUBLE} NOT NULL,
  is_nan INTEGER NOT NULL,
  timestamp BIGINT NOT NULL,
  step BIGINT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) ${WITHOUT_ROWID};
CREATE TABLE params (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) ${WITHOUT_ROWID};
CREATE TABLE tags (
  run_uuid TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_uuid, key)
) ${WITHOUT_ROWID};
CREATE TABLE datasets (
  dataset_uuid TEXT NOT NULL PRIMARY KEY,
  experiment_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  dataset_source_type TEXT NOT NULL,
  dataset_source TEXT NOT NULL,
  dataset_schema TEXT NOT NULL,
  dataset_profile TEXT NOT NULL,
  UNIQUE (experiment_id, name, digest)
);
CREATE TABLE inputs (
  input_id ${ID_PK},
  dataset_uuid TEXT NOT NULL,
  run_uuid TEXT NOT NULL,
  UNIQUE (run_uuid, dataset_uuid)
);
CREATE TABLE input_tags (
  input_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (input_id, name)
))sql";
  // Chunk ids only need to be unique: SQLite's plain rowid key skips AUTOINCREMENT's extra
  // sqlite_sequence write per insert. (A WITHOUT ROWID table keyed by (run, key, n) was
  // measured slower: chunk rows are large.)
  sql = absl::StrReplaceAll(sql, {{"${CHUNK_ID}", backend == store::Backend::kSqlite
                                                      ? "INTEGER PRIMARY KEY"
                                                      : "${ID_PK}"}});
  if (backend == store::Backend::kSqlite) {
    sql +=
        ";\nCREATE INDEX params_key_value ON params (key, value);\n"
        "CREATE INDEX tags_key_value ON tags (key, value)";
  } else {
    sql +=
        ";\nCREATE INDEX params_key ON params (key);\n"
        "CREATE INDEX tags_key ON tags (key)";
  }
  return sql;
}

constexpr char kExperimentColumns[] =
    "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, "
    "e.last_update_time";

Experiment ExperimentFromRow(const store::Row& row) {
  Experiment e;
  e.experiment_id = absl::StrCat(row.GetInt(0));
  e.name = row.GetString(1);
  e.artifact_location = row.GetString(2);
  e.lifecycle_stage = row.GetString(3);
  e.creation_time = row.GetInt(4);
  e.last_update_time = row.GetInt(5);
  return e;
}

// Loads tags for experiments (in place).
absl::Status LoadExperimentTags(store::Connection& c, std::vector<Experiment>& experiments) {
  if (experiments.empty()) return absl::OkStatus();
  std::vector<Value> ids;
  for (const Experiment& e : experiments) {
    int64_t id = 0;
    (void)absl::SimpleAtoi(e.experiment_id, &id);
    ids.emplace_back(id);
  }
  return c.ForEach(absl::StrCat("SELECT experiment_id, key, value FROM experiment_tags WHERE "
                                "experiment_id IN (",
                                internal::Placeholders(ids.size()), ") ORDER BY key"),
                   ids, [&](const store::Row& row) {
                     std::string id = absl::StrCat(row.GetInt(0));
                     for (Experiment& e : experiments) {
                       if (e.experiment_id == id) {
                         e.tags.push_back(Tag{row.GetString(1), row.GetString(2)});
                       }
                     }
                     return true;
                   });
}

absl::StatusOr<Experiment> LoadExperiment(store::Connection& c, int64_t id,
                                          std::string_view id_text) {
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne(absl::StrCat("SELECT ", kExperimentColumns,
                                           " FROM experiments e WHERE e.experiment_id = ?"),
                              {Value(id)}));
  if (!row) {
    return absl::NotFoundError(absl::StrCat("No Experiment with id=", AsAbsl(id_text), " exists"));
  }
  std::vector<Experiment> one{ExperimentFromRow(*row)};
  RETURN_IF_ERROR(LoadExperimentTags(c, one));
  return std::move(one[0]);
}

absl::Status ValidateExperimentTag(const Tag& tag) {
  RETURN_IF_ERROR(internal::ValidateKey("tag", tag.key));
  return internal::ValidateLength("Tag value", tag.value, internal::kMaxExperimentTagValueLength);
}

absl::Status AlreadyExists(std::string_view name) {
  return absl::AlreadyExistsError(absl::StrCat("Experiment '", AsAbsl(name), "' already exists."));
}

// "<root>/<id>" without doubling a trailing slash.
std::string JoinUri(std::string_view root, std::string_view child) {
  if (!root.empty() && root.back() == '/') return absl::StrCat(AsAbsl(root), AsAbsl(child));
  return absl::StrCat(AsAbsl(root), "/", AsAbsl(child));
}

}  // namespace

absl::StatusOr<ViewType> ParseViewType(std::string_view s) {
  std::string v = absl::AsciiStrToUpper(AsAbsl(s));
  if (v.empty() || v == "ACTIVE_ONLY" || v == "1") return ViewType::kActiveOnly;
  if (v == "DELETED_ONLY" || v == "2") return ViewType::kDeletedOnly;
  if (v == "ALL" || v == "3") return ViewType::kAll;
  return absl::InvalidArgumentError(absl::StrCat(
      "Invalid view type '", AsAbsl(s), "': expected one of ACTIVE_ONLY, DELETED_ONLY, ALL"));
}

bool IsValidRunStatus(std::string_view s) {
  return s == "RUNNING" || s == "SCHEDULED" || s == "FINISHED" || s == "FAILED" || s == "KILLED";
}

absl::StatusOr<std::unique_ptr<TrackingStore>> TrackingStore::Open(store::Database* db,
                                                                   TrackingOptions opts) {
  if (db == nullptr) return absl::InvalidArgumentError("TrackingStore::Open: null database");
  std::vector<store::Migration> migrations = {{1, "tracking schema", SchemaV1(db->backend())}};
  RETURN_IF_ERROR(db->Migrate("tracking", migrations));
  std::string root = opts.default_artifact_root;
  RETURN_IF_ERROR(db->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    return c
        .Execute(
            "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, "
            "creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            {Value(int64_t{0}), Value(std::string("Default")), Value(JoinUri(root, "0")),
             Value(std::string(kLifecycleActive)), Value(now), Value(now)})
        .status();
  }));
  return std::unique_ptr<TrackingStore>(new TrackingStore(db, std::move(opts)));
}

absl::StatusOr<std::string> TrackingStore::CreateExperiment(std::string_view name,
                                                            std::string_view artifact_location,
                                                            const std::vector<Tag>& tags) {
  RETURN_IF_ERROR(internal::ValidateExperimentName(name));
  for (const Tag& t : tags) RETURN_IF_ERROR(ValidateExperimentTag(t));
  int64_t id = 0;
  absl::Status s = db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> existing,
                     c.QueryOne("SELECT experiment_id FROM experiments WHERE name = ?",
                                {Value(std::string(name))}));
    if (existing) return AlreadyExists(name);
    int64_t now = NowMillis();
    ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        c.QueryOne("INSERT INTO experiments (name, artifact_location, lifecycle_stage, "
                   "creation_time, last_update_time) VALUES (?, ?, ?, ?, ?) "
                   "RETURNING experiment_id",
                   {Value(std::string(name)), Value(std::string(artifact_location)),
                    Value(std::string(kLifecycleActive)), Value(now), Value(now)}));
    if (!row) return absl::InternalError("INSERT ... RETURNING returned no row");
    id = row->GetInt(0);
    if (artifact_location.empty()) {
      RETURN_IF_ERROR(
          c.Execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
                    {Value(JoinUri(opts_.default_artifact_root, absl::StrCat(id))), Value(id)})
              .status());
    }
    for (const Tag& t : tags) {
      RETURN_IF_ERROR(c.Execute("INSERT INTO experiment_tags (experiment_id, key, value) VALUES "
                                "(?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET "
                                "value = excluded.value",
                                {Value(id), Value(t.key), Value(t.value)})
                          .status());
    }
    return absl::OkStatus();
  });
  if (s.code() == absl::StatusCode::kAlreadyExists) return AlreadyExists(name);
  RETURN_IF_ERROR(s);
  return absl::StrCat(id);
}

absl::StatusOr<Experiment> TrackingStore::GetExperiment(std::string_view experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  Experiment out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, LoadExperiment(c, id, experiment_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Experiment> TrackingStore::GetExperimentByName(std::string_view name) {
  Experiment out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat("SELECT ", kExperimentColumns,
                                             " FROM experiments e WHERE e.name = ?"),
                                {Value(std::string(name))}));
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat("Could not find experiment with name '", AsAbsl(name), "'"));
    }
    std::vector<Experiment> one{ExperimentFromRow(*row)};
    RETURN_IF_ERROR(LoadExperimentTags(c, one));
    out = std::move(one[0]);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ExperimentPage> TrackingStore::SearchExperiments(
    const SearchExperimentsRequest& request) {
  RETURN_IF_ERROR(internal::ValidateMaxResults(request.max_results, kMaxResultsLimit));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseExperimentFilter(request.filter));
  std::vector<OrderByTerm> order;
  for (const std::string& o : request.order_by) {
    ASSIGN_OR_RETURN(OrderByTerm t, ParseExperimentOrderBy(o));
    order.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(int64_t offset, internal::DecodePageToken(request.page_token));

  internal::SqlPart q;
  q.sql = absl::StrCat("SELECT ", kExperimentColumns, " FROM experiments e WHERE 1 = 1");
  if (request.view_type != ViewType::kAll) {
    q.sql += " AND e.lifecycle_stage = ?";
    q.params.emplace_back(std::string(
        request.view_type == ViewType::kActiveOnly ? kLifecycleActive : kLifecycleDeleted));
  }
  q.Append(internal::ExperimentFilterSql(terms));
  absl::StrAppend(&q.sql, " ORDER BY ", internal::ExperimentOrderBySql(order), " LIMIT ? OFFSET ?");
  q.params.emplace_back(request.max_results + 1);
  q.params.emplace_back(offset);

  ExperimentPage page;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.experiments.clear();
    RETURN_IF_ERROR(c.ForEach(q.sql, q.params, [&](const store::Row& row) {
      page.experiments.push_back(ExperimentFromRow(row));
      return true;
    }));
    if (static_cast<int64_t>(page.experiments.size()) > request.max_results) {
      page.experiments.resize(request.max_results);
      page.next_page_token = internal::EncodePageToken(offset + request.max_results);
    }
    return LoadExperimentTags(c, page.experiments);
  }));
  return page;
}

absl::Status TrackingStore::UpdateExperiment(std::string_view experiment_id,
                                             std::string_view new_name) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  RETURN_IF_ERROR(internal::ValidateExperimentName(new_name));
  absl::Status s = db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(c, id, experiment_id));
    if (e.lifecycle_stage != kLifecycleActive) {
      return absl::InvalidArgumentError("Cannot rename a non-active experiment. Restore it first.");
    }
    if (e.name == new_name) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::optional<store::Row> existing,
                     c.QueryOne("SELECT experiment_id FROM experiments WHERE name = ?",
                                {Value(std::string(new_name))}));
    if (existing) return AlreadyExists(new_name);
    return c
        .Execute("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
                 {Value(std::string(new_name)), Value(NowMillis()), Value(id)})
        .status();
  });
  if (s.code() == absl::StatusCode::kAlreadyExists) return AlreadyExists(new_name);
  return s;
}

absl::Status TrackingStore::DeleteExperiment(std::string_view experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  if (id == 0) {
    return absl::InvalidArgumentError(
        "Cannot delete the default experiment '0'. This is an internal reserved experiment.");
  }
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(LoadExperiment(c, id, experiment_id).status());
    int64_t now = NowMillis();
    RETURN_IF_ERROR(c.Execute("UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? "
                              "WHERE experiment_id = ?",
                              {Value(std::string(kLifecycleDeleted)), Value(now), Value(id)})
                        .status());
    return c
        .Execute(
            "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? "
            "AND lifecycle_stage = ?",
            {Value(std::string(kLifecycleDeleted)), Value(now), Value(id),
             Value(std::string(kLifecycleActive))})
        .status();
  });
}

absl::Status TrackingStore::RestoreExperiment(std::string_view experiment_id) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(LoadExperiment(c, id, experiment_id).status());
    RETURN_IF_ERROR(c.Execute("UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? "
                              "WHERE experiment_id = ?",
                              {Value(std::string(kLifecycleActive)), Value(NowMillis()), Value(id)})
                        .status());
    return c
        .Execute(
            "UPDATE runs SET lifecycle_stage = ?, deleted_time = NULL WHERE "
            "experiment_id = ?",
            {Value(std::string(kLifecycleActive)), Value(id)})
        .status();
  });
}

absl::Status TrackingStore::SetExperimentTag(std::string_view experiment_id, const Tag& tag) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  RETURN_IF_ERROR(ValidateExperimentTag(tag));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(c, id, experiment_id));
    if (e.lifecycle_stage != kLifecycleActive) {
      return absl::InvalidArgumentError(absl::StrCat(
          "The experiment ", e.experiment_id, " must be in the 'active' state. Current state is ",
          e.lifecycle_stage, "."));
    }
    return c
        .Execute(
            "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
            {Value(id), Value(tag.key), Value(tag.value)})
        .status();
  });
}

absl::Status TrackingStore::DeleteExperimentTag(std::string_view experiment_id,
                                                std::string_view key) {
  ASSIGN_OR_RETURN(int64_t id, internal::ParseExperimentId(experiment_id));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Experiment e, LoadExperiment(c, id, experiment_id));
    if (e.lifecycle_stage != kLifecycleActive) {
      return absl::InvalidArgumentError(absl::StrCat(
          "The experiment ", e.experiment_id, " must be in the 'active' state. Current state is ",
          e.lifecycle_stage, "."));
    }
    ASSIGN_OR_RETURN(int64_t n,
                     c.Execute("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?",
                               {Value(id), Value(std::string(key))}));
    if (n == 0) {
      return absl::NotFoundError(absl::StrCat("No tag with name: ", AsAbsl(key),
                                              " in experiment with id ", e.experiment_id));
    }
    return absl::OkStatus();
  });
}

}  // namespace strata::tracking
