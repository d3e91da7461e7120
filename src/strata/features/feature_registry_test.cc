// FeatureRegistry against both backends (PostgreSQL from STRATA_TEST_POSTGRES_URL).
#include "strata/features/feature_registry.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/store/testing/test_database.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;
using table::DataType;

const auto* const kDropPg =
    ::testing::AddGlobalTestEnvironment(new store::testing::DropPgDatabase);

FeatureRepository Demo() {
  FeatureRepository repo;
  repo.config.project = "demo";
  repo.entities.push_back({"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}});
  DataSource src;
  src.name = "user_src";
  src.path = "data/users.parquet";
  src.timestamp_field = "ts";
  repo.sources.push_back(src);
  FeatureView view;
  view.name = "user_stats";
  view.entities = {"user"};
  view.source = "user_src";
  view.ttl_micros = int64_t{86400} * 1000000;
  view.schema = {{"f1", DataType::kFloat64}, {"f2", DataType::kFloat64}};
  repo.feature_views.push_back(view);
  FeatureService service;
  service.name = "fraud_v1";
  service.features = {"user_stats:f1"};
  repo.feature_services.push_back(service);
  return repo;
}

class FeatureRegistryTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(GetParam(), &sqlite_path_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(db_, nullptr);
    absl::StatusOr<std::unique_ptr<lineage::LineageStore>> l = lineage::LineageStore::Open(db_.get());
    ASSERT_TRUE(l.ok()) << l.status();
    lineage_ = std::move(*l);
    absl::StatusOr<std::unique_ptr<FeatureRegistry>> r = FeatureRegistry::Open(db_.get(), lineage_.get());
    ASSERT_TRUE(r.ok()) << r.status();
    registry_ = std::move(*r);
    ASSERT_TRUE(store::testing::ClearTables(
                    *db_, {"feature_registry_versions", "lineage_events", "lineage_attributions",
                           "lineage_associations", "lineage_artifacts", "lineage_executions",
                           "lineage_contexts"})
                    .ok());
  }
  void TearDown() override {
    registry_.reset();
    lineage_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
  }

  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<lineage::LineageStore> lineage_;
  std::unique_ptr<FeatureRegistry> registry_;
};

TEST_P(FeatureRegistryTest, PlanApplyAndNoOpReapply) {
  absl::StatusOr<RegistryPlan> plan = registry_->Plan(Demo());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->current_version, 0);
  EXPECT_EQ(FormatPlan(*plan),
            "+ config demo\n+ entity user\n+ source user_src\n+ feature_view user_stats\n"
            "+ feature_service fraud_v1\n");
  absl::StatusOr<ApplyResult> applied = registry_->Apply(Demo());
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(applied->applied);
  EXPECT_EQ(applied->version, 1);
  plan = registry_->Plan(Demo());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->empty());
  EXPECT_EQ(plan->current_version, 1);
  applied = registry_->Apply(Demo());
  ASSERT_TRUE(applied.ok());
  EXPECT_FALSE(applied->applied);
  EXPECT_EQ(applied->version, 1);
  EXPECT_EQ(registry_->ListVersions("demo")->size(), 1u);
}

TEST_P(FeatureRegistryTest, ListProjectsGivesTheNewestVersionOfEach) {
  EXPECT_TRUE(registry_->ListProjects()->empty());
  ASSERT_TRUE(registry_->Apply(Demo()).ok());
  FeatureRepository changed = Demo();
  changed.feature_views[0].ttl_micros = int64_t{7} * 86400 * 1000000;
  ASSERT_TRUE(registry_->Apply(changed).ok());
  FeatureRepository other = Demo();
  other.config.project = "another";
  ASSERT_TRUE(registry_->Apply(other).ok());
  absl::StatusOr<std::vector<RegistryVersion>> projects = registry_->ListProjects();
  ASSERT_TRUE(projects.ok()) << projects.status();
  ASSERT_EQ(projects->size(), 2u);
  EXPECT_EQ((*projects)[0].project, "another");
  EXPECT_EQ((*projects)[0].version, 1);
  EXPECT_EQ((*projects)[1].project, "demo");
  EXPECT_EQ((*projects)[1].version, 2);
  EXPECT_EQ((*projects)[1].object_versions.at("feature_view:user_stats"), 2);
}

TEST_P(FeatureRegistryTest, UpdatesAndDeletesAreNewVersions) {
  ASSERT_TRUE(registry_->Apply(Demo()).ok());
  FeatureRepository changed = Demo();
  changed.feature_views[0].ttl_micros = int64_t{7} * 86400 * 1000000;
  changed.feature_services.clear();
  absl::StatusOr<RegistryPlan> plan = registry_->Plan(changed);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(FormatPlan(*plan),
            "~ feature_view user_stats: ttl \"1d\" -> \"7d\"\n- feature_service fraud_v1\n");
  absl::StatusOr<ApplyResult> applied = registry_->Apply(changed);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->version, 2);

  absl::StatusOr<std::optional<RegistryVersion>> current = registry_->Current("demo");
  ASSERT_TRUE(current.ok() && current->has_value());
  EXPECT_EQ((*current)->version, 2);
  EXPECT_EQ((*current)->object_versions.at("feature_view:user_stats"), 2);
  EXPECT_EQ((*current)->object_versions.at("entity:user"), 1);
  EXPECT_FALSE((*current)->object_versions.contains("feature_service:fraud_v1"));
  absl::StatusOr<FeatureRepository> defs = FeatureRegistry::Definitions(**current);
  ASSERT_TRUE(defs.ok()) << defs.status();
  EXPECT_EQ(RepositoryToJson(*defs), RepositoryToJson(changed));

  // Version 1 is still readable as it was.
  absl::StatusOr<RegistryVersion> v1 = registry_->GetVersion("demo", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->snapshot_json, RepositoryToJson(Demo()));
  EXPECT_EQ(registry_->GetVersion("demo", 9).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<RegistryVersion>> versions = registry_->ListVersions("demo");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 2);
  nlohmann::json changes = nlohmann::json::parse((*versions)[0].changes_json);
  EXPECT_EQ(changes["changes"][0]["kind"], "update");
  EXPECT_EQ(changes["changes"][0]["fields"][0]["new"], "7d");

  // Projects are separate registries.
  FeatureRepository other = Demo();
  other.config.project = "other";
  absl::StatusOr<ApplyResult> o = registry_->Apply(other);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->version, 1);
}

TEST_P(FeatureRegistryTest, AppliesAreRecordedInLineage) {
  ASSERT_TRUE(registry_->Apply(Demo()).ok());
  FeatureRepository changed = Demo();
  changed.feature_views[0].schema.push_back({"f3", DataType::kInt64});
  absl::StatusOr<ApplyResult> applied = registry_->Apply(changed);
  ASSERT_TRUE(applied.ok()) << applied.status();
  absl::StatusOr<std::optional<lineage::Artifact>> v1 =
      lineage_->FindArtifact("FeatureView", "demo:user_stats@1");
  absl::StatusOr<std::optional<lineage::Artifact>> v2 =
      lineage_->FindArtifact("FeatureView", "demo:user_stats@2");
  ASSERT_TRUE(v1.ok() && v1->has_value());
  ASSERT_TRUE(v2.ok() && v2->has_value());
  EXPECT_TRUE(lineage_->FindArtifact("FeatureService", "demo:fraud_v1@1")->has_value());
  EXPECT_FALSE(lineage_->FindArtifact("FeatureService", "demo:fraud_v1@2")->has_value());
  absl::StatusOr<lineage::Execution> execution =
      lineage_->GetExecution(applied->lineage_execution_id);
  ASSERT_TRUE(execution.ok());
  EXPECT_EQ(execution->type, "FeatureApply");
  EXPECT_THAT(execution->properties_json, HasSubstr("feature_view:user_stats"));
  absl::StatusOr<std::vector<lineage::Event>> events =
      lineage_->EventsOfExecution(applied->lineage_execution_id);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u);  // previous registry (input), registry + view (outputs)
  absl::StatusOr<std::optional<lineage::Context>> context =
      lineage_->FindContext("FeatureRepository", "demo");
  ASSERT_TRUE(context.ok() && context->has_value());
  EXPECT_EQ(lineage_->ExecutionsOfContext((*context)->id)->size(), 2u);
}

TEST(DiffSnapshotsTest, RejectsMalformedSnapshots) {
  EXPECT_FALSE(DiffSnapshots("[1]", "").ok());
  absl::StatusOr<RegistryPlan> same = DiffSnapshots(RepositoryToJson(Demo()),
                                                    RepositoryToJson(Demo()));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
  absl::StatusOr<RegistryPlan> all_gone = DiffSnapshots(RepositoryToJson(Demo()), "");
  ASSERT_TRUE(all_gone.ok());
  EXPECT_EQ(all_gone->changes.size(), 5u);  // config + the four objects
  EXPECT_EQ(all_gone->changes[0].kind, ChangeKind::kDelete);
}

TEST_P(FeatureRegistryTest, VersionNumbersAndProjectsForPollers) {
  absl::StatusOr<int64_t> none = registry_->CurrentVersionNumber("demo");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, 0);
  absl::StatusOr<std::vector<RegistryVersion>> empty = registry_->ListProjects();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());

  ASSERT_TRUE(registry_->Apply(Demo()).ok());
  FeatureRepository changed = Demo();
  changed.feature_views[0].ttl_micros = 0;
  ASSERT_TRUE(registry_->Apply(changed).ok());
  FeatureRepository other = Demo();
  other.config.project = "another";
  ASSERT_TRUE(registry_->Apply(other).ok());

  EXPECT_EQ(registry_->CurrentVersionNumber("demo").value(), 2);
  EXPECT_EQ(registry_->CurrentVersionNumber("another").value(), 1);
  EXPECT_EQ(registry_->CurrentVersionNumber("nope").value(), 0);
  std::vector<std::string> projects;
  std::vector<RegistryVersion> listed = registry_->ListProjects().value();
  for (const RegistryVersion& version : listed) {
    projects.push_back(version.project);
  }
  EXPECT_EQ(projects, (std::vector<std::string>{"another", "demo"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, FeatureRegistryTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace strata::features
