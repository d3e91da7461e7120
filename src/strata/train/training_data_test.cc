#include "strata/train/training_data.h"

#include <cmath>

#include "gtest/gtest.h"

namespace strata::train {
namespace {

table::Table MakeTable() {
  table::ColumnBuilder x(table::DataType::kFloat64), flag(table::DataType::kBool),
      label(table::DataType::kString), count(table::DataType::kInt64);
  const char* labels[] = {"yes", "no", "yes", "maybe"};
  for (int i = 0; i < 4; ++i) {
    if (i == 1) {
      x.AppendNull();
    } else {
      x.AppendFloat64(i * 1.5);
    }
    flag.AppendBool(i % 2 == 0);
    label.AppendString(labels[i]);
    count.AppendInt64(i * 10);
  }
  table::Schema schema({{"x", table::DataType::kFloat64},
                        {"flag", table::DataType::kBool},
                        {"label", table::DataType::kString},
                        {"count", table::DataType::kInt64}});
  return *table::Table::Make(schema, {x.Finish(), flag.Finish(), label.Finish(), count.Finish()});
}

TEST(TrainingDataTest, EncodesTargetsByType) {
  const table::Table t = MakeTable();
  auto label = EncodeTarget(t, "label");
  ASSERT_TRUE(label.ok()) << label.status();
  EXPECT_EQ(label->task, models::Task::kMulticlass);
  EXPECT_EQ(label->class_labels, (std::vector<std::string>{"maybe", "no", "yes"}));
  EXPECT_EQ(label->values, (std::vector<double>{2, 1, 2, 0}));
  auto flag = EncodeTarget(t, "flag");
  EXPECT_EQ(flag->task, models::Task::kBinary);
  EXPECT_EQ(flag->class_labels, (std::vector<std::string>{"false", "true"}));
  auto count = EncodeTarget(t, "count");
  EXPECT_EQ(count->task, models::Task::kMulticlass);  // 4 distinct ints
  EXPECT_EQ(count->class_labels[3], "30");
  auto as_regression = EncodeTarget(t, "count", models::Task::kRegression);
  EXPECT_EQ(as_regression->values[3], 30);
  auto missing = EncodeTarget(t, "x");
  EXPECT_NE(missing.status().message().find("row 1"), std::string::npos) << missing.status();
  EXPECT_FALSE(EncodeTarget(t, "label", models::Task::kRegression).ok());
  EXPECT_FALSE(EncodeTarget(t, "label", models::Task::kBinary).ok());
  EXPECT_EQ(EncodeTarget(t, "nope").status().code(), absl::StatusCode::kNotFound);
}

TEST(TrainingDataTest, FeatureMatrixRefusesStringsAndMapsNullsToNaN) {
  const table::Table t = MakeTable();
  auto refused = BuildFeatureMatrix(t, "count");
  EXPECT_NE(refused.status().message().find("'label'"), std::string::npos);
  auto numeric = t.Select(std::vector<std::string>{"x", "flag", "count"});
  auto m = BuildFeatureMatrix(*numeric, "count");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->names, (std::vector<std::string>{"x", "flag"}));
  EXPECT_EQ(m->values[0], 0.0f);
  EXPECT_EQ(m->values[1], 1.0f);
  EXPECT_TRUE(std::isnan(m->values[2]));
  EXPECT_EQ(m->values[4], 3.0f);
  FeatureMatrix taken = TakeRows(*m, std::vector<int64_t>{2});
  EXPECT_EQ(taken.rows, 1);
  EXPECT_EQ(taken.values, (std::vector<float>{3.0f, 1.0f}));
}

TEST(TrainingDataTest, SplitRowsIsSeededAndStratified) {
  std::vector<double> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(i < 80 ? 0 : 1);
  RowSplit split = SplitRows(100, 0.25, 3, labels);
  EXPECT_EQ(split.second.size(), 25u);
  EXPECT_EQ(split.first.size(), 75u);
  int positives = 0;
  for (int64_t r : split.second) positives += labels[static_cast<size_t>(r)] == 1 ? 1 : 0;
  EXPECT_EQ(positives, 5);
  EXPECT_EQ(SplitRows(100, 0.25, 3, labels).second, split.second);
  EXPECT_NE(SplitRows(100, 0.25, 4, labels).second, split.second);
  EXPECT_TRUE(SplitRows(10, 0, 1).second.empty());
}

}  // namespace
}  // namespace strata::train
