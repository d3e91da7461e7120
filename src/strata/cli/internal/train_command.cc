// `strata train`: load (dataset or file) -> split -> fit transforms on the training rows ->
// fit the model (optionally CV and a hyperparameter search with child runs) -> metrics,
// curves and the model package as run artifacts. Every step is recorded on one tracked run.
#include "strata/cli/internal/train_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/api/artifact_handlers.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"
#include "strata/blob/artifact_store.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/data/datasets.h"
#include "strata/data/internal/git_capture.h"
#include "strata/data/transforms.h"
#include "strata/io/read_table.h"
#include "strata/lineage/lineage_store.h"
#include "strata/models/linear_predictor.h"
#include "strata/models/model_package.h"
#include "strata/models/xgboost_import.h"
#include "strata/store/database.h"
#include "strata/tracking/tracking_store.h"
#include "strata/train/cross_validation.h"
#include "strata/train/glm.h"
#include "strata/train/metrics.h"
#include "strata/train/training_data.h"
#include "strata/train/tuning.h"
#include "strata/train/xgboost_trainer.h"
#include "xgboost/c_api.h"

namespace strata::cli {
namespace {

using nlohmann::json;
using StringMap = std::map<std::string, std::string>;


absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FormatDouble(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

// The outcome of one fit on a train/valid split, whatever the model.
struct FitResult {
  std::unique_ptr<models::Predictor> predictor;  // null when the flavor cannot be packaged here
  std::string xgboost_json;                      // trees: XGBoost's own model
  std::vector<double> valid_outputs;             // predictor outputs on the evaluation rows
  std::vector<tracking::Metric> iteration_metrics;  // per-iteration history (step = iteration)
  std::map<std::string, std::string> info;          // best_iteration, ... (logged as params)
};

struct Split {
  train::FeatureMatrix train;
  std::vector<double> train_y;
  train::FeatureMatrix eval;
  std::vector<double> eval_y;
};

class Trainer {
 public:
  Trainer(const TrainArgs& args, models::Task task, int num_classes)
      : args_(args), task_(task), num_classes_(num_classes) {}

  // Fits with `params` (the --params merged with a trial's); `rounds_budget` > 0 caps the
  // boosting rounds (successive halving). `threads` is the fit's share of the cores.
  absl::StatusOr<FitResult> Fit(const Split& split, const std::map<std::string, std::string>& params,
                                int rounds_budget, int threads) const {
    if (args_.model == "glm") return FitGlm(split, params, threads);
    return FitTrees(split, params, rounds_budget, threads);
  }

  std::map<std::string, double> Score(const std::vector<double>& truth,
                                      const std::vector<double>& outputs,
                                      absl::Status* status) const {
    absl::StatusOr<std::map<std::string, double>> m;
    if (task_ == models::Task::kRegression) {
      m = train::RegressionMetrics(truth, outputs);
    } else {
      std::vector<int> labels(truth.begin(), truth.end());
      m = train::ClassificationMetrics(labels, outputs, num_classes_);
    }
    if (!m.ok()) {
      *status = m.status();
      return {};
    }
    return *m;
  }

 private:
  absl::StatusOr<FitResult> FitTrees(const Split& split,
                                     const std::map<std::string, std::string>& params,
                                     int rounds_budget, int threads) const {
    train::XgboostTrainOptions o;
    o.kind = args_.model == "rf" ? train::EnsembleKind::kRandomForest : train::EnsembleKind::kGbdt;
    o.task = task_;
    o.num_classes = num_classes_;
    o.threads = threads;
    o.seed = args_.seed;
    o.eval_metric = "";
    for (const auto& [key, value] : params) {
      int number = 0;
      if (key == "num_rounds" || key == "n_estimators" || key == "num_boost_round") {
        if (!absl::SimpleAtoi(value, &number)) {
          return absl::InvalidArgumentError(absl::StrCat("--params ", key, "=", value, ": not an integer"));
        }
        o.num_rounds = number;
      } else if (key == "early_stopping_rounds") {
        if (!absl::SimpleAtoi(value, &number)) {
          return absl::InvalidArgumentError(absl::StrCat("--params ", key, "=", value, ": not an integer"));
        }
        o.early_stopping_rounds = number;
      } else if (key == "eval_metric") {
        o.eval_metric = value;
      } else {
        o.params[key] = value;
      }
    }
    if (rounds_budget > 0) o.num_rounds = rounds_budget;
    const train::DenseMatrix train_m{split.train.values.data(), split.train.rows,
                                     split.train.cols(),
                                     {}};
    std::vector<float> train_labels(split.train_y.begin(), split.train_y.end());
    std::vector<float> eval_labels(split.eval_y.begin(), split.eval_y.end());
    train::DenseMatrix t = train_m;
    t.labels = train_labels;
    train::DenseMatrix v{split.eval.values.data(), split.eval.rows, split.eval.cols(), eval_labels};
    ASSIGN_OR_RETURN(train::XgboostModel model, train::TrainXgboost(t, &v, o));
    FitResult fit;
    fit.xgboost_json = model.json;
    fit.valid_outputs = model.valid_predictions;
    const int64_t now = NowMillis();
    for (const train::IterationMetrics& it : model.history) {
      for (const auto& [name, value] : it.train) {
        fit.iteration_metrics.push_back({absl::StrCat("train_", name), value, now, it.iteration});
      }
      for (const auto& [name, value] : it.valid) {
        fit.iteration_metrics.push_back({absl::StrCat("valid_", name), value, now, it.iteration});
      }
    }
    fit.info["best_iteration"] = std::to_string(model.best_iteration);
    fit.info["rounds_trained"] = std::to_string(model.rounds_trained);
    fit.info["eval_metric"] = model.eval_metric;
    ASSIGN_OR_RETURN(models::XgboostModel imported,
                     models::ImportXgboostModel(model.json, models::XgboostFormat::kJson));
    fit.predictor = std::move(imported.predictor);
    return fit;
  }

  absl::StatusOr<FitResult> FitGlm(const Split& split,
                                   const std::map<std::string, std::string>& params,
                                   int threads) const {
    train::GlmOptions o;
    o.family = task_ == models::Task::kRegression ? train::GlmFamily::kGaussian
               : task_ == models::Task::kBinary   ? train::GlmFamily::kBinomial
                                                  : train::GlmFamily::kMultinomial;
    o.num_classes = task_ == models::Task::kMulticlass ? num_classes_ : 0;
    o.threads = threads;
    for (const auto& [key, value] : params) {
      if (key == "C") {
        if (!absl::SimpleAtod(value, &o.C)) return absl::InvalidArgumentError("--params C: not a number");
      } else if (key == "penalty") {
        ASSIGN_OR_RETURN(o.penalty, train::ParseGlmPenalty(value));
      } else if (key == "max_iter") {
        if (!absl::SimpleAtoi(value, &o.max_iter)) return absl::InvalidArgumentError("--params max_iter: not an integer");
      } else if (key == "tol") {
        if (!absl::SimpleAtod(value, &o.tol)) return absl::InvalidArgumentError("--params tol: not a number");
      } else if (key == "fit_intercept") {
        o.fit_intercept = value == "true" || value == "1";
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "--params ", key, ": unknown for glm (C, penalty, max_iter, tol, fit_intercept)"));
      }
    }
    std::vector<double> x(split.train.values.begin(), split.train.values.end());
    train::GlmData data;
    data.features = x.data();
    data.rows = split.train.rows;
    data.cols = split.train.cols();
    data.labels = split.train_y.data();
    ASSIGN_OR_RETURN(train::GlmResult result, train::FitGlm(data, o));
    ASSIGN_OR_RETURN(std::unique_ptr<models::LinearPredictor> predictor,
                     models::LinearPredictor::Create(task_, result.cols, result.coefficients,
                                                     result.intercepts));
    FitResult fit;
    fit.valid_outputs.resize(static_cast<size_t>(split.eval.rows * predictor->num_outputs()));
    predictor->Predict(split.eval.values.data(), split.eval.rows, fit.valid_outputs.data());
    const int64_t now = NowMillis();
    for (size_t i = 0; i < result.loss_history.size(); ++i) {
      fit.iteration_metrics.push_back({"train_loss", result.loss_history[i], now,
                                       static_cast<int64_t>(i)});
    }
    fit.info["iterations"] = std::to_string(result.iterations);
    fit.info["stop_reason"] = result.stop_reason;
    fit.predictor = std::move(predictor);
    return fit;
  }

  const TrainArgs& args_;
  models::Task task_;
  int num_classes_;
};

// The stores of --home (same layout as `strata server` and `strata data add`).
struct Stores {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<blob::ArtifactStore> blobs;
  std::unique_ptr<data::Datasets> datasets;
  std::unique_ptr<tracking::TrackingStore> tracking;
};

absl::StatusOr<Stores> OpenStores(const TrainArgs& args) {
  Stores s;
  ASSIGN_OR_RETURN(s.db, OpenHomeDatabase(args.home, args.store_uri));
  ASSIGN_OR_RETURN(s.blobs,
                   blob::ArtifactStore::Open(HomeArtifactsDir(args.home, args.artifacts_dir)));
  ASSIGN_OR_RETURN(s.datasets, data::Datasets::Open(s.db.get(), s.blobs.get()));
  ASSIGN_OR_RETURN(s.tracking, OpenHomeTracking(s.db.get()));
  return s;
}

absl::StatusOr<std::string> ExperimentId(tracking::TrackingStore& tracking, const std::string& name) {
  if (name.empty()) return std::string(tracking::kDefaultExperimentId);
  absl::StatusOr<tracking::Experiment> existing = tracking.GetExperimentByName(name);
  if (existing.ok()) return existing->experiment_id;
  if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
  return tracking.CreateExperiment(name, "", {});
}

models::ValueType SignatureType(table::DataType type) {
  switch (type) {
    case table::DataType::kFloat64:
      return models::ValueType::kFloat64;
    case table::DataType::kBool:
      return models::ValueType::kBool;
    case table::DataType::kString:
    case table::DataType::kCategory:
      return models::ValueType::kString;
    case table::DataType::kInt64:
    case table::DataType::kTimestamp:
      return models::ValueType::kInt64;
  }
  return models::ValueType::kFloat64;
}

// Uploads every file of `dir` under `prefix` of the run's artifacts.
absl::Status UploadDir(blob::ArtifactStore& blobs, const std::string& run_root,
                       const std::string& prefix, const std::filesystem::path& dir) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = std::filesystem::relative(entry.path(), dir).generic_string();
    RETURN_IF_ERROR(
        blobs.PutFile(absl::StrCat(run_root, "/", prefix, "/", relative), entry.path().string())
            .status());
  }
  return absl::OkStatus();
}

class TrainRun {
 public:
  explicit TrainRun(const TrainArgs& args) : args_(args) {}

  absl::Status Execute() {
    RETURN_IF_ERROR(CheckArgs());
    ASSIGN_OR_RETURN(stores_, OpenStores(args_));
    ASSIGN_OR_RETURN(table::Table table, LoadData());
    ASSIGN_OR_RETURN(StringMap params, ParseParams(args_.params));

    std::optional<models::Task> task;
    if (args_.task != "auto") {
      ASSIGN_OR_RETURN(task, models::ParseTask(args_.task));
    }
    ASSIGN_OR_RETURN(train::EncodedTarget target, train::EncodeTarget(table, args_.target, task));
    const bool classification = target.task != models::Task::kRegression;
    const train::RowSplit rows =
        train::SplitRows(table.num_rows(), args_.valid_fraction, args_.seed,
                         classification ? absl::Span<const double>(target.values)
                                        : absl::Span<const double>());
    const bool has_valid = !rows.second.empty();
    // Without a validation split the model is scored on its training rows (tagged so).
    const std::vector<int64_t>& eval_rows = has_valid ? rows.second : rows.first;
    ASSIGN_OR_RETURN(table::Table train_table, table.Take(rows.first));
    ASSIGN_OR_RETURN(table::Table eval_table, table.Take(eval_rows));

    std::optional<data::TransformPipeline> pipeline;
    if (!args_.transforms.empty()) {
      ASSIGN_OR_RETURN(std::string spec, ReadFile(args_.transforms));
      ASSIGN_OR_RETURN(pipeline, data::TransformPipeline::FromSpecYaml(spec));
      if (args_.cv >= 2) {
        // Cross-validation refits the pipeline on each fold's training rows.
        transform_spec_ = spec;
        raw_train_ = train_table;
      }
      RETURN_IF_ERROR(pipeline->Fit(train_table, args_.target));
      ASSIGN_OR_RETURN(train_table, pipeline->Transform(train_table));
      ASSIGN_OR_RETURN(eval_table, pipeline->Transform(eval_table));
    }
    Split split;
    ASSIGN_OR_RETURN(split.train, train::BuildFeatureMatrix(train_table, args_.target));
    ASSIGN_OR_RETURN(split.eval, train::BuildFeatureMatrix(eval_table, args_.target));
    split.train_y = train::TakeValues(target.values, rows.first);
    split.eval_y = train::TakeValues(target.values, eval_rows);

    // The run.
    ASSIGN_OR_RETURN(experiment_id_, ExperimentId(*stores_.tracking, args_.experiment));
    tracking::CreateRunRequest request;
    request.experiment_id = experiment_id_;
    request.run_name = args_.run_name;
    request.tags = {{"strata.model", args_.model},
                    {"strata.task", std::string(models::TaskName(target.task))},
                    {"strata.eval_split", has_valid ? "valid" : "train"},
                    {"mlflow.source.type", "LOCAL"}};
    if (auto git = data::internal::CaptureGit(std::filesystem::current_path().string());
        git.ok() && git->has_value() && !(*git)->commit.empty()) {
      request.tags.push_back({"mlflow.source.git.commit", (*git)->commit});
    }
    ASSIGN_OR_RETURN(tracking::Run run, stores_.tracking->CreateRun(request));
    run_id_ = run.info.run_id;
    absl::Status status = TrainAndLog(table, target, std::move(pipeline), split, params, has_valid);
    if (status.ok()) status = RecordLineage();
    tracking::UpdateRunRequest update;
    update.run_id = run_id_;
    update.status = status.ok() ? "FINISHED" : "FAILED";
    update.end_time = NowMillis();
    if (!status.ok()) {
      (void)stores_.tracking->SetTag(run_id_, {"strata.error", std::string(status.message())});
    }
    RETURN_IF_ERROR(stores_.tracking->UpdateRun(update).status());
    return status;
  }

  const std::string& run_id() const { return run_id_; }
  const json& summary() const { return summary_; }

 private:
  // The training as a lineage execution: the dataset version (or data file) in, the model
  // package out, inside the experiment's context.
  absl::Status RecordLineage() {
    lineage::LineageStore& graph = stores_.datasets->lineage();
    ASSIGN_OR_RETURN(lineage::Context experiment,
                     graph.PutContext({0, "Experiment", experiment_id_, "{}", 0}));
    std::vector<lineage::LineageStore::Io> inputs;
    if (dataset_ref_) {
      inputs.push_back({{0, "Dataset", training_dataset_, "dataset:" + training_dataset_, "{}", 0},
                        "train"});
    } else {
      std::error_code ec;
      const std::string path = std::filesystem::absolute(args_.data, ec).string();
      inputs.push_back({{0, "DataFile", "", "file://" + path, "{}", 0}, "train"});
    }
    const std::string model_uri = absl::StrCat("runs:/", run_id_, "/model");
    std::vector<lineage::LineageStore::Io> outputs = {
        {{0, "Model", model_uri, model_uri, json{{"model", args_.model}}.dump(), 0}, "model"}};
    const json properties = {{"run_id", run_id_}, {"experiment_id", experiment_id_},
                             {"model", args_.model}};
    return graph
        .RecordExecution({0, "Training", absl::StrCat("run ", run_id_),
                          lineage::ExecutionState::kComplete, properties.dump(), 0, 0},
                         inputs, outputs, experiment.id)
        .status();
  }

  absl::Status CheckArgs() const {
    if (args_.model != "glm" && args_.model != "gbdt" && args_.model != "rf") {
      return absl::InvalidArgumentError(absl::StrCat("--model ", args_.model, ": expected glm, gbdt or rf"));
    }
    if (args_.valid_fraction < 0 || args_.valid_fraction >= 1) {
      return absl::InvalidArgumentError("--valid-fraction must be in [0, 1)");
    }
    if (!args_.search.empty() && args_.search != "grid" && args_.search != "random") {
      return absl::InvalidArgumentError("--search: expected grid or random");
    }
    if (!args_.search.empty() && args_.space.empty()) {
      return absl::InvalidArgumentError("--search needs --space space.yaml");
    }
    if (args_.cv == 1 || args_.cv < 0) return absl::InvalidArgumentError("--cv K needs K >= 2");
    return absl::OkStatus();
  }

  static absl::StatusOr<std::map<std::string, std::string>> ParseParams(
      const std::vector<std::string>& list) {
    std::map<std::string, std::string> params;
    for (const std::string& kv : list) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return absl::InvalidArgumentError(absl::StrCat("--params '", kv, "': expected key=value"));
      }
      params[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return params;
  }

  absl::StatusOr<table::Table> LoadData() {
    constexpr std::string_view kDatasetPrefix = "dataset:";
    if (args_.data.rfind(kDatasetPrefix, 0) != 0) {
      training_dataset_ = args_.data;
      return io::ReadTable(args_.data);
    }
    ASSIGN_OR_RETURN(dataset_ref_, data::ParseDatasetRef(args_.data.substr(kDatasetPrefix.size())));
    ASSIGN_OR_RETURN(data::DatasetVersion version, stores_.datasets->GetVersion(*dataset_ref_));
    dataset_ref_->version = version.version;
    training_dataset_ = absl::StrCat(version.name, "@", version.version);
    // Materialize under the original file name so io::ReadTable picks the format from it.
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / absl::StrCat("strata-train-", NowMillis(), "-", getpid());
    std::filesystem::create_directories(dir);
    absl::StatusOr<std::string> path = stores_.datasets->Materialize(*dataset_ref_, dir.string());
    absl::StatusOr<table::Table> table =
        path.ok() ? io::ReadTable(*path) : absl::StatusOr<table::Table>(path.status());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return table;
  }

  absl::Status TrainAndLog(const table::Table& table, const train::EncodedTarget& target,
                           std::optional<data::TransformPipeline> pipeline, const Split& split,
                           std::map<std::string, std::string> params, bool has_valid) {
    tracking::TrackingStore& tracking = *stores_.tracking;
    if (dataset_ref_.has_value()) {
      RETURN_IF_ERROR(stores_.datasets->LogRunInput(*dataset_ref_, run_id_, "training", tracking).status());
    }
    std::vector<tracking::Param> logged = {
        {"model", args_.model},
        {"target", args_.target},
        {"task", std::string(models::TaskName(target.task))},
        {"data", args_.data},
        {"valid_fraction", FormatDouble(args_.valid_fraction)},
        {"seed", std::to_string(args_.seed)},
        {"train_rows", std::to_string(split.train.rows)},
        {"num_features", std::to_string(split.train.cols())}};
    if (!args_.transforms.empty()) logged.push_back({"transforms", args_.transforms});
    const Trainer trainer(args_, target.task, target.num_classes());
    const std::string metric = SearchMetric(target.task);

    if (!args_.search.empty()) {
      ASSIGN_OR_RETURN(StringMap best, Search(trainer, split, params, metric));
      for (const auto& [k, v] : best) params[k] = v;
    }
    for (const auto& [k, v] : params) logged.push_back({k, v});
    RETURN_IF_ERROR(tracking.LogBatch(run_id_, {}, logged, {}));

    ASSIGN_OR_RETURN(FitResult fit, trainer.Fit(split, params, 0, args_.threads));
    for (size_t i = 0; i < fit.iteration_metrics.size(); i += tracking::kMaxMetricsPerBatch) {
      std::vector<tracking::Metric> batch(
          fit.iteration_metrics.begin() + static_cast<ptrdiff_t>(i),
          fit.iteration_metrics.begin() +
              static_cast<ptrdiff_t>(std::min(fit.iteration_metrics.size(), i + tracking::kMaxMetricsPerBatch)));
      RETURN_IF_ERROR(tracking.LogBatch(run_id_, batch, {}, {}));
    }
    std::vector<tracking::Param> info;
    for (const auto& [k, v] : fit.info) info.push_back({k, v});
    RETURN_IF_ERROR(tracking.LogBatch(run_id_, {}, info, {}));

    absl::Status score_status;
    std::map<std::string, double> metrics = trainer.Score(split.eval_y, fit.valid_outputs, &score_status);
    RETURN_IF_ERROR(score_status);
    const int64_t now = NowMillis();
    std::vector<tracking::Metric> final_metrics;
    for (const auto& [k, v] : metrics) final_metrics.push_back({k, v, now, 0});
    RETURN_IF_ERROR(tracking.LogBatch(run_id_, final_metrics, {}, {}));
    summary_["metrics"] = metrics;

    if (args_.cv >= 2) RETURN_IF_ERROR(CrossValidate(trainer, target, split, params));

    ASSIGN_OR_RETURN(std::string run_uri, tracking.RunArtifactUri(run_id_));
    ASSIGN_OR_RETURN(run_root_, api::MlflowArtifactsUriToPath(run_uri));
    RETURN_IF_ERROR(LogEvaluationArtifacts(target, split.eval_y, fit.valid_outputs));
    (void)has_valid;
    return LogModel(table, target, pipeline ? &*pipeline : nullptr, split, fit, metrics);
  }

  std::string SearchMetric(models::Task task) const {
    if (!args_.metric.empty()) return args_.metric;
    switch (task) {
      case models::Task::kRegression:
        return "rmse";
      case models::Task::kBinary:
        return "roc_auc";
      case models::Task::kMulticlass:
        return "log_loss";
    }
    return "rmse";
  }

  absl::StatusOr<std::map<std::string, std::string>> Search(
      const Trainer& trainer, const Split& split, const std::map<std::string, std::string>& base,
      const std::string& metric) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(args_.space));
    ASSIGN_OR_RETURN(train::SearchSpace space, train::SearchSpace::FromYaml(text));
    std::vector<train::ParamSet> candidates;
    if (args_.search == "grid") {
      ASSIGN_OR_RETURN(candidates, train::GridCandidates(space));
    } else {
      candidates = train::RandomCandidates(space, args_.trials, args_.seed);
    }
    train::TuningOptions options;
    options.metric = metric;
    options.maximize = train::HigherIsBetter(metric);
    options.threads = args_.threads;
    options.experiment_id = experiment_id_;
    options.parent_run_id = run_id_;
    options.parent_run_name = args_.run_name.empty() ? "train" : args_.run_name;
    if (args_.halving) {
      if (args_.model == "gbdt") {
        // Budget = boosting rounds, from a ninth of the configured rounds up to all of them.
        int rounds = 100;
        if (auto it = base.find("num_rounds"); it != base.end()) (void)absl::SimpleAtoi(it->second, &rounds);
        options.successive_halving = true;
        options.max_budget = rounds;
        options.min_budget = std::max(1, rounds / 9);
      } else {
        return absl::InvalidArgumentError("--halving budgets boosting rounds: only --model gbdt");
      }
    }
    tracking::TrackingStore* tracking = stores_.tracking.get();
    auto run_trial = [&](const train::Trial& trial) -> absl::StatusOr<train::TrialMetrics> {
      std::map<std::string, std::string> params = base;
      for (const auto& [k, v] : trial.params) params[k] = v;
      ASSIGN_OR_RETURN(FitResult fit, trainer.Fit(split, params, static_cast<int>(trial.budget), 1));
      for (size_t i = 0; i < fit.iteration_metrics.size(); i += tracking::kMaxMetricsPerBatch) {
        std::vector<tracking::Metric> batch(
            fit.iteration_metrics.begin() + static_cast<ptrdiff_t>(i),
            fit.iteration_metrics.begin() + static_cast<ptrdiff_t>(std::min(
                                                fit.iteration_metrics.size(), i + tracking::kMaxMetricsPerBatch)));
        for (auto& m : batch) m.key = absl::StrCat("rung", trial.rung, "_", m.key);
        if (!args_.halving) {
          for (auto& m : batch) m.key = m.key.substr(m.key.find('_') + 1);
        }
        RETURN_IF_ERROR(tracking->LogBatch(trial.run_id, batch, {}, {}));
      }
      absl::Status status;
      train::TrialMetrics metrics = trainer.Score(split.eval_y, fit.valid_outputs, &status);
      RETURN_IF_ERROR(status);
      return metrics;
    };
    ASSIGN_OR_RETURN(train::TuningResult result, train::RunSearch(candidates, run_trial, options, tracking));
    const train::TrialResult& best = result.trials[static_cast<size_t>(result.best_index)];
    summary_["search"] = {{"trials", result.trials.size()},
                          {"best_run_id", best.run_id},
                          {"best_" + metric, result.best_value},
                          {"best_params", best.params}};
    return best.params;
  }

  absl::Status CrossValidate(const Trainer& trainer, const train::EncodedTarget& target,
                             const Split& split, const std::map<std::string, std::string>& params) {
    // Folds over the training rows. With transforms, each fold fits its own pipeline on its
    // training rows only, so no statistic of the held-out rows (means, categories, bins)
    // leaks into the features it is scored on.
    const train::KFoldOptions k{.k = args_.cv, .shuffle = true, .seed = args_.seed};
    absl::StatusOr<std::vector<train::Fold>> folds;
    if (target.task == models::Task::kRegression) {
      folds = train::KFold(split.train.rows, k);
    } else {
      std::vector<int> labels(split.train_y.begin(), split.train_y.end());
      folds = train::StratifiedKFold(labels, k);
    }
    RETURN_IF_ERROR(folds.status());
    auto fit_fold = [&](int, const train::Fold& fold) -> absl::StatusOr<train::FoldMetrics> {
      Split s;
      if (transform_spec_.has_value()) {
        ASSIGN_OR_RETURN(data::TransformPipeline fold_pipeline,
                         data::TransformPipeline::FromSpecYaml(*transform_spec_));
        ASSIGN_OR_RETURN(table::Table fold_train, raw_train_.Take(fold.train));
        ASSIGN_OR_RETURN(table::Table fold_test, raw_train_.Take(fold.test));
        RETURN_IF_ERROR(fold_pipeline.Fit(fold_train, args_.target));
        ASSIGN_OR_RETURN(fold_train, fold_pipeline.Transform(fold_train));
        ASSIGN_OR_RETURN(fold_test, fold_pipeline.Transform(fold_test));
        ASSIGN_OR_RETURN(s.train, train::BuildFeatureMatrix(fold_train, args_.target));
        ASSIGN_OR_RETURN(s.eval, train::BuildFeatureMatrix(fold_test, args_.target));
      } else {
        s.train = train::TakeRows(split.train, fold.train);
        s.eval = train::TakeRows(split.train, fold.test);
      }
      s.train_y = train::TakeValues(split.train_y, fold.train);
      s.eval_y = train::TakeValues(split.train_y, fold.test);
      std::map<std::string, std::string> fold_params = params;
      fold_params.erase("early_stopping_rounds");  // the fold's test rows must not pick rounds
      ASSIGN_OR_RETURN(FitResult fit, trainer.Fit(s, fold_params, 0, 1));
      absl::Status status;
      train::FoldMetrics m = trainer.Score(s.eval_y, fit.valid_outputs, &status);
      RETURN_IF_ERROR(status);
      return m;
    };
    ASSIGN_OR_RETURN(train::CrossValidationResult cv, train::CrossValidate(*folds, fit_fold, args_.threads));
    const int64_t now = NowMillis();
    std::vector<tracking::Metric> metrics;
    for (const auto& [name, v] : cv.mean) metrics.push_back({absl::StrCat("cv_", name, "_mean"), v, now, 0});
    for (const auto& [name, v] : cv.stddev) metrics.push_back({absl::StrCat("cv_", name, "_std"), v, now, 0});
    for (size_t f = 0; f < cv.folds.size(); ++f) {
      for (const auto& [name, v] : cv.folds[f]) {
        metrics.push_back({absl::StrCat("cv_", name), v, now, static_cast<int64_t>(f)});
      }
    }
    RETURN_IF_ERROR(stores_.tracking->LogBatch(run_id_, metrics, {}, {}));
    summary_["cv"] = {{"folds", args_.cv}, {"mean", cv.mean}, {"std", cv.stddev}};
    return absl::OkStatus();
  }

  absl::Status PutArtifact(const std::string& path, const std::string& bytes) {
    return stores_.blobs->Put(absl::StrCat(run_root_, "/", path), bytes).status();
  }

  absl::Status LogEvaluationArtifacts(const train::EncodedTarget& target,
                                      const std::vector<double>& truth,
                                      const std::vector<double>& outputs) {
    if (target.task == models::Task::kRegression) return absl::OkStatus();
    const int k = target.num_classes();
    std::vector<int> labels(truth.begin(), truth.end());
    ASSIGN_OR_RETURN(train::ConfusionMatrix cm,
                     train::ComputeConfusionMatrix(labels, train::PredictedClasses(outputs, k), k));
    RETURN_IF_ERROR(PutArtifact("eval/confusion_matrix.json", cm.ToJson(target.class_labels)));
    // Binary: the curves of class 1; multiclass: one-vs-rest per class.
    json roc = json::object(), pr = json::object();
    for (int c = (k == 2 ? 1 : 0); c < k; ++c) {
      std::vector<int> is_class(labels.size());
      std::vector<double> score(labels.size());
      for (size_t i = 0; i < labels.size(); ++i) {
        is_class[i] = labels[i] == c ? 1 : 0;
        score[i] = k == 2 ? outputs[i] : outputs[i * static_cast<size_t>(k) + static_cast<size_t>(c)];
      }
      auto roc_curve = train::RocCurve(is_class, score);
      auto pr_curve = train::PrCurve(is_class, score);
      const std::string& name = target.class_labels[static_cast<size_t>(c)];
      // A class absent from the evaluation rows has no curve.
      if (roc_curve.ok()) roc[name] = json::parse(roc_curve->ToJson("fpr", "tpr"));
      if (pr_curve.ok()) pr[name] = json::parse(pr_curve->ToJson("recall", "precision"));
    }
    RETURN_IF_ERROR(PutArtifact("eval/roc_curve.json", roc.dump()));
    return PutArtifact("eval/pr_curve.json", pr.dump());
  }

  absl::Status LogModel(const table::Table& table, const train::EncodedTarget& target,
                        const data::TransformPipeline* pipeline, const Split& split,
                        const FitResult& fit, const std::map<std::string, double>& metrics) {
    if (!fit.xgboost_json.empty()) {
      RETURN_IF_ERROR(PutArtifact("model/xgboost_model.json", fit.xgboost_json));
    }
    if (fit.predictor == nullptr) return absl::InternalError("the trainer returned no predictor");
    models::Manifest manifest;
    manifest.name = args_.run_name.empty() ? args_.target + "-" + args_.model : args_.run_name;
    manifest.flavor = std::string(fit.predictor->flavor());
    manifest.task = target.task;
    for (int c = 0; c < table.num_columns(); ++c) {
      const table::Field& f = table.schema().field(c);
      if (f.name == args_.target) continue;
      // Trees take NaN as "missing"; a linear model cannot.
      manifest.signature.inputs.push_back({f.name, SignatureType(f.type), manifest.flavor == "trees"});
    }
    if (target.task == models::Task::kMulticlass) {
      for (const std::string& label : target.class_labels) {
        manifest.signature.outputs.push_back({label, models::ValueType::kFloat64, false});
      }
    } else {
      manifest.signature.outputs.push_back({"prediction", models::ValueType::kFloat64, false});
    }
    manifest.feature_names = split.train.names;
    manifest.class_labels = target.class_labels;
    manifest.training_dataset = training_dataset_;
    manifest.run_id = run_id_;
    manifest.feature_service = args_.feature_service;
    manifest.metrics = metrics;
    int major = 0, minor = 0, patch = 0;
    XGBoostVersion(&major, &minor, &patch);
    manifest.library_versions = {{"strata", kVersion},
                                 {"xgboost", absl::StrCat(major, ".", minor, ".", patch)}};
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      absl::StrCat("strata-model-", run_id_);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::map<std::string, std::string> extra;
    if (!fit.xgboost_json.empty()) extra["xgboost_model.json"] = fit.xgboost_json;
    absl::Status s = models::WritePackage(dir.string(), manifest, *fit.predictor, pipeline, extra);
    if (s.ok()) s = UploadDir(*stores_.blobs, run_root_, "model", dir);
    if (s.ok() && !args_.package_out.empty()) {
      // WritePackage again rather than copying: it refuses a non-empty target and writes
      // atomically.
      s = models::WritePackage(args_.package_out, manifest, *fit.predictor, pipeline, extra);
      if (s.ok()) summary_["package_dir"] = args_.package_out;
    }
    std::filesystem::remove_all(dir, ec);
    RETURN_IF_ERROR(s);
    summary_["package"] = true;
    return absl::OkStatus();
  }

  const TrainArgs& args_;
  Stores stores_;
  std::optional<data::DatasetRef> dataset_ref_;
  std::string training_dataset_;
  std::string experiment_id_;
  std::string run_id_;
  // Set with --cv and --transforms: the spec and the untransformed training rows, for the
  // per-fold refits.
  std::optional<std::string> transform_spec_;
  table::Table raw_train_;
  std::string run_root_;
  json summary_ = json::object();
};

}  // namespace

TrainCommand::TrainCommand(CLI::App& app) {
  command_ = app.add_subcommand("train", "Train a tracked model (glm, gbdt or rf) on a table");
  args_.home = DefaultHome();
  command_->add_option("--home", args_.home, "Home directory (default $STRATA_HOME or ~/.strata)");
  command_->add_option("--store", args_.store_uri, "Metadata store URI; default sqlite under --home");
  command_->add_option("--artifacts", args_.artifacts_dir, "Blob store directory; default <home>/artifacts");
  command_->add_option("--data", args_.data, "Data file (.csv, .parquet, .jsonl) or dataset:NAME@V")->required();
  command_->add_option("--target", args_.target, "Target column")->required();
  command_->add_option("--model", args_.model, "glm | gbdt | rf")->capture_default_str();
  command_->add_option("--task", args_.task, "auto | regression | binary | multiclass")->capture_default_str();
  command_->add_option("--params", args_.params, "Model parameters key=value (XGBoost's names; glm: C, penalty, max_iter)");
  command_->add_option("--transforms", args_.transforms, "Transform spec YAML fitted on the training rows");
  command_->add_option("--experiment", args_.experiment, "Experiment name (created if missing)");
  command_->add_option("--run-name", args_.run_name, "Run name");
  command_->add_option("--package-out", args_.package_out,
                       "Also write the model package to this directory (for strata serve)");
  command_->add_option("--feature-service", args_.feature_service,
                       "Feature service the package names: strata serve --feature-repo then "
                       "accepts requests carrying only its entity keys");
  command_->add_option("--cv", args_.cv, "k-fold cross-validation on the training rows");
  command_->add_option("--search", args_.search, "Hyperparameter search: grid | random");
  command_->add_option("--space", args_.space, "Search space YAML");
  command_->add_option("--trials", args_.trials, "Random search trials")->capture_default_str();
  command_->add_option("--metric", args_.metric, "Metric the search optimises (default roc_auc / log_loss / rmse)");
  command_->add_flag("--halving", args_.halving, "Successive halving over boosting rounds");
  command_->add_option("--valid-fraction", args_.valid_fraction, "Validation rows")->capture_default_str();
  command_->add_option("--seed", args_.seed, "Seed of splits, search and XGBoost")->capture_default_str();
  command_->add_option("--threads", args_.threads, "Threads (trials and folds run in parallel)")->capture_default_str();
  command_->add_flag("--json", args_.json, "Print a JSON summary instead of the run id");
}

int TrainCommand::Run() {
  if (!command_->parsed()) return -1;
  TrainRun run(args_);
  absl::Status status = run.Execute();
  if (!status.ok()) {
    std::fprintf(stderr, "strata train: %s\n", std::string(status.message()).c_str());
    if (!run.run_id().empty()) std::fprintf(stderr, "run %s marked FAILED\n", run.run_id().c_str());
    return 1;
  }
  if (args_.json) {
    json out = run.summary();
    out["run_id"] = run.run_id();
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", run.run_id().c_str());
  }
  return 0;
}

}  // namespace strata::cli
