#include "strata/models/tree_predictor.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::models {
namespace {

// Rows evaluated together, tree by tree: 128 rows of 30 features (15 KB) stay in L1 while the
// whole ensemble streams through L2 once per block.
constexpr int64_t kBlockRows = 128;
// Rows walked down one tree at once; their independent node loads overlap in the pipeline.
constexpr int kInterleave = 8;
constexpr uint32_t kDefaultLeftBit = 0x80000000u;
constexpr uint32_t kFeatureMask = 0x7fffffffu;
// Bounds that keep offsets in 32 bits and refuse hostile sizes before allocating.
constexpr int64_t kMaxFeatures = int64_t{1} << 24;
constexpr int64_t kMaxGroups = int64_t{1} << 16;
constexpr int64_t kMaxTotalNodes = int64_t{1} << 28;

// XGBoost 1.7's common::Sigmoid (float, with its overflow guard).
inline float Sigmoid(float margin) {
  const float x = std::min(-margin, 88.7f);
  return 1.0f / (std::exp(x) + 1.0f + 1e-16f);
}

// XGBoost 1.7's common::Softmax: float exponentials, double sum, float division.
void Softmax(float* values, int n) {
  float max_value = values[0];
  for (int i = 1; i < n; ++i) max_value = std::fmax(values[i], max_value);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    values[i] = std::exp(values[i] - max_value);
    sum += values[i];
  }
  for (int i = 0; i < n; ++i) values[i] /= static_cast<float>(sum);
}

// One step down a padded tree: the breadth-first index of the child `row` goes to.
inline uint32_t NextPadded(const TreePredictor::PaddedNode& node, const float* row,
                           uint32_t index) {
  const float value = row[node.feature_and_default_left & kFeatureMask];
  // Branch-free: `value < threshold` is false for NaN, which then goes right unless the node
  // sends missing values left. Missing values are common and unpredictable, so no branch.
  const uint32_t not_less = static_cast<uint32_t>(!(value < node.threshold));
  const uint32_t missing_left =
      static_cast<uint32_t>(std::isnan(value)) & (node.feature_and_default_left >> 31);
  return 2 * index + 1 + (not_less & ~missing_left & 1u);
}

float CompactLeafValue(const TreePredictor::CompactNode* nodes, const float* row) {
  const TreePredictor::CompactNode* node = nodes;
  while (node->left >= 0) {
    const float value = row[node->feature_and_default_left & kFeatureMask];
    const bool default_left = (node->feature_and_default_left & kDefaultLeftBit) != 0;
    const bool right = std::isnan(value) ? !default_left : !(value < node->threshold_or_value);
    node = nodes + node->left + static_cast<int32_t>(right);
  }
  return node->threshold_or_value;
}

absl::Status TreeError(size_t tree, int64_t node, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("tree ", tree, ", node ", node, ": ", AsAbsl(what)));
}

absl::Status ValidateHeader(const TreeEnsembleSpec& spec) {
  if (spec.num_features < 1 || spec.num_features > kMaxFeatures) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_features must be in [1, ", kMaxFeatures, "], got ", spec.num_features));
  }
  if (spec.num_groups < 1 || spec.num_groups > kMaxGroups) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_groups must be in [1, ", kMaxGroups, "], got ", spec.num_groups));
  }
  if (!std::isfinite(spec.base_margin)) {
    return absl::InvalidArgumentError("base_margin must be finite");
  }
  const std::string_view transform = TreeOutputTransformName(spec.transform);
  switch (spec.task) {
    case Task::kMulticlass:
      if (spec.transform != TreeOutputTransform::kSoftmax || spec.num_groups < 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a multiclass ensemble needs the softmax transform and >= 2 groups, got ",
            AsAbsl(transform), " with ", spec.num_groups, " group(s)"));
      }
      break;
    case Task::kBinary:
      if (spec.transform != TreeOutputTransform::kSigmoid || spec.num_groups != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a binary ensemble needs the sigmoid transform and 1 group, got ", AsAbsl(transform),
            " with ", spec.num_groups, " group(s)"));
      }
      break;
    case Task::kRegression:
      if (spec.transform == TreeOutputTransform::kSoftmax ||
          spec.transform == TreeOutputTransform::kSigmoid) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a regression ensemble cannot use the ", AsAbsl(transform), " transform"));
      }
      break;
  }
  return absl::OkStatus();
}

// Checks one tree's arrays and computes its depth: every node reachable from the root is
// reached exactly once (so it is a tree and walking it terminates). Unreachable nodes (XGBoost
// keeps pruned nodes in its arrays) are ignored.
absl::StatusOr<int> ValidateTree(const TreeEnsembleSpec& spec, size_t t) {
  const TreeSpec& tree = spec.trees[t];
  const size_t n = tree.left.size();
  if (n == 0) return TreeError(t, 0, "a tree needs at least one node");
  if (tree.right.size() != n || tree.feature.size() != n || tree.threshold.size() != n ||
      tree.default_left.size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tree ", t, ": left, right, feature, threshold and default_left must have the same "
        "length (", n, ", ", tree.right.size(), ", ", tree.feature.size(), ", ",
        tree.threshold.size(), ", ", tree.default_left.size(), ")"));
  }
  if (tree.group < 0 || tree.group >= spec.num_groups) {
    return absl::InvalidArgumentError(absl::StrCat("tree ", t, ": group ", tree.group,
                                                   " is not in [0, ", spec.num_groups, ")"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(tree.threshold[i])) {
      return TreeError(t, static_cast<int64_t>(i), "threshold / leaf value is not finite");
    }
  }
  std::vector<int32_t> depth_of(n, -1);
  std::vector<int32_t> queue;
  queue.reserve(n);
  queue.push_back(0);
  depth_of[0] = 0;
  int max_depth = 0;
  for (size_t head = 0; head < queue.size(); ++head) {
    const int32_t i = queue[head];
    const int32_t left = tree.left[i], right = tree.right[i];
    if (left == -1 && right == -1) continue;
    if (left == -1 || right == -1) {
      return TreeError(t, i, "a node has either two children or none (-1, -1)");
    }
    if (tree.feature[i] < 0 || tree.feature[i] >= spec.num_features) {
      return TreeError(t, i, absl::StrCat("split feature ", tree.feature[i], " is not in [0, ",
                                          spec.num_features, ")"));
    }
    for (const int32_t child : {left, right}) {
      if (child <= 0 || static_cast<size_t>(child) >= n) {
        return TreeError(t, i, absl::StrCat("child ", child, " is not in [1, ", n, ")"));
      }
      if (depth_of[child] != -1) {
        return TreeError(t, child, "the node is reached twice (not a tree)");
      }
      depth_of[child] = depth_of[i] + 1;
      max_depth = std::max(max_depth, depth_of[child]);
      queue.push_back(child);
    }
  }
  return max_depth;
}

}  // namespace

std::string_view TreeOutputTransformName(TreeOutputTransform transform) {
  switch (transform) {
    case TreeOutputTransform::kIdentity: return "identity";
    case TreeOutputTransform::kSigmoid: return "sigmoid";
    case TreeOutputTransform::kSoftmax: return "softmax";
    case TreeOutputTransform::kExp: return "exp";
  }
  return "identity";
}

absl::StatusOr<TreeOutputTransform> ParseTreeOutputTransform(std::string_view name) {
  for (const TreeOutputTransform t :
       {TreeOutputTransform::kIdentity, TreeOutputTransform::kSigmoid,
        TreeOutputTransform::kSoftmax, TreeOutputTransform::kExp}) {
    if (TreeOutputTransformName(t) == name) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown output transform '", AsAbsl(name), "' (identity, sigmoid, softmax, exp)"));
}

absl::StatusOr<std::unique_ptr<TreePredictor>> TreePredictor::Create(TreeEnsembleSpec spec,
                                                                     int max_padded_depth) {
  if (absl::Status s = ValidateHeader(spec); !s.ok()) return s;
  int64_t total_nodes = 0;
  for (const TreeSpec& tree : spec.trees) {
    total_nodes += static_cast<int64_t>(tree.left.size());
    if (total_nodes > kMaxTotalNodes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the ensemble has more than ", kMaxTotalNodes, " nodes"));
    }
  }
  std::unique_ptr<TreePredictor> predictor(new TreePredictor(std::move(spec)));
  predictor->trees_.resize(predictor->spec_.trees.size());
  for (size_t t = 0; t < predictor->spec_.trees.size(); ++t) {
    absl::StatusOr<int> depth = ValidateTree(predictor->spec_, t);
    if (!depth.ok()) return depth.status();
    predictor->trees_[t].depth = *depth;
    predictor->trees_[t].group = predictor->spec_.trees[t].group;
  }
  predictor->Compile(max_padded_depth);
  return predictor;
}

void TreePredictor::Compile(int max_padded_depth) {
  for (size_t t = 0; t < spec_.trees.size(); ++t) {
    const TreeSpec& tree = spec_.trees[t];
    CompiledTree& compiled = trees_[t];
    const int depth = compiled.depth;
    const int64_t nodes = static_cast<int64_t>(tree.left.size());
    // Padding pays while the complete tree is not much bigger than the real one.
    const bool pad = depth <= max_padded_depth &&
                     ((int64_t{2} << depth) - 1) <= std::max<int64_t>(8 * nodes, 256);
    if (pad) {
      const uint32_t internal = (1u << depth) - 1;
      compiled.node_offset = static_cast<uint32_t>(padded_nodes_.size());
      compiled.leaf_offset = static_cast<uint32_t>(padded_leaves_.size());
      // source[p]: the original node at padded position p; a leaf above the last level
      // stands in for every position below it.
      std::vector<int32_t> source((size_t{2} << depth) - 1, 0);
      for (uint32_t p = 0; p < internal; ++p) {
        const int32_t node = source[p];
        PaddedNode padded;
        if (tree.left[node] == -1) {
          source[2 * p + 1] = source[2 * p + 2] = node;
        } else {
          padded.threshold = tree.threshold[node];
          padded.feature_and_default_left = static_cast<uint32_t>(tree.feature[node]) |
                                            (tree.default_left[node] ? kDefaultLeftBit : 0u);
          source[2 * p + 1] = tree.left[node];
          source[2 * p + 2] = tree.right[node];
        }
        padded_nodes_.push_back(padded);
      }
      for (uint32_t p = internal; p < source.size(); ++p) {
        padded_leaves_.push_back(tree.threshold[source[p]]);
      }
      continue;
    }
    // Compact layout, breadth first, children adjacent.
    compiled.depth = -1;
    compiled.node_offset = static_cast<uint32_t>(compact_nodes_.size());
    std::vector<int32_t> order{0};
    for (size_t head = 0; head < order.size(); ++head) {
      const int32_t node = order[head];
      CompactNode out;
      if (tree.left[node] == -1) {
        out.threshold_or_value = tree.threshold[node];
      } else {
        out.threshold_or_value = tree.threshold[node];
        out.feature_and_default_left = static_cast<uint32_t>(tree.feature[node]) |
                                       (tree.default_left[node] ? kDefaultLeftBit : 0u);
        out.left = static_cast<int32_t>(order.size());
        order.push_back(tree.left[node]);
        order.push_back(tree.right[node]);
      }
      compact_nodes_.push_back(out);
    }
  }
}

void TreePredictor::MarginsForBlock(const float* features, int64_t rows, float* margins) const {
  const int64_t f = spec_.num_features;
  const int64_t g = spec_.num_groups;
  std::fill(margins, margins + rows * g, spec_.base_margin);
  for (const CompiledTree& tree : trees_) {
    if (tree.depth < 0) {
      const CompactNode* nodes = compact_nodes_.data() + tree.node_offset;
      for (int64_t r = 0; r < rows; ++r) {
        margins[r * g + tree.group] += CompactLeafValue(nodes, features + r * f);
      }
      continue;
    }
    const PaddedNode* nodes = padded_nodes_.data() + tree.node_offset;
    const float* leaves = padded_leaves_.data() + tree.leaf_offset;
    const uint32_t first_leaf = (1u << tree.depth) - 1;
    int64_t r = 0;
    for (; r + kInterleave <= rows; r += kInterleave) {
      std::array<uint32_t, kInterleave> index{};
      const float* block = features + r * f;
      for (int level = 0; level < tree.depth; ++level) {
        for (int k = 0; k < kInterleave; ++k) {
          index[k] = NextPadded(nodes[index[k]], block + k * f, index[k]);
        }
      }
      for (int k = 0; k < kInterleave; ++k) {
        margins[(r + k) * g + tree.group] += leaves[index[k] - first_leaf];
      }
    }
    for (; r < rows; ++r) {
      uint32_t index = 0;
      const float* row = features + r * f;
      for (int level = 0; level < tree.depth; ++level) {
        index = NextPadded(nodes[index], row, index);
      }
      margins[r * g + tree.group] += leaves[index - first_leaf];
    }
  }
}

void TreePredictor::PredictMargin(const float* features, int64_t rows, float* margins) const {
  const int64_t f = spec_.num_features, g = spec_.num_groups;
  for (int64_t start = 0; start < rows; start += kBlockRows) {
    const int64_t n = std::min(kBlockRows, rows - start);
    MarginsForBlock(features + start * f, n, margins + start * g);
  }
}

void TreePredictor::Predict(const float* features, int64_t rows, double* out) const {
  const int64_t f = spec_.num_features, g = spec_.num_groups;
  // One margin buffer per call, on the stack for the common small group counts.
  constexpr int64_t kStackFloats = kBlockRows * 16;
  std::array<float, kStackFloats> stack_margins;
  std::vector<float> heap_margins;
  float* margins = stack_margins.data();
  if (kBlockRows * g > kStackFloats) {
    heap_margins.resize(static_cast<size_t>(kBlockRows * g));
    margins = heap_margins.data();
  }
  for (int64_t start = 0; start < rows; start += kBlockRows) {
    const int64_t n = std::min(kBlockRows, rows - start);
    MarginsForBlock(features + start * f, n, margins);
    double* dst = out + start * g;
    switch (spec_.transform) {
      case TreeOutputTransform::kIdentity:
        for (int64_t i = 0; i < n * g; ++i) dst[i] = margins[i];
        break;
      case TreeOutputTransform::kSigmoid:
        for (int64_t i = 0; i < n * g; ++i) dst[i] = Sigmoid(margins[i]);
        break;
      case TreeOutputTransform::kExp:
        for (int64_t i = 0; i < n * g; ++i) dst[i] = std::exp(margins[i]);
        break;
      case TreeOutputTransform::kSoftmax:
        for (int64_t r = 0; r < n; ++r) Softmax(margins + r * g, static_cast<int>(g));
        for (int64_t i = 0; i < n * g; ++i) dst[i] = margins[i];
        break;
    }
  }
}

}  // namespace strata::models
