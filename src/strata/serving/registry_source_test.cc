#include "strata/serving/registry_source.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/serving/testing/registry_fixture.h"

namespace strata::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseModelUriTest, AliasVersionLatest) {
  auto alias = ParseModelUri("models:/churn@champion");
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_EQ(alias->name, "churn");
  EXPECT_EQ(alias->alias, "champion");
  EXPECT_TRUE(alias->follows());
  auto fixed = ParseModelUri("models:/team/churn/3");
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->name, "team/churn");
  EXPECT_EQ(fixed->version, 3);
  EXPECT_FALSE(fixed->follows());
  auto latest = ParseModelUri("models:/churn/latest");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_TRUE(latest->latest);
  EXPECT_TRUE(latest->follows());
}

TEST(ParseModelUriTest, RefusesMalformed) {
  for (const char* bad : {"runs:/abc/model", "models:/churn", "models:/@a", "models:/churn@",
                          "models:/churn/0", "models:/churn/x1", "models:/churn/", "models:/"}) {
    auto uri = ParseModelUri(bad);
    EXPECT_EQ(uri.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ParseModelUri("models:/churn/x1").status().message(), HasSubstr("'x1'"));
}

using RegistrySourceTest = testing::RegistryFixture;

TEST_F(RegistrySourceTest, ResolvesAliasVersionAndLatestN) {
  Register("churn", 1);
  Register("churn", 2);
  Register("churn", 3);
  SetAlias("churn", "champion", 2);
  auto alias = source_->Resolve(*ParseModelUri("models:/churn@champion"));
  ASSERT_TRUE(alias.ok()) << alias.status();
  EXPECT_THAT(*alias, ElementsAre(2));
  auto latest = source_->Resolve(*ParseModelUri("models:/churn/latest"), 2);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_THAT(*latest, ElementsAre(3, 2));
  EXPECT_EQ(source_->Resolve(*ParseModelUri("models:/churn@nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(source_->Resolve(*ParseModelUri("models:/churn/9")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(source_->Resolve(*ParseModelUri("models:/other/latest")).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RegistrySourceTest, FetchesIntoCacheAndLoads) {
  Register("a/b c", 4);
  auto model = source_->Load("a/b c", 1);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_DOUBLE_EQ(PredictOne(**model), 40.0);
  // Cached under an escaped folder, inside the cache root.
  const std::string dir = source_->CacheDir("a/b c", 1);
  EXPECT_THAT(dir, HasSubstr("a%2fb%20c"));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(dir) / "MLmodel.json"));
  // A damaged cache copy is fetched again.
  std::ofstream(std::filesystem::path(dir) / "predictor.json") << "garbage";
  auto again = source_->Load("a/b c", 1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_DOUBLE_EQ(PredictOne(**again), 40.0);
}

TEST_F(RegistrySourceTest, CorruptStoredPackageIsDataLoss) {
  Register("m", 1);
  CorruptLastPredictor();
  auto model = source_->Load("m", 1);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kDataLoss) << model.status();
  EXPECT_THAT(model.status().message(), HasSubstr("predictor.json"));
}

TEST_F(RegistrySourceTest, MissingPackageFilesAreNotFound) {
  ASSERT_TRUE(registry_->CreateRegisteredModel("m", "", {}).ok());
  registry::CreateModelVersionRequest request;
  request.name = "m";
  request.source = "blob:nowhere";
  ASSERT_TRUE(registry_->CreateModelVersion(request).ok());
  auto model = source_->Load("m", 1);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kNotFound) << model.status();
  EXPECT_THAT(model.status().message(), HasSubstr("no package files"));
}

}  // namespace
}  // namespace strata::serving
