// FeaturePusher over a real LMDB store, a real directory source and (when
// STRATA_TEST_POSTGRES_URL is set) a real PostgreSQL table.
#include "strata/features/online_push.h"

#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/io/read_table.h"
#include "strata/store/testing/test_database.h"

namespace strata::features {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using table::DataType;

constexpr int64_t kTs = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

FeatureRepository Repo(const std::filesystem::path& dir) {
  FeatureRepository repo;
  repo.directory = dir.string();
  repo.config.project = "push_demo";
  repo.entities.push_back({"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}});
  DataSource batch;
  batch.name = "user_src";
  batch.path = "data/users";
  batch.resolved_path = (dir / "data" / "users").string();
  batch.timestamp_field = "event_ts";
  batch.created_timestamp_column = "created";
  batch.field_mapping = {{"amt", "amount"}};
  DataSource single = batch;
  single.name = "single_src";
  single.path = "data/one.parquet";
  single.resolved_path = (dir / "data" / "one.parquet").string();
  DataSource push;
  push.name = "user_push";
  push.type = SourceType::kPush;
  push.batch_source = "user_src";
  DataSource push_single = push;
  push_single.name = "single_push";
  push_single.batch_source = "single_src";
  repo.sources = {push_single, single, push, batch};  // sorted by name, as loaded
  FeatureView view;
  view.name = "user_stats";
  view.entities = {"user"};
  view.source = "user_push";
  view.schema = {{"amount", DataType::kFloat64}, {"label", DataType::kString},
                 {"flag", DataType::kBool}, {"seen", DataType::kTimestamp}};
  FeatureView single_view = view;
  single_view.name = "single_stats";
  single_view.source = "single_push";
  repo.feature_views = {single_view, view};
  return repo;
}

PushColumn Ints(std::string name, std::vector<int64_t> v) {
  PushColumn c{std::move(name), {}};
  for (int64_t x : v) c.values.emplace_back(x);
  return c;
}
PushColumn Strings(std::string name, std::vector<std::string> v) {
  PushColumn c{std::move(name), {}};
  for (std::string& x : v) c.values.emplace_back(std::move(x));
  return c;
}

class OnlinePushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("strata_push_" + NewId().substr(0, 12));
    std::filesystem::create_directories(dir_ / "data" / "users");
    absl::StatusOr<std::unique_ptr<OnlineStore>> store =
        OpenOnlineStore({"lmdb", ""}, (dir_ / "online").string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    absl::StatusOr<std::unique_ptr<const FeatureServer>> server =
        FeatureServer::Create(Repo(dir_), 1);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  PushRequest Good(PushTarget to = PushTarget::kOnline) {
    PushRequest r;
    r.push_source_name = "user_push";
    r.to = to;
    r.columns.push_back(Ints("user_id", {1, 2}));
    r.columns.push_back(
        Strings("event_ts", {"2026-01-01T00:00:00Z", "2026-01-01 00:00:01.5"}));
    r.columns.push_back({"amount", {int64_t{3}, 2.5}});  // an integer is fine for float64
    r.columns.push_back({"label", {std::string("a"), std::monostate{}}});
    r.columns.push_back({"flag", {true, false}});
    r.columns.push_back(Strings("seen", {"2025-12-31T00:00:00Z", "2025-12-31T00:00:00+01:00"}));
    return r;
  }

  OnlineFeaturesResponse Read(std::vector<int64_t> ids) {
    OnlineFeaturesRequest request;
    request.features = {"user_stats:*"};
    request.entities.push_back(EntityKeyColumn{"user_id", {}});
    for (int64_t id : ids) request.entities[0].values.emplace_back(id);
    absl::StatusOr<OnlineFeaturesResponse> r =
        server_->GetOnlineFeatures(*store_, request, kTs + 1000);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : OnlineFeaturesResponse{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<OnlineStore> store_;
  std::unique_ptr<const FeatureServer> server_;
  FeaturePusher pusher_;
};

TEST_F(OnlinePushTest, OnlinePushIsReadBack) {
  absl::StatusOr<PushResult> pushed = pusher_.Push(*server_, store_.get(), Good());
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->rows, 2);
  ASSERT_EQ(pushed->views.size(), 1u);
  EXPECT_EQ(pushed->views[0].view, "user_stats");
  EXPECT_EQ(pushed->views[0].stats.written, 2);
  EXPECT_EQ(pushed->offline_location, "");
  OnlineFeaturesResponse r = Read({1, 2, 3});
  ASSERT_EQ(r.columns.size(), 5u);
  EXPECT_THAT(r.columns[1].values, ElementsAre(OnlineValue{3.0}, OnlineValue{2.5}, OnlineValue{}));
  EXPECT_THAT(r.columns[1].event_ts_micros, ElementsAre(kTs, kTs + 1'500'000, 0));
  EXPECT_THAT(r.columns[2].statuses, ElementsAre(FeatureStatus::kPresent,
                                                 FeatureStatus::kNullValue,
                                                 FeatureStatus::kNotFound));
  EXPECT_THAT(r.columns[4].values,
              ElementsAre(OnlineValue{OnlineTimestamp{kTs - 86'400'000'000}},
                          OnlineValue{OnlineTimestamp{kTs - 86'400'000'000 - 3'600'000'000}},
                          OnlineValue{}));
  // An older push is skipped, not written over the newer row.
  PushRequest older = Good();
  older.columns[1] = Strings("event_ts", {"2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"});
  older.columns[2] = {"amount", {0.0, 0.0}};
  pushed = pusher_.Push(*server_, store_.get(), older);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->views[0].stats.skipped_older, 2);
  EXPECT_THAT(Read({1}).columns[1].values, ElementsAre(OnlineValue{3.0}));
}

TEST_F(OnlinePushTest, OfflinePushWritesAParquetFileIntoTheDirectory) {
  PushRequest request = Good(PushTarget::kOffline);
  request.columns.push_back(Strings("created", {"2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z"}));
  absl::StatusOr<PushResult> pushed = pusher_.Push(*server_, store_.get(), request);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_TRUE(pushed->views.empty());
  EXPECT_THAT(pushed->offline_location, HasSubstr((dir_ / "data" / "users" / "push-").string()));
  absl::StatusOr<table::Table> t = io::ReadTable(pushed->offline_location);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 2);
  // field_mapping reversed: the feature "amount" is the file's column "amt".
  EXPECT_EQ(t->schema().ToString(),
            "event_ts: timestamp, created: timestamp, user_id: int64, amt: float64, "
            "label: string, flag: bool, seen: timestamp");
  EXPECT_THAT(t->column(0).Int64s(), ElementsAre(kTs, kTs + 1'500'000));
  EXPECT_THAT(t->column(3).Float64s(), ElementsAre(3.0, 2.5));
  EXPECT_TRUE(t->column(4).IsNull(1));
  // Offline only: nothing online.
  EXPECT_THAT(Read({1}).columns[1].statuses, ElementsAre(FeatureStatus::kNotFound));

  // Both: a second file, and online.
  pushed = pusher_.Push(*server_, store_.get(), Good(PushTarget::kOnlineAndOffline));
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->views.size(), 1u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data" / "users")) {
    EXPECT_EQ(entry.path().extension(), ".parquet") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 2);
  EXPECT_THAT(Read({1}).columns[1].statuses, ElementsAre(FeatureStatus::kPresent));
}

TEST_F(OnlinePushTest, OfflinePushNeedsADirectoryOrPostgres) {
  PushRequest request = Good(PushTarget::kOffline);
  request.push_source_name = "single_push";
  absl::Status single = pusher_.Push(*server_, store_.get(), request).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(single)) << single;
  EXPECT_THAT(single.message(), HasSubstr("needs a directory or postgres source"));

  FeatureRepository no_dir = Repo(dir_);
  for (DataSource& s : no_dir.sources) s.resolved_path.clear();
  std::unique_ptr<const FeatureServer> server = FeatureServer::Create(no_dir, 1).value();
  absl::Status unknown_dir = pusher_.Push(*server, store_.get(), Good(PushTarget::kOffline)).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(unknown_dir)) << unknown_dir;
  EXPECT_THAT(unknown_dir.message(), HasSubstr("--feature-repo"));
}

TEST_F(OnlinePushTest, BadPushesNameColumnAndRowAndWriteNothing) {
  struct Case {
    std::function<void(PushRequest&)> edit;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](PushRequest& r) { r.push_source_name = "nope"; }, absl::StatusCode::kNotFound,
       "unknown push source 'nope'"},
      {[](PushRequest& r) { r.push_source_name = "user_src"; }, absl::StatusCode::kNotFound,
       "unknown push source 'user_src'"},
      {[](PushRequest& r) { r.columns.erase(r.columns.begin()); },
       absl::StatusCode::kInvalidArgument, "lacks column 'user_id'"},
      {[](PushRequest& r) { r.columns.erase(r.columns.begin() + 3); },
       absl::StatusCode::kInvalidArgument, "lacks column 'label' (a feature of feature view"},
      {[](PushRequest& r) { r.columns.push_back(Ints("bogus", {1, 2})); },
       absl::StatusCode::kInvalidArgument, "column 'bogus' is not a join key, feature"},
      {[](PushRequest& r) { r.columns[0] = Strings("user_id", {"1", "2"}); },
       absl::StatusCode::kInvalidArgument, "column 'user_id' row 0: expected an integer join key"},
      {[](PushRequest& r) { r.columns[0].values[1] = std::monostate{}; },
       absl::StatusCode::kInvalidArgument, "column 'user_id' row 1: expected an integer join key, got null"},
      {[](PushRequest& r) { r.columns[1].values[1] = std::string("soon"); },
       absl::StatusCode::kInvalidArgument, "column 'event_ts' row 1: 'soon' is not an RFC 3339"},
      {[](PushRequest& r) { r.columns[1].values[0] = std::monostate{}; },
       absl::StatusCode::kInvalidArgument, "column 'event_ts' row 0: the timestamp is null"},
      {[](PushRequest& r) { r.columns[2].values[1] = std::string("x"); },
       absl::StatusCode::kInvalidArgument, "column 'amount' row 1: expected a number, got a string"},
      {[](PushRequest& r) { r.columns[4].values[0] = int64_t{1}; },
       absl::StatusCode::kInvalidArgument, "column 'flag' row 0: expected a boolean"},
      {[](PushRequest& r) { r.columns[3].values.pop_back(); },
       absl::StatusCode::kInvalidArgument, "unequal lengths"},
      {[](PushRequest& r) { r.columns.push_back(r.columns[0]); },
       absl::StatusCode::kInvalidArgument, "'user_id' is given twice"},
      {[](PushRequest& r) { for (PushColumn& c : r.columns) c.values.clear(); },
       absl::StatusCode::kInvalidArgument, "no rows"},
      {[](PushRequest& r) { r.columns.clear(); }, absl::StatusCode::kInvalidArgument,
       "no columns"},
  };
  for (const Case& c : cases) {
    PushRequest request = Good(PushTarget::kOnlineAndOffline);
    c.edit(request);
    absl::Status status = pusher_.Push(*server_, store_.get(), request).status();
    EXPECT_EQ(status.code(), c.code) << c.message << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  EXPECT_THAT(Read({1, 2}).columns[1].statuses,
              ElementsAre(FeatureStatus::kNotFound, FeatureStatus::kNotFound));
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "data" / "users"));
}

TEST_F(OnlinePushTest, OfflinePushInsertsIntoAPostgresTable) {
  store::testing::PgDatabase& pg = store::testing::PgDatabase::Get();
  if (pg.url().empty()) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true") FAIL() << "PostgreSQL required: " << pg.error();
    GTEST_SKIP() << "PostgreSQL unavailable: " << pg.error();
  }
  const std::string table = "push_" + NewId().substr(0, 10);
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(pg.url());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Transaction([&](store::Connection& c) {
                     return c.Execute(absl::StrCat("CREATE TABLE ", table,
                                                   " (event_ts timestamptz, created timestamptz, "
                                                   "user_id bigint, amt double precision, "
                                                   "label text, flag boolean, seen timestamptz)"))
                         .status();
                   }).ok());
  FeatureRepository repo = Repo(dir_);
  repo.config.offline_store = {"postgres", pg.url()};
  for (DataSource& s : repo.sources) {
    if (s.name == "user_src") {
      s.type = SourceType::kPostgres;
      s.table = table;
      s.path.clear();
      s.resolved_path.clear();
    }
  }
  std::unique_ptr<const FeatureServer> server = FeatureServer::Create(repo, 1).value();
  absl::StatusOr<PushResult> pushed = pusher_.Push(*server, store_.get(), Good(PushTarget::kOffline));
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(pushed->offline_location, absl::StrCat("postgres table ", table));
  ASSERT_TRUE((*db)->Read([&](store::Connection& c) -> absl::Status {
                     absl::StatusOr<std::vector<store::Row>> rows = c.Query(absl::StrCat(
                         "SELECT user_id, amt, label, flag::int, "
                         "(extract(epoch from event_ts) * 1000000)::bigint FROM ",
                         table, " ORDER BY user_id"));
                     if (!rows.ok()) return rows.status();
                     EXPECT_EQ(rows->size(), 2u);
                     if (rows->size() != 2) return absl::OkStatus();
                     EXPECT_EQ((*rows)[0].GetInt(0), 1);
                     EXPECT_EQ((*rows)[0].GetDouble(1), 3.0);
                     EXPECT_EQ((*rows)[0].GetString(2), "a");
                     EXPECT_EQ((*rows)[0].GetInt(3), 1);
                     EXPECT_EQ((*rows)[0].GetInt(4), kTs);
                     EXPECT_TRUE((*rows)[1].IsNull(2));
                     EXPECT_EQ((*rows)[1].GetInt(4), kTs + 1'500'000);
                     return absl::OkStatus();
                   }).ok());
}

TEST(PushTargetTest, Parses) {
  EXPECT_EQ(ParsePushTarget("online").value(), PushTarget::kOnline);
  EXPECT_EQ(ParsePushTarget("offline").value(), PushTarget::kOffline);
  EXPECT_EQ(ParsePushTarget("online_and_offline").value(), PushTarget::kOnlineAndOffline);
  EXPECT_THAT(ParsePushTarget("both").status().message(), HasSubstr("'both'"));
}

}  // namespace
}  // namespace strata::features
