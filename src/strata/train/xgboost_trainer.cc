#include "strata/train/xgboost_trainer.h"

#include <cmath>
#include <limits>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/train/metrics.h"
#include "xgboost/c_api.h"

namespace strata::train {
namespace {

// XGBoost reports errors as a non-zero return code plus a thread-local message.
absl::Status XgbCheck(int rc, const char* call, absl::StatusCode code = absl::StatusCode::kInternal) {
  if (rc == 0) return absl::OkStatus();
  const char* message = XGBGetLastError();
  return absl::Status(code, absl::StrCat("xgboost ", call, ": ", message ? message : "unknown"));
}

struct DMatrixDeleter {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
struct BoosterDeleter {
  void operator()(void* h) const { XGBoosterFree(h); }
};
using DMatrixPtr = std::unique_ptr<void, DMatrixDeleter>;
using BoosterPtr = std::unique_ptr<void, BoosterDeleter>;

absl::StatusOr<DMatrixPtr> MakeDMatrix(const float* features, int64_t rows, int cols,
                                       absl::Span<const float> labels) {
  DMatrixHandle handle = nullptr;
  RETURN_IF_ERROR(XgbCheck(
      XGDMatrixCreateFromMat(features, static_cast<bst_ulong>(rows), static_cast<bst_ulong>(cols),
                             std::numeric_limits<float>::quiet_NaN(), &handle),
      "XGDMatrixCreateFromMat"));
  DMatrixPtr matrix(handle);
  if (!labels.empty()) {
    RETURN_IF_ERROR(XgbCheck(XGDMatrixSetFloatInfo(handle, "label", labels.data(),
                                                   static_cast<bst_ulong>(labels.size())),
                             "XGDMatrixSetFloatInfo(label)"));
  }
  return matrix;
}

absl::Status CheckMatrix(const DenseMatrix& m, const char* which, const XgboostTrainOptions& o,
                         int num_classes) {
  if (m.features == nullptr || m.rows <= 0 || m.cols <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(which, " matrix is empty"));
  }
  if (static_cast<int64_t>(m.labels.size()) != m.rows) {
    return absl::InvalidArgumentError(absl::StrCat(which, " matrix has ", m.rows, " rows but ",
                                                   m.labels.size(), " labels"));
  }
  for (size_t i = 0; i < m.labels.size(); ++i) {
    const float y = m.labels[i];
    if (!std::isfinite(y)) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, " row ", i, ": label is missing or not finite"));
    }
    if (o.task != models::Task::kRegression &&
        (y != std::floor(y) || y < 0 || y >= static_cast<float>(num_classes))) {
      return absl::InvalidArgumentError(absl::StrCat(which, " row ", i, ": label ", y,
                                                     " is not a class id in [0, ", num_classes,
                                                     ")"));
    }
  }
  return absl::OkStatus();
}

// "[3]\ttrain-rmse:1.2\tvalid-rmse:1.5" -> per data set name -> metric -> value.
absl::StatusOr<IterationMetrics> ParseEval(int iteration, const char* text) {
  IterationMetrics out;
  out.iteration = iteration;
  for (absl::string_view field : absl::StrSplit(text, '\t', absl::SkipEmpty())) {
    if (!field.empty() && field.front() == '[') continue;
    const size_t dash = field.find('-');
    const size_t colon = field.rfind(':');
    double value = 0;
    if (dash == absl::string_view::npos || colon == absl::string_view::npos || colon < dash ||
        !absl::SimpleAtod(field.substr(colon + 1), &value)) {
      return absl::InternalError(
          absl::StrCat("xgboost eval output not understood: '", field, "'"));
    }
    const std::string data(field.substr(0, dash));
    const std::string metric(field.substr(dash + 1, colon - dash - 1));
    (data == "train" ? out.train : out.valid)[metric] = value;
  }
  return out;
}

absl::StatusOr<std::vector<double>> Predict(BoosterHandle booster, DMatrixHandle matrix) {
  bst_ulong length = 0;
  const float* result = nullptr;
  RETURN_IF_ERROR(XgbCheck(XGBoosterPredict(booster, matrix, 0, 0, 0, &length, &result),
                           "XGBoosterPredict"));
  return std::vector<double>(result, result + length);
}

absl::Status SetParam(BoosterHandle booster, const std::string& key, const std::string& value) {
  return XgbCheck(XGBoosterSetParam(booster, key.c_str(), value.c_str()),
                  absl::StrCat("parameter ", key, "=", value).c_str(),
                  absl::StatusCode::kInvalidArgument);
}

}  // namespace

std::string XgboostObjective(models::Task task) {
  switch (task) {
    case models::Task::kRegression:
      return "reg:squarederror";
    case models::Task::kBinary:
      return "binary:logistic";
    case models::Task::kMulticlass:
      return "multi:softprob";
  }
  return "reg:squarederror";
}

absl::StatusOr<XgboostModel> TrainXgboost(const DenseMatrix& train, const DenseMatrix* valid,
                                          const XgboostTrainOptions& options) {
  int num_classes = 1;
  if (options.task == models::Task::kBinary) num_classes = 2;
  if (options.task == models::Task::kMulticlass) {
    if (options.num_classes < 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("multiclass needs num_classes >= 2, got ", options.num_classes));
    }
    num_classes = options.num_classes;
  }
  RETURN_IF_ERROR(CheckMatrix(train, "train", options, num_classes));
  if (valid != nullptr) {
    RETURN_IF_ERROR(CheckMatrix(*valid, "valid", options, num_classes));
    if (valid->cols != train.cols) {
      return absl::InvalidArgumentError(absl::StrCat("valid matrix has ", valid->cols,
                                                     " columns, train has ", train.cols));
    }
  }
  if (options.early_stopping_rounds > 0 && valid == nullptr) {
    return absl::InvalidArgumentError("early_stopping_rounds needs a validation split");
  }
  const bool forest = options.kind == EnsembleKind::kRandomForest;
  if (!forest && options.num_rounds < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_rounds must be >= 1, got ", options.num_rounds));
  }
  for (const char* reserved : {"objective", "num_class"}) {
    if (options.params.count(reserved) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter '", reserved, "' is set by the task; remove it"));
    }
  }

  ASSIGN_OR_RETURN(DMatrixPtr dtrain,
                   MakeDMatrix(train.features, train.rows, train.cols, train.labels));
  DMatrixPtr dvalid;
  if (valid != nullptr) {
    ASSIGN_OR_RETURN(dvalid, MakeDMatrix(valid->features, valid->rows, valid->cols, valid->labels));
  }
  std::vector<DMatrixHandle> cache = {dtrain.get()};
  std::vector<const char*> names = {"train"};
  if (dvalid) {
    cache.push_back(dvalid.get());
    names.push_back("valid");
  }
  BoosterHandle raw_booster = nullptr;
  RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(cache.data(), static_cast<bst_ulong>(cache.size()),
                                           &raw_booster),
                           "XGBoosterCreate"));
  BoosterPtr booster(raw_booster);

  std::map<std::string, std::string> params = {{"booster", "gbtree"},
                                               {"verbosity", "0"},
                                               {"seed", std::to_string(options.seed)},
                                               {"objective", XgboostObjective(options.task)}};
  if (options.task == models::Task::kMulticlass) params["num_class"] = std::to_string(num_classes);
  if (options.threads > 0) params["nthread"] = std::to_string(options.threads);
  if (forest) {
    params["num_parallel_tree"] = "100";
    params["subsample"] = "0.8";
    params["colsample_bynode"] = "0.8";
    params["learning_rate"] = "1";
  }
  for (const auto& [key, value] : options.params) {
    // eta and learning_rate are aliases; a user's eta must win over the forest's default.
    if (key == "eta") params.erase("learning_rate");
    params[key] = value;
  }
  std::string eval_metric = options.eval_metric;
  if (eval_metric.empty()) {
    eval_metric = options.task == models::Task::kRegression ? "rmse"
                  : options.task == models::Task::kBinary   ? "logloss"
                                                            : "mlogloss";
  }
  for (const auto& [key, value] : params) RETURN_IF_ERROR(SetParam(booster.get(), key, value));
  // A comma list sets several metrics; XGBoost (and we) early-stop on the last one.
  std::vector<std::string> metrics = absl::StrSplit(eval_metric, ',', absl::SkipEmpty());
  for (const std::string& metric : metrics) {
    RETURN_IF_ERROR(SetParam(booster.get(), "eval_metric", metric));
  }
  const std::string watched = metrics.back();
  const bool maximize = HigherIsBetter(watched);

  XgboostModel model;
  model.eval_metric = watched;
  const int rounds = forest ? 1 : options.num_rounds;
  double best = 0;
  for (int iter = 0; iter < rounds; ++iter) {
    // XGBoost checks parameters lazily, in the first update: a failure there is the
    // configuration's fault.
    RETURN_IF_ERROR(XgbCheck(XGBoosterUpdateOneIter(booster.get(), iter, dtrain.get()),
                             "XGBoosterUpdateOneIter",
                             iter == 0 ? absl::StatusCode::kInvalidArgument
                                       : absl::StatusCode::kInternal));
    const char* eval_text = nullptr;
    RETURN_IF_ERROR(XgbCheck(XGBoosterEvalOneIter(booster.get(), iter, cache.data(), names.data(),
                                                  static_cast<bst_ulong>(cache.size()), &eval_text),
                             "XGBoosterEvalOneIter"));
    ASSIGN_OR_RETURN(IterationMetrics m, ParseEval(iter, eval_text));
    const auto& watched_set = dvalid ? m.valid : m.train;
    auto it = watched_set.find(watched);
    if (it == watched_set.end()) {
      return absl::InternalError(absl::StrCat("xgboost did not report metric '", watched, "'"));
    }
    const double score = it->second;
    model.history.push_back(std::move(m));
    model.rounds_trained = iter + 1;
    if (iter == 0 || (maximize ? score > best : score < best)) {
      best = score;
      model.best_iteration = iter;
    }
    if (options.early_stopping_rounds > 0 &&
        iter - model.best_iteration >= options.early_stopping_rounds) {
      break;
    }
  }
  model.best_score = best;

  // Keep rounds [0, best_iteration]: the saved model is the one that scored best.
  BoosterPtr kept;
  BoosterHandle final_booster = booster.get();
  if (model.best_iteration + 1 < model.rounds_trained) {
    BoosterHandle sliced = nullptr;
    RETURN_IF_ERROR(XgbCheck(XGBoosterSlice(booster.get(), 0, model.best_iteration + 1, 1, &sliced),
                             "XGBoosterSlice"));
    kept.reset(sliced);
    final_booster = sliced;
  }
  bst_ulong length = 0;
  const char* bytes = nullptr;
  RETURN_IF_ERROR(XgbCheck(
      XGBoosterSaveModelToBuffer(final_booster, R"({"format":"json"})", &length, &bytes),
      "XGBoosterSaveModelToBuffer"));
  model.json.assign(bytes, length);
  if (dvalid) {
    ASSIGN_OR_RETURN(model.valid_predictions, Predict(final_booster, dvalid.get()));
  }
  return model;
}

absl::StatusOr<std::vector<double>> PredictWithXgboost(const std::string& model_json,
                                                       const float* features, int64_t rows,
                                                       int cols, int threads) {
  if (features == nullptr || rows <= 0 || cols <= 0) {
    return absl::InvalidArgumentError("prediction matrix is empty");
  }
  BoosterHandle raw = nullptr;
  RETURN_IF_ERROR(XgbCheck(XGBoosterCreate(nullptr, 0, &raw), "XGBoosterCreate"));
  BoosterPtr booster(raw);
  RETURN_IF_ERROR(XgbCheck(XGBoosterLoadModelFromBuffer(booster.get(), model_json.data(),
                                                        static_cast<bst_ulong>(model_json.size())),
                           "XGBoosterLoadModelFromBuffer", absl::StatusCode::kInvalidArgument));
  if (threads > 0) RETURN_IF_ERROR(SetParam(booster.get(), "nthread", std::to_string(threads)));
  bst_ulong features_expected = 0;
  RETURN_IF_ERROR(XgbCheck(XGBoosterGetNumFeature(booster.get(), &features_expected),
                           "XGBoosterGetNumFeature"));
  if (features_expected != static_cast<bst_ulong>(cols)) {
    return absl::InvalidArgumentError(absl::StrCat("model expects ", features_expected,
                                                   " features, matrix has ", cols));
  }
  ASSIGN_OR_RETURN(DMatrixPtr matrix, MakeDMatrix(features, rows, cols, {}));
  return Predict(booster.get(), matrix.get());
}

}  // namespace strata::train
