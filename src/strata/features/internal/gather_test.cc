#include "strata/features/internal/gather.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::features::internal {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

TEST(GatherRowsTest, EveryTypeWithMissesAndSourceNulls) {
  const std::vector<int64_t> rows = {2, -1, 0, 1, 2};
  ColumnBuilder f(DataType::kFloat64);
  f.AppendFloat64(1.5);
  f.AppendNull();
  f.AppendFloat64(3.5);
  auto floats = GatherRows(f.Finish(), rows, 2);
  ASSERT_TRUE(floats.ok()) << floats.status();
  EXPECT_EQ(floats->null_count(), 2);
  EXPECT_EQ(floats->Float64s()[0], 3.5);
  EXPECT_TRUE(floats->IsNull(1));
  EXPECT_EQ(floats->Float64s()[2], 1.5);
  EXPECT_TRUE(floats->IsNull(3));

  for (DataType type : {DataType::kString, DataType::kCategory}) {
    ColumnBuilder s(type);
    s.AppendString("x");
    s.AppendString("yy");
    s.AppendNull();
    auto strings = GatherRows(s.Finish(), rows, 1);
    ASSERT_TRUE(strings.ok()) << strings.status();
    EXPECT_EQ(strings->type(), type);
    EXPECT_TRUE(strings->IsNull(0));
    EXPECT_TRUE(strings->IsNull(1));
    EXPECT_EQ(strings->StringAt(2), "x");
    EXPECT_EQ(strings->StringAt(3), "yy");
  }

  ColumnBuilder t(DataType::kTimestamp);
  for (int64_t v : {7, 8, 9}) t.AppendInt64(v);
  auto ints = GatherRows(t.Finish().Slice(1, 2), std::vector<int64_t>{1, 0}, 1);
  ASSERT_TRUE(ints.ok()) << ints.status();
  EXPECT_EQ(ints->null_count(), 0);
  EXPECT_EQ(ints->Int64s()[0], 9);
  EXPECT_EQ(ints->Int64s()[1], 8);
}

TEST(GatherRowsTest, AllMissesFromEmptyCategory) {
  ColumnBuilder c(DataType::kCategory);
  auto out = GatherRows(c.Finish(), std::vector<int64_t>{-1, -1}, 1);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->null_count(), 2);
}

TEST(GatherRowsTest, ParallelChunksKeepValidityBits) {
  const int64_t n = 200'003;
  ColumnBuilder b(DataType::kInt64);
  for (int64_t i = 0; i < 1000; ++i) b.AppendInt64(i);
  const Column source = b.Finish();
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i % 3 == 0 ? -1 : i % 1000;
  auto out = GatherRows(source, rows, 3);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->null_count(), (n + 2) / 3);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(out->IsNull(i), i % 3 == 0) << i;
    if (i % 3 != 0) {
      ASSERT_EQ(out->Int64s()[static_cast<size_t>(i)], i % 1000);
    }
  }
}

}  // namespace
}  // namespace strata::features::internal
