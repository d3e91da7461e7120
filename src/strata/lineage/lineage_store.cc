#include "strata/lineage/lineage_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::lineage {
namespace {

using store::Value;

// Migration 1 of component "lineage". Names are unique per type only when non-empty (partial
// unique indexes: both SQLite and PostgreSQL have them). Events are keyed by (execution,
// artifact, kind): an execution reads or writes a given artifact once.
const store::Migration kMigrations[] = {
    {1, "lineage graph",
     "CREATE TABLE lineage_artifacts ("
     "  id ${ID_PK},"
     "  type TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  uri TEXT NOT NULL,"
     "  properties_json TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL);"
     "CREATE UNIQUE INDEX lineage_artifacts_type_name ON lineage_artifacts (type, name) "
     "  WHERE name <> '';"
     "CREATE INDEX lineage_artifacts_uri ON lineage_artifacts (uri);"
     "CREATE TABLE lineage_executions ("
     "  id ${ID_PK},"
     "  type TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  properties_json TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  updated_at_ms BIGINT NOT NULL);"
     "CREATE TABLE lineage_contexts ("
     "  id ${ID_PK},"
     "  type TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  properties_json TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  UNIQUE (type, name));"
     "CREATE TABLE lineage_events ("
     "  execution_id BIGINT NOT NULL REFERENCES lineage_executions (id),"
     "  artifact_id BIGINT NOT NULL REFERENCES lineage_artifacts (id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),"
     "  role TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (execution_id, artifact_id, kind));"
     "CREATE INDEX lineage_events_artifact ON lineage_events (artifact_id);"
     "CREATE TABLE lineage_attributions ("
     "  context_id BIGINT NOT NULL REFERENCES lineage_contexts (id),"
     "  artifact_id BIGINT NOT NULL REFERENCES lineage_artifacts (id),"
     "  PRIMARY KEY (context_id, artifact_id));"
     "CREATE TABLE lineage_associations ("
     "  context_id BIGINT NOT NULL REFERENCES lineage_contexts (id),"
     "  execution_id BIGINT NOT NULL REFERENCES lineage_executions (id),"
     "  PRIMARY KEY (context_id, execution_id))"},
};

constexpr char kArtifactColumns[] = "id, type, name, uri, properties_json, created_at_ms";
constexpr char kExecutionColumns[] =
    "id, type, name, state, properties_json, created_at_ms, updated_at_ms";
constexpr char kContextColumns[] = "id, type, name, properties_json, created_at_ms";
constexpr char kEventColumns[] = "artifact_id, execution_id, kind, role, created_at_ms";

constexpr ExecutionState kAllStates[] = {ExecutionState::kRunning, ExecutionState::kComplete,
                                         ExecutionState::kFailed, ExecutionState::kCached,
                                         ExecutionState::kCanceled};

ExecutionState StateFromName(std::string_view name) {
  for (ExecutionState s : kAllStates) {
    if (ExecutionStateName(s) == name) return s;
  }
  return ExecutionState::kRunning;
}

absl::Status CheckProperties(std::string_view what, std::string_view json) {
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": properties must be a JSON object"));
  }
  return absl::OkStatus();
}

Artifact ArtifactFromRow(const store::Row& r) {
  return {r.GetInt(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
          r.GetInt(5)};
}

Execution ExecutionFromRow(const store::Row& r) {
  return {r.GetInt(0),    r.GetString(1), r.GetString(2), StateFromName(r.GetString(3)),
          r.GetString(4), r.GetInt(5),    r.GetInt(6)};
}

Context ContextFromRow(const store::Row& r) {
  return {r.GetInt(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt(4)};
}

Event EventFromRow(const store::Row& r) {
  return {r.GetInt(0), r.GetInt(1),
          r.GetString(2) == "output" ? EventKind::kOutput : EventKind::kInput, r.GetString(3),
          r.GetInt(4)};
}

std::string_view KindName(EventKind kind) { return kind == EventKind::kInput ? "input" : "output"; }

absl::StatusOr<Artifact> PutArtifactIn(store::Connection& c, Artifact a) {
  if (a.type.empty()) return absl::InvalidArgumentError("artifact: type must not be empty");
  RETURN_IF_ERROR(CheckProperties("artifact", a.properties_json));
  if (!a.name.empty()) {
    const Value key[] = {a.type, a.name};
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat("SELECT ", kArtifactColumns,
                                             " FROM lineage_artifacts WHERE type = ? AND name = ?"),
                                key));
    if (row) return ArtifactFromRow(*row);
  }
  a.created_at_ms = NowMillis();
  const Value p[] = {a.type, a.name, a.uri, a.properties_json, a.created_at_ms};
  ASSIGN_OR_RETURN(std::optional<store::Row> id,
                   c.QueryOne("INSERT INTO lineage_artifacts (type, name, uri, properties_json, "
                              "created_at_ms) VALUES (?, ?, ?, ?, ?) RETURNING id",
                              p));
  a.id = id ? id->GetInt(0) : 0;
  return a;
}

absl::StatusOr<Execution> PutExecutionIn(store::Connection& c, Execution e) {
  if (e.type.empty()) return absl::InvalidArgumentError("execution: type must not be empty");
  RETURN_IF_ERROR(CheckProperties("execution", e.properties_json));
  e.created_at_ms = e.updated_at_ms = NowMillis();
  const Value p[] = {e.type,          e.name,          std::string(ExecutionStateName(e.state)),
                     e.properties_json, e.created_at_ms, e.updated_at_ms};
  ASSIGN_OR_RETURN(std::optional<store::Row> id,
                   c.QueryOne("INSERT INTO lineage_executions (type, name, state, "
                              "properties_json, created_at_ms, updated_at_ms) "
                              "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                              p));
  e.id = id ? id->GetInt(0) : 0;
  return e;
}

absl::Status Exists(store::Connection& c, const char* table, int64_t id, const char* what) {
  const Value p[] = {id};
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne(absl::StrCat("SELECT 1 FROM ", table, " WHERE id = ?"), p));
  if (!row) return absl::NotFoundError(absl::StrCat(what, " ", id, " does not exist"));
  return absl::OkStatus();
}

absl::Status AddEventIn(store::Connection& c, const Event& e) {
  RETURN_IF_ERROR(Exists(c, "lineage_artifacts", e.artifact_id, "artifact"));
  RETURN_IF_ERROR(Exists(c, "lineage_executions", e.execution_id, "execution"));
  const Value p[] = {e.execution_id, e.artifact_id, std::string(KindName(e.kind)), e.role,
                     NowMillis()};
  return c
      .Execute("INSERT INTO lineage_events (execution_id, artifact_id, kind, role, "
               "created_at_ms) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT (execution_id, artifact_id, kind) DO NOTHING",
               p)
      .status();
}

absl::Status LinkIn(store::Connection& c, const char* table, const char* column,
                    const char* target_table, const char* what, int64_t context_id,
                    int64_t target_id) {
  RETURN_IF_ERROR(Exists(c, "lineage_contexts", context_id, "context"));
  RETURN_IF_ERROR(Exists(c, target_table, target_id, what));
  const Value p[] = {context_id, target_id};
  return c
      .Execute(absl::StrCat("INSERT INTO ", table, " (context_id, ", column,
                            ") VALUES (?, ?) ON CONFLICT (context_id, ", column, ") DO NOTHING"),
               p)
      .status();
}

}  // namespace

std::string_view ExecutionStateName(ExecutionState state) {
  switch (state) {
    case ExecutionState::kRunning:
      return "running";
    case ExecutionState::kComplete:
      return "complete";
    case ExecutionState::kFailed:
      return "failed";
    case ExecutionState::kCached:
      return "cached";
    case ExecutionState::kCanceled:
      return "canceled";
  }
  return "running";
}

absl::StatusOr<std::unique_ptr<LineageStore>> LineageStore::Open(store::Database* db) {
  RETURN_IF_ERROR(db->Migrate("lineage", kMigrations));
  return std::unique_ptr<LineageStore>(new LineageStore(db));
}

absl::StatusOr<Artifact> LineageStore::PutArtifact(Artifact artifact) {
  Artifact out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, PutArtifactIn(c, artifact));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Artifact> LineageStore::GetArtifact(int64_t id) {
  std::optional<store::Row> row;
  const Value p[] = {id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(row, c.QueryOne(absl::StrCat("SELECT ", kArtifactColumns,
                                                  " FROM lineage_artifacts WHERE id = ?"),
                                     p));
    return absl::OkStatus();
  }));
  if (!row) return absl::NotFoundError(absl::StrCat("artifact ", id, " does not exist"));
  return ArtifactFromRow(*row);
}

absl::StatusOr<std::optional<Artifact>> LineageStore::FindArtifact(std::string_view type,
                                                                   std::string_view name) {
  std::optional<store::Row> row;
  const Value p[] = {std::string(type), std::string(name)};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(row, c.QueryOne(absl::StrCat("SELECT ", kArtifactColumns,
                                                  " FROM lineage_artifacts WHERE type = ? AND "
                                                  "name = ?"),
                                     p));
    return absl::OkStatus();
  }));
  if (!row) return std::optional<Artifact>();
  return std::optional<Artifact>(ArtifactFromRow(*row));
}

absl::StatusOr<std::vector<Artifact>> LineageStore::ListArtifacts(std::string_view type,
                                                                  int64_t limit) {
  std::vector<Artifact> out;
  const Value p[] = {std::string(type), std::string(type), limit};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach(absl::StrCat("SELECT ", kArtifactColumns,
                                  " FROM lineage_artifacts WHERE (? = '' OR type = ?) "
                                  "ORDER BY id DESC LIMIT ?"),
                     p, [&](const store::Row& r) {
                       out.push_back(ArtifactFromRow(r));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<Execution> LineageStore::PutExecution(Execution execution) {
  Execution out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, PutExecutionIn(c, execution));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Execution> LineageStore::GetExecution(int64_t id) {
  std::optional<store::Row> row;
  const Value p[] = {id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(row, c.QueryOne(absl::StrCat("SELECT ", kExecutionColumns,
                                                  " FROM lineage_executions WHERE id = ?"),
                                     p));
    return absl::OkStatus();
  }));
  if (!row) return absl::NotFoundError(absl::StrCat("execution ", id, " does not exist"));
  return ExecutionFromRow(*row);
}

absl::Status LineageStore::UpdateExecution(int64_t id, ExecutionState state,
                                           std::optional<std::string> properties_json) {
  if (properties_json) RETURN_IF_ERROR(CheckProperties("execution", *properties_json));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    const Value p[] = {std::string(ExecutionStateName(state)),
                       properties_json ? Value(*properties_json) : store::Null(),
                       NowMillis(), id};
    ASSIGN_OR_RETURN(int64_t changed,
                     c.Execute("UPDATE lineage_executions SET state = ?, properties_json = "
                               "COALESCE(CAST(? AS TEXT), properties_json), updated_at_ms = ? "
                               "WHERE id = ?",
                               p));
    if (changed == 0) return absl::NotFoundError(absl::StrCat("execution ", id, " does not exist"));
    return absl::OkStatus();
  });
}

absl::StatusOr<Context> LineageStore::PutContext(Context context) {
  if (context.type.empty() || context.name.empty()) {
    return absl::InvalidArgumentError("context: type and name must not be empty");
  }
  RETURN_IF_ERROR(CheckProperties("context", context.properties_json));
  Context out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    const Value key[] = {context.type, context.name};
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat("SELECT ", kContextColumns,
                                             " FROM lineage_contexts WHERE type = ? AND name = ?"),
                                key));
    if (row) {
      out = ContextFromRow(*row);
      return absl::OkStatus();
    }
    out = context;
    out.created_at_ms = NowMillis();
    const Value p[] = {out.type, out.name, out.properties_json, out.created_at_ms};
    ASSIGN_OR_RETURN(std::optional<store::Row> id,
                     c.QueryOne("INSERT INTO lineage_contexts (type, name, properties_json, "
                                "created_at_ms) VALUES (?, ?, ?, ?) RETURNING id",
                                p));
    out.id = id ? id->GetInt(0) : 0;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Context>> LineageStore::FindContext(std::string_view type,
                                                                 std::string_view name) {
  std::optional<store::Row> row;
  const Value p[] = {std::string(type), std::string(name)};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(row, c.QueryOne(absl::StrCat("SELECT ", kContextColumns,
                                                  " FROM lineage_contexts WHERE type = ? AND "
                                                  "name = ?"),
                                     p));
    return absl::OkStatus();
  }));
  if (!row) return std::optional<Context>();
  return std::optional<Context>(ContextFromRow(*row));
}

absl::Status LineageStore::AddEvent(const Event& event) {
  return db_->Transaction([&](store::Connection& c) { return AddEventIn(c, event); });
}

absl::Status LineageStore::Attribute(int64_t context_id, int64_t artifact_id) {
  return db_->Transaction([&](store::Connection& c) {
    return LinkIn(c, "lineage_attributions", "artifact_id", "lineage_artifacts", "artifact",
                  context_id, artifact_id);
  });
}

absl::Status LineageStore::Associate(int64_t context_id, int64_t execution_id) {
  return db_->Transaction([&](store::Connection& c) {
    return LinkIn(c, "lineage_associations", "execution_id", "lineage_executions", "execution",
                  context_id, execution_id);
  });
}

absl::StatusOr<Execution> LineageStore::RecordExecution(Execution execution,
                                                        std::vector<Io>& inputs,
                                                        std::vector<Io>& outputs,
                                                        int64_t context_id) {
  Execution out;
  std::vector<Io> in_copy, out_copy;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    in_copy = inputs;
    out_copy = outputs;
    ASSIGN_OR_RETURN(out, PutExecutionIn(c, execution));
    if (context_id != 0) {
      RETURN_IF_ERROR(LinkIn(c, "lineage_associations", "execution_id", "lineage_executions",
                             "execution", context_id, out.id));
    }
    for (auto* list : {&in_copy, &out_copy}) {
      const EventKind kind = list == &in_copy ? EventKind::kInput : EventKind::kOutput;
      for (Io& io : *list) {
        ASSIGN_OR_RETURN(io.artifact, PutArtifactIn(c, io.artifact));
        RETURN_IF_ERROR(AddEventIn(c, {io.artifact.id, out.id, kind, io.role, 0}));
        if (context_id != 0) {
          RETURN_IF_ERROR(LinkIn(c, "lineage_attributions", "artifact_id", "lineage_artifacts",
                                 "artifact", context_id, io.artifact.id));
        }
      }
    }
    return absl::OkStatus();
  }));
  inputs = std::move(in_copy);
  outputs = std::move(out_copy);
  return out;
}

absl::StatusOr<std::vector<Event>> LineageStore::EventsOfArtifact(int64_t artifact_id) {
  std::vector<Event> out;
  const Value p[] = {artifact_id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach(absl::StrCat("SELECT ", kEventColumns,
                                  " FROM lineage_events WHERE artifact_id = ? "
                                  "ORDER BY execution_id, kind"),
                     p, [&](const store::Row& r) {
                       out.push_back(EventFromRow(r));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<std::vector<Event>> LineageStore::EventsOfExecution(int64_t execution_id) {
  std::vector<Event> out;
  const Value p[] = {execution_id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach(absl::StrCat("SELECT ", kEventColumns,
                                  " FROM lineage_events WHERE execution_id = ? "
                                  "ORDER BY artifact_id, kind"),
                     p, [&](const store::Row& r) {
                       out.push_back(EventFromRow(r));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<std::vector<Artifact>> LineageStore::ArtifactsOfContext(int64_t context_id) {
  std::vector<Artifact> out;
  const Value p[] = {context_id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach("SELECT a.id, a.type, a.name, a.uri, a.properties_json, a.created_at_ms "
                     "FROM lineage_artifacts a JOIN lineage_attributions t "
                     "ON t.artifact_id = a.id WHERE t.context_id = ? ORDER BY a.id",
                     p, [&](const store::Row& r) {
                       out.push_back(ArtifactFromRow(r));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<std::vector<Execution>> LineageStore::ExecutionsOfContext(int64_t context_id) {
  std::vector<Execution> out;
  const Value p[] = {context_id};
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    return c.ForEach("SELECT e.id, e.type, e.name, e.state, e.properties_json, e.created_at_ms, "
                     "e.updated_at_ms FROM lineage_executions e JOIN lineage_associations t "
                     "ON t.execution_id = e.id WHERE t.context_id = ? ORDER BY e.id",
                     p, [&](const store::Row& r) {
                       out.push_back(ExecutionFromRow(r));
                       return true;
                     });
  }));
  return out;
}

absl::StatusOr<LineageGraph> LineageStore::Trace(int64_t artifact_id, Direction direction,
                                                 int max_hops) {
  // Breadth-first over executions: from an artifact, follow the events of the kind that leads
  // `direction` (upstream: the executions that output it, then their inputs) one hop at a
  // time, all in one read transaction so the graph is a consistent snapshot.
  const std::string toward = direction == Direction::kUpstream ? "output" : "input";
  const std::string away = direction == Direction::kUpstream ? "input" : "output";
  std::map<int64_t, Artifact> artifacts;
  std::map<int64_t, Execution> executions;
  std::set<std::tuple<int64_t, int64_t, int>> seen_events;
  std::vector<Event> events;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    auto load_artifact = [&](int64_t id) -> absl::Status {
      if (artifacts.count(id)) return absl::OkStatus();
      const Value p[] = {id};
      ASSIGN_OR_RETURN(std::optional<store::Row> row,
                       c.QueryOne(absl::StrCat("SELECT ", kArtifactColumns,
                                               " FROM lineage_artifacts WHERE id = ?"),
                                  p));
      if (!row) return absl::NotFoundError(absl::StrCat("artifact ", id, " does not exist"));
      artifacts[id] = ArtifactFromRow(*row);
      return absl::OkStatus();
    };
    auto note_event = [&](const Event& e) {
      if (seen_events.insert({e.execution_id, e.artifact_id, static_cast<int>(e.kind)}).second) {
        events.push_back(e);
      }
    };
    RETURN_IF_ERROR(load_artifact(artifact_id));
    std::vector<int64_t> frontier = {artifact_id};
    for (int hop = 0; hop < max_hops && !frontier.empty(); ++hop) {
      std::vector<int64_t> next;
      for (int64_t a : frontier) {
        const Value p[] = {a, toward};
        ASSIGN_OR_RETURN(std::vector<store::Row> linked,
                         c.Query(absl::StrCat("SELECT ", kEventColumns,
                                              " FROM lineage_events WHERE artifact_id = ? AND "
                                              "kind = ? ORDER BY execution_id"),
                                 p));
        for (const store::Row& r : linked) {
          const Event e = EventFromRow(r);
          note_event(e);
          if (executions.count(e.execution_id)) continue;
          const Value q[] = {e.execution_id};
          ASSIGN_OR_RETURN(std::optional<store::Row> exec,
                           c.QueryOne(absl::StrCat("SELECT ", kExecutionColumns,
                                                   " FROM lineage_executions WHERE id = ?"),
                                      q));
          if (!exec) continue;
          executions[e.execution_id] = ExecutionFromRow(*exec);
          const Value x[] = {e.execution_id, away};
          ASSIGN_OR_RETURN(std::vector<store::Row> far,
                           c.Query(absl::StrCat("SELECT ", kEventColumns,
                                                " FROM lineage_events WHERE execution_id = ? "
                                                "AND kind = ? ORDER BY artifact_id"),
                                   x));
          for (const store::Row& fr : far) {
            const Event fe = EventFromRow(fr);
            note_event(fe);
            if (!artifacts.count(fe.artifact_id)) {
              RETURN_IF_ERROR(load_artifact(fe.artifact_id));
              next.push_back(fe.artifact_id);
            }
          }
        }
      }
      frontier = std::move(next);
    }
    return absl::OkStatus();
  }));
  LineageGraph graph;
  for (auto& [id, a] : artifacts) graph.artifacts.push_back(std::move(a));
  for (auto& [id, e] : executions) graph.executions.push_back(std::move(e));
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.execution_id, a.artifact_id, a.kind) <
           std::tie(b.execution_id, b.artifact_id, b.kind);
  });
  graph.events = std::move(events);
  return graph;
}

namespace {

nlohmann::json ArtifactJson(const Artifact& a) {
  return {{"id", a.id},
          {"type", a.type},
          {"name", a.name},
          {"uri", a.uri},
          {"properties", nlohmann::json::parse(a.properties_json, nullptr, false)},
          {"created_at_ms", a.created_at_ms}};
}

nlohmann::json ExecutionJson(const Execution& e) {
  return {{"id", e.id},
          {"type", e.type},
          {"name", e.name},
          {"state", ExecutionStateName(e.state)},
          {"properties", nlohmann::json::parse(e.properties_json, nullptr, false)},
          {"created_at_ms", e.created_at_ms},
          {"updated_at_ms", e.updated_at_ms}};
}

}  // namespace

std::string ArtifactToJson(const Artifact& artifact) { return ArtifactJson(artifact).dump(); }
std::string ExecutionToJson(const Execution& execution) {
  return ExecutionJson(execution).dump();
}

std::string GraphToJson(const LineageGraph& graph) {
  nlohmann::json out = {{"artifacts", nlohmann::json::array()},
                        {"executions", nlohmann::json::array()},
                        {"events", nlohmann::json::array()}};
  for (const Artifact& a : graph.artifacts) out["artifacts"].push_back(ArtifactJson(a));
  for (const Execution& e : graph.executions) out["executions"].push_back(ExecutionJson(e));
  for (const Event& e : graph.events) {
    out["events"].push_back({{"artifact_id", e.artifact_id},
                             {"execution_id", e.execution_id},
                             {"kind", KindName(e.kind)},
                             {"role", e.role}});
  }
  return out.dump();
}

}  // namespace strata::lineage
