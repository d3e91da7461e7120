// LiveFeatureServer over a real SQLite registry, LMDB under a temporary home and a private
// redis-server the test stops and starts.
#include "strata/features/live_feature_server.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/features/testing/test_redis.h"
#include "strata/store/testing/test_database.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;
using table::DataType;

FeatureRepository Repo(const std::string& project) {
  FeatureRepository repo;
  repo.config.project = project;
  repo.entities.push_back({"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}});
  DataSource src;
  src.name = "user_src";
  src.path = "data/users";
  src.timestamp_field = "ts";
  repo.sources.push_back(src);
  FeatureView view;
  view.name = "user_stats";
  view.entities = {"user"};
  view.source = "user_src";
  view.schema = {{"f1", DataType::kFloat64}};
  repo.feature_views.push_back(view);
  return repo;
}

// Polls `ready` for up to 10 s.
bool Eventually(const std::function<bool()>& ready) {
  for (int i = 0; i < 1000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class LiveFeatureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(store::Backend::kSqlite, &sqlite_path_, &skip);
    ASSERT_NE(db_, nullptr);
    absl::StatusOr<std::unique_ptr<FeatureRegistry>> r = FeatureRegistry::Open(db_.get(), nullptr);
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = std::move(*r);
    home_ = std::filesystem::temp_directory_path() / ("strata_live_" + NewId().substr(0, 12));
  }
  void TearDown() override {
    registry_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
    std::filesystem::remove_all(home_);
  }

  std::unique_ptr<LiveFeatureServer> Start(std::string project, std::string repo_dir = "") {
    LiveFeatureServerOptions options;
    options.project = std::move(project);
    options.home = home_.string();
    options.repository_directory = std::move(repo_dir);
    options.poll_interval_ms = 20;
    absl::StatusOr<std::unique_ptr<LiveFeatureServer>> live =
        LiveFeatureServer::Start(registry_.get(), options);
    EXPECT_TRUE(live.ok()) << live.status();
    return live.ok() ? std::move(*live) : nullptr;
  }

  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<FeatureRegistry> registry_;
  std::filesystem::path home_;
};

TEST_F(LiveFeatureServerTest, WaitsForAnApplyThenFollowsNewVersions) {
  std::unique_ptr<LiveFeatureServer> live = Start("demo");
  ASSERT_NE(live, nullptr);
  absl::StatusOr<LiveFeatureServer::Snapshot> none = live->Current();
  EXPECT_TRUE(absl::IsNotFound(none.status())) << none.status();
  EXPECT_THAT(none.status().message(), HasSubstr("run strata features apply"));

  ASSERT_TRUE(registry_->Apply(Repo("demo")).ok());
  ASSERT_TRUE(Eventually([&] { return live->Current().ok(); }));
  LiveFeatureServer::Snapshot v1 = live->Current().value();
  EXPECT_EQ(v1.server->registry_version(), 1);
  EXPECT_TRUE(std::filesystem::is_directory(home_ / "online.lmdb" / "demo"));

  FeatureRepository changed = Repo("demo");
  changed.feature_views[0].schema.push_back({"f2", DataType::kInt64});
  ASSERT_TRUE(registry_->Apply(changed).ok());
  ASSERT_TRUE(Eventually([&] { return live->Current()->server->registry_version() == 2; }));
  LiveFeatureServer::Snapshot v2 = live->Current().value();
  EXPECT_NE(v2.server->FindView("user_stats")->feature_index.count("f2"), 0u);
  // The old snapshot stays usable by whoever holds it; the store was not reopened.
  EXPECT_EQ(v1.server->FindView("user_stats")->feature_index.count("f2"), 0u);
  EXPECT_EQ(v1.store.get(), v2.store.get());
  EXPECT_EQ(live->CurrentServer().value().get(), v2.server.get());
}

TEST_F(LiveFeatureServerTest, DefaultProjectIsTheOnlyOne) {
  std::unique_ptr<LiveFeatureServer> live = Start("");
  ASSERT_NE(live, nullptr);
  EXPECT_THAT(live->Current().status().message(), HasSubstr("no feature project is applied"));
  ASSERT_TRUE(registry_->Apply(Repo("alpha")).ok());
  ASSERT_TRUE(live->Refresh().ok());
  EXPECT_EQ(live->Current().value().server->project(), "alpha");
  ASSERT_TRUE(registry_->Apply(Repo("beta")).ok());
  absl::Status several = live->Refresh();
  EXPECT_TRUE(absl::IsFailedPrecondition(several)) << several;
  EXPECT_THAT(several.message(), HasSubstr("alpha, beta"));
  EXPECT_THAT(several.message(), HasSubstr("--feature-project"));
  // A loaded version keeps serving while the choice is ambiguous.
  EXPECT_TRUE(live->Current().ok());
}

TEST_F(LiveFeatureServerTest, RepositoryDirectoryResolvesFileSources) {
  ASSERT_TRUE(registry_->Apply(Repo("demo")).ok());
  std::unique_ptr<LiveFeatureServer> live = Start("demo", "/tmp/some/repo");
  ASSERT_NE(live, nullptr);
  const FeatureRepository& defs = live->Current().value().server->definitions();
  EXPECT_EQ(defs.directory, "/tmp/some/repo");
  EXPECT_EQ(defs.FindSource("user_src")->resolved_path, "/tmp/some/repo/data/users");
  // Without it the snapshot has no paths (offline push then says what is missing).
  std::unique_ptr<LiveFeatureServer> bare = Start("demo");
  EXPECT_EQ(bare->Current().value().server->definitions().FindSource("user_src")->resolved_path,
            "");
}

TEST_F(LiveFeatureServerTest, RedisDownAtStartIsUnavailableThenRecovers) {
  testing::PrivateRedis redis;  // not started yet
  FeatureRepository repo = Repo("demo");
  repo.config.online_store = {"redis", redis.url()};
  ASSERT_TRUE(registry_->Apply(repo).ok());
  std::unique_ptr<LiveFeatureServer> live = Start("demo");
  ASSERT_NE(live, nullptr);
  absl::StatusOr<LiveFeatureServer::Snapshot> down = live->Current();
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  EXPECT_THAT(down.status().message(), HasSubstr(absl::StrCat(redis.port())));
  // The definitions are there without the store (offline-only pushes use them).
  EXPECT_TRUE(live->CurrentServer().ok());

  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE(Eventually([&] { return live->Current().ok(); }));
  EXPECT_THAT(live->Current()->store->Describe(), HasSubstr("redis://"));
}

}  // namespace
}  // namespace strata::features
