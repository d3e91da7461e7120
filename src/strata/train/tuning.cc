#include "strata/train/tuning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "yaml-cpp/yaml.h"

namespace strata::train {
namespace {

// Shortest text that reads back as the same double ("0.1", not "0.100000000000000006").
// Grid points pass max_precision 12: exp(log(0.01)) is 0.010000000000000004, which should
// read as the 0.01 the user wrote.
std::string FormatValue(double v, bool integer, int max_precision = 17) {
  if (integer) return std::to_string(static_cast<int64_t>(std::llround(v)));
  char buffer[32];
  for (int precision = 6; precision <= max_precision; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v) break;
  }
  return buffer;
}

absl::StatusOr<ParamDomain> ParseDomain(const std::string& name, const YAML::Node& node) {
  ParamDomain d;
  d.name = name;
  auto fail = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("search space '", name, "': ", why));
  };
  if (node.IsSequence()) {
    if (node.size() == 0) return fail("empty list");
    for (const YAML::Node& v : node) {
      if (!v.IsScalar()) return fail("list values must be scalars");
      d.choices.push_back(v.as<std::string>());
    }
    return d;
  }
  if (node.IsScalar()) {
    d.choices.push_back(node.as<std::string>());
    return d;
  }
  if (!node.IsMap()) return fail("expected a list or {low, high}");
  bool has_low = false, has_high = false;
  std::string type = "float";
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (key == "low") {
      d.low = entry.second.as<double>();
      has_low = true;
    } else if (key == "high") {
      d.high = entry.second.as<double>();
      has_high = true;
    } else if (key == "log") {
      d.log = entry.second.as<bool>();
    } else if (key == "points") {
      d.points = entry.second.as<int>();
    } else if (key == "type") {
      type = entry.second.as<std::string>();
    } else {
      return fail(absl::StrCat("unknown field '", key, "' (low, high, log, type, points)"));
    }
  }
  if (!has_low || !has_high) return fail("a range needs both low and high");
  if (type == "int") {
    d.kind = ParamDomain::Kind::kInt;
  } else if (type == "float") {
    d.kind = ParamDomain::Kind::kFloat;
  } else {
    return fail(absl::StrCat("type '", type, "' is not int or float"));
  }
  if (!std::isfinite(d.low) || !std::isfinite(d.high) || d.low > d.high) {
    return fail(absl::StrCat("low ", d.low, " > high ", d.high));
  }
  if (d.log && d.low <= 0) return fail("log needs low > 0");
  if (d.points < 1) return fail(absl::StrCat("points ", d.points, " < 1"));
  return d;
}

std::vector<std::string> GridValues(const ParamDomain& d) {
  if (d.kind == ParamDomain::Kind::kChoice) return d.choices;
  std::vector<std::string> values;
  const bool integer = d.kind == ParamDomain::Kind::kInt;
  if (integer && !d.log && d.high - d.low + 1 <= d.points) {
    for (double v = d.low; v <= d.high; v += 1) values.push_back(FormatValue(v, true));
    return values;
  }
  const double lo = d.log ? std::log(d.low) : d.low;
  const double hi = d.log ? std::log(d.high) : d.high;
  for (int i = 0; i < d.points; ++i) {
    const double t = d.points == 1 ? 0.5 : static_cast<double>(i) / (d.points - 1);
    const double v = d.log ? std::exp(lo + t * (hi - lo)) : lo + t * (hi - lo);
    std::string text = FormatValue(std::clamp(v, d.low, d.high), integer, 12);
    if (values.empty() || values.back() != text) values.push_back(std::move(text));
  }
  return values;
}

std::string SampleValue(const ParamDomain& d, std::mt19937_64& rng) {
  if (d.kind == ParamDomain::Kind::kChoice) {
    std::uniform_int_distribution<size_t> pick(0, d.choices.size() - 1);
    return d.choices[pick(rng)];
  }
  if (d.kind == ParamDomain::Kind::kInt && !d.log) {
    std::uniform_int_distribution<int64_t> pick(std::llround(std::ceil(d.low)),
                                                std::llround(std::floor(d.high)));
    return std::to_string(pick(rng));
  }
  std::uniform_real_distribution<double> unit(0, 1);
  const double lo = d.log ? std::log(d.low) : d.low;
  const double hi = d.log ? std::log(d.high) : d.high;
  double v = lo + unit(rng) * (hi - lo);
  if (d.log) v = std::exp(v);
  return FormatValue(std::clamp(v, d.low, d.high), d.kind == ParamDomain::Kind::kInt);
}

bool Better(double a, double b, bool maximize) { return maximize ? a > b : a < b; }

// Child-run bookkeeping shared by the trial threads.
class Tracker {
 public:
  Tracker(tracking::TrackingStore* store, const TuningOptions& options)
      : store_(store), options_(options) {}

  absl::Status StartParent() {
    if (store_ == nullptr) return absl::OkStatus();
    if (!options_.parent_run_id.empty()) {
      parent_ = options_.parent_run_id;
      owns_parent_ = false;
      return absl::OkStatus();
    }
    tracking::CreateRunRequest request;
    request.experiment_id = options_.experiment_id;
    request.run_name = options_.parent_run_name;
    request.tags = options_.parent_tags;
    ASSIGN_OR_RETURN(tracking::Run run, store_->CreateRun(request));
    parent_ = run.info.run_id;
    std::vector<tracking::Param> params = {{"search.metric", options_.metric},
                                           {"search.maximize", options_.maximize ? "true" : "false"}};
    if (options_.successive_halving) {
      params.push_back({"search.successive_halving", "true"});
      params.push_back({"search.min_budget", FormatValue(options_.min_budget, false)});
      params.push_back({"search.max_budget", FormatValue(options_.max_budget, false)});
      params.push_back({"search.reduction", FormatValue(options_.reduction, false)});
    }
    return store_->LogBatch(parent_, {}, params, {});
  }

  absl::StatusOr<std::string> StartChild(int index, const ParamSet& params) {
    if (store_ == nullptr) return std::string();
    tracking::CreateRunRequest request;
    request.experiment_id = options_.experiment_id;
    request.run_name = absl::StrCat(options_.parent_run_name, "-trial-", index);
    request.tags = {{"mlflow.parentRunId", parent_}, {"strata.trial_index", std::to_string(index)}};
    ASSIGN_OR_RETURN(tracking::Run run, store_->CreateRun(request));
    std::vector<tracking::Param> logged;
    for (const auto& [k, v] : params) logged.push_back({k, v});
    RETURN_IF_ERROR(store_->LogBatch(run.info.run_id, {}, logged, {}));
    return run.info.run_id;
  }

  absl::Status LogRung(const std::string& run_id, int rung, double budget, double value) {
    if (store_ == nullptr || !options_.successive_halving) return absl::OkStatus();
    const int64_t now = NowMillis();
    return store_->LogBatch(run_id,
                            {{absl::StrCat("rung_", options_.metric), value, now, rung},
                             {"rung_budget", budget, now, rung}},
                            {}, {});
  }

  absl::Status Finish(const TrialResult& trial) {
    if (store_ == nullptr) return absl::OkStatus();
    const int64_t now = NowMillis();
    if (trial.ok) {
      std::vector<tracking::Metric> metrics;
      for (const auto& [k, v] : trial.metrics) metrics.push_back({k, v, now, 0});
      RETURN_IF_ERROR(store_->LogBatch(trial.run_id, metrics, {}, {}));
    } else {
      RETURN_IF_ERROR(store_->SetTag(trial.run_id, {"strata.error", trial.error}));
    }
    tracking::UpdateRunRequest update;
    update.run_id = trial.run_id;
    update.status = trial.ok ? "FINISHED" : "FAILED";
    update.end_time = now;
    return store_->UpdateRun(update).status();
  }

  absl::Status FinishParent(const TuningResult& result, bool ok) {
    if (store_ == nullptr) return absl::OkStatus();
    const int64_t now = NowMillis();
    if (ok) {
      const TrialResult& best = result.trials[static_cast<size_t>(result.best_index)];
      RETURN_IF_ERROR(store_->LogBatch(
          parent_, {{absl::StrCat("best_", options_.metric), result.best_value, now, 0}}, {},
          {{"strata.best_run_id", best.run_id},
           {"strata.best_metric", options_.metric},
           {"strata.best_metric_value", FormatValue(result.best_value, false)}}));
      RETURN_IF_ERROR(store_->SetTag(best.run_id, {"strata.best_trial", "true"}));
    }
    if (!owns_parent_) return absl::OkStatus();
    tracking::UpdateRunRequest update;
    update.run_id = parent_;
    update.status = ok ? "FINISHED" : "FAILED";
    update.end_time = now;
    return store_->UpdateRun(update).status();
  }

  const std::string& parent() const { return parent_; }

 private:
  tracking::TrackingStore* store_;
  const TuningOptions& options_;
  std::string parent_;
  bool owns_parent_ = true;
};

}  // namespace

absl::StatusOr<SearchSpace> SearchSpace::FromYaml(const std::string& text) {
  SearchSpace space;
  try {
    const YAML::Node root = YAML::Load(text);
    if (!root.IsMap() || root.size() == 0) {
      return absl::InvalidArgumentError(
          "search space must be a YAML mapping of parameter name to values or a range");
    }
    for (const auto& entry : root) {
      ASSIGN_OR_RETURN(ParamDomain d, ParseDomain(entry.first.as<std::string>(), entry.second));
      space.params.push_back(std::move(d));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("search space YAML, line ", e.mark.line + 1, ": ", e.msg));
  }
  return space;
}

absl::StatusOr<std::vector<ParamSet>> GridCandidates(const SearchSpace& space, int max_candidates) {
  std::vector<std::vector<std::string>> values;
  int64_t total = 1;
  for (const ParamDomain& d : space.params) {
    values.push_back(GridValues(d));
    total *= static_cast<int64_t>(values.back().size());
    if (total > max_candidates) {
      return absl::InvalidArgumentError(absl::StrCat(
          "grid has more than ", max_candidates, " candidates; narrow it or use random search"));
    }
  }
  std::vector<ParamSet> out;
  std::vector<size_t> position(values.size(), 0);
  for (int64_t c = 0; c < total; ++c) {
    ParamSet set;
    for (size_t p = 0; p < values.size(); ++p) set[space.params[p].name] = values[p][position[p]];
    out.push_back(std::move(set));
    for (size_t p = values.size(); p-- > 0;) {
      if (++position[p] < values[p].size()) break;
      position[p] = 0;
    }
  }
  return out;
}

std::vector<ParamSet> RandomCandidates(const SearchSpace& space, int count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<ParamSet> out;
  for (int c = 0; c < count; ++c) {
    ParamSet set;
    for (const ParamDomain& d : space.params) set[d.name] = SampleValue(d, rng);
    out.push_back(std::move(set));
  }
  return out;
}

absl::StatusOr<TuningResult> RunSearch(const std::vector<ParamSet>& candidates,
                                       const TrialFn& run_trial, const TuningOptions& options,
                                       tracking::TrackingStore* tracking) {
  if (candidates.empty()) return absl::InvalidArgumentError("search has no candidates");
  if (options.metric.empty()) return absl::InvalidArgumentError("search needs a metric");
  if (options.successive_halving &&
      (options.reduction < 2 || options.min_budget <= 0 || options.max_budget < options.min_budget)) {
    return absl::InvalidArgumentError(
        "successive halving needs reduction >= 2 and 0 < min_budget <= max_budget");
  }
  Tracker tracker(tracking, options);
  RETURN_IF_ERROR(tracker.StartParent());

  TuningResult result;
  result.parent_run_id = tracker.parent();
  result.trials.resize(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    result.trials[i].params = candidates[i];
    ASSIGN_OR_RETURN(result.trials[i].run_id,
                     tracker.StartChild(static_cast<int>(i), candidates[i]));
  }

  // Rung budgets: min, min*r, ... capped at max (one rung of budget 0 = "full" without halving).
  std::vector<double> budgets;
  if (options.successive_halving) {
    for (double b = options.min_budget; b < options.max_budget; b *= options.reduction) {
      budgets.push_back(b);
    }
    budgets.push_back(options.max_budget);
  } else {
    budgets.push_back(0);
  }

  std::vector<size_t> alive(candidates.size());
  std::iota(alive.begin(), alive.end(), 0);
  std::mutex tracking_mu;
  absl::Status tracking_status;
  for (size_t rung = 0; rung < budgets.size() && !alive.empty(); ++rung) {
    ParallelFor(static_cast<int64_t>(alive.size()), options.threads, [&](int64_t a) {
      TrialResult& t = result.trials[alive[static_cast<size_t>(a)]];
      Trial trial;
      trial.index = static_cast<int>(alive[static_cast<size_t>(a)]);
      trial.params = t.params;
      trial.run_id = t.run_id;
      trial.budget = budgets[rung];
      trial.rung = static_cast<int>(rung);
      absl::StatusOr<TrialMetrics> metrics = run_trial(trial);
      t.rungs_run = static_cast<int>(rung) + 1;
      if (!metrics.ok()) {
        t.ok = false;
        t.error = std::string(metrics.status().message());
        return;
      }
      auto it = metrics->find(options.metric);
      if (it == metrics->end()) {
        t.ok = false;
        t.error = absl::StrCat("trial did not report metric '", options.metric, "'");
        return;
      }
      t.ok = true;
      t.metrics = std::move(*metrics);
      absl::Status s = tracker.LogRung(t.run_id, static_cast<int>(rung), budgets[rung], it->second);
      std::lock_guard<std::mutex> lock(tracking_mu);
      if (tracking_status.ok()) tracking_status = s;
    });
    RETURN_IF_ERROR(tracking_status);
    // Survivors: the best 1/reduction of this rung's successful trials.
    std::vector<size_t> ranked;
    for (size_t i : alive) {
      if (result.trials[i].ok) ranked.push_back(i);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
      return Better(result.trials[a].metrics.at(options.metric),
                    result.trials[b].metrics.at(options.metric), options.maximize);
    });
    if (rung + 1 < budgets.size()) {
      const size_t keep = std::max<size_t>(
          1, static_cast<size_t>(std::floor(static_cast<double>(alive.size()) / options.reduction)));
      if (ranked.size() > keep) ranked.resize(keep);
    }
    alive = std::move(ranked);
  }

  // The best trial is among those that reached the last rung.
  for (size_t i : alive) {
    const double v = result.trials[i].metrics.at(options.metric);
    if (result.best_index < 0 || Better(v, result.best_value, options.maximize)) {
      result.best_index = static_cast<int>(i);
      result.best_value = v;
    }
  }
  for (const TrialResult& t : result.trials) RETURN_IF_ERROR(tracker.Finish(t));
  const bool ok = result.best_index >= 0;
  RETURN_IF_ERROR(tracker.FinishParent(result, ok));
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("every trial failed; the last: ", result.trials.back().error));
  }
  return result;
}

}  // namespace strata::train
