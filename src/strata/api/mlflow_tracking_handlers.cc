#include "strata/api/mlflow_tracking_handlers.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/api/request_params.h"
#include "strata/base/status_macros.h"

namespace strata::api {
namespace {

using nlohmann::json;
using tracking::TrackingStore;

// ---- encoding (MLflow's proto3-JSON shapes; empty repeated fields are omitted) ----

json TagsJson(const std::vector<tracking::Tag>& tags) {
  json out = json::array();
  for (const tracking::Tag& t : tags) out.push_back({{"key", t.key}, {"value", t.value}});
  return out;
}

json ExperimentJson(const tracking::Experiment& e) {
  json out = {{"experiment_id", e.experiment_id},         {"name", e.name},
              {"artifact_location", e.artifact_location}, {"lifecycle_stage", e.lifecycle_stage},
              {"last_update_time", e.last_update_time},   {"creation_time", e.creation_time}};
  if (!e.tags.empty()) out["tags"] = TagsJson(e.tags);
  return out;
}

json RunInfoJson(const tracking::RunInfo& i) {
  json out = {{"run_id", i.run_id},
              {"run_uuid", i.run_id},
              {"run_name", i.run_name},
              {"experiment_id", i.experiment_id},
              {"user_id", i.user_id},
              {"status", i.status},
              {"start_time", i.start_time},
              {"artifact_uri", i.artifact_uri},
              {"lifecycle_stage", i.lifecycle_stage}};
  if (i.end_time) out["end_time"] = *i.end_time;
  return out;
}

json MetricJson(const tracking::Metric& m) {
  return {{"key", m.key},
          {"value", DoubleToJson(m.value)},
          {"timestamp", m.timestamp},
          {"step", m.step}};
}

json RunJson(const tracking::Run& run) {
  json data = json::object();
  if (!run.data.metrics.empty()) {
    json metrics = json::array();
    for (const tracking::Metric& m : run.data.metrics) metrics.push_back(MetricJson(m));
    data["metrics"] = std::move(metrics);
  }
  if (!run.data.params.empty()) data["params"] = TagsJson(run.data.params);
  if (!run.data.tags.empty()) data["tags"] = TagsJson(run.data.tags);
  json inputs = json::object();
  if (!run.inputs.dataset_inputs.empty()) {
    json list = json::array();
    for (const tracking::DatasetInput& in : run.inputs.dataset_inputs) {
      const tracking::Dataset& d = in.dataset;
      json ds = {{"name", d.name},
                 {"digest", d.digest},
                 {"source_type", d.source_type},
                 {"source", d.source}};
      if (!d.schema.empty()) ds["schema"] = d.schema;
      if (!d.profile.empty()) ds["profile"] = d.profile;
      json item = {{"dataset", std::move(ds)}};
      if (!in.tags.empty()) item["tags"] = TagsJson(in.tags);
      list.push_back(std::move(item));
    }
    inputs["dataset_inputs"] = std::move(list);
  }
  return {
      {"info", RunInfoJson(run.info)}, {"data", std::move(data)}, {"inputs", std::move(inputs)}};
}

// ---- decoding ----

absl::StatusOr<std::vector<tracking::Tag>> DecodeTags(const RequestParams& p,
                                                      std::string_view field) {
  ASSIGN_OR_RETURN(std::vector<RequestParams> items, p.ObjectList(field));
  std::vector<tracking::Tag> out;
  out.reserve(items.size());
  for (const RequestParams& item : items) {
    ASSIGN_OR_RETURN(std::string key, item.RequiredString("key"));
    ASSIGN_OR_RETURN(std::optional<std::string> value, item.OptionalString("value"));
    out.push_back(tracking::Tag{std::move(key), value.value_or("")});
  }
  return out;
}

// run_id, or the deprecated run_uuid.
absl::StatusOr<std::string> RunId(const RequestParams& p) {
  ASSIGN_OR_RETURN(std::optional<std::string> id, p.OptionalString("run_id"));
  if (id && !id->empty()) return std::move(*id);
  ASSIGN_OR_RETURN(std::optional<std::string> uuid, p.OptionalString("run_uuid"));
  if (uuid && !uuid->empty()) return std::move(*uuid);
  return p.RequiredString("run_id");  // produces MLflow's "missing value" error
}

// A string that must be present but may be empty (param and tag values).
absl::StatusOr<std::string> PresentString(const RequestParams& p, std::string_view name) {
  if (!p.Has(name)) return p.RequiredString(name);
  ASSIGN_OR_RETURN(std::optional<std::string> v, p.OptionalString(name));
  return v.value_or("");
}

absl::StatusOr<tracking::ViewType> ViewTypeParam(const RequestParams& p, std::string_view name) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, p.OptionalString(name));
  return tracking::ParseViewType(v.value_or(""));
}

absl::StatusOr<tracking::Metric> DecodeMetric(const RequestParams& p, bool require_timestamp) {
  tracking::Metric m;
  ASSIGN_OR_RETURN(m.key, p.RequiredString("key"));
  ASSIGN_OR_RETURN(m.value, p.RequiredDouble("value"));
  if (require_timestamp) {
    ASSIGN_OR_RETURN(m.timestamp, p.RequiredInt64("timestamp"));
  } else {
    ASSIGN_OR_RETURN(std::optional<int64_t> ts, p.OptionalInt64("timestamp"));
    m.timestamp = ts.value_or(0);
  }
  ASSIGN_OR_RETURN(std::optional<int64_t> step, p.OptionalInt64("step"));
  m.step = step.value_or(0);
  return m;
}

// ---- handlers: each returns the response JSON ----

using Fn = std::function<absl::StatusOr<json>(TrackingStore&, const RequestParams&)>;

absl::StatusOr<json> CreateExperiment(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("name"));
  ASSIGN_OR_RETURN(std::optional<std::string> location, p.OptionalString("artifact_location"));
  ASSIGN_OR_RETURN(std::vector<tracking::Tag> tags, DecodeTags(p, "tags"));
  ASSIGN_OR_RETURN(std::string id, s.CreateExperiment(name, location.value_or(""), tags));
  return json{{"experiment_id", id}};
}

absl::StatusOr<json> GetExperiment(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  ASSIGN_OR_RETURN(tracking::Experiment e, s.GetExperiment(id));
  return json{{"experiment", ExperimentJson(e)}};
}

absl::StatusOr<json> GetExperimentByName(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("experiment_name"));
  ASSIGN_OR_RETURN(tracking::Experiment e, s.GetExperimentByName(name));
  return json{{"experiment", ExperimentJson(e)}};
}

absl::StatusOr<json> ExperimentPageJson(const tracking::ExperimentPage& page) {
  json out = json::object();
  if (!page.experiments.empty()) {
    json list = json::array();
    for (const tracking::Experiment& e : page.experiments) list.push_back(ExperimentJson(e));
    out["experiments"] = std::move(list);
  }
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

absl::StatusOr<json> SearchExperiments(TrackingStore& s, const RequestParams& p) {
  tracking::SearchExperimentsRequest r;
  ASSIGN_OR_RETURN(std::optional<std::string> filter, p.OptionalString("filter"));
  r.filter = filter.value_or("");
  ASSIGN_OR_RETURN(r.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(r.view_type, ViewTypeParam(p, "view_type"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptionalInt64("max_results"));
  r.max_results = max.value_or(tracking::kDefaultMaxResults);
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
  r.page_token = token.value_or("");
  ASSIGN_OR_RETURN(tracking::ExperimentPage page, s.SearchExperiments(r));
  return ExperimentPageJson(page);
}

// The pre-2.0 experiments/list: no filter, everything when max_results is absent.
absl::StatusOr<json> ListExperiments(TrackingStore& s, const RequestParams& p) {
  tracking::SearchExperimentsRequest r;
  ASSIGN_OR_RETURN(r.view_type, ViewTypeParam(p, "view_type"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptionalInt64("max_results"));
  r.max_results = max.value_or(tracking::kMaxResultsLimit);
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
  r.page_token = token.value_or("");
  r.order_by = {"experiment_id ASC"};
  ASSIGN_OR_RETURN(tracking::ExperimentPage page, s.SearchExperiments(r));
  return ExperimentPageJson(page);
}

absl::StatusOr<json> UpdateExperiment(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  ASSIGN_OR_RETURN(std::string name, p.RequiredString("new_name"));
  RETURN_IF_ERROR(s.UpdateExperiment(id, name));
  return json::object();
}

absl::StatusOr<json> DeleteExperiment(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  RETURN_IF_ERROR(s.DeleteExperiment(id));
  return json::object();
}

absl::StatusOr<json> RestoreExperiment(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  RETURN_IF_ERROR(s.RestoreExperiment(id));
  return json::object();
}

absl::StatusOr<json> SetExperimentTag(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  ASSIGN_OR_RETURN(std::string value, PresentString(p, "value"));
  RETURN_IF_ERROR(s.SetExperimentTag(id, tracking::Tag{key, value}));
  return json::object();
}

absl::StatusOr<json> DeleteExperimentTag(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, p.RequiredString("experiment_id"));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  RETURN_IF_ERROR(s.DeleteExperimentTag(id, key));
  return json::object();
}

absl::StatusOr<json> CreateRun(TrackingStore& s, const RequestParams& p) {
  tracking::CreateRunRequest r;
  ASSIGN_OR_RETURN(std::optional<std::string> exp, p.OptionalString("experiment_id"));
  if (exp && !exp->empty()) r.experiment_id = *exp;
  ASSIGN_OR_RETURN(std::optional<std::string> user, p.OptionalString("user_id"));
  r.user_id = user.value_or("");
  ASSIGN_OR_RETURN(std::optional<std::string> name, p.OptionalString("run_name"));
  r.run_name = name.value_or("");
  ASSIGN_OR_RETURN(r.start_time, p.OptionalInt64("start_time"));
  ASSIGN_OR_RETURN(r.tags, DecodeTags(p, "tags"));
  ASSIGN_OR_RETURN(tracking::Run run, s.CreateRun(r));
  return json{{"run", RunJson(run)}};
}

absl::StatusOr<json> GetRun(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(tracking::Run run, s.GetRun(id));
  return json{{"run", RunJson(run)}};
}

absl::StatusOr<json> UpdateRun(TrackingStore& s, const RequestParams& p) {
  tracking::UpdateRunRequest r;
  ASSIGN_OR_RETURN(r.run_id, RunId(p));
  ASSIGN_OR_RETURN(r.status, p.OptionalString("status"));
  ASSIGN_OR_RETURN(r.end_time, p.OptionalInt64("end_time"));
  ASSIGN_OR_RETURN(r.run_name, p.OptionalString("run_name"));
  ASSIGN_OR_RETURN(tracking::RunInfo info, s.UpdateRun(r));
  return json{{"run_info", RunInfoJson(info)}};
}

absl::StatusOr<json> DeleteRun(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  RETURN_IF_ERROR(s.DeleteRun(id));
  return json::object();
}

absl::StatusOr<json> RestoreRun(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  RETURN_IF_ERROR(s.RestoreRun(id));
  return json::object();
}

absl::StatusOr<json> SearchRuns(TrackingStore& s, const RequestParams& p) {
  tracking::SearchRunsRequest r;
  ASSIGN_OR_RETURN(r.experiment_ids, p.StringList("experiment_ids"));
  ASSIGN_OR_RETURN(std::optional<std::string> filter, p.OptionalString("filter"));
  r.filter = filter.value_or("");
  ASSIGN_OR_RETURN(r.run_view_type, ViewTypeParam(p, "run_view_type"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptionalInt64("max_results"));
  r.max_results = max.value_or(tracking::kDefaultMaxResults);
  ASSIGN_OR_RETURN(r.order_by, p.StringList("order_by"));
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
  r.page_token = token.value_or("");
  ASSIGN_OR_RETURN(tracking::RunPage page, s.SearchRuns(r));
  json out = json::object();
  if (!page.runs.empty()) {
    json runs = json::array();
    for (const tracking::Run& run : page.runs) runs.push_back(RunJson(run));
    out["runs"] = std::move(runs);
  }
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

absl::StatusOr<json> LogMetric(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(tracking::Metric m, DecodeMetric(p, /*require_timestamp=*/true));
  RETURN_IF_ERROR(s.LogMetric(id, m));
  return json::object();
}

absl::StatusOr<json> LogParam(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  ASSIGN_OR_RETURN(std::string value, PresentString(p, "value"));
  RETURN_IF_ERROR(s.LogParam(id, tracking::Param{key, value}));
  return json::object();
}

absl::StatusOr<json> SetTag(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  ASSIGN_OR_RETURN(std::string value, PresentString(p, "value"));
  RETURN_IF_ERROR(s.SetTag(id, tracking::Tag{key, value}));
  return json::object();
}

absl::StatusOr<json> DeleteTag(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("key"));
  RETURN_IF_ERROR(s.DeleteTag(id, key));
  return json::object();
}

absl::StatusOr<json> LogBatch(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::vector<RequestParams> metric_items, p.ObjectList("metrics"));
  std::vector<tracking::Metric> metrics;
  metrics.reserve(metric_items.size());
  for (const RequestParams& item : metric_items) {
    ASSIGN_OR_RETURN(tracking::Metric m, DecodeMetric(item, /*require_timestamp=*/false));
    metrics.push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(std::vector<tracking::Param> params, DecodeTags(p, "params"));
  ASSIGN_OR_RETURN(std::vector<tracking::Tag> tags, DecodeTags(p, "tags"));
  RETURN_IF_ERROR(s.LogBatch(id, metrics, params, tags));
  return json::object();
}

absl::StatusOr<json> LogInputs(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::vector<RequestParams> items, p.ObjectList("datasets"));
  std::vector<tracking::DatasetInput> inputs;
  for (const RequestParams& item : items) {
    tracking::DatasetInput in;
    ASSIGN_OR_RETURN(in.tags, DecodeTags(item, "tags"));
    auto ds = item.json().find("dataset");
    if (ds == item.json().end() || !ds->is_object()) {
      return absl::InvalidArgumentError(
          "Missing value for required parameter 'datasets.dataset': expected an object with "
          "name, digest, source_type and source");
    }
    ASSIGN_OR_RETURN(RequestParams d, RequestParams::FromJson(*ds));
    ASSIGN_OR_RETURN(in.dataset.name, d.RequiredString("name"));
    ASSIGN_OR_RETURN(in.dataset.digest, d.RequiredString("digest"));
    ASSIGN_OR_RETURN(in.dataset.source_type, d.RequiredString("source_type"));
    ASSIGN_OR_RETURN(in.dataset.source, d.RequiredString("source"));
    ASSIGN_OR_RETURN(std::optional<std::string> schema, d.OptionalString("schema"));
    in.dataset.schema = schema.value_or("");
    ASSIGN_OR_RETURN(std::optional<std::string> profile, d.OptionalString("profile"));
    in.dataset.profile = profile.value_or("");
    inputs.push_back(std::move(in));
  }
  RETURN_IF_ERROR(s.LogInputs(id, inputs));
  return json::object();
}

absl::StatusOr<json> LogModel(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::string model_json, p.RequiredString("model_json"));
  RETURN_IF_ERROR(s.LogModel(id, model_json));
  return json::object();
}

absl::StatusOr<json> GetMetricHistory(TrackingStore& s, const RequestParams& p) {
  ASSIGN_OR_RETURN(std::string id, RunId(p));
  ASSIGN_OR_RETURN(std::string key, p.RequiredString("metric_key"));
  ASSIGN_OR_RETURN(std::optional<int64_t> max, p.OptionalInt64("max_results"));
  ASSIGN_OR_RETURN(std::optional<std::string> token, p.OptionalString("page_token"));
  ASSIGN_OR_RETURN(tracking::MetricPage page, s.GetMetricHistory(id, key, max, token.value_or("")));
  json out = json::object();
  if (!page.metrics.empty()) {
    json list = json::array();
    for (const tracking::Metric& m : page.metrics) list.push_back(MetricJson(m));
    out["metrics"] = std::move(list);
  }
  if (!page.next_page_token.empty()) out["next_page_token"] = page.next_page_token;
  return out;
}

void Register(http::Router& router, TrackingStore& store, const char* method, std::string_view path,
              Fn fn) {
  for (const char* prefix : {"/api/2.0/mlflow/", "/ajax-api/2.0/mlflow/"}) {
    router.Add(method, std::string(prefix) + std::string(path),
               [&store, fn](const http::Request& req, http::Response& res) {
                 absl::StatusOr<RequestParams> params = RequestParams::FromRequest(req);
                 if (!params.ok()) return WriteError(params.status(), res);
                 absl::StatusOr<json> out = fn(store, *params);
                 if (!out.ok()) return WriteError(out.status(), res);
                 res.status = 200;
                 res.content_type = "application/json";
                 res.body = DumpJson(*out);
               });
  }
}

}  // namespace

void AddTrackingRoutes(http::Router& router, TrackingStore& store) {
  struct Route {
    const char* method;
    const char* path;
    Fn fn;
  };
  const Route routes[] = {
      {"POST", "experiments/create", CreateExperiment},
      {"GET", "experiments/get", GetExperiment},
      {"GET", "experiments/get-by-name", GetExperimentByName},
      {"POST", "experiments/search", SearchExperiments},
      {"GET", "experiments/search", SearchExperiments},
      {"GET", "experiments/list", ListExperiments},
      {"POST", "experiments/update", UpdateExperiment},
      {"POST", "experiments/delete", DeleteExperiment},
      {"POST", "experiments/restore", RestoreExperiment},
      {"POST", "experiments/set-experiment-tag", SetExperimentTag},
      {"POST", "experiments/delete-experiment-tag", DeleteExperimentTag},
      {"POST", "experiments/delete-tag", DeleteExperimentTag},
      {"POST", "runs/create", CreateRun},
      {"GET", "runs/get", GetRun},
      {"POST", "runs/update", UpdateRun},
      {"POST", "runs/delete", DeleteRun},
      {"POST", "runs/restore", RestoreRun},
      {"POST", "runs/search", SearchRuns},
      {"POST", "runs/log-metric", LogMetric},
      {"POST", "runs/log-parameter", LogParam},
      {"POST", "runs/set-tag", SetTag},
      {"POST", "runs/delete-tag", DeleteTag},
      {"POST", "runs/log-batch", LogBatch},
      {"POST", "runs/log-inputs", LogInputs},
      {"POST", "runs/log-model", LogModel},
      {"GET", "metrics/get-history", GetMetricHistory},
  };
  for (const Route& r : routes) Register(router, store, r.method, r.path, r.fn);
}

}  // namespace strata::api
