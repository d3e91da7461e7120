// LineageStore against both backends (PostgreSQL from STRATA_TEST_POSTGRES_URL; one database
// per test binary, emptied before each test).
#include "strata/lineage/lineage_store.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/store/testing/test_database.h"

namespace strata::lineage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const auto* const kDropPg =
    ::testing::AddGlobalTestEnvironment(new store::testing::DropPgDatabase);

class LineageStoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(GetParam(), &sqlite_path_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(db_, nullptr);
    absl::StatusOr<std::unique_ptr<LineageStore>> s = LineageStore::Open(db_.get());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    ASSERT_TRUE(store::testing::ClearTables(
                    *db_, {"lineage_events", "lineage_attributions", "lineage_associations",
                           "lineage_artifacts", "lineage_executions", "lineage_contexts"})
                    .ok());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
  }

  Artifact Dataset(const std::string& name) {
    return {0, "Dataset", name, "dataset:" + name, "{}", 0};
  }

  // raw -> clean -> train -> model, and raw -> profile -> report.
  void BuildChain() {
    std::vector<LineageStore::Io> in = {{Dataset("raw@1"), "source"}};
    std::vector<LineageStore::Io> out = {{Dataset("clean@1"), "cleaned"}};
    ASSERT_TRUE(store_->RecordExecution({0, "Clean", "clean 1"}, in, out).ok());
    raw_ = in[0].artifact.id;
    clean_ = out[0].artifact.id;
    in = {{Dataset("clean@1"), "train"}};
    out = {{{0, "Model", "churn@1", "runs:/abc/model", "{\"auc\": 0.9}", 0}, "model"}};
    absl::StatusOr<Execution> train = store_->RecordExecution({0, "Training", "run abc"}, in, out);
    ASSERT_TRUE(train.ok()) << train.status();
    train_ = train->id;
    model_ = out[0].artifact.id;
    in = {{Dataset("raw@1"), "data"}};
    out = {{{0, "Report", "", "file:///tmp/report.html", "{}", 0}, "report"}};
    ASSERT_TRUE(store_->RecordExecution({0, "Profile", "profile"}, in, out).ok());
    report_ = out[0].artifact.id;
  }

  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<LineageStore> store_;
  int64_t raw_ = 0, clean_ = 0, model_ = 0, report_ = 0, train_ = 0;
};

TEST_P(LineageStoreTest, ArtifactsAreGetOrCreateByTypeAndName) {
  absl::StatusOr<Artifact> a = store_->PutArtifact(Dataset("customers@1"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_GT(a->id, 0);
  EXPECT_GT(a->created_at_ms, 0);
  absl::StatusOr<Artifact> again = store_->PutArtifact(Dataset("customers@1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, a->id);
  // Same name, another type: another node. Unnamed artifacts are always new.
  EXPECT_NE(store_->PutArtifact({0, "Model", "customers@1", "x", "{}", 0})->id, a->id);
  Artifact unnamed{0, "Report", "", "file:///r", "{}", 0};
  EXPECT_NE(store_->PutArtifact(unnamed)->id, store_->PutArtifact(unnamed)->id);

  EXPECT_EQ(*store_->GetArtifact(a->id), *a);
  EXPECT_EQ(store_->FindArtifact("Dataset", "customers@1")->value(), *a);
  EXPECT_FALSE(store_->FindArtifact("Dataset", "nope")->has_value());
  EXPECT_EQ(store_->GetArtifact(999999).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListArtifacts("Dataset")->size(), 1u);
  EXPECT_EQ(store_->ListArtifacts("")->size(), 4u);
}

TEST_P(LineageStoreTest, RefusesBadNodes) {
  EXPECT_THAT(store_->PutArtifact({0, "", "x", "u", "{}", 0}).status().message(),
              HasSubstr("type must not be empty"));
  EXPECT_THAT(store_->PutArtifact({0, "Dataset", "x", "u", "[1]", 0}).status().message(),
              HasSubstr("JSON object"));
  EXPECT_THAT(store_->PutContext({0, "Experiment", "", "{}", 0}).status().message(),
              HasSubstr("must not be empty"));
  EXPECT_EQ(store_->AddEvent({12345, 67890, EventKind::kInput, "", 0}).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->UpdateExecution(424242, ExecutionState::kComplete).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(LineageStoreTest, ExecutionsRecordStateAndEvents) {
  BuildChain();
  ASSERT_TRUE(store_->UpdateExecution(train_, ExecutionState::kComplete, "{\"rows\": 10}").ok());
  absl::StatusOr<Execution> e = store_->GetExecution(train_);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->state, ExecutionState::kComplete);
  EXPECT_EQ(e->properties_json, "{\"rows\": 10}");
  absl::StatusOr<std::vector<Event>> events = store_->EventsOfExecution(train_);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].artifact_id, clean_);
  EXPECT_EQ((*events)[0].kind, EventKind::kInput);
  EXPECT_EQ((*events)[0].role, "train");
  EXPECT_EQ((*events)[1].artifact_id, model_);
  EXPECT_EQ((*events)[1].kind, EventKind::kOutput);
  // Recording an event twice is harmless.
  EXPECT_TRUE(store_->AddEvent({clean_, train_, EventKind::kInput, "train", 0}).ok());
  EXPECT_EQ(store_->EventsOfArtifact(clean_)->size(), 2u);  // output of Clean, input of Training
}

TEST_P(LineageStoreTest, TracesUpstreamAndDownstream) {
  BuildChain();
  absl::StatusOr<LineageGraph> up = store_->Trace(model_, Direction::kUpstream);
  ASSERT_TRUE(up.ok()) << up.status();
  std::vector<std::string> names;
  for (const Artifact& a : up->artifacts) names.push_back(a.name);
  EXPECT_THAT(names, ElementsAre("raw@1", "clean@1", "churn@1"));
  ASSERT_EQ(up->executions.size(), 2u);
  EXPECT_EQ(up->events.size(), 4u);

  absl::StatusOr<LineageGraph> one_hop = store_->Trace(model_, Direction::kUpstream, 1);
  ASSERT_TRUE(one_hop.ok());
  EXPECT_EQ(one_hop->artifacts.size(), 2u);  // the model and clean@1

  absl::StatusOr<LineageGraph> down = store_->Trace(raw_, Direction::kDownstream);
  ASSERT_TRUE(down.ok());
  std::vector<int64_t> ids;
  for (const Artifact& a : down->artifacts) ids.push_back(a.id);
  EXPECT_THAT(ids, ElementsAre(raw_, clean_, model_, report_));
  EXPECT_EQ(down->executions.size(), 3u);

  const nlohmann::json j = nlohmann::json::parse(GraphToJson(*down));
  EXPECT_EQ(j["artifacts"].size(), 4u);
  EXPECT_EQ(j["executions"][0]["state"], "running");
  EXPECT_EQ(store_->Trace(777777, Direction::kUpstream).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(LineageStoreTest, ContextsGroupArtifactsAndExecutions) {
  absl::StatusOr<Context> ctx = store_->PutContext({0, "Experiment", "churn", "{}", 0});
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(store_->PutContext({0, "Experiment", "churn", "{}", 0})->id, ctx->id);
  std::vector<LineageStore::Io> in = {{Dataset("raw@1"), "train"}};
  std::vector<LineageStore::Io> out = {{{0, "Model", "m@1", "runs:/r/model", "{}", 0}, "model"}};
  absl::StatusOr<Execution> e =
      store_->RecordExecution({0, "Training", "run r"}, in, out, ctx->id);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(store_->ArtifactsOfContext(ctx->id)->size(), 2u);
  ASSERT_EQ(store_->ExecutionsOfContext(ctx->id)->size(), 1u);
  EXPECT_EQ(store_->ExecutionsOfContext(ctx->id)->front().id, e->id);
  EXPECT_TRUE(store_->Attribute(ctx->id, in[0].artifact.id).ok());  // again: no error
  EXPECT_EQ(store_->Associate(ctx->id, 999999).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->FindContext("Experiment", "churn")->value().id, ctx->id);
}

TEST_P(LineageStoreTest, AFailedRecordLeavesNothingBehind) {
  std::vector<LineageStore::Io> in = {{Dataset("raw@1"), "train"}};
  std::vector<LineageStore::Io> out = {{{0, "", "bad", "u", "{}", 0}, "model"}};  // no type
  EXPECT_FALSE(store_->RecordExecution({0, "Training", "run"}, in, out).ok());
  EXPECT_TRUE(store_->ListArtifacts("")->empty());
  EXPECT_FALSE(store_->FindArtifact("Dataset", "raw@1")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, LineageStoreTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return info.param == store::Backend::kSqlite ? "SQLite" : "PostgreSQL";
                         });

}  // namespace
}  // namespace strata::lineage
