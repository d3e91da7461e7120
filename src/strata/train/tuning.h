// Hyperparameter search: grid or seeded random candidates over a parameter space, trials run
// in parallel, each trial tracked as a child run of one parent run, optionally with
// successive halving.
//
//   ASSIGN_OR_RETURN(SearchSpace space, SearchSpace::FromYaml(text));
//   auto candidates = RandomCandidates(space, 20, /*seed=*/7);
//   TuningOptions options{.metric = "roc_auc", .maximize = true, .threads = 2};
//   ASSIGN_OR_RETURN(TuningResult result,
//                    RunSearch(candidates, trial_fn, options, &tracking, "parent-name"));
//
// Space YAML, one key per parameter:
//   max_depth: [3, 4, 6]                            # a list: these values
//   eta: {low: 0.01, high: 0.3, log: true}          # float range, log-uniform when log
//   min_child_weight: {low: 1, high: 10, type: int} # integer range, inclusive
//   subsample: {low: 0.5, high: 1, points: 3}       # grid: `points` evenly spaced (default 3)
// Values are handed to trials as strings, as XGBoost and the CLI's --params take them.
//
// Tracking (when a TrackingStore is given): one parent run; each candidate is a child run
// tagged `mlflow.parentRunId` (MLflow's convention, so its UI nests them) with its params
// and final metrics; the trial callback gets the child's run id to log more (per-iteration
// metrics, artifacts). At the end the parent gets tags `strata.best_run_id`,
// `strata.best_metric` (name) and `strata.best_metric_value`, metric `best_<metric>`, and the
// best child gets tag `strata.best_trial=true`. A failing trial's run ends FAILED with tag
// `strata.error`; the search goes on and fails only when every trial fails.
//
// Successive halving (Jamieson & Talwalkar): every candidate runs at `min_budget`; the best
// 1/`reduction` (at least one) go on to budget x `reduction`, and so on up to `max_budget`.
// What a budget means (boosting rounds, fraction of training rows) is the callback's choice;
// each rung's score is logged on the child run with step = rung.
//
// Thread-safety: RunSearch calls `run_trial` concurrently on up to `threads` threads.
#ifndef STRATA_TRAIN_TUNING_H_
#define STRATA_TRAIN_TUNING_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/tracking/tracking_store.h"

namespace strata::train {

struct ParamDomain {
  enum class Kind { kChoice, kInt, kFloat };
  std::string name;
  Kind kind = Kind::kChoice;
  std::vector<std::string> choices;  // kChoice
  double low = 0;                    // kInt, kFloat: inclusive bounds
  double high = 0;
  bool log = false;    // sample (and space grid points) uniformly in log(value); needs low > 0
  int points = 3;      // grid points of a range
};

struct SearchSpace {
  std::vector<ParamDomain> params;  // in file order

  // Errors: INVALID_ARGUMENT naming the parameter and the field (low > high, log with
  // low <= 0, empty list, unknown key, points < 1, ...).
  static absl::StatusOr<SearchSpace> FromYaml(const std::string& text);
};

using ParamSet = std::map<std::string, std::string>;

// Every combination (the last parameter varies fastest). Errors: INVALID_ARGUMENT when there
// would be more than `max_candidates`.
absl::StatusOr<std::vector<ParamSet>> GridCandidates(const SearchSpace& space,
                                                     int max_candidates = 10000);
// `count` independent draws; the same seed draws the same candidates.
std::vector<ParamSet> RandomCandidates(const SearchSpace& space, int count, uint64_t seed);

struct Trial {
  int index = 0;          // the candidate's position
  ParamSet params;
  std::string run_id;     // the child run, or empty without tracking
  double budget = 0;      // successive halving: this rung's budget; else 0 (= full)
  int rung = 0;
};

using TrialMetrics = std::map<std::string, double>;
using TrialFn = std::function<absl::StatusOr<TrialMetrics>(const Trial& trial)>;

struct TuningOptions {
  std::string metric;     // the metric to optimise; every trial must report it
  bool maximize = true;
  int threads = 2;        // trials at once
  bool successive_halving = false;
  double min_budget = 1;
  double max_budget = 1;
  double reduction = 3;   // halving's eta (>= 2)
  std::string parent_run_name = "search";
  // Non-empty: use this existing run as the parent instead of creating one (the caller owns
  // its lifecycle; RunSearch only tags it).
  std::string parent_run_id;
  std::string experiment_id = std::string(tracking::kDefaultExperimentId);
  std::vector<tracking::Tag> parent_tags;
};

struct TrialResult {
  ParamSet params;
  std::string run_id;
  bool ok = false;
  std::string error;     // when !ok
  TrialMetrics metrics;  // from the highest rung reached
  int rungs_run = 0;
};

struct TuningResult {
  std::string parent_run_id;     // empty without tracking
  std::vector<TrialResult> trials;  // in candidate order
  int best_index = -1;
  double best_value = 0;
};

// Errors: INVALID_ARGUMENT for no candidates or bad options; the last trial's error when
// every trial fails; tracking errors as returned by the store.
absl::StatusOr<TuningResult> RunSearch(const std::vector<ParamSet>& candidates,
                                       const TrialFn& run_trial, const TuningOptions& options,
                                       tracking::TrackingStore* tracking = nullptr);

}  // namespace strata::train

#endif  // STRATA_TRAIN_TUNING_H_
