// Materializer: the latest row per key in a window (ties as point_in_time.h), incremental
// windows and watermarks, records, profile and lineage; metadata on SQLite and PostgreSQL
// (STRATA_TEST_POSTGRES_URL), online store LMDB; a PostgreSQL source.
#include "strata/features/materialize.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/base/ids.h"
#include "strata/io/parquet_writer.h"
#include "strata/store/testing/test_database.h"
#include "strata/table/column.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;
using table::ColumnBuilder;
using table::DataType;

const auto* const kDropPg =
    ::testing::AddGlobalTestEnvironment(new store::testing::DropPgDatabase);

constexpr int64_t kNull = std::numeric_limits<int64_t>::min();

struct SourceRow {
  int64_t user = 0;  // kNull = null key
  int64_t ts = 0;    // kNull = null timestamp
  int64_t created = 0;  // kNull = null
  double f1 = 0;
  std::string f2;
};

table::Table MakeTable(const std::vector<SourceRow>& rows) {
  ColumnBuilder user(DataType::kInt64), ts(DataType::kTimestamp), created(DataType::kTimestamp),
      f1(DataType::kFloat64), f2(DataType::kString);
  for (const SourceRow& r : rows) {
    r.user == kNull ? user.AppendNull() : user.AppendInt64(r.user);
    r.ts == kNull ? ts.AppendNull() : ts.AppendInt64(r.ts);
    r.created == kNull ? created.AppendNull() : created.AppendInt64(r.created);
    f1.AppendFloat64(r.f1);
    r.f2.empty() ? f2.AppendNull() : f2.AppendString(r.f2);
  }
  auto t = table::Table::Make(
      table::Schema({{"uid", DataType::kInt64}, {"event_ts", DataType::kTimestamp},
                     {"created", DataType::kTimestamp}, {"f1", DataType::kFloat64},
                     {"f2", DataType::kString}}),
      {user.Finish(), ts.Finish(), created.Finish(), f1.Finish(), f2.Finish()});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

FeatureRepository Repo(const std::string& project) {
  FeatureRepository repo;
  repo.config.project = project;
  repo.entities.push_back({"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}});
  DataSource src;
  src.name = "src";
  src.path = "data";  // a directory of parquet files
  src.timestamp_field = "event_ts";
  src.created_timestamp_column = "created";
  src.field_mapping = {{"uid", "user_id"}};
  repo.sources.push_back(src);
  FeatureView view;
  view.name = "stats";
  view.entities = {"user"};
  view.source = "src";
  view.ttl_micros = int64_t{100} * 1000000;  // 100 s (durations have whole seconds)
  view.schema = {{"f1", DataType::kFloat64}, {"f2", DataType::kString}};
  repo.feature_views.push_back(view);
  FeatureView offline = view;
  offline.name = "offline_only";
  offline.online = false;
  // Objects are sorted by name (FindFeatureView relies on it).
  repo.feature_views.insert(repo.feature_views.begin(), offline);
  return repo;
}

class MaterializeTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(GetParam(), &sqlite_path_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(db_, nullptr);
    auto l = lineage::LineageStore::Open(db_.get());
    ASSERT_TRUE(l.ok()) << l.status();
    lineage_ = std::move(*l);
    auto m = Materializer::Open(db_.get(), lineage_.get());
    ASSERT_TRUE(m.ok()) << m.status();
    materializer_ = std::move(*m);
    project_ = "m" + NewId().substr(0, 10);
    dir_ = std::filesystem::temp_directory_path() / ("strata_mat_" + project_);
    std::filesystem::create_directories(dir_ / "data");
    auto online = OpenOnlineStore({"lmdb", ""}, (dir_ / "online").string());
    ASSERT_TRUE(online.ok()) << online.status();
    online_ = std::move(*online);
    FeatureRepository repo = Repo(project_);
    version_.project = project_;
    version_.version = 3;
    version_.snapshot_json = RepositoryToJson(repo);
    version_.object_versions = {{"feature_view:stats", 2}};
    options_.repo_directory = dir_.string();
  }
  void TearDown() override {
    online_.reset();
    materializer_.reset();
    lineage_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void WriteFile(const std::string& name, const std::vector<SourceRow>& rows) {
    ASSERT_TRUE(io::WriteParquetFile((dir_ / "data" / name).string(), MakeTable(rows)).ok());
  }

  // The stored record of a user, decoded; nullopt when absent.
  std::optional<OnlineRecord> Stored(int64_t user) {
    std::string key;
    AppendEntityKeyInt64(user, &key);
    std::vector<std::optional<std::string>> out;
    EXPECT_TRUE(online_->Read(OnlineViewKey(project_, "stats"), std::vector<std::string>{key}, &out).ok());
    if (!out[0]) return std::nullopt;
    auto r = DecodeOnlineRecord(*out[0]);
    EXPECT_TRUE(r.ok()) << r.status();
    return *r;
  }
  double F1(int64_t user) {
    auto r = Stored(user);
    EXPECT_TRUE(r.has_value()) << "user " << user;
    return r ? std::get<double>(r->values[0]) : -1;
  }

  std::unique_ptr<store::Database> db_;
  std::string sqlite_path_;
  std::unique_ptr<lineage::LineageStore> lineage_;
  std::unique_ptr<Materializer> materializer_;
  std::unique_ptr<OnlineStore> online_;
  std::string project_;
  std::filesystem::path dir_;
  RegistryVersion version_;
  MaterializeOptions options_;
};

TEST_P(MaterializeTest, LatestRowPerKeyInTheWindowWithTies) {
  WriteFile("a.parquet", {{1, 10, 0, 1.0, "a"},
                          {1, 30, 0, 2.0, "b"},        // latest for user 1 in [0, 50]
                          {1, 60, 0, 3.0, "c"},        // after the window
                          {2, 20, 5, 4.0, "d"},
                          {2, 20, 7, 5.0, "e"},        // same ts, higher created: wins
                          {2, 20, 6, 6.0, "f"},
                          {3, 40, kNull, 7.0, "g"},
                          {3, 40, 1, 8.0, ""},         // present created beats null; null f2
                          {kNull, 45, 0, 9.0, "h"},    // null key: skipped
                          {4, kNull, 0, 10.0, "i"}});  // null timestamp: skipped
  WriteFile("b.parquet", {{5, 15, 2, 11.0, "j"},
                          {5, 15, 2, 12.0, "k"}});     // full tie: last in source order
  auto runs = materializer_->Materialize(version_, online_.get(), 0, 50, options_);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);  // offline_only is not materialized
  const ViewMaterialization& m = (*runs)[0];
  EXPECT_EQ(m.view, "stats");
  EXPECT_EQ(m.rows_read, 12);
  EXPECT_EQ(m.rows_in_window, 9);
  EXPECT_EQ(m.keys_written, 4);
  EXPECT_EQ(m.registry_version, 3);
  EXPECT_EQ(F1(1), 2.0);
  EXPECT_EQ(F1(2), 5.0);
  EXPECT_EQ(F1(3), 8.0);
  EXPECT_FALSE(Stored(4).has_value());
  EXPECT_EQ(F1(5), 12.0);
  auto r3 = Stored(3);
  ASSERT_TRUE(r3.has_value());
  EXPECT_EQ(r3->event_ts_micros, 40);
  EXPECT_EQ(r3->created_ts_micros, 1);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r3->values[1]));
  EXPECT_EQ(std::get<std::string>(Stored(2)->values[1]), "e");

  // A later window writes newer rows; an earlier one afterwards never overwrites them.
  auto later = materializer_->Materialize(version_, online_.get(), 51, 100, options_);
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_EQ(F1(1), 3.0);
  auto again = materializer_->Materialize(version_, online_.get(), 0, 50, options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].skipped, 1);  // user 1's older row
  EXPECT_EQ((*again)[0].keys_written, 3);
  EXPECT_EQ(F1(1), 3.0);
}

// Keys spread too widely for the dense array: the hash map path, same rules.
TEST_P(MaterializeTest, SparseKeysUseTheSameRules) {
  const int64_t big = int64_t{1} << 40, neg = -(int64_t{1} << 50);
  WriteFile("a.parquet", {{big, 10, 0, 1.0, "a"}, {big, 20, 0, 2.0, "b"}, {neg, 5, 3, 3.0, "c"},
                          {neg, 5, 2, 4.0, "d"}, {7, 30, 0, 5.0, "e"}, {7, 30, 0, 6.0, "f"}});
  auto runs = materializer_->Materialize(version_, online_.get(), 0, 50, options_);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ((*runs)[0].keys_written, 3);
  EXPECT_EQ(F1(big), 2.0);
  EXPECT_EQ(F1(neg), 3.0);  // higher created
  EXPECT_EQ(F1(7), 6.0);    // full tie: last in source order
}

TEST_P(MaterializeTest, IncrementalWindowsAndWatermarks) {
  constexpr int64_t kS = 1000000;  // timestamps in seconds; the view's ttl is 100 s
  WriteFile("a.parquet", {{1, 100 * kS, 0, 1.0, "a"}, {1, 250 * kS, 0, 2.0, "b"},
                          {2, 300 * kS, 0, 3.0, "c"}, {3, 150 * kS, 0, 4.0, "d"},
                          {4, 99 * kS, 0, 5.0, "before the ttl"}});
  // First time: [end - ttl, end] = [100 s, 200 s].
  auto first = materializer_->MaterializeIncremental(version_, online_.get(), 200 * kS, options_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)[0].start_micros, 100 * kS);
  EXPECT_EQ((*first)[0].keys_written, 2);
  EXPECT_EQ(F1(1), 1.0);
  EXPECT_FALSE(Stored(2).has_value());
  EXPECT_FALSE(Stored(4).has_value());
  auto wm = materializer_->Watermark(project_, "stats");
  ASSERT_TRUE(wm.ok());
  EXPECT_EQ(*wm, 200 * kS);
  // Then (200 s, 300 s].
  auto second = materializer_->MaterializeIncremental(version_, online_.get(), 300 * kS, options_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0].start_micros, 200 * kS + 1);
  EXPECT_EQ((*second)[0].keys_written, 2);
  EXPECT_EQ(F1(1), 2.0);
  EXPECT_EQ(F1(2), 3.0);
  // A rerun with the same end: nothing to do, nothing recorded.
  auto rerun = materializer_->MaterializeIncremental(version_, online_.get(), 300 * kS, options_);
  ASSERT_TRUE(rerun.ok());
  EXPECT_EQ((*rerun)[0].id, 0);
  EXPECT_EQ((*rerun)[0].rows_read, 0);
  auto list = materializer_->ListMaterializations(project_, "stats");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].end_micros, 300 * kS);  // newest first
  EXPECT_EQ((*list)[1].end_micros, 200 * kS);
  // A full materialization of an older window does not move the watermark back.
  ASSERT_TRUE(materializer_->Materialize(version_, online_.get(), 0, 10, options_).ok());
  EXPECT_EQ(*materializer_->Watermark(project_, "stats"), 300 * kS);
}

TEST_P(MaterializeTest, RecordsProfileAndLineage) {
  WriteFile("a.parquet", {{1, 1, 0, 1.0, "a"}, {2, 2, 0, 3.0, "b"}, {3, 3, 0, 5.0, "b"}});
  auto runs = materializer_->Materialize(version_, online_.get(), 0, 10, options_);
  ASSERT_TRUE(runs.ok()) << runs.status();
  const ViewMaterialization& m = (*runs)[0];
  ASSERT_GT(m.id, 0);
  auto profile = materializer_->MaterializationProfile(m.id);
  ASSERT_TRUE(profile.ok());
  nlohmann::json p = nlohmann::json::parse(*profile);
  EXPECT_EQ(p["rows"], 3) << *profile;
  EXPECT_THAT(*profile, HasSubstr("\"f1\""));
  EXPECT_THAT(*profile, HasSubstr("\"f2\""));
  EXPECT_EQ(materializer_->MaterializationProfile(m.id + 1000).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_GT(m.lineage_execution_id, 0);
  auto execution = lineage_->GetExecution(m.lineage_execution_id);
  ASSERT_TRUE(execution.ok());
  EXPECT_EQ(execution->type, "FeatureMaterialization");
  auto events = lineage_->EventsOfExecution(m.lineage_execution_id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  auto artifact = lineage_->GetArtifact((*events)[0].artifact_id);
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ(artifact->type, "FeatureView");
  EXPECT_EQ(artifact->name, project_ + ":stats@2");  // the view's ObjectVersion
}

TEST_P(MaterializeTest, Errors) {
  WriteFile("a.parquet", {{1, 1, 0, 1.0, "a"}});
  EXPECT_EQ(materializer_->Materialize(version_, online_.get(), 10, 0, options_).status().code(),
            absl::StatusCode::kInvalidArgument);
  MaterializeOptions named = options_;
  named.views = {"nope"};
  EXPECT_THAT(materializer_->Materialize(version_, online_.get(), 0, 1, named).status().message(),
              HasSubstr("'nope'"));
  named.views = {"offline_only"};
  EXPECT_THAT(materializer_->Materialize(version_, online_.get(), 0, 1, named).status().message(),
              HasSubstr("online: false"));
  std::filesystem::remove_all(dir_ / "data");
  EXPECT_EQ(materializer_->Materialize(version_, online_.get(), 0, 1, options_).status().code(),
            absl::StatusCode::kNotFound);
  // A feature column of the wrong type names the view, column and types.
  std::filesystem::create_directories(dir_ / "data");
  ColumnBuilder uid(DataType::kInt64), ts(DataType::kTimestamp), created(DataType::kTimestamp),
      f1(DataType::kString), f2(DataType::kString);
  uid.AppendInt64(1);
  ts.AppendInt64(1);
  created.AppendInt64(1);
  f1.AppendString("x");
  f2.AppendString("y");
  auto t = table::Table::Make(
      table::Schema({{"uid", DataType::kInt64}, {"event_ts", DataType::kTimestamp},
                     {"created", DataType::kTimestamp}, {"f1", DataType::kString},
                     {"f2", DataType::kString}}),
      {uid.Finish(), ts.Finish(), created.Finish(), f1.Finish(), f2.Finish()});
  ASSERT_TRUE(io::WriteParquetFile((dir_ / "data" / "x.parquet").string(), *t).ok());
  absl::Status s = materializer_->Materialize(version_, online_.get(), 0, 1, options_).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("feature_view 'stats': feature 'f1'"));
  EXPECT_THAT(s.message(), HasSubstr("expected float64"));
}

// A PostgreSQL source on the test database itself (PostgreSQL backend only).
TEST_P(MaterializeTest, PostgresSource) {
  if (GetParam() != store::Backend::kPostgres) GTEST_SKIP() << "PostgreSQL only";
  const std::string table = "src_" + project_;
  ASSERT_TRUE(db_->Transaction([&](store::Connection& c) -> absl::Status {
                   absl::Status s = c.Execute(absl::StrCat(
                                        "CREATE TABLE ", table, " (uid BIGINT, event_ts "
                                        "TIMESTAMPTZ, created TIMESTAMP, f1 DOUBLE PRECISION, "
                                        "f2 TEXT)"))
                                        .status();
                   if (!s.ok()) return s;
                   return c.Execute(absl::StrCat(
                                        "INSERT INTO ", table, " VALUES "
                                        "(1, '2026-01-01T00:00:00Z', '2026-01-01', 1.5, 'a'), "
                                        "(1, '2026-01-02T00:00:00Z', '2026-01-01', 2.5, 'b'), "
                                        "(2, '2026-01-01T00:00:00.000001Z', NULL, 3, NULL), "
                                        "(2, '2027-01-01T00:00:00Z', NULL, 4, 'late')"))
                       .status();
                 })
                  .ok());
  FeatureRepository repo = Repo(project_);
  repo.config.offline_store = {"postgres", store::testing::PgDatabase::Get().url()};
  repo.sources[0].type = SourceType::kPostgres;
  repo.sources[0].path.clear();
  repo.sources[0].table = table;
  version_.snapshot_json = RepositoryToJson(repo);
  const int64_t jan1 = int64_t{1767225600} * 1000000;
  auto runs = materializer_->Materialize(version_, online_.get(), jan1, jan1 + int64_t{86400} * 1000000 * 2,
                                         options_);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ((*runs)[0].rows_read, 3);  // the 2027 row is outside the window's query
  EXPECT_EQ(F1(1), 2.5);
  EXPECT_EQ(F1(2), 3.0);
  EXPECT_EQ(Stored(2)->event_ts_micros, jan1 + 1);
  EXPECT_EQ(Stored(1)->created_ts_micros, jan1);
  ASSERT_TRUE(db_->Transaction([&](store::Connection& c) -> absl::Status {
                   return c.Execute("DROP TABLE " + table).status();
                 }).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, MaterializeTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace strata::features
