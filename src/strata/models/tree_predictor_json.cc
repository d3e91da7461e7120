// TreePredictor's own JSON form (predictor.json of a "trees" package):
//
//   {"format": "strata-trees", "version": 1, "task": "binary", "num_features": 30,
//    "num_groups": 1, "transform": "sigmoid", "base_margin": 0.0,
//    "trees": [{"group": 0, "left": [1, -1, -1], "right": [2, -1, -1], "feature": [3, 0, 0],
//               "threshold": [0.5, -0.2, 0.3], "default_left": [1, 0, 0]}, ...]}
//
// Floats are float32 values widened to double, which JSON's 17-digit doubles carry exactly, so
// the form round-trips bit for bit.
#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/models/tree_predictor.h"

namespace strata::models {
namespace {

using nlohmann::json;

absl::Status FieldError(std::string_view path, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("predictor.json ", AsAbsl(path), ": ",
                                                 AsAbsl(what)));
}

absl::StatusOr<const json*> Member(const json& object, std::string_view path,
                                   const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(absl::StrCat(AsAbsl(path), ".", key), "missing");
  return &*it;
}

absl::StatusOr<int64_t> IntegerField(const json& object, std::string_view path, const char* key) {
  ASSIGN_OR_RETURN(const json* value, Member(object, path, key));
  if (!value->is_number_integer()) {
    return FieldError(absl::StrCat(AsAbsl(path), ".", key), "must be an integer");
  }
  return value->get<int64_t>();
}

template <typename T>
absl::Status ReadArray(const json& object, std::string_view path, const char* key,
                       std::vector<T>* out) {
  ASSIGN_OR_RETURN(const json* value, Member(object, path, key));
  const std::string field = absl::StrCat(AsAbsl(path), ".", key);
  if (!value->is_array()) return FieldError(field, "must be an array");
  out->reserve(value->size());
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if constexpr (std::is_same_v<T, float>) {
      if (!item.is_number()) return FieldError(absl::StrCat(field, "[", i, "]"), "not a number");
      out->push_back(static_cast<float>(item.get<double>()));
    } else {
      if (!item.is_number_integer()) {
        return FieldError(absl::StrCat(field, "[", i, "]"), "not an integer");
      }
      const int64_t v = item.get<int64_t>();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return FieldError(absl::StrCat(field, "[", i, "]"), "out of range");
      }
      out->push_back(static_cast<T>(v));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TreeEnsembleSpec> SpecFromJson(const json& root) {
  if (!root.is_object()) return FieldError("$", "must be an object");
  TreeEnsembleSpec spec;
  ASSIGN_OR_RETURN(const json* format, Member(root, "$", "format"));
  if (*format != "strata-trees") return FieldError("$.format", "must be \"strata-trees\"");
  ASSIGN_OR_RETURN(int64_t version, IntegerField(root, "$", "version"));
  if (version != 1) return FieldError("$.version", absl::StrCat("unsupported version ", version));
  ASSIGN_OR_RETURN(const json* task, Member(root, "$", "task"));
  if (!task->is_string()) return FieldError("$.task", "must be a string");
  absl::StatusOr<Task> parsed_task = ParseTask(task->get<std::string>());
  if (!parsed_task.ok()) return FieldError("$.task", AsStd(parsed_task.status().message()));
  spec.task = *parsed_task;
  ASSIGN_OR_RETURN(int64_t num_features, IntegerField(root, "$", "num_features"));
  ASSIGN_OR_RETURN(int64_t num_groups, IntegerField(root, "$", "num_groups"));
  if (num_features < 1 || num_features > std::numeric_limits<int32_t>::max()) {
    return FieldError("$.num_features", "out of range");
  }
  if (num_groups < 1 || num_groups > std::numeric_limits<int32_t>::max()) {
    return FieldError("$.num_groups", "out of range");
  }
  spec.num_features = static_cast<int>(num_features);
  spec.num_groups = static_cast<int>(num_groups);
  ASSIGN_OR_RETURN(const json* transform, Member(root, "$", "transform"));
  if (!transform->is_string()) return FieldError("$.transform", "must be a string");
  absl::StatusOr<TreeOutputTransform> parsed_transform =
      ParseTreeOutputTransform(transform->get<std::string>());
  if (!parsed_transform.ok()) return FieldError("$.transform", AsStd(parsed_transform.status().message()));
  spec.transform = *parsed_transform;
  ASSIGN_OR_RETURN(const json* base_margin, Member(root, "$", "base_margin"));
  if (!base_margin->is_number()) return FieldError("$.base_margin", "must be a number");
  spec.base_margin = static_cast<float>(base_margin->get<double>());
  ASSIGN_OR_RETURN(const json* trees, Member(root, "$", "trees"));
  if (!trees->is_array()) return FieldError("$.trees", "must be an array");
  spec.trees.resize(trees->size());
  for (size_t t = 0; t < trees->size(); ++t) {
    const json& tree = (*trees)[t];
    const std::string path = absl::StrCat("$.trees[", t, "]");
    if (!tree.is_object()) return FieldError(path, "must be an object");
    TreeSpec& out = spec.trees[t];
    ASSIGN_OR_RETURN(int64_t group, IntegerField(tree, path, "group"));
    if (group < 0 || group >= num_groups) {
      return FieldError(absl::StrCat(path, ".group"), "out of range");
    }
    out.group = static_cast<int>(group);
    RETURN_IF_ERROR(ReadArray(tree, path, "left", &out.left));
    RETURN_IF_ERROR(ReadArray(tree, path, "right", &out.right));
    RETURN_IF_ERROR(ReadArray(tree, path, "feature", &out.feature));
    RETURN_IF_ERROR(ReadArray(tree, path, "threshold", &out.threshold));
    RETURN_IF_ERROR(ReadArray(tree, path, "default_left", &out.default_left));
  }
  return spec;
}

json FloatArray(const std::vector<float>& values) {
  json out = json::array();
  for (const float v : values) {
    out.push_back(static_cast<double>(v));  // finite: Create refuses anything else
  }
  return out;
}

}  // namespace

std::string TreePredictor::ToJson() const {
  json root = json::object();
  root["format"] = "strata-trees";
  root["version"] = 1;
  root["task"] = std::string(TaskName(spec_.task));
  root["num_features"] = spec_.num_features;
  root["num_groups"] = spec_.num_groups;
  root["transform"] = std::string(TreeOutputTransformName(spec_.transform));
  root["base_margin"] = static_cast<double>(spec_.base_margin);
  json trees = json::array();
  for (const TreeSpec& tree : spec_.trees) {
    json t = json::object();
    t["group"] = tree.group;
    t["left"] = tree.left;
    t["right"] = tree.right;
    t["feature"] = tree.feature;
    t["threshold"] = FloatArray(tree.threshold);
    t["default_left"] = tree.default_left;
    trees.push_back(std::move(t));
  }
  root["trees"] = std::move(trees);
  return root.dump();
}

absl::StatusOr<std::unique_ptr<TreePredictor>> TreePredictor::FromJson(std::string_view text) {
  json root = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return FieldError("$", "is not valid JSON");
  ASSIGN_OR_RETURN(TreeEnsembleSpec spec, SpecFromJson(root));
  return Create(std::move(spec));
}

}  // namespace strata::models
