#include "strata/models/tree_predictor.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::models {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// root: f0 < 0.5 (missing left) ? leaf -1 : (f1 < 2 (missing right) ? leaf 3 : leaf 4)
TreeSpec SmallTree(int group = 0) {
  TreeSpec t;
  t.group = group;
  t.left = {1, -1, 3, -1, -1};
  t.right = {2, -1, 4, -1, -1};
  t.feature = {0, 0, 1, 0, 0};
  t.threshold = {0.5f, -1.0f, 2.0f, 3.0f, 4.0f};
  t.default_left = {1, 0, 0, 0, 0};
  return t;
}

TreeEnsembleSpec OneTree(float base_margin = 0) {
  TreeEnsembleSpec spec;
  spec.num_features = 2;
  spec.base_margin = base_margin;
  spec.trees = {SmallTree()};
  return spec;
}

// The semantics written the obvious way, node by node, for comparison.
float ReferenceLeaf(const TreeSpec& t, const float* row) {
  int i = 0;
  while (t.left[i] != -1) {
    const float v = row[t.feature[i]];
    const bool left = std::isnan(v) ? t.default_left[i] != 0 : v < t.threshold[i];
    i = left ? t.left[i] : t.right[i];
  }
  return t.threshold[i];
}

std::vector<float> ReferenceMargins(const TreeEnsembleSpec& spec, const std::vector<float>& x,
                                    int64_t rows) {
  std::vector<float> m(static_cast<size_t>(rows * spec.num_groups), spec.base_margin);
  for (const TreeSpec& t : spec.trees) {
    for (int64_t r = 0; r < rows; ++r) {
      m[r * spec.num_groups + t.group] += ReferenceLeaf(t, x.data() + r * spec.num_features);
    }
  }
  return m;
}

// A random tree of depth <= max_depth grown by splitting random leaves, numbered in the order
// nodes are created (so not breadth first, like XGBoost's after pruning).
TreeSpec RandomTree(std::mt19937& rng, int num_features, int max_depth, int group) {
  TreeSpec t;
  t.group = group;
  std::vector<int> depth{0};
  auto add_leaf = [&](int d) {
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.feature.push_back(0);
    t.threshold.push_back(std::uniform_real_distribution<float>(-1, 1)(rng));
    t.default_left.push_back(0);
    depth.push_back(d);
    return static_cast<int32_t>(t.left.size() - 1);
  };
  depth.clear();
  add_leaf(0);
  const int splits = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int s = 0; s < splits; ++s) {
    const int i = std::uniform_int_distribution<int>(0, static_cast<int>(t.left.size()) - 1)(rng);
    if (t.left[i] != -1 || depth[i] >= max_depth) continue;
    const int32_t l = add_leaf(depth[i] + 1), r = add_leaf(depth[i] + 1);
    t.left[i] = l;
    t.right[i] = r;
    t.feature[i] = std::uniform_int_distribution<int>(0, num_features - 1)(rng);
    // Thresholds on a coarse grid so that inputs hit them exactly (x == threshold goes right).
    t.threshold[i] = static_cast<float>(std::uniform_int_distribution<int>(-4, 4)(rng)) / 4;
    t.default_left[i] = static_cast<uint8_t>(rng() & 1);
  }
  return t;
}

std::vector<float> RandomRows(std::mt19937& rng, int64_t rows, int num_features) {
  std::vector<float> x(static_cast<size_t>(rows * num_features));
  for (float& v : x) {
    const int k = std::uniform_int_distribution<int>(0, 9)(rng);
    v = k == 0 ? kNaN : static_cast<float>(std::uniform_int_distribution<int>(-5, 5)(rng)) / 4;
  }
  return x;
}

TEST(TreePredictorTest, FollowsSplitsAndDefaultDirections) {
  for (const int padded_limit : {TreePredictor::kMaxPaddedDepth, 0}) {
    auto p = TreePredictor::Create(OneTree(0.25f), padded_limit);
    ASSERT_TRUE(p.ok()) << p.status();
    const std::vector<float> x = {0.2f, 9,  0.5f, 1, 0.7f, 2, kNaN, 5, 0.7f, kNaN};
    std::vector<double> out(5);
    (*p)->Predict(x.data(), 5, out.data());
    EXPECT_EQ(out, (std::vector<double>{-0.75, 3.25, 4.25, -0.75, 4.25})) << padded_limit;
  }
}

TEST(TreePredictorTest, SingleLeafTree) {
  TreeEnsembleSpec spec = OneTree(1);
  spec.trees[0] = TreeSpec{0, {-1}, {-1}, {0}, {2.5f}, {0}};
  auto p = TreePredictor::Create(spec);
  ASSERT_TRUE(p.ok()) << p.status();
  const float x[2] = {0, 0};
  double out = 0;
  (*p)->Predict(x, 1, &out);
  EXPECT_EQ(out, 3.5);
}

// Both layouts against the reference, bit for bit (same float accumulation order), for many
// row counts (interleave and block remainders) and trees deep enough for the compact layout.
TEST(TreePredictorTest, MatchesReferenceOnRandomEnsembles) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    TreeEnsembleSpec spec;
    spec.num_features = 1 + trial % 7;
    spec.num_groups = 1 + trial % 3;
    spec.task = spec.num_groups > 1 ? Task::kMulticlass : Task::kRegression;
    spec.transform = spec.num_groups > 1 ? TreeOutputTransform::kSoftmax
                                         : TreeOutputTransform::kIdentity;
    spec.base_margin = 0.5f;
    const int max_depth = trial < 10 ? 6 : 14;
    for (int t = 0; t < 30; ++t) {
      spec.trees.push_back(RandomTree(rng, spec.num_features, max_depth, t % spec.num_groups));
    }
    const int64_t rows = 1 + trial * 37;
    const std::vector<float> x = RandomRows(rng, rows, spec.num_features);
    const std::vector<float> expected = ReferenceMargins(spec, x, rows);
    for (const int padded_limit : {TreePredictor::kMaxPaddedDepth, 3, 0}) {
      auto p = TreePredictor::Create(spec, padded_limit);
      ASSERT_TRUE(p.ok()) << p.status();
      std::vector<float> margins(expected.size());
      (*p)->PredictMargin(x.data(), rows, margins.data());
      for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(margins[i], expected[i]) << "trial " << trial << " limit " << padded_limit
                                           << " index " << i;
      }
    }
  }
}

TEST(TreePredictorTest, OutputTransforms) {
  TreeEnsembleSpec spec = OneTree(0);
  spec.task = Task::kBinary;
  spec.transform = TreeOutputTransform::kSigmoid;
  auto binary = TreePredictor::Create(spec);
  ASSERT_TRUE(binary.ok()) << binary.status();
  const float x[2] = {0.9f, 0};  // leaf 3
  double out = 0;
  (*binary)->Predict(x, 1, &out);
  EXPECT_NEAR(out, 1 / (1 + std::exp(-3.0)), 1e-7);

  spec.task = Task::kRegression;
  spec.transform = TreeOutputTransform::kExp;
  auto poisson = TreePredictor::Create(spec);
  ASSERT_TRUE(poisson.ok());
  (*poisson)->Predict(x, 1, &out);
  EXPECT_NEAR(out, std::exp(3.0), 1e-5);

  TreeEnsembleSpec multi = OneTree(0.5f);
  multi.task = Task::kMulticlass;
  multi.transform = TreeOutputTransform::kSoftmax;
  multi.num_groups = 3;
  multi.trees = {SmallTree(0), SmallTree(2)};
  auto softmax = TreePredictor::Create(multi);
  ASSERT_TRUE(softmax.ok()) << softmax.status();
  double probs[3] = {};
  (*softmax)->Predict(x, 1, probs);
  const double z = 2 * std::exp(3.5) + std::exp(0.5);
  EXPECT_NEAR(probs[0], std::exp(3.5) / z, 1e-7);
  EXPECT_NEAR(probs[1], std::exp(0.5) / z, 1e-7);
  EXPECT_NEAR(probs[0] + probs[1] + probs[2], 1.0, 1e-6);
}

TEST(TreePredictorTest, RefusesMalformedTrees) {
  auto expect_error = [](TreeEnsembleSpec spec, const std::string& fragment) {
    auto p = TreePredictor::Create(std::move(spec));
    ASSERT_FALSE(p.ok()) << fragment;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(fragment), std::string::npos) << p.status();
  };
  TreeEnsembleSpec cycle = OneTree();
  cycle.trees[0].left[2] = 2;
  expect_error(cycle, "reached twice");
  TreeEnsembleSpec root_child = OneTree();
  root_child.trees[0].right[2] = 0;
  expect_error(root_child, "child 0 is not in [1, 5)");
  TreeEnsembleSpec out_of_range = OneTree();
  out_of_range.trees[0].left[0] = 99;
  expect_error(out_of_range, "tree 0, node 0: child 99");
  TreeEnsembleSpec half = OneTree();
  half.trees[0].right[0] = -1;
  expect_error(half, "two children or none");
  TreeEnsembleSpec feature = OneTree();
  feature.trees[0].feature[2] = 2;
  expect_error(feature, "node 2: split feature 2 is not in [0, 2)");
  TreeEnsembleSpec lengths = OneTree();
  lengths.trees[0].default_left.pop_back();
  expect_error(lengths, "same length");
  TreeEnsembleSpec group = OneTree();
  group.trees[0].group = 1;
  expect_error(group, "group 1");
  TreeEnsembleSpec inf = OneTree();
  inf.trees[0].threshold[4] = std::numeric_limits<float>::infinity();
  expect_error(inf, "node 4: threshold / leaf value is not finite");
  TreeEnsembleSpec binary_groups = OneTree();
  binary_groups.task = Task::kBinary;
  expect_error(binary_groups, "sigmoid");
  TreeEnsembleSpec empty = OneTree();
  empty.trees[0] = TreeSpec{};
  expect_error(empty, "at least one node");
  TreeEnsembleSpec no_features = OneTree();
  no_features.num_features = 0;
  expect_error(no_features, "num_features");
}

TEST(TreePredictorTest, JsonRoundTripsExactly) {
  std::mt19937 rng(11);
  TreeEnsembleSpec spec;
  spec.num_features = 5;
  spec.num_groups = 3;
  spec.task = Task::kMulticlass;
  spec.transform = TreeOutputTransform::kSoftmax;
  spec.base_margin = 0.1f;  // not exact in binary: must survive as the same float
  for (int t = 0; t < 12; ++t) spec.trees.push_back(RandomTree(rng, 5, 8, t % 3));
  for (TreeSpec& t : spec.trees) {
    for (float& v : t.threshold) v = std::uniform_real_distribution<float>(-3, 3)(rng);
  }
  auto p = TreePredictor::Create(spec);
  ASSERT_TRUE(p.ok());
  const std::string json = (*p)->ToJson();
  auto again = TreePredictor::FromJson(json);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->ToJson(), json);
  EXPECT_EQ((*again)->spec().base_margin, 0.1f);
  const std::vector<float> x = RandomRows(rng, 300, 5);
  std::vector<double> a(900), b(900);
  (*p)->Predict(x.data(), 300, a.data());
  (*again)->Predict(x.data(), 300, b.data());
  EXPECT_EQ(a, b);
}

TEST(TreePredictorTest, FromJsonNamesTheBadField) {
  auto p = TreePredictor::Create(OneTree());
  ASSERT_TRUE(p.ok());
  std::string json = (*p)->ToJson();
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = json;
    s.replace(s.find(from), from.size(), to);
    return TreePredictor::FromJson(s).status();
  };
  EXPECT_NE(replace("\"left\":[1,", "\"left\":[\"x\",").message().find("$.trees[0].left[0]"),
            std::string::npos);
  EXPECT_NE(replace("\"transform\":\"identity\"", "\"transform\":\"tanh\"").message().find(
                "$.transform"),
            std::string::npos);
  EXPECT_NE(replace("\"num_features\":2", "\"num_features\":-2").message().find(
                "$.num_features"),
            std::string::npos);
  EXPECT_NE(replace("\"left\":[1,-1,3", "\"left\":[1,-1,2").message().find("reached twice"),
            std::string::npos);
  EXPECT_FALSE(TreePredictor::FromJson(json.substr(0, json.size() / 2)).ok());
  EXPECT_FALSE(TreePredictor::FromJson("[]").ok());
}

}  // namespace
}  // namespace strata::models
