#include "strata/features/internal/entity_ids.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::features::internal {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

Column Ints(const std::vector<std::optional<int64_t>>& values) {
  ColumnBuilder b(DataType::kInt64);
  for (const auto& v : values) v ? b.AppendInt64(*v) : b.AppendNull();
  return b.Finish();
}
Column Strings(DataType type, const std::vector<std::optional<std::string>>& values) {
  ColumnBuilder b(type);
  for (const auto& v : values) v ? b.AppendString(*v) : b.AppendNull();
  return b.Finish();
}

TEST(EntityIdsTest, SingleIntKeyDenseInFirstAppearanceOrder) {
  const Column feature = Ints({40, 10, 40, std::nullopt, 30});
  const Column entity = Ints({30, 99, std::nullopt, 40, 10});
  const Column* f[] = {&feature};
  const Column* e[] = {&entity};
  const EntityIds ids = AssignEntityIds(f, e, 2);
  EXPECT_EQ(ids.num_entities, 3);
  EXPECT_EQ(ids.feature_ids, (std::vector<int32_t>{0, 1, 0, -1, 2}));
  EXPECT_EQ(ids.entity_ids, (std::vector<int32_t>{2, -1, -1, 0, 1}));
}

TEST(EntityIdsTest, WideIntRangeUsesHashingWithTheSameNumbering) {
  // The keys span far more values than rows, so they are hashed rather than array-indexed.
  const int64_t big = int64_t{1} << 62;
  const Column feature = Ints({big, -big, big, 7});
  const Column entity = Ints({7, -big, 8, big, -7});
  const Column* f[] = {&feature};
  const Column* e[] = {&entity};
  const EntityIds ids = AssignEntityIds(f, e, 2);
  EXPECT_EQ(ids.num_entities, 3);
  EXPECT_EQ(ids.feature_ids, (std::vector<int32_t>{0, 1, 0, 2}));
  EXPECT_EQ(ids.entity_ids, (std::vector<int32_t>{2, 1, -1, 0, -1}));
}

TEST(EntityIdsTest, DenseRangeRejectsEntityValuesOutsideIt) {
  const Column feature = Ints({100, 101, 103});
  const Column entity = Ints({99, 100, 102, 103, 104, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()});
  const Column* f[] = {&feature};
  const Column* e[] = {&entity};
  const EntityIds ids = AssignEntityIds(f, e, 1);
  EXPECT_EQ(ids.entity_ids, (std::vector<int32_t>{-1, 0, -1, 2, -1, -1, -1}));
  const Column all_null = Ints({std::nullopt, std::nullopt});
  const Column* g[] = {&all_null};
  const EntityIds none = AssignEntityIds(g, e, 1);
  EXPECT_EQ(none.num_entities, 0);
  EXPECT_EQ(none.entity_ids, std::vector<int32_t>(7, -1));
}

TEST(EntityIdsTest, StringMatchesCategoryAndTuplesFold) {
  const Column feature_shop = Strings(DataType::kCategory, {"a", "a", "b", std::nullopt});
  const Column feature_sku = Ints({1, 2, 1, 1});
  const Column entity_shop = Strings(DataType::kString, {"b", "a", "a", "c", "b"});
  const Column entity_sku = Ints({1, 2, 3, 1, std::nullopt});
  const Column* f[] = {&feature_shop, &feature_sku};
  const Column* e[] = {&entity_shop, &entity_sku};
  const EntityIds ids = AssignEntityIds(f, e, 1);
  EXPECT_EQ(ids.num_entities, 3);
  EXPECT_EQ(ids.feature_ids, (std::vector<int32_t>{0, 1, 2, -1}));
  EXPECT_EQ(ids.entity_ids, (std::vector<int32_t>{2, 1, -1, -1, -1}));
}

TEST(EntityIdsTest, KeyTypeCompatibility) {
  EXPECT_TRUE(KeyTypesCompatible(DataType::kInt64, DataType::kInt64));
  EXPECT_TRUE(KeyTypesCompatible(DataType::kString, DataType::kCategory));
  EXPECT_TRUE(KeyTypesCompatible(DataType::kTimestamp, DataType::kTimestamp));
  EXPECT_FALSE(KeyTypesCompatible(DataType::kInt64, DataType::kTimestamp));
  EXPECT_FALSE(KeyTypesCompatible(DataType::kInt64, DataType::kString));
  EXPECT_FALSE(KeyTypesCompatible(DataType::kFloat64, DataType::kFloat64));
  EXPECT_FALSE(KeyTypesCompatible(DataType::kBool, DataType::kBool));
}

}  // namespace
}  // namespace strata::features::internal
