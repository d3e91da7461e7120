// Small-table builders shared by the transform tests.
#ifndef STRATA_DATA_TESTING_TRANSFORM_TABLES_H_
#define STRATA_DATA_TESTING_TRANSFORM_TABLES_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "strata/data/transforms.h"
#include "strata/table/table.h"

namespace strata::data::testing {

inline table::Column Floats(const std::vector<std::optional<double>>& v) {
  table::ColumnBuilder b(table::DataType::kFloat64);
  for (const auto& x : v) x ? b.AppendFloat64(*x) : b.AppendNull();
  return b.Finish();
}

inline table::Column Ints(const std::vector<std::optional<int64_t>>& v) {
  table::ColumnBuilder b(table::DataType::kInt64);
  for (const auto& x : v) x ? b.AppendInt64(*x) : b.AppendNull();
  return b.Finish();
}

inline table::Column Strings(const std::vector<std::optional<std::string>>& v,
                             table::DataType type = table::DataType::kString) {
  table::ColumnBuilder b(type);
  for (const auto& x : v) x ? b.AppendString(*x) : b.AppendNull();
  return b.Finish();
}

inline table::Table MakeTable(std::vector<std::pair<std::string, table::Column>> columns) {
  std::vector<table::Field> fields;
  std::vector<table::Column> cols;
  for (auto& [name, c] : columns) {
    fields.push_back({name, c.type()});
    cols.push_back(std::move(c));
  }
  absl::StatusOr<table::Table> t = table::Table::Make(table::Schema(std::move(fields)), std::move(cols));
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : table::Table();
}

// A pipeline from a JSON spec, fitted on `data`; fails the test on error.
inline TransformPipeline FitSpec(std::string_view spec, const table::Table& data,
                                 std::string_view target = {}) {
  absl::StatusOr<TransformPipeline> p = TransformPipeline::FromSpecJson(spec);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return TransformPipeline();
  absl::Status s = p->Fit(data, target);
  EXPECT_TRUE(s.ok()) << s;
  return *std::move(p);
}

// A float64 or int64 column's values as optionals (null -> nullopt).
inline std::vector<std::optional<double>> NumbersOf(const table::Column& c) {
  std::vector<std::optional<double>> out;
  for (int64_t r = 0; r < c.size(); ++r) {
    if (c.IsNull(r)) {
      out.push_back(std::nullopt);
    } else if (c.type() == table::DataType::kInt64) {
      out.push_back(static_cast<double>(c.Int64s()[r]));
    } else {
      out.push_back(c.Float64s()[r]);
    }
  }
  return out;
}

// The named output column's numbers after transforming `data`.
inline std::vector<std::optional<double>> Output(const TransformPipeline& p,
                                                 const table::Table& data,
                                                 std::string_view column) {
  absl::StatusOr<table::Table> out = p.Transform(data);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  absl::StatusOr<const table::Column*> c = out->ColumnByName(column);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return {};
  return NumbersOf(**c);
}

}  // namespace strata::data::testing

#endif  // STRATA_DATA_TESTING_TRANSFORM_TABLES_H_
