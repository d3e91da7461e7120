// A registry, blob store and package cache in a temp folder for the registry_source and
// registry_watcher tests, with versions whose predictions say which version answered: version
// k of a model predicts 10 * k * a for inputs {a: float64}.
#ifndef STRATA_SERVING_TESTING_REGISTRY_FIXTURE_H_
#define STRATA_SERVING_TESTING_REGISTRY_FIXTURE_H_

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "strata/blob/artifact_store.h"
#include "strata/data/testing/transform_tables.h"
#include "strata/models/linear_predictor.h"
#include "strata/models/model_package.h"
#include "strata/registry/model_registry.h"
#include "strata/serving/registry_source.h"
#include "strata/store/database.h"
#include "strata/store/testing/test_database.h"

namespace strata::serving::testing {

class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("registry_fixture_", getpid(), "_", counter_++);
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    std::string sqlite_path, skip;
    db_ = store::testing::OpenTestDatabase(store::Backend::kSqlite, &sqlite_path, &skip);
    ASSERT_NE(db_, nullptr);
    auto registry = registry::ModelRegistry::Open(db_.get());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::move(*registry);
    auto blobs = blob::ArtifactStore::Open((root_ / "blobs").string());
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    blobs_ = std::move(*blobs);
    // Test sources are "blob:FOLDER".
    source_ = std::make_unique<RegistrySource>(
        registry_.get(), blobs_.get(),
        [](const registry::ModelVersion& v) -> absl::StatusOr<std::string> {
          if (v.source.rfind("blob:", 0) != 0) return absl::InvalidArgumentError(v.source);
          return v.source.substr(5);
        },
        (root_ / "cache").string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Writes version `k`'s package (predicts 10 * k * a), uploads it and registers it.
  int64_t Register(const std::string& name, int k) {
    models::Manifest m;
    m.name = name;
    m.flavor = "linear";
    m.task = models::Task::kRegression;
    m.signature.inputs = {{"a", models::ValueType::kFloat64, false}};
    m.signature.outputs = {{"prediction", models::ValueType::kFloat64, false}};
    m.feature_names = {"a"};
    auto predictor =
        models::LinearPredictor::Create(models::Task::kRegression, 1, {10.0 * k}, {0.0});
    EXPECT_TRUE(predictor.ok()) << predictor.status();
    const std::filesystem::path dir = root_ / absl::StrCat("pkg_", name, "_", k, "_", uploads_++);
    absl::Status written = models::WritePackage(dir.string(), m, **predictor, nullptr);
    EXPECT_TRUE(written.ok()) << written;
    const std::string folder = absl::StrCat("pkgs/", name, "/", uploads_);
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      auto put = blobs_->PutFile(absl::StrCat(folder, "/", e.path().filename().string()),
                                 e.path().string());
      EXPECT_TRUE(put.ok()) << put.status();
    }
    if (!registry_->GetRegisteredModel(name).ok()) {
      EXPECT_TRUE(registry_->CreateRegisteredModel(name, "", {}).ok());
    }
    registry::CreateModelVersionRequest request;
    request.name = name;
    request.source = absl::StrCat("blob:", folder);
    auto version = registry_->CreateModelVersion(request);
    EXPECT_TRUE(version.ok()) << version.status();
    last_folder_ = folder;
    return version.ok() ? version->version : 0;
  }

  // Overwrites one stored file of the last registered version with other bytes (checksums
  // no longer match).
  void CorruptLastPredictor() {
    auto put = blobs_->Put(absl::StrCat(last_folder_, "/predictor.json"), "{\"broken\":1}");
    EXPECT_TRUE(put.ok()) << put.status();
  }

  void SetAlias(const std::string& name, const std::string& alias, int64_t version) {
    absl::Status s = registry_->SetRegisteredModelAlias(name, alias, version, "test");
    ASSERT_TRUE(s.ok()) << s;
  }

  // The model's prediction for a = 1.
  static double PredictOne(const models::Model& model) {
    table::Table t = data::testing::MakeTable({{"a", data::testing::Floats({1.0})}});
    auto p = model.Predict(t);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? p->values[0] : -1;
  }

  std::filesystem::path root_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<blob::ArtifactStore> blobs_;
  std::unique_ptr<RegistrySource> source_;
  std::string last_folder_;
  int uploads_ = 0;
  static inline int counter_ = 0;
};

}  // namespace strata::serving::testing

#endif  // STRATA_SERVING_TESTING_REGISTRY_FIXTURE_H_
