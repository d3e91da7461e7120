#include "strata/features/point_in_time.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace strata::features {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Table;

constexpr int64_t kDay = 86'400'000'000;

Column Ints(DataType type, const std::vector<std::optional<int64_t>>& values) {
  ColumnBuilder b(type);
  for (const auto& v : values) v ? b.AppendInt64(*v) : b.AppendNull();
  return b.Finish();
}
Column Doubles(const std::vector<std::optional<double>>& values) {
  ColumnBuilder b(DataType::kFloat64);
  for (const auto& v : values) v ? b.AppendFloat64(*v) : b.AppendNull();
  return b.Finish();
}
Column Strings(DataType type, const std::vector<std::optional<std::string>>& values) {
  ColumnBuilder b(type);
  for (const auto& v : values) v ? b.AppendString(*v) : b.AppendNull();
  return b.Finish();
}
Table MakeTable(std::vector<std::pair<std::string, Column>> named) {
  std::vector<Field> fields;
  std::vector<Column> columns;
  for (auto& [name, column] : named) {
    fields.push_back({name, column.type()});
    columns.push_back(std::move(column));
  }
  auto t = Table::Make(table::Schema(std::move(fields)), std::move(columns));
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

std::optional<double> DoubleAt(const Table& t, const std::string& name, int64_t row) {
  const Column* c = *t.ColumnByName(name);
  if (c->IsNull(row)) return std::nullopt;
  return c->Float64s()[static_cast<size_t>(row)];
}

FeatureViewJoin View(const Table* rows, std::vector<std::string> keys, int64_t ttl,
                     std::vector<std::string> features, std::string created = "") {
  FeatureViewJoin v;
  v.name = "fv";
  v.rows = rows;
  v.join_keys = std::move(keys);
  v.timestamp_column = "ts";
  v.created_column = std::move(created);
  v.ttl_micros = ttl;
  v.features = std::move(features);
  return v;
}

TEST(PointInTimeJoinTest, TtlIsInclusiveAtBothEndsAndZeroIsUnbounded) {
  Table rows = MakeTable({{"id", Ints(DataType::kInt64, {1, 1, 2})},
                          {"ts", Ints(DataType::kTimestamp, {10 * kDay, 20 * kDay, 5 * kDay})},
                          {"f", Doubles({1.0, 2.0, 3.0})}});
  // Event times: exactly at a row, just before it, exactly ttl after, one past ttl, before all.
  Table entities =
      MakeTable({{"id", Ints(DataType::kInt64, {1, 1, 1, 1, 1, 2, 3})},
                 {"event_timestamp",
                  Ints(DataType::kTimestamp, {20 * kDay, 20 * kDay - 1, 23 * kDay, 23 * kDay + 1,
                                              9 * kDay, 100 * kDay, 100 * kDay})}});
  FeatureViewJoin view = View(&rows, {"id"}, 3 * kDay, {"f"});
  auto out = PointInTimeJoin(entities, "event_timestamp", {view});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->num_rows(), 7);
  ASSERT_EQ(out->num_columns(), 3);
  EXPECT_EQ(DoubleAt(*out, "f", 0), 2.0);
  EXPECT_EQ(DoubleAt(*out, "f", 1), std::nullopt);  // latest qualifying row is 10 days old
  EXPECT_EQ(DoubleAt(*out, "f", 2), 2.0);           // exactly ttl old: kept
  EXPECT_EQ(DoubleAt(*out, "f", 3), std::nullopt);  // one microsecond too old
  EXPECT_EQ(DoubleAt(*out, "f", 4), std::nullopt);  // before every row
  EXPECT_EQ(DoubleAt(*out, "f", 5), std::nullopt);  // 95 days old
  EXPECT_EQ(DoubleAt(*out, "f", 6), std::nullopt);  // unknown entity

  view.ttl_micros = 0;
  out = PointInTimeJoin(entities, "event_timestamp", {view});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(DoubleAt(*out, "f", 1), 1.0);
  EXPECT_EQ(DoubleAt(*out, "f", 3), 2.0);
  EXPECT_EQ(DoubleAt(*out, "f", 5), 3.0);
  EXPECT_EQ(DoubleAt(*out, "f", 4), std::nullopt);
}

TEST(PointInTimeJoinTest, TiesGoToHighestCreatedThenLastSourceRow) {
  Table rows =
      MakeTable({{"id", Ints(DataType::kInt64, {7, 7, 7, 7, 8, 8, 9, 9})},
                 {"ts", Ints(DataType::kTimestamp, {100, 100, 100, 50, 100, 100, 100, 100})},
                 {"created", Ints(DataType::kTimestamp, {5, 9, 2, 99, 3, 3, std::nullopt, 1})},
                 {"f", Doubles({1, 2, 3, 4, 5, 6, 7, 8})}});
  Table entities = MakeTable({{"id", Ints(DataType::kInt64, {7, 8, 9})},
                              {"event_timestamp", Ints(DataType::kTimestamp, {100, 100, 100})}});
  auto out =
      PointInTimeJoin(entities, "event_timestamp", {View(&rows, {"id"}, 0, {"f"}, "created")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(DoubleAt(*out, "f", 0), 2.0);  // created 9 beats 5 and 2; ts 50 is older
  EXPECT_EQ(DoubleAt(*out, "f", 1), 6.0);  // full tie: the last row in source order
  EXPECT_EQ(DoubleAt(*out, "f", 2), 8.0);  // a null created ranks below any present one

  // Without a created column, the last row in source order among equal timestamps.
  out = PointInTimeJoin(entities, "event_timestamp", {View(&rows, {"id"}, 0, {"f"})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(DoubleAt(*out, "f", 0), 3.0);
}

TEST(PointInTimeJoinTest, NullsDoNotFallBackOrMatch) {
  Table rows = MakeTable({{"id", Ints(DataType::kInt64, {1, 1, std::nullopt, 2, 2})},
                          {"ts", Ints(DataType::kTimestamp, {10, 20, 10, 10, std::nullopt})},
                          {"f", Doubles({1.0, std::nullopt, 9.0, 4.0, 5.0})}});
  Table entities =
      MakeTable({{"id", Ints(DataType::kInt64, {1, std::nullopt, 2, 1})},
                 {"event_timestamp", Ints(DataType::kTimestamp, {30, 30, 30, std::nullopt})}});
  auto out = PointInTimeJoin(entities, "event_timestamp", {View(&rows, {"id"}, 0, {"f"})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(DoubleAt(*out, "f", 0), std::nullopt);  // chosen row's value is null: stays null
  EXPECT_EQ(DoubleAt(*out, "f", 1), std::nullopt);  // null key matches nothing, not null rows
  EXPECT_EQ(DoubleAt(*out, "f", 2), 4.0);           // a null feature timestamp never qualifies
  EXPECT_EQ(DoubleAt(*out, "f", 3), std::nullopt);  // null event timestamp
}

TEST(PointInTimeJoinTest, MultiColumnKeysOfMixedTypesAndSeveralViews) {
  Table orders = MakeTable({{"shop", Strings(DataType::kCategory, {"a", "a", "b", "b"})},
                            {"sku", Ints(DataType::kInt64, {1, 2, 1, 1})},
                            {"region", Strings(DataType::kString, {"eu", "eu", "eu", "us"})},
                            {"ts", Ints(DataType::kTimestamp, {1, 1, 1, 1})},
                            {"price", Doubles({10, 20, 30, 40})},
                            {"label", Strings(DataType::kString, {"x", "y", std::nullopt, "w"})}});
  Table users = MakeTable({{"user_id", Strings(DataType::kString, {"u1", "u2"})},
                           {"ts", Ints(DataType::kTimestamp, {1, 1})},
                           {"score", Doubles({0.5, 0.25})},
                           {"tier", Strings(DataType::kCategory, {"gold", "basic"})}});
  Table entities =
      MakeTable({{"store", Strings(DataType::kString, {"b", "a", "b", "a", "c"})},
                 {"sku", Ints(DataType::kInt64, {1, 2, 1, 2, 1})},
                 {"region", Strings(DataType::kCategory, {"us", "eu", "eu", "us", "eu"})},
                 {"user", Strings(DataType::kCategory, {"u2", "u1", "u3", "u1", "u2"})},
                 {"event_timestamp", Ints(DataType::kTimestamp, {5, 5, 5, 5, 5})}});
  FeatureViewJoin by_order = View(&orders, {"shop", "sku", "region"}, 0, {"price", "label"});
  by_order.name = "orders";
  by_order.entity_columns = {"store", "sku", "region"};
  FeatureViewJoin by_user = View(&users, {"user_id"}, 0, {"score", "tier"});
  by_user.name = "users";
  by_user.entity_columns = {"user"};
  PointInTimeOptions options;
  options.full_feature_names = true;
  auto out = PointInTimeJoin(entities, "event_timestamp", {by_order, by_user}, options);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->num_columns(), 9);
  EXPECT_EQ(out->schema().field(5).name, "orders__price");
  EXPECT_EQ(out->schema().field(8).name, "users__tier");
  EXPECT_EQ(out->schema().field(8).type, DataType::kCategory);
  const std::vector<std::optional<double>> prices = {40, 20, 30, std::nullopt, std::nullopt};
  const std::vector<std::optional<double>> scores = {0.25, 0.5, std::nullopt, 0.5, 0.25};
  for (int64_t r = 0; r < 5; ++r) {
    EXPECT_EQ(DoubleAt(*out, "orders__price", r), prices[static_cast<size_t>(r)]) << r;
    EXPECT_EQ(DoubleAt(*out, "users__score", r), scores[static_cast<size_t>(r)]) << r;
  }
  const Column* label = *out->ColumnByName("orders__label");
  EXPECT_EQ(label->StringAt(0), "w");
  EXPECT_TRUE(label->IsNull(2));
  EXPECT_TRUE(label->IsNull(3));
  const Column* tier = *out->ColumnByName("users__tier");
  EXPECT_EQ(tier->StringAt(0), "basic");
  EXPECT_EQ(tier->StringAt(1), "gold");
  EXPECT_TRUE(tier->IsNull(2));
  // Entity columns come first, unchanged, in input order.
  EXPECT_EQ(out->column(0).StringAt(4), "c");
}

TEST(PointInTimeJoinTest, KeepsEntityOrderAndDuplicateRows) {
  Table rows = MakeTable({{"id", Ints(DataType::kInt64, {3, 1, 2})},
                          {"ts", Ints(DataType::kTimestamp, {1, 1, 1})},
                          {"f", Doubles({30, 10, 20})}});
  Table entities = MakeTable({{"id", Ints(DataType::kInt64, {2, 2, 3, 1, 2})},
                              {"event_timestamp", Ints(DataType::kTimestamp, {1, 1, 1, 1, 0})}});
  auto out = PointInTimeJoin(entities, "event_timestamp", {View(&rows, {"id"}, 0, {"f"})});
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<std::optional<double>> want = {20, 20, 30, 10, std::nullopt};
  for (int64_t r = 0; r < 5; ++r) EXPECT_EQ(DoubleAt(*out, "f", r), want[static_cast<size_t>(r)]);
}

TEST(PointInTimeJoinTest, EmptyInputs) {
  Table rows = MakeTable({{"id", Ints(DataType::kInt64, {})},
                          {"ts", Ints(DataType::kTimestamp, {})},
                          {"f", Strings(DataType::kCategory, {})}});
  Table entities = MakeTable(
      {{"id", Ints(DataType::kInt64, {1})}, {"event_timestamp", Ints(DataType::kTimestamp, {1})}});
  auto out = PointInTimeJoin(entities, "event_timestamp", {View(&rows, {"id"}, 0, {"f"})});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->column(2).IsNull(0));
  auto none =
      PointInTimeJoin(entities.Slice(0, 0), "event_timestamp", {View(&rows, {"id"}, 0, {"f"})});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->num_rows(), 0);
  EXPECT_EQ(none->num_columns(), 3);
}

TEST(PointInTimeJoinTest, RejectsBadRequestsNamingTheProblem) {
  Table rows = MakeTable({{"id", Ints(DataType::kInt64, {1})},
                          {"sid", Strings(DataType::kString, {"1"})},
                          {"ts", Ints(DataType::kTimestamp, {1})},
                          {"n", Ints(DataType::kInt64, {1})},
                          {"event_timestamp", Doubles({1})}});
  Table entities = MakeTable({{"id", Ints(DataType::kInt64, {1})},
                              {"event_timestamp", Ints(DataType::kTimestamp, {1})},
                              {"as_int", Ints(DataType::kInt64, {1})}});
  auto expect_error = [&](const FeatureViewJoin& view, const std::string& needle,
                          std::string_view event = "event_timestamp") {
    auto out = PointInTimeJoin(entities, event, {view});
    ASSERT_FALSE(out.ok()) << needle;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(out.status().message()).find(needle), std::string::npos) << out.status();
  };
  expect_error(View(&rows, {"nope"}, 0, {"n"}), "join key column 'nope'");
  expect_error(View(&rows, {"id"}, 0, {"missing"}), "feature column 'missing'");
  FeatureViewJoin string_key = View(&rows, {"sid"}, 0, {"n"});
  string_key.entity_columns = {"id"};
  expect_error(string_key, "join key 'sid' is string but entity column 'id' is int64");
  FeatureViewJoin bad_ts = View(&rows, {"id"}, 0, {"n"});
  bad_ts.timestamp_column = "n";
  expect_error(bad_ts, "timestamp column 'n' is int64");
  FeatureViewJoin bad_created = View(&rows, {"id"}, 0, {"n"}, "n");
  expect_error(bad_created, "created timestamp column 'n' is int64");
  expect_error(View(&rows, {"id"}, 0, {"event_timestamp"}), "output column 'event_timestamp'");
  expect_error(View(&rows, {"id"}, -1, {"n"}), "ttl -1us is negative");
  expect_error(View(&rows, {}, 0, {"n"}), "has no join keys");
  expect_error(View(nullptr, {"id"}, 0, {"n"}), "has no rows table");
  FeatureViewJoin missing_entity = View(&rows, {"id"}, 0, {"n"});
  missing_entity.entity_columns = {"customer"};
  expect_error(missing_entity, "entity column 'customer'");
  expect_error(View(&rows, {"id"}, 0, {"n"}), "event timestamp column 'as_int' is int64", "as_int");
  expect_error(View(&rows, {"id"}, 0, {"n"}), "event timestamp column 'when'", "when");
  // Two views returning the same name clash unless full_feature_names is set.
  FeatureViewJoin a = View(&rows, {"id"}, 0, {"n"});
  FeatureViewJoin b = View(&rows, {"id"}, 0, {"n"});
  b.name = "other";
  EXPECT_FALSE(PointInTimeJoin(entities, "event_timestamp", {a, b}).ok());
  PointInTimeOptions full;
  full.full_feature_names = true;
  EXPECT_TRUE(PointInTimeJoin(entities, "event_timestamp", {a, b}, full).ok());
}

}  // namespace
}  // namespace strata::features
