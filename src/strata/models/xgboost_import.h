// Import of XGBoost models: a booster saved by XGBoost 1.x with `save_model("m.json")` or
// `save_model("m.ubj")` becomes a TreePredictor that predicts what XGBoost's
// `Booster.predict` / `inplace_predict` (all trees, no iteration limit) does.
//
// Supported: the gbtree booster with numerical splits; objectives reg:squarederror (and its
// old name reg:linear), reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror,
// reg:logistic, binary:logistic, binary:logitraw (raw margin), count:poisson, reg:gamma,
// reg:tweedie, multi:softprob and multi:softmax (both give class probabilities);
// num_parallel_tree >= 1 (random forests: XGBoost sums every tree, its learning rate is
// already in the leaf values). base_score is read as 1.x stores it, in output space, and
// mapped to a margin the way the objective's ProbToMargin does.
//
// UNIMPLEMENTED (naming the feature): dart boosters (per-tree weight_drop), gblinear,
// categorical splits, vector leaves / multi-target trees, ranking, survival and hinge
// objectives, XGBoost format major versions other than 1.
#ifndef STRATA_MODELS_XGBOOST_IMPORT_H_
#define STRATA_MODELS_XGBOOST_IMPORT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/models/tree_predictor.h"

namespace strata::models {

enum class XgboostFormat {
  kAuto,    // UBJSON unless the text after '{' looks like JSON (a quote, '}' or whitespace)
  kJson,    // save_model("m.json")
  kUbjson,  // save_model("m.ubj")
};

struct XgboostModel {
  std::unique_ptr<TreePredictor> predictor;
  std::string objective;                   // "binary:logistic", ...
  std::string version;                     // XGBoost's, "1.7.4"
  std::vector<std::string> feature_names;  // as saved; empty when the booster had none
  int num_trees = 0;
  int num_parallel_tree = 1;
};

// Errors: INVALID_ARGUMENT with the byte offset (malformed JSON / UBJSON) or the JSON path
// of the offending field ("$.learner.gradient_booster.model.trees[3].left_children[5]: ...");
// UNIMPLEMENTED naming an unsupported feature (see above).
absl::StatusOr<XgboostModel> ImportXgboostModel(std::string_view bytes,
                                                XgboostFormat format = XgboostFormat::kAuto);

}  // namespace strata::models

#endif  // STRATA_MODELS_XGBOOST_IMPORT_H_
