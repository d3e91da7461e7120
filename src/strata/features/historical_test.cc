#include "strata/features/historical.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"

namespace strata::features {
namespace {

namespace fs = std::filesystem;
using table::DataType;
using ::testing::HasSubstr;

int64_t Ts(const char* text) {
  int64_t micros = 0;
  EXPECT_TRUE(io::ParseTimestampMicros(text, &micros)) << text;
  return micros;
}

// Two views: user_stats (one int64 key, ttl 1d, created tie-breaker, field_mapping, an int64
// column read as a float64 feature) over a CSV file, and txn_stats (a string + int64 key,
// unbounded) over a directory of two CSV files.
class HistoricalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::path(::testing::TempDir()) /
           ("historical_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "txn");
    Write("feature_store.yaml", "project: demo\n");
    Write("defs.yaml", R"(entities:
  - {name: user, join_keys: [user_id]}
  - {name: txn, join_keys: [{name: merchant, type: string}, {name: terminal, type: int64}]}
sources:
  - {name: user_src, type: file, path: data/users.csv, timestamp_field: ts,
     created_timestamp_column: created, field_mapping: {amount_raw: amount}}
  - {name: txn_src, type: file, path: data/txn, timestamp_field: ts}
feature_views:
  - name: user_stats
    entities: [user]
    source: user_src
    ttl: 1d
    schema: [{name: amount, type: float64}, {name: count, type: int64}]
  - name: txn_stats
    entities: [txn]
    source: txn_src
    schema: [{name: risk, type: float64}]
feature_services:
  - {name: svc, features: ["txn_stats:*", "user_stats:amount"]}
)");
    Write("data/users.csv",
          "user_id,ts,created,amount_raw,count\n"
          "1,2024-01-01 00:00:00,2024-01-01 00:00:05,11,2\n"
          "1,2024-01-01 00:00:00,2024-01-01 00:00:00,10,1\n"
          "1,2024-01-03 00:00:00,2024-01-03 00:00:00,30,3\n"
          "2,2024-01-02 00:00:00,2024-01-02 00:00:00,20,4\n");
    Write("data/txn/a.csv",
          "merchant,terminal,ts,risk\n"
          "m1,1,2024-01-01 00:00:00,0.5\n"
          "m1,2,2024-01-01 00:00:00,0.7\n");
    Write("data/txn/b.csv", "merchant,terminal,ts,risk\nm1,1,2024-01-05 00:00:00,0.9\n");
    absl::StatusOr<FeatureRepository> repo = LoadFeatureRepository(dir_.string());
    ASSERT_TRUE(repo.ok()) << repo.status();
    // As the CLI does: the registry's snapshot (no directory), paths resolved against --repo.
    absl::StatusOr<FeatureRepository> from_registry = RepositoryFromJson(RepositoryToJson(*repo));
    ASSERT_TRUE(from_registry.ok()) << from_registry.status();
    defs_ = *std::move(from_registry);
    entities_ =
        Entities({1, 1, 2, 3, 1}, {"m1", "m1", "m1", "m2", "m1"}, {1, 1, 2, 1, 1},
                 {"2024-01-02", "2024-01-06", "2024-01-03", "2024-01-03", "2024-01-04 00:00:00"});
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }

  static table::Table Entities(const std::vector<int64_t>& users,
                               const std::vector<std::string>& merchants,
                               const std::vector<int64_t>& terminals,
                               const std::vector<const char*>& events) {
    table::ColumnBuilder u(DataType::kInt64), m(DataType::kString), t(DataType::kInt64),
        e(DataType::kTimestamp);
    for (size_t i = 0; i < users.size(); ++i) {
      u.AppendInt64(users[i]);
      m.AppendString(merchants[i]);
      t.AppendInt64(terminals[i]);
      e.AppendInt64(Ts(events[i]));
    }
    return *table::Table::Make(table::Schema({{"user_id", DataType::kInt64},
                                              {"merchant", DataType::kString},
                                              {"terminal", DataType::kInt64},
                                              {"event_timestamp", DataType::kTimestamp}}),
                               {u.Finish(), m.Finish(), t.Finish(), e.Finish()});
  }

  HistoricalRequest Request(std::vector<std::string> features) {
    HistoricalRequest r;
    r.definitions = &defs_;
    r.repository_directory = dir_.string();
    r.entities = &entities_;
    r.features = std::move(features);
    return r;
  }

  static std::vector<std::optional<double>> Doubles(const table::Table& t, const std::string& c) {
    const table::Column* col = *t.ColumnByName(c);
    std::vector<std::optional<double>> out;
    for (int64_t r = 0; r < col->size(); ++r) {
      out.push_back(col->IsNull(r)
                        ? std::nullopt
                        : std::optional<double>(col->Float64s()[static_cast<size_t>(r)]));
    }
    return out;
  }

  fs::path dir_;
  FeatureRepository defs_;
  table::Table entities_;
};

TEST_F(HistoricalTest, JoinsEveryViewWithTtlTiesAndMultipleKeys) {
  absl::StatusOr<HistoricalResult> r =
      GetHistoricalFeatures(Request({"user_stats:amount", "user_stats:count", "txn_stats:risk"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->engine, HistoricalEngine::kMemory);
  EXPECT_EQ(r->views, (std::vector<std::string>{"user_stats", "txn_stats"}));
  const table::Table& t = r->table;
  ASSERT_EQ(t.num_rows(), 5);
  EXPECT_EQ(t.schema().ToString(),
            "user_id: int64, merchant: string, terminal: int64, event_timestamp: timestamp, "
            "amount: float64, count: int64, risk: float64");
  // Row 0: the tie at 01-01 goes to the higher created (11); row 1: 01-03 is older than the
  // 1d ttl; row 2: 01-02 is exactly event - ttl (inclusive); row 3: unknown keys; row 4:
  // 01-03 exactly at the ttl edge. txn_stats: two keys, unbounded, across both files.
  EXPECT_EQ(Doubles(t, "amount"),
            (std::vector<std::optional<double>>{11, std::nullopt, 20, std::nullopt, 30}));
  EXPECT_EQ(Doubles(t, "risk"),
            (std::vector<std::optional<double>>{0.5, 0.9, 0.7, std::nullopt, 0.5}));
  const table::Column* count = *t.ColumnByName("count");
  EXPECT_EQ(count->Int64s()[0], 2);
  EXPECT_TRUE(count->IsNull(1));
  // Entity columns are passed through untouched, in input order.
  EXPECT_EQ((*t.ColumnByName("merchant"))->StringAt(3), "m2");
}

TEST_F(HistoricalTest, ServiceAndFullFeatureNames) {
  HistoricalRequest req = Request({});
  req.service = "svc";
  req.full_feature_names = true;
  absl::StatusOr<HistoricalResult> r = GetHistoricalFeatures(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->table.schema().ToString(),
            "user_id: int64, merchant: string, terminal: int64, event_timestamp: timestamp, "
            "txn_stats__risk: float64, user_stats__amount: float64");
  EXPECT_EQ(r->features.size(), 2u);
}

TEST_F(HistoricalTest, OtherTimestampColumn) {
  entities_ = Entities({2}, {"m1"}, {2}, {"2024-01-02"});
  // Rename event_timestamp to "when".
  std::vector<table::Field> fields = entities_.schema().fields();
  fields[3].name = "when";
  std::vector<table::Column> columns;
  for (int i = 0; i < entities_.num_columns(); ++i) columns.push_back(entities_.column(i));
  entities_ = *table::Table::Make(table::Schema(fields), columns);
  HistoricalRequest req = Request({"user_stats:amount"});
  absl::StatusOr<HistoricalResult> r = GetHistoricalFeatures(req);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no timestamp column 'event_timestamp'"));
  req.timestamp_column = "when";
  r = GetHistoricalFeatures(req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Doubles(r->table, "amount"), (std::vector<std::optional<double>>{20}));
}

TEST_F(HistoricalTest, ErrorsNameTheProblem) {
  absl::StatusOr<HistoricalResult> r = GetHistoricalFeatures(Request({"user_stats:nope"}));
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("nope"));

  r = GetHistoricalFeatures(Request({"no_view:amount"}));
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();

  HistoricalRequest both = Request({"user_stats:amount"});
  both.service = "svc";
  EXPECT_TRUE(absl::IsInvalidArgument(GetHistoricalFeatures(both).status()));

  // A missing join key column of a multi-key entity.
  table::Table no_terminal =
      *entities_.Select(std::vector<std::string>{"user_id", "merchant", "event_timestamp"});
  HistoricalRequest req = Request({"txn_stats:risk"});
  req.entities = &no_terminal;
  r = GetHistoricalFeatures(req);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_THAT(r.status().message(),
              HasSubstr("no column 'terminal' (join key of entity 'txn', needed by feature "
                        "view 'txn_stats')"));

  // A join key of the wrong type.
  table::ColumnBuilder s(DataType::kString), e(DataType::kTimestamp);
  s.AppendString("1");
  e.AppendInt64(Ts("2024-01-02"));
  table::Table string_keys = *table::Table::Make(
      table::Schema({{"user_id", DataType::kString}, {"event_timestamp", DataType::kTimestamp}}),
      {s.Finish(), e.Finish()});
  req = Request({"user_stats:amount"});
  req.entities = &string_keys;
  r = GetHistoricalFeatures(req);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_THAT(r.status().message(), HasSubstr("entity set column 'user_id'"));
  EXPECT_THAT(r.status().message(), HasSubstr("declared int64"));

  // A name clash without full feature names.
  HistoricalRequest clash = Request({"user_stats:amount"});
  table::ColumnBuilder u(DataType::kInt64), a(DataType::kFloat64), ev(DataType::kTimestamp);
  u.AppendInt64(1);
  a.AppendFloat64(1);
  ev.AppendInt64(Ts("2024-01-02"));
  table::Table with_amount =
      *table::Table::Make(table::Schema({{"user_id", DataType::kInt64},
                                         {"amount", DataType::kFloat64},
                                         {"event_timestamp", DataType::kTimestamp}}),
                          {u.Finish(), a.Finish(), ev.Finish()});
  clash.entities = &with_amount;
  r = GetHistoricalFeatures(clash);
  EXPECT_THAT(r.status().message(), HasSubstr("output column 'amount'"));
  clash.full_feature_names = true;
  EXPECT_TRUE(GetHistoricalFeatures(clash).ok());

  // The pushdown engine on file sources.
  HistoricalRequest pg = Request({"user_stats:amount"});
  pg.engine = HistoricalEngine::kPostgres;
  r = GetHistoricalFeatures(pg);
  EXPECT_TRUE(absl::IsInvalidArgument(r.status()));
  EXPECT_THAT(r.status().message(), HasSubstr("a file source"));

  // Relative paths need a directory.
  HistoricalRequest no_dir = Request({"user_stats:amount"});
  no_dir.repository_directory.clear();
  EXPECT_THAT(GetHistoricalFeatures(no_dir).status().message(), HasSubstr("relative path"));
}

TEST_F(HistoricalTest, SourceProblemsAtRetrievalTime) {
  // The data changed after apply: a missing file, then a column of the wrong type.
  fs::remove(dir_ / "data" / "users.csv");
  absl::StatusOr<HistoricalResult> r = GetHistoricalFeatures(Request({"user_stats:amount"}));
  EXPECT_TRUE(absl::IsNotFound(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("users.csv does not exist"));

  Write("data/users.csv",
        "user_id,ts,created,amount_raw,count\n"
        "1,2024-01-01,2024-01-01,abc,1\n");
  r = GetHistoricalFeatures(Request({"user_stats:amount"}));
  EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
  EXPECT_THAT(r.status().message(),
              HasSubstr("feature 'amount' is declared float64 but column 'amount_raw' is string"));

  Write("data/txn/c.csv", "merchant,terminal,ts,risk\nm1,x,2024-01-05 00:00:00,0.9\n");
  r = GetHistoricalFeatures(Request({"txn_stats:risk"}));
  EXPECT_THAT(r.status().message(), HasSubstr("column 'terminal' is string but int64"));
}

TEST(HistoricalEngineTest, Parse) {
  EXPECT_EQ(*ParseHistoricalEngine("AUTO"), HistoricalEngine::kAuto);
  EXPECT_EQ(*ParseHistoricalEngine("memory"), HistoricalEngine::kMemory);
  EXPECT_EQ(*ParseHistoricalEngine("postgres"), HistoricalEngine::kPostgres);
  EXPECT_FALSE(ParseHistoricalEngine("duckdb").ok());
  EXPECT_EQ(HistoricalEngineName(HistoricalEngine::kPostgres), "postgres");
}

}  // namespace
}  // namespace strata::features
