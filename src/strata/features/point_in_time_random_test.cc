// PointInTimeJoin against a brute-force reference on random data: small key and time domains
// so that ties, nulls, unknown keys and ttl edges occur in every seed.
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "strata/features/point_in_time.h"

namespace strata::features {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Table;

class RandomTables {
 public:
  explicit RandomTables(uint32_t seed) : rng_(seed) {}

  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  Column IntColumn(DataType type, int64_t rows, int64_t lo, int64_t hi, double null_rate) {
    ColumnBuilder b(type);
    for (int64_t r = 0; r < rows; ++r)
      Chance(null_rate) ? b.AppendNull() : b.AppendInt64(Int(lo, hi));
    return b.Finish();
  }
  Column StringColumn(DataType type, int64_t rows, int64_t distinct, double null_rate) {
    ColumnBuilder b(type);
    for (int64_t r = 0; r < rows; ++r) {
      Chance(null_rate) ? b.AppendNull() : b.AppendString(absl::StrCat("k", Int(0, distinct - 1)));
    }
    return b.Finish();
  }
  Column FloatColumn(int64_t rows, double null_rate) {
    ColumnBuilder b(DataType::kFloat64);
    for (int64_t r = 0; r < rows; ++r) {
      Chance(null_rate) ? b.AppendNull() : b.AppendFloat64(static_cast<double>(Int(0, 1000)) / 8);
    }
    return b.Finish();
  }
  Column BoolColumn(int64_t rows, double null_rate) {
    ColumnBuilder b(DataType::kBool);
    for (int64_t r = 0; r < rows; ++r)
      Chance(null_rate) ? b.AppendNull() : b.AppendBool(Chance(0.5));
    return b.Finish();
  }
  DataType StringType() { return Chance(0.5) ? DataType::kString : DataType::kCategory; }

 private:
  std::mt19937 rng_;
};

Table MakeTable(std::vector<std::pair<std::string, Column>> named) {
  std::vector<Field> fields;
  std::vector<Column> columns;
  for (auto& [name, column] : named) {
    fields.push_back({name, column.type()});
    columns.push_back(std::move(column));
  }
  return *Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

std::string ValueAt(const Column& c, int64_t row) {
  if (row < 0 || c.IsNull(row)) return "null";
  const auto r = static_cast<size_t>(row);
  switch (c.type()) {
    case DataType::kBool:
      return c.Bools()[r] ? "true" : "false";
    case DataType::kInt64:
    case DataType::kTimestamp:
      return absl::StrCat(c.Int64s()[r]);
    case DataType::kFloat64:
      return absl::StrCat(c.Float64s()[r]);
    case DataType::kString:
    case DataType::kCategory:
      return absl::StrCat("'", std::string(c.StringAt(row)), "'");
  }
  return "?";
}

bool KeyEqual(const Column& a, int64_t ra, const Column& b, int64_t rb) {
  if (a.IsNull(ra) || b.IsNull(rb)) return false;
  return ValueAt(a, ra) == ValueAt(b, rb);
}

// The chosen feature row for one entity row, by scanning every feature row.
// `candidates`, when given, are the only feature rows to scan (the rows with the entity row's
// key, for tables too large to scan whole).
int64_t ReferenceMatch(const Table& entities, int64_t entity_row, const Column& event_ts,
                       const FeatureViewJoin& view,
                       const std::vector<int64_t>* candidates = nullptr) {
  if (event_ts.IsNull(entity_row)) return -1;
  const int64_t event = event_ts.Int64s()[static_cast<size_t>(entity_row)];
  const Table& rows = *view.rows;
  const Column& ts = **rows.ColumnByName(view.timestamp_column);
  const Column* created =
      view.created_column.empty() ? nullptr : *rows.ColumnByName(view.created_column);
  int64_t best = -1;
  std::tuple<int64_t, bool, int64_t, int64_t> best_key;
  const int64_t scan =
      candidates != nullptr ? static_cast<int64_t>(candidates->size()) : rows.num_rows();
  for (int64_t s = 0; s < scan; ++s) {
    const int64_t r = candidates != nullptr ? (*candidates)[static_cast<size_t>(s)] : s;
    bool same = true;
    for (size_t k = 0; k < view.join_keys.size() && same; ++k) {
      const std::string& entity_name =
          view.entity_columns.empty() ? view.join_keys[k] : view.entity_columns[k];
      same = KeyEqual(**rows.ColumnByName(view.join_keys[k]), r,
                      **entities.ColumnByName(entity_name), entity_row);
    }
    if (!same || ts.IsNull(r)) continue;
    const int64_t t = ts.Int64s()[static_cast<size_t>(r)];
    if (t > event) continue;
    if (view.ttl_micros > 0 && event - t > view.ttl_micros) continue;
    const bool has_created = created != nullptr && !created->IsNull(r);
    const int64_t c = has_created ? created->Int64s()[static_cast<size_t>(r)] : 0;
    const auto key = std::make_tuple(t, has_created, c, r);
    if (best < 0 || key > best_key) {
      best = r;
      best_key = key;
    }
  }
  return best;
}

void CheckAgainstReference(uint32_t seed) {
  RandomTables gen(seed);
  const int64_t feature_rows = gen.Int(0, 250);
  const int64_t entity_rows = gen.Int(0, 150);
  const double key_nulls = gen.Chance(0.5) ? 0.08 : 0.0;
  Table features = MakeTable({
      {"k1", gen.IntColumn(DataType::kInt64, feature_rows, 0, 6, key_nulls)},
      {"k2", gen.StringColumn(gen.StringType(), feature_rows, 3, key_nulls)},
      {"ts", gen.IntColumn(DataType::kTimestamp, feature_rows, 0, 30, 0.04)},
      {"created", gen.IntColumn(DataType::kTimestamp, feature_rows, 0, 3, 0.2)},
      {"f_float", gen.FloatColumn(feature_rows, 0.2)},
      {"f_int", gen.IntColumn(DataType::kInt64, feature_rows, -5, 5, 0.1)},
      {"f_str", gen.StringColumn(DataType::kString, feature_rows, 20, 0.1)},
      {"f_cat", gen.StringColumn(DataType::kCategory, feature_rows, 4, 0.1)},
      {"f_bool", gen.BoolColumn(feature_rows, 0.1)},
      {"f_ts", gen.IntColumn(DataType::kTimestamp, feature_rows, 0, 99, 0.1)},
  });
  Table entities = MakeTable({
      {"k1", gen.IntColumn(DataType::kInt64, entity_rows, 0, 7, key_nulls)},
      {"key2", gen.StringColumn(gen.StringType(), entity_rows, 4, key_nulls)},
      {"event_timestamp", gen.IntColumn(DataType::kTimestamp, entity_rows, -2, 35, 0.04)},
  });
  // Sometimes join over slices, whose columns start at an offset into their storage.
  if (gen.Chance(0.3) && feature_rows > 10) features = features.Slice(5, feature_rows - 7);
  if (gen.Chance(0.3) && entity_rows > 10) entities = entities.Slice(3, entity_rows - 4);

  const int64_t ttls[] = {0, 1, 3, 8};
  FeatureViewJoin single;
  single.name = "single";
  single.rows = &features;
  single.join_keys = {"k1"};
  single.timestamp_column = "ts";
  single.created_column = gen.Chance(0.7) ? "created" : "";
  single.ttl_micros = ttls[gen.Int(0, 3)];
  single.features = {"f_float", "f_int", "f_str", "f_cat", "f_bool", "f_ts"};
  FeatureViewJoin pair;
  pair.name = "pair";
  pair.rows = &features;
  pair.join_keys = {"k2", "k1"};
  pair.entity_columns = {"key2", "k1"};
  pair.timestamp_column = "ts";
  pair.created_column = gen.Chance(0.7) ? "created" : "";
  pair.ttl_micros = ttls[gen.Int(0, 3)];
  pair.features = {"f_float", "f_str", "f_cat"};

  PointInTimeOptions options;
  options.full_feature_names = true;
  options.threads = static_cast<int>(gen.Int(1, 3));
  const std::vector<FeatureViewJoin> views = {single, pair};
  auto out = PointInTimeJoin(entities, "event_timestamp", views, options);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->num_rows(), entities.num_rows());
  const Column& event_ts = **entities.ColumnByName("event_timestamp");
  for (int64_t e = 0; e < entities.num_rows(); ++e) {
    for (int c = 0; c < entities.num_columns(); ++c) {
      ASSERT_EQ(ValueAt(out->column(c), e), ValueAt(entities.column(c), e));
    }
    for (const FeatureViewJoin& view : views) {
      const int64_t want = ReferenceMatch(entities, e, event_ts, view);
      for (const std::string& f : view.features) {
        const Column& got = **out->ColumnByName(absl::StrCat(view.name, "__", f));
        ASSERT_EQ(got.type(), (*features.ColumnByName(f))->type());
        ASSERT_EQ(ValueAt(got, e), ValueAt(**features.ColumnByName(f), want))
            << "seed " << seed << " entity row " << e << " view " << view.name << " feature " << f
            << " reference row " << want;
      }
    }
  }
}

TEST(PointInTimeJoinRandomTest, MatchesBruteForceReference) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE(seed);
    CheckAgainstReference(seed);
    if (testing::Test::HasFatalFailure()) return;
  }
}

// Tables large enough that the counting sorts split into one part per thread (parts hold at
// least 65,536 rows), checked against the reference over each key's rows.
TEST(PointInTimeJoinRandomTest, LargeTablesSplitAcrossThreads) {
  RandomTables gen(99);
  const int64_t feature_rows = 150'000;
  const int64_t entity_rows = 140'000;
  Table features = MakeTable({
      {"k", gen.IntColumn(DataType::kInt64, feature_rows, 0, 3000, 0.01)},
      {"ts", gen.IntColumn(DataType::kTimestamp, feature_rows, 0, 5000, 0.01)},
      {"created", gen.IntColumn(DataType::kTimestamp, feature_rows, 0, 3, 0.1)},
      {"f", gen.FloatColumn(feature_rows, 0.1)},
  });
  Table entities = MakeTable({
      {"k", gen.IntColumn(DataType::kInt64, entity_rows, 0, 3100, 0.01)},
      {"event_timestamp", gen.IntColumn(DataType::kTimestamp, entity_rows, -10, 5100, 0.01)},
  });
  FeatureViewJoin view;
  view.name = "v";
  view.rows = &features;
  view.join_keys = {"k"};
  view.timestamp_column = "ts";
  view.created_column = "created";
  view.ttl_micros = 40;
  view.features = {"f"};
  std::vector<std::vector<int64_t>> rows_by_key(3101);
  const Column& feature_key = **features.ColumnByName("k");
  for (int64_t r = 0; r < feature_rows; ++r) {
    if (!feature_key.IsNull(r))
      rows_by_key[static_cast<size_t>(feature_key.Int64s()[static_cast<size_t>(r)])].push_back(r);
  }
  const Column& entity_key = **entities.ColumnByName("k");
  const Column& event_ts = **entities.ColumnByName("event_timestamp");
  const Column& f = **features.ColumnByName("f");
  for (int threads : {1, 3}) {
    PointInTimeOptions options;
    options.threads = threads;
    auto out = PointInTimeJoin(entities, "event_timestamp", {view}, options);
    ASSERT_TRUE(out.ok()) << out.status();
    const Column& got = **out->ColumnByName("f");
    for (int64_t e = 0; e < entity_rows; ++e) {
      const std::vector<int64_t> none;
      const std::vector<int64_t>& candidates =
          entity_key.IsNull(e)
              ? none
              : rows_by_key[static_cast<size_t>(entity_key.Int64s()[static_cast<size_t>(e)])];
      const int64_t want = ReferenceMatch(entities, e, event_ts, view, &candidates);
      ASSERT_EQ(ValueAt(got, e), ValueAt(f, want)) << "threads " << threads << " entity row " << e;
    }
  }
}

}  // namespace
}  // namespace strata::features
