#include "strata/data/sql.h"

#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/clock.h"
#include "strata/io/csv_reader.h"
#include "strata/table/group_by.h"
#include "strata/table/sort.h"

namespace strata::data {
namespace {

using ::testing::HasSubstr;
using table::Column;
using table::ColumnBuilder;
using table::DataType;
using table::Table;

int64_t Micros(const char* text) {
  int64_t micros = 0;
  EXPECT_TRUE(io::ParseTimestampMicros(text, &micros)) << text;
  return micros;
}

// id  user  amount  name     ts                   ok
// 1   10    2.5     alpha    2024-03-01 10:00:00  true
// 2   20    null    beta     2024-03-02 00:00:00  false
// 3   10    NaN     alpine   null                 null
// 4   30    -1      null     2024-02-29 23:59:59.5  true
// 5   20    7.25    ""       2023-12-31 00:00:00  false
Table Events() {
  ColumnBuilder id(DataType::kInt64), user(DataType::kInt64), amount(DataType::kFloat64),
      name(DataType::kString), ts(DataType::kTimestamp), ok(DataType::kBool);
  for (int64_t v : {1, 2, 3, 4, 5}) id.AppendInt64(v);
  for (int64_t v : {10, 20, 10, 30, 20}) user.AppendInt64(v);
  amount.AppendFloat64(2.5);
  amount.AppendNull();
  amount.AppendFloat64(std::nan(""));
  amount.AppendFloat64(-1);
  amount.AppendFloat64(7.25);
  name.AppendString("alpha");
  name.AppendString("beta");
  name.AppendString("alpine");
  name.AppendNull();
  name.AppendString("");
  ts.AppendInt64(Micros("2024-03-01 10:00:00"));
  ts.AppendInt64(Micros("2024-03-02"));
  ts.AppendNull();
  ts.AppendInt64(Micros("2024-02-29 23:59:59.5"));
  ts.AppendInt64(Micros("2023-12-31"));
  ok.AppendBool(true);
  ok.AppendBool(false);
  ok.AppendNull();
  ok.AppendBool(true);
  ok.AppendBool(false);
  auto t = Table::Make(table::Schema({{"id", DataType::kInt64},
                                      {"user", DataType::kInt64},
                                      {"amount", DataType::kFloat64},
                                      {"name", DataType::kString},
                                      {"ts", DataType::kTimestamp},
                                      {"ok", DataType::kBool}}),
                       {id.Finish(), user.Finish(), amount.Finish(), name.Finish(), ts.Finish(),
                        ok.Finish()});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

Table Users() {
  ColumnBuilder id(DataType::kInt64), name(DataType::kString);
  for (auto [i, n] : std::vector<std::pair<int64_t, const char*>>{{10, "ana"}, {20, "bo"}, {40, "cy"}}) {
    id.AppendInt64(i);
    name.AppendString(n);
  }
  auto t = Table::Make(table::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}}),
                       {id.Finish(), name.Finish()});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

std::unique_ptr<SqlSession> Session() {
  auto session = SqlSession::Create();
  EXPECT_TRUE(session.ok()) << session.status();
  EXPECT_TRUE((*session)->RegisterTable("events", Events()).ok());
  EXPECT_TRUE((*session)->RegisterTable("users", Users()).ok());
  return *std::move(session);
}

// Every cell as text ("null" for nulls), row by row, for compact expectations.
std::vector<std::string> Rows(const Table& t) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    std::string line;
    for (int c = 0; c < t.num_columns(); ++c) {
      const Column& col = t.column(c);
      std::string cell;
      if (col.IsNull(r)) {
        cell = "null";
      } else {
        switch (col.type()) {
          case DataType::kInt64:
            cell = absl::StrCat(col.Int64s()[r]);
            break;
          case DataType::kFloat64:
            cell = absl::StrCat(col.Float64s()[r]);
            break;
          case DataType::kBool:
            cell = col.Bools()[r] ? "true" : "false";
            break;
          case DataType::kTimestamp:
            cell = io::FormatTimestampMicros(col.Int64s()[r]);
            break;
          default:
            cell = std::string(col.StringAt(r));
        }
      }
      absl::StrAppend(&line, c ? "|" : "", cell);
    }
    rows.push_back(line);
  }
  return rows;
}

Table MustQuery(SqlSession& s, const std::string& sql, const SqlQueryOptions& options = {}) {
  auto t = s.Query(sql, options);
  EXPECT_TRUE(t.ok()) << sql << ": " << t.status();
  return t.ok() ? *t : Table();
}

TEST(SqlTest, JoinsTwoRegisteredTables) {
  auto s = Session();
  Table t = MustQuery(*s,
                      "SELECT e.id, u.name FROM events e JOIN users u ON e.user = u.id "
                      "ORDER BY e.id");
  EXPECT_EQ(t.schema().ToString(), "id: int64, name: string");
  EXPECT_THAT(Rows(t), ::testing::ElementsAre("1|ana", "2|bo", "3|ana", "5|bo"));
  t = MustQuery(*s,
                "SELECT u.name, count(e.id) AS n FROM users u LEFT JOIN events e "
                "ON e.user = u.id GROUP BY u.name ORDER BY u.name");
  EXPECT_THAT(Rows(t), ::testing::ElementsAre("ana|2", "bo|2", "cy|0"));
}

TEST(SqlTest, OrderByLikeCteAndWindows) {
  auto s = Session();
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events ORDER BY amount DESC NULLS LAST, id")),
              ::testing::ElementsAre("5", "1", "4", "2", "3"));  // NaN reads as NULL
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT name FROM events WHERE name LIKE 'al%' ORDER BY 1")),
              ::testing::ElementsAre("alpha", "alpine"));
  EXPECT_THAT(Rows(MustQuery(*s,
                             "WITH per_user AS (SELECT user, count(*) AS n FROM events GROUP BY "
                             "user) SELECT user FROM per_user WHERE n = 2 ORDER BY user")),
              ::testing::ElementsAre("10", "20"));
  EXPECT_THAT(Rows(MustQuery(*s,
                             "SELECT id, ROW_NUMBER() OVER (PARTITION BY user ORDER BY id) AS rn, "
                             "SUM(id) OVER (ORDER BY id) AS running FROM events ORDER BY id")),
              ::testing::ElementsAre("1|1|1", "2|1|3", "3|2|6", "4|1|10", "5|2|15"));
  EXPECT_THAT(Rows(MustQuery(*s, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                                 "WHERE x < 4) SELECT sum(x) FROM c")),
              ::testing::ElementsAre("10"));
}

TEST(SqlTest, TimestampsWorkWithDateFunctions) {
  auto s = Session();
  Table t = MustQuery(*s,
                      "SELECT id, ts, date(ts) AS day, strftime('%Y-%m', ts) AS month, "
                      "CAST(strftime('%H', ts) AS INTEGER) AS hour FROM events "
                      "WHERE ts >= '2024-01-01 00:00:00' ORDER BY ts");
  EXPECT_EQ(t.schema().ToString(),
            "id: int64, ts: timestamp, day: string, month: string, hour: int64");
  EXPECT_THAT(Rows(t), ::testing::ElementsAre(
                           "4|2024-02-29 23:59:59.500000|2024-02-29|2024-02|23",
                           "1|2024-03-01 10:00:00|2024-03-01|2024-03|10",
                           "2|2024-03-02 00:00:00|2024-03-02|2024-03|0"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE date(ts) = '2024-03-01'")),
              ::testing::ElementsAre("1"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT max(ts), min(date(ts)) FROM events")),
              ::testing::ElementsAre("2024-03-02 00:00:00|2023-12-31"));
}

TEST(SqlTest, SelectStarRoundTripsTypesAndNulls) {
  auto s = Session();
  Table t = MustQuery(*s, "SELECT * FROM events");
  Table original = Events();
  ASSERT_EQ(t.schema(), original.schema());
  std::vector<std::string> expected = Rows(original);
  expected[2] = "3|10|null|alpine|null|null";  // NaN is NULL in SQL
  EXPECT_EQ(Rows(t), expected);
  EXPECT_TRUE(t.column(3).IsNull(3));
  EXPECT_FALSE(t.column(3).IsNull(4));  // the empty string stays a string
  EXPECT_EQ(t.column(3).StringAt(4), "");
}

TEST(SqlTest, ResultTypesComeFromDeclarationsOrValues) {
  auto s = Session();
  Table t = MustQuery(*s,
                      "SELECT 1 AS i, 1.5 AS f, 'x' AS s, NULL AS n, count(*) AS c, avg(id) AS a, "
                      "sum(ok) AS oks, max(ok) AS any_ok, min(id) AS id, max(id) AS id FROM events");
  EXPECT_EQ(t.schema().ToString(),
            "i: int64, f: float64, s: string, n: string, c: int64, a: float64, oks: int64, "
            "any_ok: int64, id: int64, id_1: int64");
  EXPECT_THAT(Rows(t), ::testing::ElementsAre("1|1.5|x|null|5|3|2|1|1|5"));
  // INTEGER and REAL mix to float64; any TEXT makes a string column.
  t = MustQuery(*s,
                "SELECT CASE WHEN id % 2 = 0 THEN 1 ELSE 2.5 END AS mixed, "
                "CASE WHEN id = 1 THEN 'one' ELSE id END AS text FROM events ORDER BY id");
  EXPECT_EQ(t.schema().ToString(), "mixed: float64, text: string");
  EXPECT_THAT(Rows(t), ::testing::ElementsAre("2.5|one", "1|2", "2.5|3", "1|4", "2.5|5"));
  // A declared column whose values stop fitting falls back to inference.
  t = MustQuery(*s, "SELECT ok FROM events UNION ALL SELECT 7");
  EXPECT_EQ(t.schema().ToString(), "ok: int64");
  t = MustQuery(*s, "SELECT ok, ts FROM events WHERE id < 3");
  EXPECT_EQ(t.schema().ToString(), "ok: bool, ts: timestamp");
  t = MustQuery(*s, "SELECT id FROM events WHERE id > 100");
  EXPECT_EQ(t.num_rows(), 0);
  EXPECT_EQ(t.schema().ToString(), "id: int64");
}

// A table of `rows` random rows: k int64 (0..99), v float64 with nulls, g string (8 groups).
Table RandomTable(int64_t rows, uint32_t seed) {
  std::mt19937_64 rng(seed);
  ColumnBuilder k(DataType::kInt64), v(DataType::kFloat64), g(DataType::kString),
      i(DataType::kInt64);
  for (int64_t r = 0; r < rows; ++r) {
    i.AppendInt64(r);
    k.AppendInt64(static_cast<int64_t>(rng() % 100));
    if (rng() % 20 == 0) {
      v.AppendNull();
    } else {
      v.AppendFloat64(static_cast<double>(rng() % 10000) / 8.0 - 300);
    }
    g.AppendString(absl::StrCat("g", rng() % 8));
  }
  auto t = Table::Make(table::Schema({{"i", DataType::kInt64},
                                      {"k", DataType::kInt64},
                                      {"v", DataType::kFloat64},
                                      {"g", DataType::kString}}),
                       {i.Finish(), k.Finish(), v.Finish(), g.Finish()});
  EXPECT_TRUE(t.ok());
  return *t;
}

TEST(SqlTest, GroupByMatchesTableGroupBy) {
  Table t = RandomTable(20000, 7);
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("t", t).ok());
  Table sql = MustQuery(**s,
                        "SELECT g, count(*), count(v), sum(v), avg(k), min(v), max(v) FROM t "
                        "GROUP BY g ORDER BY g");
  auto grouped = table::GroupBy(t, {"g"},
                                {{table::AggregateOp::kCount, ""},
                                 {table::AggregateOp::kCount, "v"},
                                 {table::AggregateOp::kSum, "v"},
                                 {table::AggregateOp::kMean, "k"},
                                 {table::AggregateOp::kMin, "v"},
                                 {table::AggregateOp::kMax, "v"}});
  ASSERT_TRUE(grouped.ok()) << grouped.status();
  auto sorted = table::SortTable(*grouped, {{.column = "g"}});
  ASSERT_TRUE(sorted.ok()) << sorted.status();
  ASSERT_EQ(sql.num_rows(), sorted->num_rows());
  ASSERT_EQ(sql.num_rows(), 8);
  for (int64_t r = 0; r < sql.num_rows(); ++r) {
    EXPECT_EQ(sql.column(0).StringAt(r), sorted->column(0).StringAt(r));
    EXPECT_EQ(sql.column(1).Int64s()[r], sorted->column(1).Int64s()[r]);
    EXPECT_EQ(sql.column(2).Int64s()[r], sorted->column(2).Int64s()[r]);
    for (int c = 3; c <= 6; ++c) {
      EXPECT_NEAR(sql.column(c).Float64s()[r], sorted->column(c).Float64s()[r], 1e-9)
          << "row " << r << " column " << c;
    }
  }
}

TEST(SqlTest, GroupByStreamsOverGroupedRowsWithoutASort) {
  Table t = RandomTable(20000, 9);
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("t", t).ok());
  Table plan = MustQuery(**s, "EXPLAIN QUERY PLAN SELECT g, k, count(*) FROM t GROUP BY g, k");
  ASSERT_EQ(plan.num_columns(), 4);
  for (int64_t r = 0; r < plan.num_rows(); ++r) {
    EXPECT_THAT(std::string(plan.column(3).StringAt(r)), ::testing::Not(HasSubstr("TEMP B-TREE")));
  }
  Table sql = MustQuery(**s, "SELECT g, k, count(*) AS n, sum(v) AS total FROM t GROUP BY g, k");
  auto grouped = table::GroupBy(t, {"g", "k"},
                                {{table::AggregateOp::kCount, ""}, {table::AggregateOp::kSum, "v"}});
  ASSERT_TRUE(grouped.ok());
  ASSERT_EQ(sql.num_rows(), grouped->num_rows());  // no group split in two
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, double>> want;
  for (int64_t r = 0; r < grouped->num_rows(); ++r) {
    want[{std::string(grouped->column(0).StringAt(r)), grouped->column(1).Int64s()[r]}] = {
        grouped->column(2).Int64s()[r], grouped->column(3).Float64s()[r]};
  }
  for (int64_t r = 0; r < sql.num_rows(); ++r) {
    auto it = want.find({std::string(sql.column(0).StringAt(r)), sql.column(1).Int64s()[r]});
    ASSERT_NE(it, want.end());
    EXPECT_EQ(sql.column(2).Int64s()[r], it->second.first);
    if (!sql.column(3).IsNull(r)) {
      EXPECT_NEAR(sql.column(3).Float64s()[r], it->second.second, 1e-9);
    }
  }
  // ORDER BY is served in SQLite's order too: NULLs first ascending, last descending.
  Table ordered = MustQuery(**s, "SELECT i FROM t ORDER BY k DESC, v, g DESC");
  auto want_order = table::SortTable(
      t, {{.column = "k", .ascending = false}, {.column = "v", .nulls_first = true},
          {.column = "g", .ascending = false}});
  ASSERT_TRUE(want_order.ok());
  EXPECT_EQ(Rows(ordered), Rows(*want_order->Select({"i"})));
  // Float keys: -0.0 with 0.0, NaN with NULL, as SQLite compares them.
  ColumnBuilder f(DataType::kFloat64);
  for (double v : {0.0, -0.0, std::nan(""), 1.5, 0.0, 1.5}) f.AppendFloat64(v);
  f.AppendNull();
  auto floats = Table::Make(table::Schema({{"f", DataType::kFloat64}}), {f.Finish()});
  ASSERT_TRUE(floats.ok());
  ASSERT_TRUE((*s)->RegisterTable("floats", *floats).ok());
  EXPECT_THAT(Rows(MustQuery(**s, "SELECT f, count(*) FROM floats GROUP BY f ORDER BY f")),
              ::testing::ElementsAre("null|2", "0|3", "1.5|2"));
}

TEST(SqlTest, PushdownGivesTheSameRowsAndFewerToSqlite) {
  Table t = RandomTable(5000, 11);
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("t", t).ok());
  // `col + 0` hides the column from xBestIndex, so SQLite filters every row itself.
  const std::vector<std::pair<std::string, std::string>> predicates = {
      {"k = 5", "k + 0 = 5"},
      {"k = 5.0", "k + 0 = 5.0"},
      {"k = 5.5", "k + 0 = 5.5"},
      {"k > 97.5", "k + 0 > 97.5"},
      {"k >= 97.5", "k + 0 >= 97.5"},
      {"k < 2.5", "k + 0 < 2.5"},
      {"k <= -0.5", "k + 0 <= -0.5"},
      {"k BETWEEN 10 AND 12", "k + 0 BETWEEN 10 AND 12"},
      {"k > 9223372036854775807", "k + 0 > 9223372036854775807"},
      {"k < 1e300", "k + 0 < 1e300"},
      {"k IN (3, 50, 1000)", "k + 0 IN (3, 50, 1000)"},
      {"k = NULL", "k + 0 = NULL"},
      {"v > 100 AND v <= 200", "v + 0 > 100 AND v + 0 <= 200"},
      {"v = 0.5", "v + 0 = 0.5"},
      {"v < 9007199254740993", "v + 0 < 9007199254740993"},
      {"v >= -300 AND v < -299", "v + 0 >= -300 AND v + 0 < -299"},
      {"g = 'g3'", "g || '' = 'g3'"},
      {"g = 'nope'", "g || '' = 'nope'"},
      {"k = 7 AND g = 'g1'", "k + 0 = 7 AND g || '' = 'g1'"},
  };
  for (const auto& [pushed, plain] : predicates) {
    const SqlTableStats before = *(*s)->TableStats("t");
    Table a = MustQuery(**s, "SELECT i FROM t WHERE " + pushed + " ORDER BY i");
    const SqlTableStats mid = *(*s)->TableStats("t");
    Table b = MustQuery(**s, "SELECT i FROM t WHERE " + plain + " ORDER BY i");
    const SqlTableStats after = *(*s)->TableStats("t");
    EXPECT_EQ(Rows(a), Rows(b)) << pushed;
    EXPECT_EQ(after.rows_returned - mid.rows_returned, t.num_rows()) << plain;
    // Every row handed over matches: the filter is exact for these operands.
    EXPECT_EQ(mid.rows_returned - before.rows_returned, a.num_rows()) << pushed;
  }
  // TEXT against an integer column is SQLite's (affinity) business: nothing is dropped.
  EXPECT_EQ(MustQuery(**s, "SELECT i FROM t WHERE i = '42'").num_rows(), 1);
  // The one-off equality scanned in C++ rather than handing 5000 rows over.
  const SqlTableStats before = *(*s)->TableStats("t");
  EXPECT_THAT(Rows(MustQuery(**s, "SELECT k FROM t WHERE i = 42")), ::testing::SizeIs(1));
  const SqlTableStats after = *(*s)->TableStats("t");
  EXPECT_EQ(after.rows_returned - before.rows_returned, 1);
  EXPECT_EQ(after.scans - before.scans, 1);
}

TEST(SqlTest, StringAndTimestampEqualityPushdown) {
  auto s = Session();
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE name = 'beta'")),
              ::testing::ElementsAre("2"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE name = ''")),
              ::testing::ElementsAre("5"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE name = 'BETA' COLLATE NOCASE")),
              ::testing::ElementsAre("2"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE ts = '2024-03-01 10:00:00'")),
              ::testing::ElementsAre("1"));
  // The same instant in another spelling is different TEXT: SQLite's semantics win.
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE ts = '2024-03-01T10:00:00'")),
              ::testing::IsEmpty());
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE ok = 1 ORDER BY id")),
              ::testing::ElementsAre("1", "4"));
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT id FROM events WHERE ok ORDER BY id")),
              ::testing::ElementsAre("1", "4"));
}

TEST(SqlTest, CategoryColumnsReadAsText) {
  ColumnBuilder names(DataType::kString);
  for (const char* v : {"red", "blue", "red", "green", "red"}) names.AppendString(v);
  names.AppendNull();
  auto category = names.Finish().ToCategory();
  ASSERT_TRUE(category.ok());
  auto t = Table::Make(table::Schema({{"color", DataType::kCategory}}), {*category});
  ASSERT_TRUE(t.ok());
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("c", *t).ok());
  Table r = MustQuery(**s, "SELECT rowid, color FROM c WHERE color = 'red'");
  EXPECT_EQ(r.schema().ToString(), "rowid: int64, color: string");
  EXPECT_THAT(Rows(r), ::testing::ElementsAre("0|red", "2|red", "4|red"));
  EXPECT_EQ((*s)->TableStats("c")->rows_returned, 3);
  EXPECT_THAT(Rows(MustQuery(**s, "SELECT color FROM c WHERE color = 'purple'")), ::testing::IsEmpty());
  EXPECT_THAT(Rows(MustQuery(**s, "SELECT color, count(*) FROM c GROUP BY color ORDER BY color")),
              ::testing::ElementsAre("null|1", "blue|1", "green|1", "red|3"));
}

TEST(SqlTest, JoinProbesBuildAnIndexInsteadOfRescanning) {
  Table big = RandomTable(20000, 3);
  Table small = RandomTable(2000, 4);
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("big", big).ok());
  ASSERT_TRUE((*s)->RegisterTable("small", small).ok());
  Table joined = MustQuery(**s, "SELECT count(*), sum(b.v) FROM small s JOIN big b ON b.i = s.k * 7");
  // Oracle: each small row whose k * 7 < 20000 matches the big row i = k * 7 (i is 0..19999).
  int64_t expected_count = 0;
  double expected_sum = 0;
  for (int64_t r = 0; r < small.num_rows(); ++r) {
    const int64_t i = small.column(1).Int64s()[r] * 7;
    if (i >= big.num_rows()) continue;
    ++expected_count;
    if (!big.column(2).IsNull(i)) expected_sum += big.column(2).Float64s()[i];
  }
  EXPECT_EQ(joined.column(0).Int64s()[0], expected_count);
  EXPECT_NEAR(joined.column(1).Float64s()[0], expected_sum, 1e-6);
  const SqlTableStats stats = *(*s)->TableStats("big");
  const SqlTableStats small_stats = *(*s)->TableStats("small");
  // Without pushdown and an index this is 2000 x 20000 = 40M rows examined.
  EXPECT_LT(stats.rows_examined + small_stats.rows_examined, 400'000)
      << stats.rows_examined << " " << small_stats.rows_examined;
  EXPECT_EQ(stats.indexes_built, 1);
  EXPECT_EQ(stats.scans, small.num_rows());  // one probe per outer row
}

TEST(SqlTest, ErrorsCarrySqlitesMessage) {
  auto s = Session();
  auto r = s->Query("SELEC id FROM events");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("syntax error"));
  r = s->Query("SELECT nope FROM events");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("no such column: nope"));
  r = s->Query("SELECT * FROM missing");
  EXPECT_THAT(r.status().message(), HasSubstr("no such table: missing"));
  r = s->Query("SELECT 1; SELECT 2");
  EXPECT_THAT(r.status().message(), HasSubstr("only one statement"));
  EXPECT_TRUE(s->Query("SELECT 1; -- trailing comment\n").ok());
  r = s->Query("  ");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SqlTest, QueriesCannotTouchTheFilesystemOrWrite) {
  auto s = Session();
  const std::string path = absl::StrCat(::testing::TempDir(), "/strata_sql_attach_", getpid(), ".db");
  std::filesystem::remove(path);
  auto r = s->Query(absl::StrCat("ATTACH '", path, "' AS x"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("ATTACH"));
  EXPECT_FALSE(std::filesystem::exists(path));
  r = s->Query(absl::StrCat("VACUUM INTO '", path, "'"));
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  r = s->Query("SELECT load_extension('x')");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("load_extension() is not allowed"));
  for (const char* write :
       {"INSERT INTO events(id) VALUES (9)", "UPDATE events SET id = 1", "DELETE FROM events",
        "CREATE TABLE t(x)", "CREATE TEMP TABLE t AS SELECT 1", "DROP TABLE events",
        "CREATE VIEW v AS SELECT 1", "PRAGMA temp_store = FILE", "BEGIN", "ANALYZE",
        "CREATE VIRTUAL TABLE x USING events"}) {
    r = s->Query(write);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << write;
  }
  // SQLite itself refuses writes to a virtual table without xUpdate, before the authorizer.
  EXPECT_THAT(s->Query("DELETE FROM events").status().message(),
              ::testing::AnyOf(HasSubstr("read-only"), HasSubstr("may not be modified")));
  // Built-in table-valued functions work; the schema table stays unwritable.
  EXPECT_THAT(Rows(MustQuery(*s, "SELECT sum(value) FROM json_each('[1, 2, 3]')")),
              ::testing::ElementsAre("6"));
  for (const char* write : {"UPDATE sqlite_master SET sql = 'x'", "UPDATE sqlite_temp_master SET name = 'x'",
                            "DELETE FROM sqlite_master"}) {
    EXPECT_EQ(s->Query(write).status().code(), absl::StatusCode::kInvalidArgument) << write;
  }
  // Nothing changed.
  EXPECT_EQ(MustQuery(*s, "SELECT count(*) FROM events").column(0).Int64s()[0], 5);
}

TEST(SqlTest, TimeoutStopsRunawayQueries) {
  auto s = Session();
  Table big = RandomTable(3000, 5);
  ASSERT_TRUE(s->RegisterTable("big", big).ok());
  const int64_t start = MonotonicMicros();
  SqlQueryOptions options;
  options.timeout_ms = 200;
  auto r = s->Query("SELECT count(*) FROM big a, big b, big c WHERE a.v + b.v > c.v", options);
  const int64_t elapsed_ms = (MonotonicMicros() - start) / 1000;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("200 ms"));
  EXPECT_LT(elapsed_ms, 5000);
  r = s->Query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c",
               options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  // The session still works afterwards, without the old deadline.
  EXPECT_EQ(MustQuery(*s, "SELECT count(*) FROM big").column(0).Int64s()[0], 3000);
  options.timeout_ms = 0;
  options.max_result_rows = 10;
  r = s->Query("SELECT * FROM big", options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(SqlTest, RegisterTableValidatesNames) {
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->RegisterTable("a;drop", Users()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->RegisterTable("1abc", Users()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->RegisterTable("", Users()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->RegisterTable("select", Users()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->RegisterTable("sqlite_x", Users()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->RegisterTable("json_each", Users()).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*s)->RegisterTable(std::string(200, 'a'), Users()).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*s)->RegisterTable("Users_2", Users()).ok());
  EXPECT_EQ((*s)->RegisterTable("users_2", Users()).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(MustQuery(**s, "SELECT count(*) FROM USERS_2").column(0).Int64s()[0], 3);
  EXPECT_EQ((*s)->RegisterTable("empty", Table()).code(), absl::StatusCode::kInvalidArgument);
  ColumnBuilder a(DataType::kInt64), b(DataType::kInt64);
  auto clash = Table::Make(table::Schema({{"x", DataType::kInt64}, {"X", DataType::kInt64}}),
                           {a.Finish(), b.Finish()});
  ASSERT_TRUE(clash.ok());
  EXPECT_EQ((*s)->RegisterTable("clash", *clash).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*s)->TableStats("nope").status().code(), absl::StatusCode::kNotFound);
  // Column names that need quoting work.
  ColumnBuilder q(DataType::kInt64);
  q.AppendInt64(3);
  auto quoted = Table::Make(table::Schema({{"we\"ird name", DataType::kInt64}}), {q.Finish()});
  ASSERT_TRUE(quoted.ok());
  ASSERT_TRUE((*s)->RegisterTable("quoted", *quoted).ok());
  EXPECT_THAT(Rows(MustQuery(**s, "SELECT \"we\"\"ird name\" * 2 FROM quoted")),
              ::testing::ElementsAre("6"));
}

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// SQLite sees the column's own bytes: a function checks each TEXT value's address.
const char* g_bytes_begin = nullptr;
const char* g_bytes_end = nullptr;
void PointsIntoColumn(sqlite3_context* ctx, int, sqlite3_value** argv) {
  // sqlite3_value_blob (unlike _text) returns the value's buffer without a terminating copy.
  const char* p = static_cast<const char*>(sqlite3_value_blob(argv[0]));
  sqlite3_result_int(ctx, p >= g_bytes_begin && p < g_bytes_end ? 1 : 0);
}

TEST(SqlTest, MillionRowsWithoutCopyingStrings) {
  constexpr int64_t kRows = 1'000'000;
  ColumnBuilder id(DataType::kInt64), name(DataType::kString);
  id.Reserve(kRows);
  name.Reserve(kRows);
  int64_t sevens = 0;
  int64_t string_bytes = 0;
  for (int64_t r = 0; r < kRows; ++r) {
    id.AppendInt64(r);
    const std::string s = absl::StrCat("customer-name-", r * 7919 % 1000003, "-padding-xx");
    sevens += s.find("77") != std::string::npos;
    string_bytes += static_cast<int64_t>(s.size());
    name.AppendString(s);
  }
  auto t = Table::Make(table::Schema({{"id", DataType::kInt64}, {"name", DataType::kString}}),
                       {id.Finish(), name.Finish()});
  ASSERT_TRUE(t.ok());
  const Column& names = t->column(1);
  g_bytes_begin = names.StringAt(0).data();
  g_bytes_end = names.StringAt(kRows - 1).data() + names.StringAt(kRows - 1).size();
  auto s = SqlSession::Create();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->RegisterTable("big", *t).ok());
  ASSERT_EQ(sqlite3_create_function((*s)->connection_for_testing(), "points_into_column", 1,
                                    SQLITE_UTF8, nullptr, PointsIntoColumn, nullptr, nullptr),
            SQLITE_OK);
  const int64_t rss_before = RssBytes();
  const int64_t sqlite_before = sqlite3_memory_used();
  sqlite3_memory_highwater(/*resetFlag=*/1);
  Table r = MustQuery(**s,
                      "SELECT count(*), sum(points_into_column(name)), max(length(name)) "
                      "FROM big WHERE name LIKE '%77%'");
  const int64_t sqlite_peak = sqlite3_memory_highwater(0) - sqlite_before;
  const int64_t rss_growth = RssBytes() - rss_before;
  ASSERT_EQ(r.num_rows(), 1);
  EXPECT_EQ(r.column(0).Int64s()[0], sevens);
  EXPECT_EQ(r.column(1).Int64s()[0], sevens);  // every value SQLite saw was our bytes
  // Measured: the peak of SQLite's own heap during the query (its allocator statistics),
  // against the string bytes a copied table would need. SQLite does make short-lived
  // per-value copies where a function asks for NUL-terminated text (LIKE, length): those
  // show up as small, reused buffers, not as a copy of the column.
  EXPECT_GT(sqlite_peak, 0);
  EXPECT_LT(sqlite_peak, string_bytes / 20) << "SQLite heap peak " << sqlite_peak;
#if !defined(__SANITIZE_ADDRESS__)
  // Process RSS too, where no sanitizer quarantine keeps freed memory resident.
  EXPECT_LT(rss_growth, string_bytes / 4) << "rss growth " << rss_growth << " of " << string_bytes;
#else
  (void)rss_growth;
#endif
  Table point = MustQuery(**s, "SELECT name FROM big WHERE id = 123456");
  EXPECT_THAT(Rows(point), ::testing::ElementsAre(std::string(names.StringAt(123456))));
  Table grouped = MustQuery(**s, "SELECT id % 10 AS d, count(*) FROM big GROUP BY d ORDER BY d");
  EXPECT_EQ(grouped.num_rows(), 10);
  EXPECT_EQ(grouped.column(1).Int64s()[3], kRows / 10);
}

}  // namespace
}  // namespace strata::data
