#include "strata/models/linear_predictor.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/strings.h"

namespace strata::models {
namespace {

absl::Status FieldError(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("linear predictor field '",
                                                 absl::string_view(field.data(), field.size()),
                                                 "': ",
                                                 absl::string_view(problem.data(), problem.size())));
}

}  // namespace

LinearPredictor::LinearPredictor(Task task, int num_features, std::vector<double> weights,
                                 std::vector<double> intercepts)
    : task_(task),
      num_features_(num_features),
      num_outputs_(static_cast<int>(intercepts.size())),
      weights_(std::move(weights)),
      intercepts_(std::move(intercepts)) {}

absl::StatusOr<std::unique_ptr<LinearPredictor>> LinearPredictor::Create(
    Task task, int num_features, std::vector<double> weights, std::vector<double> intercepts) {
  if (num_features < 1) {
    return FieldError("num_features", absl::StrCat("must be >= 1, got ", num_features));
  }
  const size_t outputs = intercepts.size();
  if (task == Task::kMulticlass) {
    if (outputs < 2) {
      return FieldError("intercepts",
                        absl::StrCat("a multiclass model needs >= 2 outputs, got ", outputs));
    }
  } else if (outputs != 1) {
    return FieldError("intercepts", absl::StrCat("a ", AsAbsl(TaskName(task)),
                                                 " model has 1 output, got ", outputs));
  }
  if (weights.size() != outputs * static_cast<size_t>(num_features)) {
    return FieldError("weights", absl::StrCat("holds ", weights.size(), " values; expected ",
                                              outputs, " x ", num_features));
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i])) {
      return FieldError("weights", absl::StrCat("value [", i / num_features, "][",
                                                i % num_features, "] is not finite"));
    }
  }
  for (size_t k = 0; k < outputs; ++k) {
    if (!std::isfinite(intercepts[k])) {
      return FieldError("intercepts", absl::StrCat("value [", k, "] is not finite"));
    }
  }
  return std::unique_ptr<LinearPredictor>(
      new LinearPredictor(task, num_features, std::move(weights), std::move(intercepts)));
}

absl::StatusOr<std::unique_ptr<LinearPredictor>> LinearPredictor::FromJson(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("linear predictor: malformed JSON");
  if (!doc.is_object()) return absl::InvalidArgumentError("linear predictor: not a JSON object");

  auto task_it = doc.find("task");
  if (task_it == doc.end() || !task_it->is_string()) {
    return FieldError("task", "missing or not a string");
  }
  const std::string task_name = task_it->get<std::string>();
  absl::StatusOr<Task> parsed_task = ParseTask(task_name);
  if (!parsed_task.ok()) return FieldError("task", std::string(parsed_task.status().message()));
  const Task task = *parsed_task;

  auto features_it = doc.find("num_features");
  if (features_it == doc.end() || !features_it->is_number_integer()) {
    return FieldError("num_features", "missing or not an integer");
  }
  const int64_t num_features = features_it->get<int64_t>();
  if (num_features < 1 || num_features > (1 << 24)) {
    return FieldError("num_features", absl::StrCat("must be in [1, 2^24], got ", num_features));
  }

  auto weights_it = doc.find("weights");
  if (weights_it == doc.end() || !weights_it->is_array()) {
    return FieldError("weights", "missing or not an array of rows");
  }
  std::vector<double> weights;
  weights.reserve(weights_it->size() * static_cast<size_t>(num_features));
  for (size_t k = 0; k < weights_it->size(); ++k) {
    const nlohmann::json& row = (*weights_it)[k];
    if (!row.is_array() || row.size() != static_cast<size_t>(num_features)) {
      return FieldError("weights", absl::StrCat("row ", k, " is not an array of num_features (",
                                                num_features, ") numbers"));
    }
    for (size_t j = 0; j < row.size(); ++j) {
      if (!row[j].is_number()) {
        return FieldError("weights", absl::StrCat("value [", k, "][", j, "] is not a number"));
      }
      weights.push_back(row[j].get<double>());
    }
  }

  auto intercepts_it = doc.find("intercepts");
  if (intercepts_it == doc.end() || !intercepts_it->is_array()) {
    return FieldError("intercepts", "missing or not an array");
  }
  std::vector<double> intercepts;
  for (size_t k = 0; k < intercepts_it->size(); ++k) {
    if (!(*intercepts_it)[k].is_number()) {
      return FieldError("intercepts", absl::StrCat("value [", k, "] is not a number"));
    }
    intercepts.push_back((*intercepts_it)[k].get<double>());
  }
  if (intercepts.size() != weights_it->size()) {
    return FieldError("intercepts", absl::StrCat("has ", intercepts.size(),
                                                 " values for ", weights_it->size(),
                                                 " weight rows"));
  }
  return Create(task, static_cast<int>(num_features), std::move(weights), std::move(intercepts));
}

void LinearPredictor::Predict(const float* features, int64_t rows, double* out) const {
  const int64_t f = num_features_;
  const int k_out = num_outputs_;
  for (int64_t i = 0; i < rows; ++i) {
    const float* x = features + i * f;
    double* o = out + i * k_out;
    for (int k = 0; k < k_out; ++k) {
      const double* w = weights_.data() + k * f;
      // Two partial sums break the add chain; the order is fixed, so results are reproducible.
      double even = 0, odd = 0;
      int64_t j = 0;
      for (; j + 2 <= f; j += 2) {
        even += w[j] * static_cast<double>(x[j]);
        odd += w[j + 1] * static_cast<double>(x[j + 1]);
      }
      if (j < f) even += w[j] * static_cast<double>(x[j]);
      o[k] = intercepts_[k] + (even + odd);
    }
    if (task_ == Task::kBinary) {
      const double z = o[0];
      // Both branches avoid exp overflow; each is exact to rounding in its own half-line.
      o[0] = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
    } else if (task_ == Task::kMulticlass) {
      double top = o[0];
      for (int k = 1; k < k_out; ++k) top = std::max(top, o[k]);
      double sum = 0;
      for (int k = 0; k < k_out; ++k) sum += (o[k] = std::exp(o[k] - top));
      for (int k = 0; k < k_out; ++k) o[k] /= sum;
    }
  }
}

std::string LinearPredictor::ToJson() const {
  nlohmann::json doc;
  doc["task"] = std::string(TaskName(task_));
  doc["num_features"] = num_features_;
  nlohmann::json rows = nlohmann::json::array();
  for (int k = 0; k < num_outputs_; ++k) {
    rows.push_back(std::vector<double>(weights_.begin() + static_cast<int64_t>(k) * num_features_,
                                       weights_.begin() + static_cast<int64_t>(k + 1) * num_features_));
  }
  doc["weights"] = std::move(rows);
  doc["intercepts"] = intercepts_;
  return doc.dump();
}

}  // namespace strata::models
