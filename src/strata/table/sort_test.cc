#include "strata/table/sort.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::table {
namespace {

using ::testing::ElementsAre;

Table Sample() {
  // name   score  n
  // a      2.0    1
  // b      NaN    1
  // c      null   2
  // d      -1.0   2
  // e      2.0    null
  ColumnBuilder name(DataType::kString), score(DataType::kFloat64), n(DataType::kInt64);
  const std::vector<std::optional<double>> scores = {2.0, std::nan(""), std::nullopt, -1.0, 2.0};
  const std::vector<std::optional<int64_t>> ns = {1, 1, 2, 2, std::nullopt};
  for (int i = 0; i < 5; ++i) {
    name.AppendString(std::string(1, static_cast<char>('a' + i)));
    if (scores[i]) {
      score.AppendFloat64(*scores[i]);
    } else {
      score.AppendNull();
    }
    if (ns[i]) {
      n.AppendInt64(*ns[i]);
    } else {
      n.AppendNull();
    }
  }
  auto t = Table::Make(Schema({{"name", DataType::kString},
                               {"score", DataType::kFloat64},
                               {"n", DataType::kInt64}}),
                       {name.Finish(), score.Finish(), n.Finish()});
  EXPECT_TRUE(t.ok());
  return *t;
}

std::vector<std::string> Names(const Table& t) {
  std::vector<std::string> out;
  for (int64_t r = 0; r < t.num_rows(); ++r) out.emplace_back(t.column(0).StringAt(r));
  return out;
}

TEST(SortTest, NumbersThenNanThenNullsAndStable) {
  auto asc = SortTable(Sample(), {{"score"}});
  ASSERT_TRUE(asc.ok());
  EXPECT_THAT(Names(*asc), ElementsAre("d", "a", "e", "b", "c"));  // a before e: stable
  auto desc = SortTable(Sample(), {{"score", /*ascending=*/false}});
  EXPECT_THAT(Names(*desc), ElementsAre("a", "e", "d", "b", "c"));
  auto nulls_first = SortTable(Sample(), {{"score", true, /*nulls_first=*/true}});
  EXPECT_THAT(Names(*nulls_first), ElementsAre("c", "d", "a", "e", "b"));
}

TEST(SortTest, SeveralKeys) {
  auto t = SortTable(Sample(), {{"n", false}, {"name", false}});
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(Names(*t), ElementsAre("d", "c", "b", "a", "e"));
  auto idx = SortIndices(Sample(), {{"name", false}});
  ASSERT_TRUE(idx.ok());
  EXPECT_THAT(*idx, ElementsAre(4, 3, 2, 1, 0));
}

TEST(SortTest, Errors) {
  EXPECT_EQ(SortIndices(Sample(), {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SortIndices(Sample(), {{"nope"}}).status().code(), absl::StatusCode::kNotFound);
}

TEST(SortTest, ExtremeIntegersAndEmptyTable) {
  ColumnBuilder b(DataType::kInt64);
  for (int64_t v : {std::numeric_limits<int64_t>::max(), int64_t{0},
                    std::numeric_limits<int64_t>::min()}) {
    b.AppendInt64(v);
  }
  auto t = Table::Make(Schema({{"v", DataType::kInt64}}), {b.Finish()});
  ASSERT_TRUE(t.ok());
  auto idx = SortIndices(*t, {{"v"}});
  EXPECT_THAT(*idx, ElementsAre(2, 1, 0));
  auto empty = SortIndices(t->Slice(0, 0), {{"v"}});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace strata::table
