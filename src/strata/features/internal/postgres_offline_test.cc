// The PostgreSQL pushdown engine against the memory engine on random data (ties on both
// timestamps, nulls everywhere, multi-column keys, several views, a query source with
// field_mapping, awkward strings), on a real PostgreSQL (STRATA_TEST_POSTGRES_URL; under
// CI=true a missing server fails).
#include "strata/features/internal/postgres_offline.h"

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/strings.h"
#include "strata/features/historical.h"
#include "strata/store/testing/test_database.h"

namespace strata::features::internal {
namespace {

using table::DataType;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kBase = 1704067200LL * 1000000;  // 2024-01-01

// The URL of this binary's test database, or "" after skipping / failing.
std::string TestUrl(bool* skip) {
  store::testing::PgDatabase& pg = store::testing::PgDatabase::Get();
  if (!pg.url().empty()) return pg.url();
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    ADD_FAILURE() << "PostgreSQL unavailable under CI=true: " << pg.error();
  } else {
    *skip = true;
  }
  return "";
}

std::string CellText(const table::Column& c, int64_t r) {
  if (c.IsNull(r)) return "null";
  switch (c.type()) {
    case DataType::kBool:
      return c.Bools()[static_cast<size_t>(r)] ? "true" : "false";
    case DataType::kFloat64:
      return absl::StrCat(c.Float64s()[static_cast<size_t>(r)]);
    case DataType::kString:
    case DataType::kCategory:
      return absl::StrCat("'", AsAbsl(c.StringAt(r)), "'");
    default:
      return absl::StrCat(c.Int64s()[static_cast<size_t>(r)]);
  }
}

void ExpectSameTables(const table::Table& a, const table::Table& b) {
  ASSERT_EQ(a.schema(), b.schema()) << a.schema().ToString() << " vs " << b.schema().ToString();
  ASSERT_EQ(a.num_rows(), b.num_rows());
  int mismatches = 0;
  for (int c = 0; c < a.num_columns(); ++c) {
    for (int64_t r = 0; r < a.num_rows() && mismatches < 10; ++r) {
      const std::string x = CellText(a.column(c), r), y = CellText(b.column(c), r);
      if (x != y) {
        ++mismatches;
        ADD_FAILURE() << "column " << a.schema().field(c).name << " row " << r << ": memory " << x
                      << ", postgres " << y;
      }
    }
  }
}

class PushdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bool skip = false;
    url_ = TestUrl(&skip);
    if (skip)
      GTEST_SKIP() << "PostgreSQL unavailable; run eval \"$(bash scripts/test-services.sh start)\"";
    if (url_.empty()) return;
    absl::StatusOr<std::unique_ptr<PgSession>> s = PgSession::Connect(url_);
    ASSERT_TRUE(s.ok()) << s.status();
    session_ = *std::move(s);
  }

  void Exec(const std::string& sql) {
    absl::Status s = session_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s << "\n" << sql.substr(0, 400);
  }

  std::string url_;
  std::unique_ptr<PgSession> session_;
};

struct Rng {
  std::mt19937 gen;
  bool Chance(double p) { return std::bernoulli_distribution(p)(gen); }
  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(gen);
  }
};

std::string TsLiteral(int64_t micros, bool with_zone) {
  return absl::StrCat(with_zone ? "TIMESTAMPTZ" : "TIMESTAMP", " 'epoch' + ", micros,
                      " * INTERVAL '1 microsecond'");
}

const char* const kMerchants[] = {"m1", "m\t2", "a\\b", "line\nbreak", "x'y\"z"};

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

FeatureRepository Definitions(const std::string& url) {
  FeatureRepository repo;
  repo.config.project = "pit";
  repo.config.offline_store = {"postgres", url};
  // Objects sorted by name, as LoadFeatureRepository leaves them (Find* rely on it).
  repo.entities.push_back({"terminal",
                           {{"merchant", DataType::kString}, {"terminal", DataType::kInt64}},
                           "",
                           {},
                           "",
                           {}});
  repo.entities.push_back({"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}});
  DataSource a;
  a.name = "a_src";
  a.type = SourceType::kPostgres;
  a.table = "public.hist_a";
  a.timestamp_field = "ts";
  a.created_timestamp_column = "created";
  DataSource b;
  b.name = "b_src";
  b.type = SourceType::kPostgres;
  b.table = "hist_b";
  b.timestamp_field = "event_time";
  DataSource c;
  c.name = "c_src";
  c.type = SourceType::kPostgres;
  c.query = "SELECT uid, ts, val FROM hist_c WHERE val IS DISTINCT FROM 'v-1'";
  c.timestamp_field = "ts";
  c.field_mapping = {{"uid", "user_id"}, {"val", "c_val"}};
  repo.sources = {a, b, c};
  FeatureView va;
  va.name = "a";
  va.entities = {"user"};
  va.source = "a_src";
  va.ttl_micros = 72 * kHour;
  va.schema = {{"fa", DataType::kFloat64},
               {"ia", DataType::kFloat64},
               {"sa", DataType::kString},
               {"na", DataType::kInt64}};
  FeatureView vb;
  vb.name = "b";
  vb.entities = {"terminal", "user"};
  vb.source = "b_src";
  vb.schema = {{"nb", DataType::kFloat64}, {"bb", DataType::kBool}, {"tb", DataType::kTimestamp}};
  FeatureView vc;
  vc.name = "c";
  vc.entities = {"user"};
  vc.source = "c_src";
  vc.ttl_micros = 24 * kHour;
  vc.schema = {{"c_val", DataType::kCategory}};
  repo.feature_views = {va, vb, vc};
  return repo;
}

TEST_F(PushdownTest, SameResultsAsTheMemoryEngine) {
  if (session_ == nullptr) return;
  const FeatureRepository defs = Definitions(url_);
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    Rng rng{std::mt19937(seed)};
    Exec("DROP TABLE IF EXISTS hist_a, hist_b, hist_c");
    Exec(
        "CREATE TABLE hist_a (user_id bigint, ts timestamptz, created timestamptz, "
        "fa double precision, ia integer, sa varchar(20), na bigint)");
    Exec(
        "CREATE TABLE hist_b (merchant text, terminal int, user_id bigint, event_time timestamp, "
        "nb numeric, bb boolean, tb timestamptz)");
    Exec("CREATE TABLE hist_c (uid bigint, ts timestamptz, val text)");
    std::vector<std::string> rows;
    auto maybe = [&](double p, const std::string& v) { return rng.Chance(p) ? "NULL" : v; };
    // Timestamps on a coarse grid (hours over 10 days) so that equal timestamps are common.
    for (int i = 0; i < 300; ++i) {
      rows.push_back(
          absl::StrCat("(", maybe(0.05, absl::StrCat(rng.Int(0, 6))), ", ",
                       maybe(0.03, TsLiteral(kBase + rng.Int(0, 240) / 4 * 4 * kHour, true)), ", ",
                       maybe(0.2, TsLiteral(kBase + rng.Int(0, 3) * kHour, true)), ", ",
                       maybe(0.1, absl::StrCat(rng.Int(0, 1000) / 8.0)), ", ",
                       maybe(0.1, absl::StrCat(rng.Int(-50, 50))), ", ",
                       maybe(0.1, SqlString(absl::StrCat("s", rng.Int(0, 9)))), ", ",
                       maybe(0.1, absl::StrCat(rng.Int(0, 1LL << 40))), ")"));
    }
    Exec(absl::StrCat("INSERT INTO hist_a VALUES ", absl::StrJoin(rows, ", ")));
    rows.clear();
    for (int i = 0; i < 300; ++i) {
      rows.push_back(absl::StrCat(
          "(", maybe(0.05, SqlString(kMerchants[rng.Int(0, 4)])), ", ",
          maybe(0.05, absl::StrCat(rng.Int(0, 2))), ", ", maybe(0.05, absl::StrCat(rng.Int(0, 3))),
          ", ", maybe(0.03, TsLiteral(kBase + rng.Int(0, 120) * 2 * kHour, false)), ", ",
          maybe(0.1, absl::StrCat(rng.Int(0, 100000) / 100.0)), ", ",
          maybe(0.1, rng.Chance(0.5) ? "true" : "false"), ", ",
          maybe(0.1, TsLiteral(kBase + rng.Int(0, 1000000) * 1000 + 7, true)), ")"));
    }
    Exec(absl::StrCat("INSERT INTO hist_b VALUES ", absl::StrJoin(rows, ", ")));
    rows.clear();
    // Query source: unique (uid, ts), since SQL leaves the order of full ties undefined there.
    for (int uid = 0; uid < 6; ++uid) {
      for (int h = 0; h < 240; h += static_cast<int>(rng.Int(1, 30))) {
        rows.push_back(absl::StrCat("(", uid, ", ", TsLiteral(kBase + h * kHour, true), ", ",
                                    maybe(0.1, SqlString(absl::StrCat("v", rng.Int(-1, 5)))), ")"));
      }
    }
    Exec(absl::StrCat("INSERT INTO hist_c VALUES ", absl::StrJoin(rows, ", ")));

    table::ColumnBuilder user(DataType::kInt64), merchant(DataType::kCategory),
        terminal(DataType::kInt64), event(DataType::kTimestamp), extra(DataType::kString);
    for (int i = 0; i < 400; ++i) {
      rng.Chance(0.05) ? user.AppendNull() : user.AppendInt64(rng.Int(0, 7));
      rng.Chance(0.05) ? merchant.AppendNull() : merchant.AppendString(kMerchants[rng.Int(0, 4)]);
      rng.Chance(0.05) ? terminal.AppendNull() : terminal.AppendInt64(rng.Int(0, 3));
      // Some events on the grid (ttl edges), some between it.
      rng.Chance(0.03) ? event.AppendNull()
                       : event.AppendInt64(kBase + rng.Int(-10, 260) * kHour +
                                           (rng.Chance(0.5) ? 0 : rng.Int(-1, 1)));
      extra.AppendString(absl::StrCat("row", i));
    }
    const table::Table entities = *table::Table::Make(
        table::Schema({{"user_id", DataType::kInt64},
                       {"merchant", DataType::kCategory},
                       {"terminal", DataType::kInt64},
                       {"event_timestamp", DataType::kTimestamp},
                       {"extra", DataType::kString}}),
        {user.Finish(), merchant.Finish(), terminal.Finish(), event.Finish(), extra.Finish()});

    HistoricalRequest request;
    request.definitions = &defs;
    request.entities = &entities;
    request.features = {"a:*", "b:*", "c:c_val"};
    request.full_feature_names = seed % 2 == 0;
    request.engine = HistoricalEngine::kMemory;
    absl::StatusOr<HistoricalResult> memory = GetHistoricalFeatures(request);
    ASSERT_TRUE(memory.ok()) << memory.status();
    request.engine = HistoricalEngine::kAuto;
    absl::StatusOr<HistoricalResult> pushdown = GetHistoricalFeatures(request);
    ASSERT_TRUE(pushdown.ok()) << pushdown.status();
    EXPECT_EQ(pushdown->engine, HistoricalEngine::kPostgres);
    ExpectSameTables(memory->table, pushdown->table);
    // The data must exercise matches and misses both.
    const table::Column& fa = memory->table.column(5);
    EXPECT_GT(fa.null_count(), 10);
    EXPECT_LT(fa.null_count(), 390);
  }
}

TEST_F(PushdownTest, ErrorsNameTableAndColumn) {
  if (session_ == nullptr) return;
  FeatureRepository defs = Definitions(url_);
  Exec("DROP TABLE IF EXISTS hist_a, hist_b, hist_c");
  Exec(
      "CREATE TABLE hist_a (user_id text, ts timestamptz, created timestamptz, fa float8, "
      "ia int, sa text, na bigint)");
  table::ColumnBuilder user(DataType::kInt64), event(DataType::kTimestamp);
  user.AppendInt64(1);
  event.AppendInt64(kBase);
  const table::Table entities = *table::Table::Make(
      table::Schema({{"user_id", DataType::kInt64}, {"event_timestamp", DataType::kTimestamp}}),
      {user.Finish(), event.Finish()});
  HistoricalRequest request;
  request.definitions = &defs;
  request.entities = &entities;
  request.features = {"a:fa"};
  for (HistoricalEngine engine : {HistoricalEngine::kMemory, HistoricalEngine::kPostgres}) {
    request.engine = engine;
    absl::StatusOr<HistoricalResult> r = GetHistoricalFeatures(request);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("table public.hist_a"));
    EXPECT_THAT(r.status().message(), HasSubstr("join key column 'user_id' is string"));
  }
  request.engine = HistoricalEngine::kPostgres;
  absl::StatusOr<HistoricalResult> r;
  defs.config.offline_store.connection_string = "postgresql://nobody@127.0.0.1:1/none";
  r = GetHistoricalFeatures(request);
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_THAT(r.status().message(), Not(HasSubstr("nobody@")));
}

}  // namespace
}  // namespace strata::features::internal
