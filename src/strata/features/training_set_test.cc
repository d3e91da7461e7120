#include "strata/features/training_set.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/sha256.h"
#include "strata/blob/artifact_store.h"
#include "strata/store/database.h"

namespace strata::features {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TrainingSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::path(::testing::TempDir()) /
           ("training_set_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = *store::Database::Open("sqlite://" + (dir_ / "strata.db").string());
    blobs_ = *blob::ArtifactStore::Open((dir_ / "blobs").string());
    datasets_ = *data::Datasets::Open(db_.get(), blobs_.get());
    std::ofstream(dir_ / "train.csv") << "user_id,event_timestamp,f1\n1,2024-01-01,0.5\n";
    std::ofstream(dir_ / "entities.csv") << "user_id,event_timestamp\n1,2024-01-01\n";
    version_.project = "demo";
    version_.version = 3;
    version_.object_versions = {{"feature_view:user_stats", 2}, {"feature_view:other", 3}};
    result_.views = {"user_stats"};
    result_.features = {{"user_stats", "f1"}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  SaveTrainingSetRequest Request() {
    SaveTrainingSetRequest r;
    r.dataset_name = "train";
    r.result_path = (dir_ / "train.csv").string();
    r.registry_version = &version_;
    r.result = &result_;
    r.timestamp_column = "event_timestamp";
    r.entities.file_path = (dir_ / "entities.csv").string();
    r.add_options.capture_git = false;
    return r;
  }

  std::set<std::pair<std::string, std::string>> Upstream(const std::string& dataset) {
    lineage::LineageStore& lineage = datasets_->lineage();
    std::optional<lineage::Artifact> a = *lineage.FindArtifact("Dataset", dataset);
    EXPECT_TRUE(a.has_value());
    std::set<std::pair<std::string, std::string>> out;
    if (!a) return out;
    lineage::LineageGraph g = *lineage.Trace(a->id, lineage::Direction::kUpstream);
    for (const lineage::Artifact& x : g.artifacts) out.insert({x.type, x.name});
    for (const lineage::Execution& e : g.executions) out.insert({"execution", e.type});
    return out;
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<blob::ArtifactStore> blobs_;
  std::unique_ptr<data::Datasets> datasets_;
  RegistryVersion version_;
  HistoricalResult result_;
};

TEST_F(TrainingSetTest, SavesAVersionWithLineageToViewsAndEntityFile) {
  absl::StatusOr<SavedTrainingSet> saved = SaveTrainingSet(*datasets_, Request());
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->version.name, "train");
  EXPECT_EQ(saved->version.version, 1);
  EXPECT_TRUE(saved->created);
  EXPECT_GT(saved->lineage_execution_id, 0);
  const std::string sha = Sha256Hex("user_id,event_timestamp\n1,2024-01-01\n");
  const auto up = Upstream("train@1");
  // The view at the version its definition last changed (2), not the registry's (3).
  EXPECT_TRUE(up.count({"FeatureView", "demo:user_stats@2"})) << up.size();
  EXPECT_TRUE(up.count({"EntitySet", "sha256:" + sha}));
  EXPECT_TRUE(up.count({"execution", "FeatureRetrieval"}));
  EXPECT_FALSE(up.count({"FeatureView", "demo:other@3"}));

  // The same bytes again: the newest version is reused, lineage recorded again.
  saved = SaveTrainingSet(*datasets_, Request());
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->version.version, 1);
  EXPECT_FALSE(saved->created);
}

TEST_F(TrainingSetTest, EntitySetFromADataset) {
  ASSERT_TRUE(datasets_->AddVersion("ents", (dir_ / "entities.csv").string(), {}).ok());
  SaveTrainingSetRequest r = Request();
  r.entities = {"ents@1", "", false};
  ASSERT_TRUE(SaveTrainingSet(*datasets_, r).ok());
  EXPECT_TRUE(Upstream("train@1").count({"Dataset", "ents@1"}));
}

TEST_F(TrainingSetTest, Errors) {
  SaveTrainingSetRequest r = Request();
  r.dataset_name = "../x";
  EXPECT_TRUE(absl::IsInvalidArgument(SaveTrainingSet(*datasets_, r).status()));
  r = Request();
  r.entities.file_path = (dir_ / "gone.csv").string();
  absl::StatusOr<SavedTrainingSet> s = SaveTrainingSet(*datasets_, r);
  EXPECT_TRUE(absl::IsNotFound(s.status())) << s.status();
  EXPECT_THAT(s.status().message(), HasSubstr("gone.csv"));
  // Nothing was added.
  EXPECT_FALSE(datasets_->GetVersion({"train", std::nullopt}).ok());
  r = Request();
  r.registry_version = nullptr;
  EXPECT_TRUE(absl::IsInvalidArgument(SaveTrainingSet(*datasets_, r).status()));
}

}  // namespace
}  // namespace strata::features
