// TrackingStore: run lifecycle and logging (metrics, params, tags, batches, inputs, models).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"
#include "strata/base/clock.h"
#include "strata/base/ids.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/tracking/internal/metric_chunks.h"
#include "strata/tracking/internal/run_rows.h"
#include "strata/tracking/internal/validation.h"
#include "strata/tracking/tracking_store.h"

namespace strata::tracking {
namespace {

using store::Value;

constexpr char kLogModelHistoryTag[] = "mlflow.log-model.history";

absl::Status ValidateRunTag(const Tag& tag) {
  RETURN_IF_ERROR(internal::ValidateKey("tag", tag.key));
  return internal::ValidateLength("Tag value", tag.value, internal::kMaxRunTagValueLength);
}

absl::Status ValidateParam(const Param& p) {
  RETURN_IF_ERROR(internal::ValidateKey("param", p.key));
  return internal::ValidateLength("Param value", p.value, internal::kMaxParamValueLength);
}

Value S(std::string_view s) { return Value(std::string(s)); }

// NaN is stored as value 0 with is_nan = 1 (SQLite turns NaN into NULL).
double StoredValue(const Metric& m) { return std::isnan(m.value) ? 0.0 : m.value; }

void AppendMetricValues(std::string_view run_id, const Metric& m, std::vector<Value>& out) {
  out.push_back(S(run_id));
  out.push_back(Value(m.key));
  out.push_back(Value(StoredValue(m)));
  out.push_back(Value(int64_t{std::isnan(m.value)}));
  out.push_back(Value(m.timestamp));
  out.push_back(Value(m.step));
}

// MLflow's "latest" value of a key: highest step, then latest timestamp, then largest value.
// Strict: of equal candidates the one stored first stays.
bool IsLaterMetric(const Metric& a, const Metric& b) {
  if (a.step != b.step) return a.step > b.step;
  if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
  return StoredValue(a) > StoredValue(b);
}

absl::Status UpsertLatestMetric(store::Connection& c, std::string_view run_id, const Metric& m) {
  std::vector<Value> params;
  params.reserve(6);
  AppendMetricValues(run_id, m, params);
  // The same ordering as IsLaterMetric, against what is already stored.
  return c
      .Execute(
          "INSERT INTO latest_metrics (run_uuid, key, value, is_nan, timestamp, step) "
          "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET "
          "value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, "
          "step = excluded.step WHERE excluded.step > latest_metrics.step OR "
          "(excluded.step = latest_metrics.step AND (excluded.timestamp > "
          "latest_metrics.timestamp OR (excluded.timestamp = latest_metrics.timestamp AND "
          "excluded.value > latest_metrics.value)))",
          params)
      .status();
}

// Stores the points of each key as one metric_chunks row and moves each key's latest value
// forward once per key rather than once per point.
absl::Status InsertMetrics(store::Connection& c, std::string_view run_id,
                           absl::Span<const Metric> metrics) {
  // Keys in order of first appearance, for a deterministic write order.
  absl::flat_hash_map<std::string_view, size_t> slot_of_key;
  std::vector<std::vector<const Metric*>> points_by_key;
  std::vector<const Metric*> latest;
  for (const Metric& m : metrics) {
    auto [it, inserted] = slot_of_key.emplace(m.key, points_by_key.size());
    if (inserted) {
      points_by_key.emplace_back();
      latest.push_back(&m);
    } else if (IsLaterMetric(m, *latest[it->second])) {
      latest[it->second] = &m;
    }
    points_by_key[it->second].push_back(&m);
  }
  std::string data;
  for (size_t k = 0; k < points_by_key.size(); ++k) {
    const std::vector<const Metric*>& points = points_by_key[k];
    data.clear();
    internal::EncodeMetricPoints(points, data);
    RETURN_IF_ERROR(c.Execute("INSERT INTO metric_chunks (run_uuid, key, points, data) "
                              "VALUES (?, ?, ?, ?)",
                              {S(run_id), Value(points[0]->key),
                               Value(static_cast<int64_t>(points.size())), Value(data)})
                        .status());
    RETURN_IF_ERROR(UpsertLatestMetric(c, run_id, *latest[k]));
  }
  return absl::OkStatus();
}

absl::Status InsertParam(store::Connection& c, std::string_view run_id, const Param& p) {
  ASSIGN_OR_RETURN(int64_t n, c.Execute("INSERT INTO params (run_uuid, key, value) VALUES "
                                        "(?, ?, ?) ON CONFLICT (run_uuid, key) DO NOTHING",
                                        {S(run_id), Value(p.key), Value(p.value)}));
  if (n > 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne("SELECT value FROM params WHERE run_uuid = ? AND key = ?",
                              {S(run_id), Value(p.key)}));
  std::string old = row ? row->GetString(0) : "";
  if (old == p.value) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("Changing param values is not allowed. Param with key='", p.key,
                   "' was already logged with value='", old, "' for run ID='", AsAbsl(run_id),
                   "'. Attempted logging new value '", p.value, "'."));
}

absl::Status UpsertTag(store::Connection& c, std::string_view run_id, const Tag& t) {
  RETURN_IF_ERROR(c.Execute("INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value",
                            {S(run_id), Value(t.key), Value(t.value)})
                      .status());
  if (t.key == kRunNameTag) {
    RETURN_IF_ERROR(
        c.Execute("UPDATE runs SET name = ? WHERE run_uuid = ?", {Value(t.value), S(run_id)})
            .status());
  }
  return absl::OkStatus();
}

absl::Status BatchLimit(std::string_view what, size_t limit, size_t n) {
  if (n <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("A batch logging request can contain at most ",
                                                 limit, " ", AsAbsl(what), ". Got ", n, " ",
                                                 AsAbsl(what), ". Please split up ", AsAbsl(what),
                                                 " across multiple requests and try again."));
}

}  // namespace

absl::StatusOr<Run> TrackingStore::CreateRun(const CreateRunRequest& request) {
  ASSIGN_OR_RETURN(int64_t exp_id, internal::ParseExperimentId(request.experiment_id));
  for (const Tag& t : request.tags) RETURN_IF_ERROR(ValidateRunTag(t));
  std::string run_name = request.run_name;
  const Tag* name_tag = nullptr;
  for (const Tag& t : request.tags) {
    if (t.key == kRunNameTag) name_tag = &t;
  }
  if (name_tag != nullptr && !run_name.empty() && name_tag->value != run_name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different "
        "values (run_name='",
        run_name, "', mlflow.runName='", name_tag->value, "')."));
  }
  if (run_name.empty() && name_tag != nullptr) run_name = name_tag->value;
  if (run_name.empty()) run_name = internal::GenerateRunName();

  Run run;
  run.info.run_id = NewId();
  run.info.experiment_id = absl::StrCat(exp_id);
  run.info.run_name = run_name;
  run.info.user_id = request.user_id;
  run.info.status = "RUNNING";
  run.info.start_time = request.start_time.value_or(NowMillis());
  run.info.lifecycle_stage = std::string(kLifecycleActive);
  // Later duplicates win, as with repeated set-tag calls; mlflow.runName always matches.
  std::map<std::string, std::string> tags;
  for (const Tag& t : request.tags) tags[t.key] = t.value;
  tags[std::string(kRunNameTag)] = run_name;

  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> exp,
                     c.QueryOne("SELECT lifecycle_stage, artifact_location FROM experiments "
                                "WHERE experiment_id = ?",
                                {Value(exp_id)}));
    if (!exp) {
      return absl::NotFoundError(
          absl::StrCat("No Experiment with id=", request.experiment_id, " exists"));
    }
    if (exp->GetString(0) != kLifecycleActive) {
      return absl::InvalidArgumentError(absl::StrCat(
          "The experiment ", exp_id, " must be in the 'active' state. Current state is ",
          exp->GetString(0), "."));
    }
    std::string root = exp->GetString(1);
    while (!root.empty() && root.back() == '/') root.pop_back();
    run.info.artifact_uri = absl::StrCat(root, "/", run.info.run_id, "/artifacts");
    RETURN_IF_ERROR(
        c.Execute("INSERT INTO runs (run_uuid, experiment_id, name, user_id, status, start_time, "
                  "end_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                  {Value(run.info.run_id), Value(exp_id), Value(run.info.run_name),
                   Value(run.info.user_id), Value(run.info.status), Value(run.info.start_time),
                   Value(run.info.lifecycle_stage), Value(run.info.artifact_uri)})
            .status());
    for (const auto& [k, v] : tags) {
      RETURN_IF_ERROR(c.Execute("INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?)",
                                {Value(run.info.run_id), Value(k), Value(v)})
                          .status());
    }
    return absl::OkStatus();
  }));
  for (const auto& [k, v] : tags) run.data.tags.push_back(Tag{k, v});
  return run;
}

absl::StatusOr<Run> TrackingStore::GetRun(std::string_view run_id) {
  std::vector<Run> runs(1);
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    runs[0] = Run();
    ASSIGN_OR_RETURN(runs[0].info, internal::LoadRunInfo(c, run_id));
    return internal::LoadRunDetails(c, runs);
  }));
  return std::move(runs[0]);
}

absl::StatusOr<RunInfo> TrackingStore::UpdateRun(const UpdateRunRequest& request) {
  if (request.status && !IsValidRunStatus(*request.status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid run status '", *request.status,
                     "': expected one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED"));
  }
  if (request.run_name && !request.run_name->empty()) {
    RETURN_IF_ERROR(ValidateRunTag(Tag{std::string(kRunNameTag), *request.run_name}));
  }
  RunInfo info;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, request.run_id));
    if (request.status) {
      RETURN_IF_ERROR(c.Execute("UPDATE runs SET status = ? WHERE run_uuid = ?",
                                {Value(*request.status), Value(request.run_id)})
                          .status());
    }
    if (request.end_time) {
      RETURN_IF_ERROR(c.Execute("UPDATE runs SET end_time = ? WHERE run_uuid = ?",
                                {Value(*request.end_time), Value(request.run_id)})
                          .status());
    }
    if (request.run_name && !request.run_name->empty()) {
      RETURN_IF_ERROR(
          UpsertTag(c, request.run_id, Tag{std::string(kRunNameTag), *request.run_name}));
    }
    ASSIGN_OR_RETURN(info, internal::LoadRunInfo(c, request.run_id));
    return absl::OkStatus();
  }));
  return info;
}

absl::Status TrackingStore::DeleteRun(std::string_view run_id) {
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::LoadRunInfo(c, run_id).status());
    return c
        .Execute("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?",
                 {S(kLifecycleDeleted), Value(NowMillis()), S(run_id)})
        .status();
  });
}

absl::Status TrackingStore::RestoreRun(std::string_view run_id) {
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::LoadRunInfo(c, run_id).status());
    return c
        .Execute("UPDATE runs SET lifecycle_stage = ?, deleted_time = NULL WHERE run_uuid = ?",
                 {S(kLifecycleActive), S(run_id)})
        .status();
  });
}

absl::Status TrackingStore::LogMetric(std::string_view run_id, const Metric& metric) {
  RETURN_IF_ERROR(internal::ValidateKey("metric", metric.key));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    return InsertMetrics(c, run_id, absl::MakeConstSpan(&metric, 1));
  });
}

absl::Status TrackingStore::LogParam(std::string_view run_id, const Param& param) {
  RETURN_IF_ERROR(ValidateParam(param));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    return InsertParam(c, run_id, param);
  });
}

absl::Status TrackingStore::SetTag(std::string_view run_id, const Tag& tag) {
  RETURN_IF_ERROR(ValidateRunTag(tag));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    return UpsertTag(c, run_id, tag);
  });
}

absl::Status TrackingStore::DeleteTag(std::string_view run_id, std::string_view key) {
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM tags WHERE run_uuid = ? AND key = ?",
                                          {S(run_id), S(key)}));
    if (n == 0) {
      return absl::NotFoundError(
          absl::StrCat("No tag with name: ", AsAbsl(key), " in run with id ", AsAbsl(run_id)));
    }
    return absl::OkStatus();
  });
}

absl::Status TrackingStore::LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                                     const std::vector<Param>& params,
                                     const std::vector<Tag>& tags) {
  RETURN_IF_ERROR(BatchLimit("metrics", kMaxMetricsPerBatch, metrics.size()));
  RETURN_IF_ERROR(BatchLimit("params", kMaxParamsTagsPerBatch, params.size()));
  RETURN_IF_ERROR(BatchLimit("tags", kMaxParamsTagsPerBatch, tags.size()));
  size_t total = metrics.size() + params.size() + tags.size();
  if (total > kMaxEntitiesPerBatch) {
    return absl::InvalidArgumentError(absl::StrCat(
        "A batch logging request can contain at most ", kMaxEntitiesPerBatch,
        " metrics, params, and tags in total. Received ", total,
        " in total. Please split up the request across multiple requests and try again."));
  }
  for (const Metric& m : metrics) RETURN_IF_ERROR(internal::ValidateKey("metric", m.key));
  for (const Tag& t : tags) RETURN_IF_ERROR(ValidateRunTag(t));
  // One value per param key inside the batch; exact repeats collapse.
  std::vector<Param> unique_params;
  absl::flat_hash_map<std::string, std::string> seen;
  std::vector<std::string> conflicting;
  for (const Param& p : params) {
    RETURN_IF_ERROR(ValidateParam(p));
    auto [it, inserted] = seen.emplace(p.key, p.value);
    if (inserted) {
      unique_params.push_back(p);
    } else if (it->second != p.value &&
               std::find(conflicting.begin(), conflicting.end(), p.key) == conflicting.end()) {
      conflicting.push_back(p.key);
    }
  }
  if (!conflicting.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Duplicate parameter keys have been submitted: [", absl::StrJoin(conflicting, ", "),
        "]. Please ensure the request contains only one param value per param key."));
  }
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    for (const Param& p : unique_params) RETURN_IF_ERROR(InsertParam(c, run_id, p));
    RETURN_IF_ERROR(InsertMetrics(c, run_id, metrics));
    for (const Tag& t : tags) RETURN_IF_ERROR(UpsertTag(c, run_id, t));
    return absl::OkStatus();
  });
}

absl::Status TrackingStore::LogInputs(std::string_view run_id,
                                      const std::vector<DatasetInput>& inputs) {
  for (const DatasetInput& in : inputs) {
    const Dataset& d = in.dataset;
    if (d.name.empty() || d.digest.empty() || d.source_type.empty() || d.source.empty()) {
      return absl::InvalidArgumentError(
          "A dataset input must have a non-empty name, digest, source_type and source");
    }
    RETURN_IF_ERROR(internal::ValidateLength("Dataset name", d.name, 500));
    RETURN_IF_ERROR(internal::ValidateLength("Dataset digest", d.digest, 36));
    for (const Tag& t : in.tags) {
      RETURN_IF_ERROR(ValidateRunTag(t));
    }
  }
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    ASSIGN_OR_RETURN(RunInfo info, internal::LoadRunInfo(c, run_id));
    int64_t exp_id = 0;
    (void)absl::SimpleAtoi(info.experiment_id, &exp_id);
    for (const DatasetInput& in : inputs) {
      const Dataset& d = in.dataset;
      ASSIGN_OR_RETURN(std::optional<store::Row> existing,
                       c.QueryOne("SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND "
                                  "name = ? AND digest = ?",
                                  {Value(exp_id), Value(d.name), Value(d.digest)}));
      std::string dataset_id;
      if (existing) {
        dataset_id = existing->GetString(0);
      } else {
        dataset_id = NewId();
        RETURN_IF_ERROR(
            c.Execute("INSERT INTO datasets (dataset_uuid, experiment_id, name, "
                      "digest, dataset_source_type, dataset_source, dataset_schema, "
                      "dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      {Value(dataset_id), Value(exp_id), Value(d.name), Value(d.digest),
                       Value(d.source_type), Value(d.source), Value(d.schema), Value(d.profile)})
                .status());
      }
      RETURN_IF_ERROR(c.Execute("INSERT INTO inputs (dataset_uuid, run_uuid) VALUES (?, ?) "
                                "ON CONFLICT (run_uuid, dataset_uuid) DO NOTHING",
                                {Value(dataset_id), S(run_id)})
                          .status());
      ASSIGN_OR_RETURN(std::optional<store::Row> input,
                       c.QueryOne("SELECT input_id FROM inputs WHERE run_uuid = ? AND "
                                  "dataset_uuid = ?",
                                  {S(run_id), Value(dataset_id)}));
      if (!input) return absl::InternalError("input row vanished");
      for (const Tag& t : in.tags) {
        RETURN_IF_ERROR(c.Execute("INSERT INTO input_tags (input_id, name, value) VALUES "
                                  "(?, ?, ?) ON CONFLICT (input_id, name) DO UPDATE SET "
                                  "value = excluded.value",
                                  {Value(input->GetInt(0)), Value(t.key), Value(t.value)})
                            .status());
      }
    }
    return absl::OkStatus();
  });
}

absl::Status TrackingStore::LogModel(std::string_view run_id, std::string_view model_json) {
  nlohmann::json model = nlohmann::json::parse(model_json, nullptr, /*allow_exceptions=*/false);
  if (model.is_discarded() || !model.is_object()) {
    return absl::InvalidArgumentError("Malformed model info: model_json is not a JSON object");
  }
  std::vector<std::string> missing;
  for (const char* f : {"artifact_path", "flavors", "utc_time_created", "run_id"}) {
    if (!model.contains(f)) missing.push_back(f);
  }
  if (!missing.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Model json is missing mandatory fields: ", absl::StrJoin(missing, ", ")));
  }
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::CheckRunActive(c, run_id));
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne("SELECT value FROM tags WHERE run_uuid = ? AND key = ?",
                                {S(run_id), S(kLogModelHistoryTag)}));
    nlohmann::json history = nlohmann::json::array();
    if (row) {
      nlohmann::json old = nlohmann::json::parse(row->GetString(0), nullptr, false);
      if (!old.is_discarded() && old.is_array()) history = std::move(old);
    }
    history.push_back(model);
    return UpsertTag(c, run_id,
                     Tag{kLogModelHistoryTag,
                         history.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  });
}

absl::StatusOr<MetricPage> TrackingStore::GetMetricHistory(std::string_view run_id,
                                                           std::string_view metric_key,
                                                           std::optional<int64_t> max_results,
                                                           std::string_view page_token) {
  if (metric_key.empty()) {
    return absl::InvalidArgumentError("Missing value for required parameter 'metric_key'.");
  }
  int64_t offset = 0;
  if (max_results) {
    RETURN_IF_ERROR(internal::ValidateMaxResults(*max_results, 1000000));
    ASSIGN_OR_RETURN(offset, internal::DecodePageToken(page_token));
  }
  MetricPage page;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.metrics.clear();
    RETURN_IF_ERROR(internal::LoadRunInfo(c, run_id).status());
    std::vector<Metric> history;
    absl::Status decoded = absl::OkStatus();
    RETURN_IF_ERROR(c.ForEach(
        "SELECT data FROM metric_chunks WHERE run_uuid = ? AND key = ? ORDER BY chunk_id",
        {S(run_id), S(metric_key)}, [&](const store::Row& row) {
          decoded = internal::DecodeMetricPoints(row.GetString(0), metric_key, history);
          return decoded.ok();
        }));
    RETURN_IF_ERROR(decoded);
    internal::SortAndDeduplicateHistory(history);
    if (!max_results) {
      page.metrics = std::move(history);
      return absl::OkStatus();
    }
    const size_t first = std::min(history.size(), static_cast<size_t>(offset));
    const size_t last = std::min(history.size(), first + static_cast<size_t>(*max_results) + 1);
    page.metrics.assign(std::make_move_iterator(history.begin() + first),
                        std::make_move_iterator(history.begin() + last));
    if (max_results && static_cast<int64_t>(page.metrics.size()) > *max_results) {
      page.metrics.resize(*max_results);
      page.next_page_token = internal::EncodePageToken(offset + *max_results);
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::string> TrackingStore::RunArtifactUri(std::string_view run_id) {
  std::string uri;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(RunInfo info, internal::LoadRunInfo(c, run_id));
    uri = std::move(info.artifact_uri);
    return absl::OkStatus();
  }));
  return uri;
}

}  // namespace strata::tracking
