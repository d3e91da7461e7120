#include "strata/models/xgboost_import.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/models/internal/model_json.h"

namespace strata::models {
namespace {

using nlohmann::json;

// A value of the parsed model with its JSON path, so every error names where it is.
class Field {
 public:
  Field(const json& value, std::string path) : value_(&value), path_(std::move(path)) {}

  const json& value() const { return *value_; }
  const std::string& path() const { return path_; }

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", AsAbsl(what)));
  }
  absl::Status Unimplemented(std::string_view what) const {
    return absl::UnimplementedError(absl::StrCat(path_, ": ", AsAbsl(what)));
  }

  bool Has(const char* key) const { return value_->is_object() && value_->contains(key); }

  absl::StatusOr<Field> Get(const char* key) const {
    if (!value_->is_object()) return Error("must be an object");
    auto it = value_->find(key);
    if (it == value_->end()) return Field(*value_, absl::StrCat(path_, ".", key)).Error("missing");
    return Field(*it, absl::StrCat(path_, ".", key));
  }

  absl::StatusOr<std::string> String() const {
    if (!value_->is_string()) return Error("must be a string");
    return value_->get<std::string>();
  }

  // XGBoost stores its parameters as strings ("100", "5E-1").
  absl::StatusOr<int64_t> IntegerParam() const {
    ASSIGN_OR_RETURN(std::string text, String());
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Error(absl::StrCat("'", text, "' is not an integer"));
    }
    return v;
  }
  absl::StatusOr<float> FloatParam() const {
    ASSIGN_OR_RETURN(std::string text, String());
    float v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
      return Error(absl::StrCat("'", text, "' is not a finite number"));
    }
    return v;
  }

  absl::StatusOr<const json::array_t*> Array() const {
    if (!value_->is_array()) return Error("must be an array");
    return &value_->get_ref<const json::array_t&>();
  }

  template <typename T>
  absl::Status IntegerArray(std::vector<T>* out) const {
    ASSIGN_OR_RETURN(const json::array_t* items, Array());
    out->clear();
    out->reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      const json& item = (*items)[i];
      if (!item.is_number_integer()) {
        return Field(item, absl::StrCat(path_, "[", i, "]")).Error("must be an integer");
      }
      const int64_t v = item.is_number_unsigned()
                            ? static_cast<int64_t>(std::min<uint64_t>(
                                  item.get<uint64_t>(), std::numeric_limits<int64_t>::max()))
                            : item.get<int64_t>();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        return Field(item, absl::StrCat(path_, "[", i, "]"))
            .Error(absl::StrCat(v, " is out of range"));
      }
      out->push_back(static_cast<T>(v));
    }
    return absl::OkStatus();
  }

  absl::Status FloatArray(std::vector<float>* out) const {
    ASSIGN_OR_RETURN(const json::array_t* items, Array());
    out->clear();
    out->reserve(items->size());
    for (size_t i = 0; i < items->size(); ++i) {
      const json& item = (*items)[i];
      // Our readers produce float32 values widened to double: narrowing is exact.
      const float v = item.is_number() ? static_cast<float>(item.get<double>())
                                       : std::numeric_limits<float>::quiet_NaN();
      if (!std::isfinite(v)) {
        return Field(item, absl::StrCat(path_, "[", i, "]")).Error("must be a finite number");
      }
      out->push_back(v);
    }
    return absl::OkStatus();
  }

 private:
  const json* value_;
  std::string path_;
};

struct ObjectiveInfo {
  Task task = Task::kRegression;
  TreeOutputTransform transform = TreeOutputTransform::kIdentity;
  enum class Margin { kIdentity, kLogit, kLog } margin = Margin::kIdentity;
};

absl::StatusOr<ObjectiveInfo> Objective(const Field& name_field, const std::string& name) {
  using M = ObjectiveInfo::Margin;
  if (name == "reg:squarederror" || name == "reg:linear" || name == "reg:squaredlogerror" ||
      name == "reg:pseudohubererror" || name == "reg:absoluteerror") {
    return ObjectiveInfo{Task::kRegression, TreeOutputTransform::kIdentity, M::kIdentity};
  }
  if (name == "reg:logistic" || name == "binary:logistic") {
    return ObjectiveInfo{Task::kBinary, TreeOutputTransform::kSigmoid, M::kLogit};
  }
  // Raw margins; 1.x's LogisticRaw inherits the logistic ProbToMargin.
  if (name == "binary:logitraw") {
    return ObjectiveInfo{Task::kRegression, TreeOutputTransform::kIdentity, M::kLogit};
  }
  if (name == "count:poisson" || name == "reg:gamma" || name == "reg:tweedie") {
    return ObjectiveInfo{Task::kRegression, TreeOutputTransform::kExp, M::kLog};
  }
  if (name == "multi:softprob" || name == "multi:softmax") {
    return ObjectiveInfo{Task::kMulticlass, TreeOutputTransform::kSoftmax, M::kIdentity};
  }
  return name_field.Unimplemented(absl::StrCat("objective '", name, "' is not supported"));
}

absl::Status ReadTree(const Field& tree, int num_features, TreeSpec* out) {
  ASSIGN_OR_RETURN(Field left, tree.Get("left_children"));
  ASSIGN_OR_RETURN(Field right, tree.Get("right_children"));
  ASSIGN_OR_RETURN(Field indices, tree.Get("split_indices"));
  ASSIGN_OR_RETURN(Field conditions, tree.Get("split_conditions"));
  ASSIGN_OR_RETURN(Field default_left, tree.Get("default_left"));
  RETURN_IF_ERROR(left.IntegerArray(&out->left));
  RETURN_IF_ERROR(right.IntegerArray(&out->right));
  RETURN_IF_ERROR(indices.IntegerArray(&out->feature));
  RETURN_IF_ERROR(conditions.FloatArray(&out->threshold));
  RETURN_IF_ERROR(default_left.IntegerArray(&out->default_left));
  if (tree.Has("split_type")) {
    ASSIGN_OR_RETURN(Field split_type, tree.Get("split_type"));
    std::vector<int32_t> types;
    RETURN_IF_ERROR(split_type.IntegerArray(&types));
    for (size_t i = 0; i < types.size(); ++i) {
      if (types[i] != 0) {
        return Field(split_type.value(), absl::StrCat(split_type.path(), "[", i, "]"))
            .Unimplemented("categorical splits are not supported");
      }
    }
  }
  if (tree.Has("tree_param")) {
    ASSIGN_OR_RETURN(Field param, tree.Get("tree_param"));
    if (param.Has("size_leaf_vector")) {
      ASSIGN_OR_RETURN(Field leaf_vector, param.Get("size_leaf_vector"));
      ASSIGN_OR_RETURN(int64_t size, leaf_vector.IntegerParam());
      if (size > 1) return leaf_vector.Unimplemented("vector leaves are not supported");
    }
    ASSIGN_OR_RETURN(Field num_nodes, param.Get("num_nodes"));
    ASSIGN_OR_RETURN(int64_t nodes, num_nodes.IntegerParam());
    if (nodes != static_cast<int64_t>(out->left.size())) {
      return num_nodes.Error(absl::StrCat("says ", nodes, " nodes but left_children has ",
                                          out->left.size()));
    }
  }
  const size_t n = out->left.size();
  for (const Field* f : {&right, &indices, &conditions, &default_left}) {
    ASSIGN_OR_RETURN(const json::array_t* items, f->Array());
    if (items->size() != n) {
      return f->Error(absl::StrCat("has ", items->size(), " entries, left_children has ", n));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (out->left[i] != -1 && (out->feature[i] < 0 || out->feature[i] >= num_features)) {
      return Field(indices.value(), absl::StrCat(indices.path(), "[", i, "]"))
          .Error(absl::StrCat("feature ", out->feature[i], " is not in [0, ", num_features, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<XgboostModel> ReadModel(const json& root) {
  XgboostModel model;
  const Field doc(root, "$");
  ASSIGN_OR_RETURN(Field version, doc.Get("version"));
  std::vector<int64_t> parts;
  RETURN_IF_ERROR(version.IntegerArray(&parts));
  if (parts.size() != 3) return version.Error("must be [major, minor, patch]");
  model.version = absl::StrCat(parts[0], ".", parts[1], ".", parts[2]);
  if (parts[0] != 1) {
    return version.Unimplemented(
        absl::StrCat("XGBoost ", model.version, " models are not supported (1.x only)"));
  }
  ASSIGN_OR_RETURN(Field learner, doc.Get("learner"));
  ASSIGN_OR_RETURN(Field params, learner.Get("learner_model_param"));
  ASSIGN_OR_RETURN(Field num_feature_field, params.Get("num_feature"));
  ASSIGN_OR_RETURN(int64_t num_feature, num_feature_field.IntegerParam());
  if (num_feature < 1 || num_feature > (int64_t{1} << 24)) {
    return num_feature_field.Error(absl::StrCat("num_feature ", num_feature, " is out of range"));
  }
  ASSIGN_OR_RETURN(Field num_class_field, params.Get("num_class"));
  ASSIGN_OR_RETURN(int64_t num_class, num_class_field.IntegerParam());
  if (params.Has("num_target")) {
    ASSIGN_OR_RETURN(Field num_target, params.Get("num_target"));
    ASSIGN_OR_RETURN(int64_t targets, num_target.IntegerParam());
    if (targets != 1) return num_target.Unimplemented("multi-target models are not supported");
  }
  ASSIGN_OR_RETURN(Field base_score_field, params.Get("base_score"));
  ASSIGN_OR_RETURN(float base_score, base_score_field.FloatParam());

  ASSIGN_OR_RETURN(Field objective_field, learner.Get("objective"));
  ASSIGN_OR_RETURN(Field objective_name, objective_field.Get("name"));
  ASSIGN_OR_RETURN(model.objective, objective_name.String());
  ASSIGN_OR_RETURN(ObjectiveInfo objective, Objective(objective_name, model.objective));

  TreeEnsembleSpec spec;
  spec.task = objective.task;
  spec.transform = objective.transform;
  spec.num_features = static_cast<int>(num_feature);
  if (objective.task == Task::kMulticlass) {
    if (num_class < 2 || num_class > (1 << 16)) {
      return num_class_field.Error(absl::StrCat("num_class ", num_class,
                                                " is out of range for ", model.objective));
    }
    spec.num_groups = static_cast<int>(num_class);
  } else if (num_class > 1) {
    return num_class_field.Error(
        absl::StrCat("num_class ", num_class, " with objective ", model.objective));
  }
  // 1.x keeps base_score in output space; the objective's ProbToMargin maps it (in float).
  switch (objective.margin) {
    case ObjectiveInfo::Margin::kIdentity: spec.base_margin = base_score; break;
    case ObjectiveInfo::Margin::kLogit:
      if (!(base_score > 0.0f && base_score < 1.0f)) {
        return base_score_field.Error("must be in (0, 1) for a logistic objective");
      }
      spec.base_margin = -std::log(1.0f / base_score - 1.0f);
      break;
    case ObjectiveInfo::Margin::kLog:
      if (!(base_score > 0.0f)) return base_score_field.Error("must be > 0 for a log link");
      spec.base_margin = std::log(base_score);
      break;
  }

  if (learner.Has("feature_names")) {
    ASSIGN_OR_RETURN(Field names, learner.Get("feature_names"));
    ASSIGN_OR_RETURN(const json::array_t* items, names.Array());
    for (size_t i = 0; i < items->size(); ++i) {
      if (!(*items)[i].is_string()) {
        return Field((*items)[i], absl::StrCat(names.path(), "[", i, "]"))
            .Error("must be a string");
      }
      model.feature_names.push_back((*items)[i].get<std::string>());
    }
    if (!model.feature_names.empty() &&
        model.feature_names.size() != static_cast<size_t>(num_feature)) {
      return names.Error(absl::StrCat("has ", model.feature_names.size(),
                                      " names for ", num_feature, " features"));
    }
  }

  ASSIGN_OR_RETURN(Field booster, learner.Get("gradient_booster"));
  ASSIGN_OR_RETURN(Field booster_name_field, booster.Get("name"));
  ASSIGN_OR_RETURN(std::string booster_name, booster_name_field.String());
  if (booster_name == "dart") {
    return booster_name_field.Unimplemented(
        "dart boosters (per-tree weight_drop) are not supported");
  }
  if (booster_name != "gbtree") {
    return booster_name_field.Unimplemented(
        absl::StrCat("booster '", booster_name, "' is not supported (gbtree only)"));
  }
  ASSIGN_OR_RETURN(Field gbtree, booster.Get("model"));
  ASSIGN_OR_RETURN(Field gbtree_params, gbtree.Get("gbtree_model_param"));
  ASSIGN_OR_RETURN(Field num_trees_field, gbtree_params.Get("num_trees"));
  ASSIGN_OR_RETURN(int64_t num_trees, num_trees_field.IntegerParam());
  if (gbtree_params.Has("num_parallel_tree")) {
    ASSIGN_OR_RETURN(Field parallel, gbtree_params.Get("num_parallel_tree"));
    ASSIGN_OR_RETURN(int64_t num_parallel_tree, parallel.IntegerParam());
    if (num_parallel_tree < 1) return parallel.Error("must be >= 1");
    model.num_parallel_tree = static_cast<int>(std::min<int64_t>(num_parallel_tree, 1 << 30));
  }
  ASSIGN_OR_RETURN(Field tree_info_field, gbtree.Get("tree_info"));
  std::vector<int32_t> tree_info;
  RETURN_IF_ERROR(tree_info_field.IntegerArray(&tree_info));
  ASSIGN_OR_RETURN(Field trees_field, gbtree.Get("trees"));
  ASSIGN_OR_RETURN(const json::array_t* trees, trees_field.Array());
  if (num_trees < 0 || static_cast<size_t>(num_trees) != trees->size() ||
      tree_info.size() != trees->size()) {
    return trees_field.Error(absl::StrCat("has ", trees->size(), " trees; num_trees says ",
                                          num_trees, ", tree_info has ", tree_info.size()));
  }
  model.num_trees = static_cast<int>(trees->size());
  spec.trees.resize(trees->size());
  for (size_t t = 0; t < trees->size(); ++t) {
    const Field tree((*trees)[t], absl::StrCat(trees_field.path(), "[", t, "]"));
    if (tree_info[t] < 0 || tree_info[t] >= spec.num_groups) {
      return Field(tree_info_field.value(), absl::StrCat(tree_info_field.path(), "[", t, "]"))
          .Error(absl::StrCat("group ", tree_info[t], " is not in [0, ", spec.num_groups, ")"));
    }
    spec.trees[t].group = tree_info[t];
    RETURN_IF_ERROR(ReadTree(tree, spec.num_features, &spec.trees[t]));
  }
  absl::StatusOr<std::unique_ptr<TreePredictor>> predictor =
      TreePredictor::Create(std::move(spec));
  if (!predictor.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(trees_field.path(), ": ",
                                                   predictor.status().message()));
  }
  model.predictor = *std::move(predictor);
  return model;
}

bool LooksLikeJson(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' ||
                              bytes[i] == '\t')) {
    ++i;
  }
  if (i > 0) return true;  // UBJSON never starts with whitespace
  if (bytes.size() < 2 || bytes[0] != '{') return bytes.empty() || bytes[0] != '{';
  const char next = bytes[1];
  return next == '"' || next == '}' || next == ' ' || next == '\n' || next == '\r' ||
         next == '\t';
}

}  // namespace

absl::StatusOr<XgboostModel> ImportXgboostModel(std::string_view bytes, XgboostFormat format) {
  if (format == XgboostFormat::kAuto) {
    format = LooksLikeJson(bytes) ? XgboostFormat::kJson : XgboostFormat::kUbjson;
  }
  absl::StatusOr<json> root = format == XgboostFormat::kJson ? internal::ParseModelJson(bytes)
                                                             : internal::ParseUbjson(bytes);
  if (!root.ok()) return root.status();
  return ReadModel(*root);
}

}  // namespace strata::models
