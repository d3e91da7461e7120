// DatasetStore against SQLite and PostgreSQL (STRATA_TEST_POSTGRES_URL).
#include "strata/data/dataset_store.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/store/testing/test_database.h"

namespace strata::data {
namespace {

using ::testing::HasSubstr;

const auto* const kDropPg =
    ::testing::AddGlobalTestEnvironment(new store::testing::DropPgDatabase);

class DatasetStoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(GetParam(), &sqlite_path_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(db_, nullptr);
    auto s = DatasetStore::Open(db_.get());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    ASSERT_TRUE(store::testing::ClearTables(
                    *db_, {"dataset_version_tags", "dataset_versions", "dataset_names"})
                    .ok());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
  }

  static DatasetVersion Make(const std::string& name, char hash_char) {
    DatasetVersion v;
    v.name = name;
    v.sha256 = std::string(64, hash_char);
    v.size_bytes = 123;
    v.source_path = "/data/" + name + ".csv";
    v.file_format = "csv";
    v.schema_json = R"([{"name":"a","type":"int64"}])";
    v.row_count = 7;
    v.profile_json = R"({"rows":7,"columns":[]})";
    v.created_by = "ana";
    v.created_at_ms = 1700000000000;
    v.description = "first cut";
    v.artifact_path = "datasets/" + name + "/sha256/" + v.sha256;
    return v;
  }

  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<DatasetStore> store_;
};

TEST_P(DatasetStoreTest, RoundTripsEveryField) {
  DatasetVersion v = Make("iris", 'a');
  v.git = GitInfo{std::string(40, 'c'), true, "/src/repo"};
  v.tags = {{"team", "ml"}, {"origin", "s3"}};
  auto r = store_->InsertVersion(v, true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->version.version, 1);
  auto got = store_->GetVersion("iris", 1);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->sha256, v.sha256);
  EXPECT_EQ(got->size_bytes, 123);
  EXPECT_EQ(got->source_path, v.source_path);
  EXPECT_EQ(got->file_format, "csv");
  EXPECT_EQ(got->schema_json, v.schema_json);
  EXPECT_EQ(got->row_count, 7);
  EXPECT_EQ(got->profile_json, v.profile_json);
  ASSERT_TRUE(got->git.has_value());
  EXPECT_EQ(*got->git, *v.git);
  EXPECT_EQ(got->created_by, "ana");
  EXPECT_EQ(got->created_at_ms, 1700000000000);
  EXPECT_EQ(got->description, "first cut");
  EXPECT_EQ(got->artifact_path, v.artifact_path);
  // Sorted by key.
  EXPECT_EQ(got->tags, (std::vector<DatasetTag>{{"origin", "s3"}, {"team", "ml"}}));
}

TEST_P(DatasetStoreTest, GitFieldsNullOutsideARepoAndForUnbornHead) {
  ASSERT_TRUE(store_->InsertVersion(Make("nogit", 'a'), true).ok());
  auto got = store_->GetVersion("nogit", 1);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->git.has_value());

  DatasetVersion unborn = Make("unborn", 'b');
  unborn.git = GitInfo{"", false, "/src/new"};
  ASSERT_TRUE(store_->InsertVersion(unborn, true).ok());
  got = store_->GetVersion("unborn", 1);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->git.has_value());
  EXPECT_EQ(got->git->commit, "");
  EXPECT_EQ(got->git->repo_path, "/src/new");
  // The commit column really is NULL, not ''.
  ASSERT_TRUE(db_->Read([](store::Connection& c) -> absl::Status {
                   auto row = c.QueryOne(
                       "SELECT git_commit FROM dataset_versions WHERE name = 'unborn'");
                   if (!row.ok()) return row.status();
                   EXPECT_TRUE((*row)->IsNull(0));
                   return absl::OkStatus();
                 })
                  .ok());
}

TEST_P(DatasetStoreTest, VersionsIncrementAndIdenticalLatestIsReused) {
  ASSERT_EQ(store_->InsertVersion(Make("d", 'a'), true)->version.version, 1);
  ASSERT_EQ(store_->InsertVersion(Make("d", 'b'), true)->version.version, 2);
  // Same bytes as the latest: returned, not added.
  auto same = store_->InsertVersion(Make("d", 'b'), true);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->version.version, 2);
  // Same bytes as an older version: a new version.
  EXPECT_EQ(store_->InsertVersion(Make("d", 'a'), true)->version.version, 3);
  // Forced: a new version even when identical to the latest.
  auto forced = store_->InsertVersion(Make("d", 'a'), false);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->created);
  EXPECT_EQ(forced->version.version, 4);
  // Another name numbers on its own.
  EXPECT_EQ(store_->InsertVersion(Make("e", 'a'), true)->version.version, 1);

  auto list = store_->ListVersions("d");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*list)[i].version, i + 1);
  auto latest = store_->GetLatest("d");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 4);
}

TEST_P(DatasetStoreTest, ListDatasetsGivesLatestAndCount) {
  ASSERT_TRUE(store_->InsertVersion(Make("b", 'a'), true).ok());
  ASSERT_TRUE(store_->InsertVersion(Make("a", 'a'), true).ok());
  ASSERT_TRUE(store_->InsertVersion(Make("b", 'c'), true).ok());
  auto all = store_->ListDatasets();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[0].version_count, 1);
  EXPECT_EQ((*all)[1].name, "b");
  EXPECT_EQ((*all)[1].version_count, 2);
  EXPECT_EQ((*all)[1].latest.version, 2);
  EXPECT_EQ((*all)[1].latest.sha256, std::string(64, 'c'));
}

TEST_P(DatasetStoreTest, NotFoundNamesDatasetAndVersion) {
  auto missing = store_->GetVersion("nope", 1);
  ASSERT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("Dataset 'nope' does not exist"));
  ASSERT_TRUE(store_->InsertVersion(Make("d", 'a'), true).ok());
  auto v9 = store_->GetVersion("d", 9);
  ASSERT_TRUE(absl::IsNotFound(v9.status()));
  EXPECT_THAT(v9.status().message(), HasSubstr("has no version 9"));
  EXPECT_TRUE(absl::IsNotFound(store_->ListVersions("nope").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetLatest("nope").status()));
}

TEST_P(DatasetStoreTest, RejectsMalformedRows) {
  DatasetVersion v = Make("d", 'a');
  v.sha256 = "abc";
  EXPECT_TRUE(absl::IsInvalidArgument(store_->InsertVersion(v, true).status()));
  v = Make("", 'a');
  EXPECT_TRUE(absl::IsInvalidArgument(store_->InsertVersion(v, true).status()));
  v = Make("d", 'a');
  v.tags = {{"k", "1"}, {"k", "2"}};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->InsertVersion(v, true).status()));
  // The failed insert left nothing behind.
  EXPECT_TRUE(absl::IsNotFound(store_->GetLatest("d").status()));
}

TEST_P(DatasetStoreTest, ConcurrentAddersGetDistinctVersions) {
  constexpr int kThreads = 4;
  constexpr int kEach = 5;
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> got(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Distinct contents so nothing is deduplicated.
        DatasetVersion v = Make("race", 'a');
        v.sha256 = std::string(62, 'a') + static_cast<char>('a' + t) + static_cast<char>('a' + i);
        auto r = store_->InsertVersion(v, true);
        ASSERT_TRUE(r.ok()) << r.status();
        got[t].push_back(r->version.version);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::vector<int64_t> all;
  for (const auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int64_t>(i + 1));
}

TEST_P(DatasetStoreTest, MigrationIsRecordedAndReopenIsIdempotent) {
  auto again = DatasetStore::Open(db_.get());
  ASSERT_TRUE(again.ok()) << again.status();
  auto version = db_->SchemaVersion("datasets");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatasetStoreTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace strata::data
