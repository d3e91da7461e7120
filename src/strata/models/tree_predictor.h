// TreePredictor: a tree ensemble (gradient boosting or random forest) compiled into Strata's
// own flat layout, with XGBoost 1.7's prediction semantics and no XGBoost call at predict time.
//
// Semantics (what makes predictions equal XGBoost's to float rounding):
//   - a split sends a row left when `x < threshold` in float32, and a NaN (missing) value the
//     node's default direction;
//   - per output group, the margin starts at `base_margin` and adds each tree's leaf value in
//     tree order, in float32 (XGBoost's accumulation order);
//   - the output transform then maps margins to outputs: identity, sigmoid (binary), softmax
//     over the groups (multiclass probabilities) or exp (count/gamma/tweedie/cox).
//
// Layout: a tree of depth <= kMaxPaddedDepth is padded to a complete binary tree (a shallow
// leaf becomes a split whose every descendant leaf carries its value), stored as a
// breadth-first array of 8-byte {threshold, feature | default-left bit} nodes plus 2^depth leaf
// values, so evaluation is exactly `depth` branch-free steps `i = 2i + 1 + go_right`. Rows are
// evaluated in blocks, tree by tree, several rows interleaved so their node loads overlap.
// Deeper trees keep a compact array of {value, feature | default-left, left child} nodes with
// the two children adjacent.
//
// Thread-safety: immutable after construction; Predict may run concurrently.
#ifndef STRATA_MODELS_TREE_PREDICTOR_H_
#define STRATA_MODELS_TREE_PREDICTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/models/predictor.h"

namespace strata::models {

// How margins become outputs.
enum class TreeOutputTransform { kIdentity, kSigmoid, kSoftmax, kExp };
std::string_view TreeOutputTransformName(TreeOutputTransform transform);
absl::StatusOr<TreeOutputTransform> ParseTreeOutputTransform(std::string_view name);

// One tree in XGBoost's array form: node i is a leaf when left[i] == -1 (then threshold[i] is
// its value); otherwise it splits on feature[i] at threshold[i] with children left[i] and
// right[i]. Node 0 is the root.
struct TreeSpec {
  int group = 0;  // the output group (class) the tree adds to
  std::vector<int32_t> left;
  std::vector<int32_t> right;
  std::vector<int32_t> feature;
  std::vector<float> threshold;
  std::vector<uint8_t> default_left;  // 1: a missing value goes left
};

struct TreeEnsembleSpec {
  Task task = Task::kRegression;
  int num_features = 0;
  int num_groups = 1;  // outputs per row: 1, or the number of classes for multiclass
  TreeOutputTransform transform = TreeOutputTransform::kIdentity;
  float base_margin = 0;  // in margin space (XGBoost's base_score after ProbToMargin)
  std::vector<TreeSpec> trees;
};

class TreePredictor : public Predictor {
 public:
  // Trees deeper than this use the compact (unpadded) layout.
  static constexpr int kMaxPaddedDepth = 10;

  // Validates and compiles. Errors: INVALID_ARGUMENT naming the tree and node (child out of
  // range, node reached twice or never, feature out of range, group out of range, arrays of
  // different lengths, a transform that does not fit the task).
  // `max_padded_depth` lowers the padding limit (tests use it to exercise both layouts).
  static absl::StatusOr<std::unique_ptr<TreePredictor>> Create(
      TreeEnsembleSpec spec, int max_padded_depth = kMaxPaddedDepth);

  // Reads ToJson's form. Errors: INVALID_ARGUMENT naming the field; then Create's.
  static absl::StatusOr<std::unique_ptr<TreePredictor>> FromJson(std::string_view json);

  std::string_view flavor() const override { return "trees"; }
  Task task() const override { return spec_.task; }
  int num_features() const override { return spec_.num_features; }
  int num_outputs() const override { return spec_.num_groups; }
  void Predict(const float* features, int64_t rows, double* out) const override;
  std::string ToJson() const override;

  const TreeEnsembleSpec& spec() const { return spec_; }

  // Raw margins (before the output transform), rows x num_outputs(); for tests and
  // explanations.
  void PredictMargin(const float* features, int64_t rows, float* margins) const;

  TreePredictor(const TreePredictor&) = delete;
  TreePredictor& operator=(const TreePredictor&) = delete;

  // The compiled form; public only so the .cc's free helpers can name it.
  struct CompiledTree {
    uint32_t node_offset = 0;  // into padded_nodes_ or compact_nodes_
    uint32_t leaf_offset = 0;  // padded: into padded_leaves_
    int32_t depth = 0;         // padded: steps to a leaf; -1: compact layout
    int32_t group = 0;
  };
  struct PaddedNode {
    float threshold = 0;
    uint32_t feature_and_default_left = 0;  // bit 31: default left
  };
  struct CompactNode {
    float threshold_or_value = 0;
    uint32_t feature_and_default_left = 0;
    int32_t left = -1;  // -1: leaf; else the right child is left + 1
  };

 private:
  explicit TreePredictor(TreeEnsembleSpec spec) : spec_(std::move(spec)) {}
  void Compile(int max_padded_depth);
  void MarginsForBlock(const float* features, int64_t rows, float* margins) const;

  TreeEnsembleSpec spec_;
  std::vector<CompiledTree> trees_;
  std::vector<PaddedNode> padded_nodes_;
  std::vector<float> padded_leaves_;
  std::vector<CompactNode> compact_nodes_;
};

}  // namespace strata::models

#endif  // STRATA_MODELS_TREE_PREDICTOR_H_
