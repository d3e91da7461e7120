#include "strata/data/profile.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace strata::data {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Schema;
using table::Table;

const ColumnProfile& ByName(const TableProfile& p, const std::string& name) {
  for (const ColumnProfile& c : p.columns) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no column " << name;
  return p.columns.front();
}

// A mixed table with known nulls, NaN and inf; the exact answers are kept beside it.
struct Fixture {
  Table table;
  std::vector<double> finite_floats;
  std::vector<int64_t> ints;
  std::set<std::string> distinct_names;
  int64_t float_nulls = 0, nans = 0, infs = 0, int_nulls = 0, trues = 0, bools = 0;
};

Fixture MakeFixture(int64_t rows, uint64_t seed) {
  Fixture f;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(50, 10);
  ColumnBuilder ints(DataType::kInt64), floats(DataType::kFloat64), names(DataType::kString),
      flags(DataType::kBool), when(DataType::kTimestamp), city(DataType::kCategory);
  const char* cities[] = {"oslo", "lima", "pune", "kyiv"};
  for (int64_t i = 0; i < rows; ++i) {
    if (i % 17 == 3) {
      ints.AppendNull();
      ++f.int_nulls;
    } else {
      const int64_t v = static_cast<int64_t>(rng() % 1000);
      ints.AppendInt64(v);
      f.ints.push_back(v);
    }
    if (i % 11 == 0) {
      floats.AppendNull();
      ++f.float_nulls;
    } else if (i % 101 == 5) {
      floats.AppendFloat64(std::nan(""));
      ++f.nans;
    } else if (i % 211 == 7) {
      floats.AppendFloat64(i % 2 == 0 ? INFINITY : -INFINITY);
      ++f.infs;
    } else {
      const double v = normal(rng);
      floats.AppendFloat64(v);
      f.finite_floats.push_back(v);
    }
    const std::string name = absl::StrCat(i % 7 == 0 ? "42" : "user", rng() % 500);
    names.AppendString(name);
    f.distinct_names.insert(name);
    if (i % 5 == 0) {
      flags.AppendNull();
    } else {
      const bool b = rng() % 3 == 0;
      flags.AppendBool(b);
      f.trues += b ? 1 : 0;
      ++f.bools;
    }
    when.AppendInt64(1700000000000000 + i * 1000000);
    city.AppendString(cities[static_cast<size_t>(i % 4 == 0 ? 0 : rng() % 4)]);
  }
  std::vector<Column> columns;
  columns.push_back(ints.Finish());
  columns.push_back(floats.Finish());
  columns.push_back(names.Finish());
  columns.push_back(flags.Finish());
  columns.push_back(when.Finish());
  columns.push_back(city.Finish());
  Schema schema({Field{"n", DataType::kInt64}, Field{"x", DataType::kFloat64}, Field{"name", DataType::kString},
                 Field{"flag", DataType::kBool}, Field{"when", DataType::kTimestamp},
                 Field{"city", DataType::kCategory}});
  f.table = *Table::Make(schema, std::move(columns));
  return f;
}

double ExactQuantileRankError(std::vector<double> sorted, double value, double q) {
  std::sort(sorted.begin(), sorted.end());
  const double n = static_cast<double>(sorted.size());
  const double lo = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin()) / n;
  const double hi = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), value) - sorted.begin()) / n;
  return q < lo ? lo - q : (q > hi ? q - hi : 0);
}

TEST(ProfileTableTest, CountsAreExactAndSketchesClose) {
  Fixture f = MakeFixture(200000, 1);
  for (int threads : {1, 2, 3}) {
    ProfileOptions options;
    options.threads = threads;
    absl::StatusOr<TableProfile> p = ProfileTable(f.table, options);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->rows, 200000);
    const ColumnProfile& n = ByName(*p, "n");
    EXPECT_EQ(n.null_count, f.int_nulls);
    EXPECT_EQ(n.count, 200000 - f.int_nulls);
    EXPECT_NEAR(n.distinct, 1000, 30);
    EXPECT_EQ(n.min, *std::min_element(f.ints.begin(), f.ints.end()));
    const ColumnProfile& x = ByName(*p, "x");
    EXPECT_EQ(x.null_count, f.float_nulls);
    EXPECT_EQ(x.nan_count, f.nans);
    EXPECT_EQ(x.inf_count, f.infs);
    EXPECT_EQ(x.count, 200000 - f.float_nulls);
    double sum = 0;
    for (double v : f.finite_floats) sum += v;
    const double mean = sum / static_cast<double>(f.finite_floats.size());
    EXPECT_NEAR(x.mean, mean, 1e-9);
    EXPECT_EQ(x.min, *std::min_element(f.finite_floats.begin(), f.finite_floats.end()));
    ASSERT_EQ(x.quantiles.size(), 7u);
    for (size_t i = 0; i < 7; ++i) {
      EXPECT_LE(ExactQuantileRankError(f.finite_floats, x.quantiles[i], kProfileQuantiles[i]), 0.015);
    }
    EXPECT_NEAR(x.distinct, static_cast<double>(f.finite_floats.size() + 2), 0.03 * 200000);
    EXPECT_EQ(x.histogram.bins(), 20);
    EXPECT_EQ(x.histogram.total(), static_cast<int64_t>(f.finite_floats.size()));
    const ColumnProfile& name = ByName(*p, "name");
    EXPECT_NEAR(name.distinct, static_cast<double>(f.distinct_names.size()), 0.03 * static_cast<double>(f.distinct_names.size()));
    EXPECT_TRUE(name.has_lengths);
    EXPECT_EQ(name.min_length, 3);
    EXPECT_EQ(name.max_length, 7);
    EXPECT_NEAR(static_cast<double>(name.looks_numeric) / 200000, 1.0 / 7, 0.001);
    EXPECT_TRUE(name.quantiles.empty());
    const ColumnProfile& flag = ByName(*p, "flag");
    EXPECT_EQ(flag.count, f.bools);
    EXPECT_NEAR(flag.mean, static_cast<double>(f.trues) / static_cast<double>(f.bools), 1e-12);
    EXPECT_EQ(flag.distinct, 2);
    ASSERT_EQ(flag.top_values.size(), 2u);
    EXPECT_EQ(flag.top_values[0].value, "false");
    EXPECT_EQ(flag.top_values[0].count, f.bools - f.trues);
    const ColumnProfile& when = ByName(*p, "when");
    EXPECT_EQ(when.min, 1700000000000000.0);
    EXPECT_EQ(when.max, 1700000000000000.0 + 199999 * 1e6);
    const ColumnProfile& city = ByName(*p, "city");
    EXPECT_EQ(city.distinct, 4);
    ASSERT_EQ(city.top_values.size(), 4u);
    EXPECT_EQ(city.top_values[0].value, "oslo");
    int64_t city_total = 0;
    for (const TopValue& v : city.top_values) city_total += v.count;
    EXPECT_EQ(city_total, 200000);
    // Correlations: n and x are independent draws.
    ASSERT_EQ(p->correlation_columns, (std::vector<std::string>{"n", "x"}));
    EXPECT_NEAR(p->correlation_matrix[0][1], 0, 0.02);
    EXPECT_NEAR(p->correlation_matrix[0][0], 1, 1e-12);
  }
}

TEST(ProfileTableTest, CorrelationMatchesExactPearson) {
  ColumnBuilder a(DataType::kInt64), b(DataType::kFloat64);
  std::vector<double> xs, ys;
  for (int i = 0; i < 100000; ++i) {
    a.AppendInt64(i % 1000);
    const double y = -0.5 * (i % 1000) + (i % 7);
    if (i % 13 == 0) {
      b.AppendNull();
      continue;
    }
    b.AppendFloat64(y);
    xs.push_back(i % 1000);
    ys.push_back(y);
  }
  Table t = *Table::Make(Schema({Field{"a", DataType::kInt64}, Field{"b", DataType::kFloat64}}), {a.Finish(), b.Finish()});
  ProfileOptions options;
  options.threads = 2;
  absl::StatusOr<TableProfile> p = ProfileTable(t, options);
  ASSERT_TRUE(p.ok());
  double mx = 0, my = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= static_cast<double>(xs.size());
  my /= static_cast<double>(ys.size());
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) * (xs[i] - mx);
    syy += (ys[i] - my) * (ys[i] - my);
  }
  EXPECT_NEAR(p->correlation_matrix[0][1], sxy / std::sqrt(sxx * syy), 1e-9);
  EXPECT_NEAR(p->correlation_matrix[1][0], p->correlation_matrix[0][1], 0);
}

TEST(ProfileTableTest, EmptyAllNullAndSingleRow) {
  absl::StatusOr<TableProfile> empty = ProfileTable(Table());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->rows, 0);
  EXPECT_TRUE(empty->columns.empty());

  ColumnBuilder nulls(DataType::kFloat64), none(DataType::kString);
  for (int i = 0; i < 5; ++i) nulls.AppendNull();
  for (int i = 0; i < 5; ++i) none.AppendNull();
  Table t = *Table::Make(Schema({Field{"x", DataType::kFloat64}, Field{"s", DataType::kString}}),
                         {nulls.Finish(), none.Finish()});
  absl::StatusOr<TableProfile> p = ProfileTable(t);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->columns[0].count, 0);
  EXPECT_EQ(p->columns[0].null_count, 5);
  EXPECT_FALSE(p->columns[0].has_moments);
  EXPECT_TRUE(p->columns[0].quantiles.empty());
  EXPECT_EQ(p->columns[0].histogram.bins(), 0);
  EXPECT_EQ(p->columns[0].distinct, 0);
  EXPECT_FALSE(p->columns[1].has_lengths);
  EXPECT_TRUE(std::isnan(p->correlation_matrix[0][0]));

  ColumnBuilder one(DataType::kInt64);
  one.AppendInt64(7);
  Table single = *Table::Make(Schema({Field{"v", DataType::kInt64}}), {one.Finish()});
  p = ProfileTable(single);
  ASSERT_TRUE(p.ok());
  const ColumnProfile& v = p->columns[0];
  EXPECT_EQ(v.count, 1);
  EXPECT_EQ(v.min, 7);
  EXPECT_EQ(v.max, 7);
  EXPECT_EQ(v.mean, 7);
  EXPECT_TRUE(std::isnan(v.stddev));
  EXPECT_EQ(v.distinct, 1);
  for (double q : v.quantiles) EXPECT_EQ(q, 7);
  ASSERT_EQ(v.histogram.bins(), 20);
  EXPECT_EQ(v.histogram.total(), 1);
  ASSERT_EQ(v.top_values.size(), 1u);
  EXPECT_EQ(v.top_values[0].value, "7");

  ProfileOptions bad;
  bad.histogram_bins = 0;
  EXPECT_EQ(ProfileTable(single, bad).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MergeProfilesTest, MergeEqualsProfileOfConcatenation) {
  Fixture f = MakeFixture(120000, 2);
  const Table first = f.table.Slice(0, 50000), second = f.table.Slice(50000, 70000);
  absl::StatusOr<TableProfile> whole = ProfileTable(f.table);
  absl::StatusOr<TableProfile> merged = ProfileTable(first);
  absl::StatusOr<TableProfile> rest = ProfileTable(second);
  ASSERT_TRUE(whole.ok() && merged.ok() && rest.ok());
  ASSERT_TRUE(MergeProfiles(*merged, *rest).ok());
  EXPECT_EQ(merged->rows, whole->rows);
  for (size_t c = 0; c < whole->columns.size(); ++c) {
    const ColumnProfile& w = whole->columns[c];
    const ColumnProfile& m = merged->columns[c];
    SCOPED_TRACE(w.name);
    EXPECT_EQ(m.count, w.count);
    EXPECT_EQ(m.null_count, w.null_count);
    EXPECT_EQ(m.nan_count, w.nan_count);
    EXPECT_EQ(m.inf_count, w.inf_count);
    EXPECT_EQ(m.looks_numeric, w.looks_numeric);
    EXPECT_NEAR(m.distinct, w.distinct, 0.03 * w.distinct + 1);
    if (w.has_moments) {
      EXPECT_EQ(m.min, w.min);
      EXPECT_EQ(m.max, w.max);
      EXPECT_NEAR(m.mean, w.mean, 1e-9 * std::fabs(w.mean) + 1e-12);
    }
    ASSERT_EQ(m.quantiles.size(), w.quantiles.size());
    for (size_t i = 0; i < w.quantiles.size(); ++i) {
      EXPECT_NEAR(m.quantiles[i], w.quantiles[i], 0.03 * (w.max - w.min));
    }
    ASSERT_EQ(m.top_values.size(), w.top_values.size());
    if (w.type == DataType::kCategory || w.type == DataType::kBool) {
      for (size_t i = 0; i < w.top_values.size(); ++i) EXPECT_EQ(m.top_values[i].count, w.top_values[i].count);
    }
  }
  EXPECT_NEAR(merged->correlation_matrix[0][1], whole->correlation_matrix[0][1], 1e-9);

  // Schemas must agree, and profiles without sketches cannot merge.
  TableProfile other = *rest;
  other.columns[0].name = "renamed";
  EXPECT_EQ(MergeProfiles(*merged, other).code(), absl::StatusCode::kInvalidArgument);
  other = *rest;
  other.columns[1].sketches.reset();
  EXPECT_EQ(MergeProfiles(*merged, other).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(merged->rows, whole->rows);  // failed merges changed nothing
}

}  // namespace
}  // namespace strata::data
