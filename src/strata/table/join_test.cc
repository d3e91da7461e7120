#include "strata/table/join.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::table {
namespace {

using ::testing::HasSubstr;

Column Ints(std::vector<std::optional<int64_t>> values) {
  ColumnBuilder b(DataType::kInt64);
  for (const auto& v : values) v ? b.AppendInt64(*v) : b.AppendNull();
  return b.Finish();
}

Column Strings(std::vector<std::string> values) {
  ColumnBuilder b(DataType::kString);
  for (const std::string& v : values) b.AppendString(v);
  return b.Finish();
}

// users: id, name        orders: user_id, item, id
Table Users() {
  return *Table::Make(Schema({{"id", DataType::kInt64}, {"name", DataType::kString}}),
                      {Ints({1, 2, 3, std::nullopt}), Strings({"ana", "bo", "cy", "nul"})});
}
Table Orders() {
  return *Table::Make(Schema({{"user_id", DataType::kInt64},
                              {"item", DataType::kString},
                              {"id", DataType::kInt64}}),
                      {Ints({2, 1, 2, 9, std::nullopt}), Strings({"x", "y", "z", "w", "v"}),
                       Ints({10, 11, 12, 13, 14})});
}

std::vector<std::string> Col(const Table& t, const std::string& name) {
  std::vector<std::string> out;
  const Column* c = *t.ColumnByName(name);
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    if (c->IsNull(r)) {
      out.push_back("null");
    } else if (c->type() == DataType::kString) {
      out.emplace_back(c->StringAt(r));
    } else {
      out.push_back(std::to_string(c->Int64s()[r]));
    }
  }
  return out;
}

TEST(JoinTest, InnerJoinInLeftOrderWithMatchesInRightOrder) {
  JoinOptions o;
  o.left_keys = {"id"};
  o.right_keys = {"user_id"};
  auto j = HashJoin(Users(), Orders(), o);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->schema().ToString(),
            "id: int64, name: string, item: string, id_right: int64");
  EXPECT_EQ(Col(*j, "name"), (std::vector<std::string>{"ana", "bo", "bo"}));
  EXPECT_EQ(Col(*j, "item"), (std::vector<std::string>{"y", "x", "z"}));
  EXPECT_EQ(Col(*j, "id_right"), (std::vector<std::string>{"11", "10", "12"}));
}

TEST(JoinTest, LeftJoinKeepsUnmatchedAndNullKeysMatchNothing) {
  JoinOptions o;
  o.left_keys = {"id"};
  o.right_keys = {"user_id"};
  o.type = JoinType::kLeft;
  auto j = HashJoin(Users(), Orders(), o);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(Col(*j, "name"), (std::vector<std::string>{"ana", "bo", "bo", "cy", "nul"}));
  EXPECT_EQ(Col(*j, "item"), (std::vector<std::string>{"y", "x", "z", "null", "null"}));
  EXPECT_EQ((*j->ColumnByName("item"))->null_count(), 2);
}

TEST(JoinTest, CompositeKeysAndSameNames) {
  auto a = *Table::Make(Schema({{"k1", DataType::kInt64}, {"k2", DataType::kString}}),
                        {Ints({1, 1, 2}), Strings({"a", "b", "a"})});
  auto b = *Table::Make(Schema({{"k1", DataType::kInt64}, {"k2", DataType::kString},
                                {"v", DataType::kInt64}}),
                        {Ints({1, 2, 1}), Strings({"b", "a", "a"}), Ints({100, 200, 300})});
  JoinOptions o;
  o.left_keys = {"k1", "k2"};
  auto j = HashJoin(a, b, o);
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(j->schema().ToString(), "k1: int64, k2: string, v: int64");
  EXPECT_EQ(Col(*j, "v"), (std::vector<std::string>{"300", "100", "200"}));
}

TEST(JoinTest, Errors) {
  JoinOptions o;
  EXPECT_EQ(HashJoin(Users(), Orders(), o).status().code(), absl::StatusCode::kInvalidArgument);
  o.left_keys = {"id"};
  o.right_keys = {"item"};
  auto types = HashJoin(Users(), Orders(), o);
  EXPECT_THAT(std::string(types.status().message()),
              HasSubstr("'id' is int64 on the left but 'item' is string on the right"));
  o.right_keys = {"nope"};
  EXPECT_EQ(HashJoin(Users(), Orders(), o).status().code(), absl::StatusCode::kNotFound);
  o.right_keys = {"user_id", "item"};
  EXPECT_EQ(HashJoin(Users(), Orders(), o).status().code(), absl::StatusCode::kInvalidArgument);
  // "id" clashes, and so does "id_right" after the suffix.
  auto clash_left = *Table::Make(Schema({{"id", DataType::kInt64}, {"id_right", DataType::kInt64}}),
                                 {Ints({1}), Ints({2})});
  o.right_keys = {"user_id"};
  auto clash = HashJoin(clash_left, Orders(), o);
  EXPECT_THAT(std::string(clash.status().message()), HasSubstr("taken even with the suffix"));
}

}  // namespace
}  // namespace strata::table
