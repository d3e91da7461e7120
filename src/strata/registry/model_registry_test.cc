// ModelRegistry against both backends. PostgreSQL tests use a database created for this test
// binary (dropped at exit) and clear the registry tables before each test.
#include "strata/registry/model_registry.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/clock.h"
#include "strata/base/strings.h"
#include "strata/store/testing/test_database.h"

namespace strata::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const auto* const kDropPg =
    ::testing::AddGlobalTestEnvironment(new store::testing::DropPgDatabase);

class ModelRegistryTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    db_ = store::testing::OpenTestDatabase(GetParam(), &sqlite_path_, &skip);
    if (!skip.empty()) GTEST_SKIP() << skip;
    ASSERT_NE(db_, nullptr);
    auto reg = ModelRegistry::Open(db_.get());
    ASSERT_TRUE(reg.ok()) << reg.status();
    reg_ = std::move(*reg);
    if (GetParam() == store::Backend::kPostgres) {
      ASSERT_TRUE(store::testing::ClearTables(
                      *db_, {"registered_models", "registered_model_tags", "model_versions",
                             "model_version_tags", "registered_model_aliases", "registry_audit"})
                      .ok());
    }
  }

  void TearDown() override {
    reg_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
  }

  ModelVersion NewVersion(const std::string& name, const std::string& run_id = "run1",
                          const std::string& source = "s3://bucket/model") {
    CreateModelVersionRequest r;
    r.name = name;
    r.source = source;
    r.run_id = run_id;
    auto v = reg_->CreateModelVersion(r);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : ModelVersion{};
  }

  std::vector<AuditEvent> Audit(std::optional<std::string> name = std::nullopt) {
    auto page = reg_->ListAudit(std::move(name), 1000, "");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->events : std::vector<AuditEvent>{};
  }

  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ModelRegistry> reg_;
};

std::string Describe(const AuditEvent& e) {
  return absl::StrCat(e.action, " ", e.name, " v", e.version.value_or(-1), " ",
                      e.alias.value_or("-"), " ", e.from_value.value_or("null"), "->",
                      e.to_value.value_or("null"), " by ", e.actor);
}

std::vector<std::string> Describe(const std::vector<AuditEvent>& events) {
  std::vector<std::string> out;
  for (const AuditEvent& e : events) out.push_back(Describe(e));
  return out;
}

TEST_P(ModelRegistryTest, CreateAndGetRegisteredModel) {
  int64_t before = NowMillis();
  auto m = reg_->CreateRegisteredModel("fraud", "detects fraud", {{"team", "risk"}, {"a", "1"}});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "fraud");
  EXPECT_EQ(m->description, "detects fraud");
  EXPECT_GE(m->creation_timestamp, before);
  EXPECT_EQ(m->creation_timestamp, m->last_updated_timestamp);
  EXPECT_EQ(m->tags, (std::vector<Tag>{{"a", "1"}, {"team", "risk"}}));
  EXPECT_TRUE(m->latest_versions.empty());

  auto dup = reg_->CreateRegisteredModel("fraud", "", {});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "Registered Model (name=fraud) already exists.");
  EXPECT_EQ(reg_->CreateRegisteredModel("", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->CreateRegisteredModel("x", "", {{"", "v"}}).status().code(),
            absl::StatusCode::kInvalidArgument);

  auto got = reg_->GetRegisteredModel("fraud");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->tags, m->tags);
  auto missing = reg_->GetRegisteredModel("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "Registered Model with name=nope not found");
}

TEST_P(ModelRegistryTest, VersionsNumberFromOneAndAreNeverReused) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  CreateModelVersionRequest r;
  r.name = "m";
  r.source = "runs:/abc/model";
  r.run_id = "abc";
  r.run_link = "http://x/run";
  r.description = "first";
  r.user_id = "alice";
  r.tags = {{"k", "v"}};
  auto v1 = reg_->CreateModelVersion(r);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->version, 1);
  EXPECT_EQ(v1->current_stage, "None");
  EXPECT_EQ(v1->status, "READY");
  EXPECT_EQ(v1->source, "runs:/abc/model");
  EXPECT_EQ(v1->run_link, "http://x/run");
  EXPECT_EQ(v1->user_id, "alice");
  EXPECT_EQ(v1->tags, (std::vector<Tag>{{"k", "v"}}));
  EXPECT_EQ(NewVersion("m").version, 2);
  EXPECT_EQ(NewVersion("m").version, 3);
  ASSERT_TRUE(reg_->DeleteModelVersion("m", 3, "bob").ok());
  EXPECT_EQ(NewVersion("m").version, 4);
  EXPECT_EQ(reg_->GetModelVersion("m", 3).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->GetModelVersion("m", 3).status().message(),
            "Model Version (name=m, version=3) not found");
  EXPECT_EQ(reg_->DeleteModelVersion("m", 3, "bob").code(), absl::StatusCode::kNotFound);

  r.name = "missing";
  EXPECT_EQ(reg_->CreateModelVersion(r).status().code(), absl::StatusCode::kNotFound);
  r.name = "m";
  r.source = "";
  EXPECT_EQ(reg_->CreateModelVersion(r).status().code(), absl::StatusCode::kInvalidArgument);

  // Another model numbers independently.
  ASSERT_TRUE(reg_->CreateRegisteredModel("other", "", {}).ok());
  EXPECT_EQ(NewVersion("other").version, 1);
}

TEST_P(ModelRegistryTest, UpdateDescriptionsAndTags) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  NewVersion("m");
  auto m = reg_->UpdateRegisteredModel("m", "new text");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->description, "new text");
  EXPECT_EQ(reg_->UpdateRegisteredModel("zz", "x").status().code(), absl::StatusCode::kNotFound);
  auto v = reg_->UpdateModelVersion("m", 1, "v text");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->description, "v text");
  EXPECT_EQ(reg_->UpdateModelVersion("m", 9, "x").status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(reg_->SetRegisteredModelTag("m", {"k", "1"}).ok());
  ASSERT_TRUE(reg_->SetRegisteredModelTag("m", {"k", "2"}).ok());
  EXPECT_EQ(reg_->GetRegisteredModel("m")->tags, (std::vector<Tag>{{"k", "2"}}));
  EXPECT_EQ(reg_->SetRegisteredModelTag("zz", {"k", "1"}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->SetRegisteredModelTag("m", {std::string(300, 'k'), "1"}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(reg_->DeleteRegisteredModelTag("m", "k").ok());
  EXPECT_TRUE(reg_->GetRegisteredModel("m")->tags.empty());
  EXPECT_EQ(reg_->DeleteRegisteredModelTag("m", "k").code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(reg_->SetModelVersionTag("m", 1, {"q", "x"}).ok());
  EXPECT_EQ(reg_->GetModelVersion("m", 1)->tags, (std::vector<Tag>{{"q", "x"}}));
  EXPECT_EQ(reg_->SetModelVersionTag("m", 2, {"q", "x"}).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(reg_->DeleteModelVersionTag("m", 1, "q").ok());
  EXPECT_EQ(reg_->DeleteModelVersionTag("m", 1, "q").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(reg_->GetModelVersion("m", 1)->tags.empty());
}

TEST_P(ModelRegistryTest, TransitionStagesArchiveExistingAndAudit) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  for (int i = 0; i < 4; ++i) NewVersion("m");
  auto v1 = reg_->TransitionModelVersionStage("m", 1, "production", false, "alice");
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(v1->current_stage, "Production");
  ASSERT_TRUE(reg_->TransitionModelVersionStage("m", 2, "Production", false, "alice").ok());
  ASSERT_TRUE(reg_->TransitionModelVersionStage("m", 3, "STAGING", false, "bob").ok());
  // v4 -> Production archives v1 and v2 but leaves Staging alone.
  auto v4 = reg_->TransitionModelVersionStage("m", 4, "Production", true, "carol");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(reg_->GetModelVersion("m", 1)->current_stage, "Archived");
  EXPECT_EQ(reg_->GetModelVersion("m", 2)->current_stage, "Archived");
  EXPECT_EQ(reg_->GetModelVersion("m", 3)->current_stage, "Staging");
  EXPECT_EQ(reg_->GetModelVersion("m", 4)->current_stage, "Production");

  EXPECT_THAT(Describe(Audit("m")),
              ElementsAre("transition_stage m v1 - None->Production by alice",
                          "transition_stage m v2 - None->Production by alice",
                          "transition_stage m v3 - None->Staging by bob",
                          "transition_stage m v4 - None->Production by carol",
                          "transition_stage m v1 - Production->Archived by carol",
                          "transition_stage m v2 - Production->Archived by carol"));
  std::vector<AuditEvent> all = Audit();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].id, all[i - 1].id);

  auto bad_stage = reg_->TransitionModelVersionStage("m", 1, "Prod", false, "x");
  EXPECT_EQ(bad_stage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_stage.status().message()),
              HasSubstr("Invalid Model Version stage: Prod"));
  auto bad_archive = reg_->TransitionModelVersionStage("m", 1, "Archived", true, "x");
  EXPECT_EQ(bad_archive.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->TransitionModelVersionStage("m", 9, "Staging", false, "x").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Audit("m").size(), 6u);  // failed calls leave no rows

  // Latest per stage, in stage order.
  auto latest = reg_->GetLatestVersions("m", {});
  ASSERT_TRUE(latest.ok());
  std::vector<std::string> got;
  for (const ModelVersion& v : *latest) got.push_back(absl::StrCat(v.current_stage, v.version));
  EXPECT_THAT(got, ElementsAre("Staging3", "Production4", "Archived2"));
  auto prod = reg_->GetLatestVersions("m", {"production", "None"});
  ASSERT_TRUE(prod.ok());
  ASSERT_EQ(prod->size(), 1u);
  EXPECT_EQ((*prod)[0].version, 4);
  EXPECT_EQ(reg_->GetLatestVersions("m", {"bogus"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->GetLatestVersions("zz", {}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->GetRegisteredModel("m")->latest_versions.size(), 3u);
}

TEST_P(ModelRegistryTest, AliasesSetMoveGetDeleteAndAudit) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  NewVersion("m");
  NewVersion("m");
  ASSERT_TRUE(reg_->SetRegisteredModelAlias("m", "champion", 1, "alice").ok());
  ASSERT_TRUE(reg_->SetRegisteredModelAlias("m", "champion", 2, "bob").ok());  // move
  ASSERT_TRUE(reg_->SetRegisteredModelAlias("m", "challenger", 1, "bob").ok());
  auto v = reg_->GetModelVersionByAlias("m", "champion");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->version, 2);
  EXPECT_THAT(v->aliases, ElementsAre("champion"));
  EXPECT_THAT(reg_->GetModelVersion("m", 1)->aliases, ElementsAre("challenger"));
  EXPECT_EQ(reg_->GetRegisteredModel("m")->aliases,
            (std::vector<AliasRef>{{"challenger", 1}, {"champion", 2}}));

  for (const char* bad : {"latest", "LATEST", "v1", "V22", "", "has space", "semi;colon"}) {
    EXPECT_EQ(reg_->SetRegisteredModelAlias("m", bad, 1, "x").code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(reg_->SetRegisteredModelAlias("m", "v1x", 1, "x").ok());
  ASSERT_TRUE(reg_->DeleteRegisteredModelAlias("m", "v1x", "x").ok());
  EXPECT_EQ(reg_->SetRegisteredModelAlias("m", "ok", 7, "x").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->SetRegisteredModelAlias("zz", "ok", 1, "x").code(), absl::StatusCode::kNotFound);
  auto missing = reg_->GetModelVersionByAlias("m", "nobody");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "Registered model alias nobody not found.");

  ASSERT_TRUE(reg_->DeleteRegisteredModelAlias("m", "champion", "carol").ok());
  ASSERT_TRUE(reg_->DeleteRegisteredModelAlias("m", "champion", "carol").ok());  // no-op
  EXPECT_EQ(reg_->GetModelVersionByAlias("m", "champion").status().code(),
            absl::StatusCode::kNotFound);
  // Deleting a version removes its aliases, audited.
  ASSERT_TRUE(reg_->DeleteModelVersion("m", 1, "dave").ok());
  EXPECT_EQ(reg_->GetModelVersionByAlias("m", "challenger").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(reg_->GetRegisteredModel("m")->aliases.empty());

  EXPECT_THAT(
      Describe(Audit("m")),
      ElementsAre("set_alias m v1 champion null->1 by alice", "set_alias m v2 champion 1->2 by bob",
                  "set_alias m v1 challenger null->1 by bob", "set_alias m v1 v1x null->1 by x",
                  "delete_alias m v1 v1x 1->null by x",
                  "delete_alias m v2 champion 2->null by carol",
                  "delete_alias m v1 challenger 1->null by dave"));
}

TEST_P(ModelRegistryTest, RenameMovesEverythingButKeepsHistory) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("old", "", {{"t", "1"}}).ok());
  ASSERT_TRUE(reg_->CreateRegisteredModel("taken", "", {}).ok());
  CreateModelVersionRequest r{"old", "src", "run", "", "", "", {{"vt", "x"}}};
  ASSERT_TRUE(reg_->CreateModelVersion(r).ok());
  ASSERT_TRUE(reg_->SetRegisteredModelAlias("old", "prod", 1, "a").ok());
  EXPECT_EQ(reg_->RenameRegisteredModel("old", "taken", "a").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg_->RenameRegisteredModel("old", "", "a").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->RenameRegisteredModel("ghost", "new", "a").status().code(),
            absl::StatusCode::kNotFound);
  auto m = reg_->RenameRegisteredModel("old", "new", "a");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->name, "new");
  EXPECT_EQ(m->tags, (std::vector<Tag>{{"t", "1"}}));
  EXPECT_EQ(m->aliases, (std::vector<AliasRef>{{"prod", 1}}));
  ASSERT_EQ(m->latest_versions.size(), 1u);
  EXPECT_EQ(m->latest_versions[0].name, "new");
  EXPECT_EQ(reg_->GetModelVersion("new", 1)->tags, (std::vector<Tag>{{"vt", "x"}}));
  EXPECT_EQ(reg_->GetModelVersionByAlias("new", "prod")->version, 1);
  EXPECT_EQ(reg_->GetRegisteredModel("old").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(NewVersion("new").version, 2);
  EXPECT_THAT(Describe(Audit("old")),
              ElementsAre("set_alias old v1 prod null->1 by a",
                          "rename_registered_model old v-1 - old->new by a"));
}

TEST_P(ModelRegistryTest, DeleteCascadesAndAuditSurvives) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {{"t", "1"}}).ok());
  NewVersion("m");
  ASSERT_TRUE(reg_->SetModelVersionTag("m", 1, {"k", "v"}).ok());
  ASSERT_TRUE(reg_->SetRegisteredModelAlias("m", "prod", 1, "a").ok());
  ASSERT_TRUE(reg_->TransitionModelVersionStage("m", 1, "Staging", false, "a").ok());
  ASSERT_TRUE(reg_->DeleteRegisteredModel("m", "b").ok());
  EXPECT_EQ(reg_->GetRegisteredModel("m").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg_->DeleteRegisteredModel("m", "b").code(), absl::StatusCode::kNotFound);
  // Re-creating the name starts clean.
  auto again = reg_->CreateRegisteredModel("m", "", {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->tags.empty());
  EXPECT_TRUE(again->aliases.empty());
  ModelVersion v = NewVersion("m");
  EXPECT_EQ(v.version, 1);
  EXPECT_TRUE(v.tags.empty());
  EXPECT_TRUE(v.aliases.empty());
  EXPECT_THAT(Describe(Audit("m")), ElementsAre("set_alias m v1 prod null->1 by a",
                                                "transition_stage m v1 - None->Staging by a",
                                                "delete_alias m v1 prod 1->null by b"));
}

TEST_P(ModelRegistryTest, SearchRegisteredModels) {
  for (const char* n : {"alpha", "Beta", "gamma", "alphabet"}) {
    ASSERT_TRUE(reg_->CreateRegisteredModel(n, "", {}).ok());
  }
  ASSERT_TRUE(reg_->SetRegisteredModelTag("gamma", {"team", "risk"}).ok());
  auto names = [&](SearchRequest r) {
    std::vector<std::string> out;
    auto page = reg_->SearchRegisteredModels(r);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& m : page->registered_models) out.push_back(m.name);
    }
    return out;
  };
  EXPECT_THAT(names({}), ElementsAre("Beta", "alpha", "alphabet", "gamma"));
  EXPECT_THAT(names({"name = 'alpha'", {}, {}, ""}), ElementsAre("alpha"));
  EXPECT_THAT(names({"name LIKE 'alpha%'", {"name DESC"}, {}, ""}),
              ElementsAre("alphabet", "alpha"));
  EXPECT_THAT(names({"name LIKE 'beta'", {}, {}, ""}), ElementsAre());  // case-sensitive
  EXPECT_THAT(names({"name ILIKE 'beta'", {}, {}, ""}), ElementsAre("Beta"));
  EXPECT_THAT(names({"tags.team = 'risk'", {}, {}, ""}), ElementsAre("gamma"));
  EXPECT_THAT(names({"name != 'alpha' AND name ILIKE '%a'", {}, {}, ""}),
              ElementsAre("Beta", "gamma"));
  // Injection attempts match nothing and harm nothing.
  EXPECT_THAT(names({"name = 'x'' OR ''1''=''1'", {}, {}, ""}), ElementsAre());
  EXPECT_THAT(names({"tags.`team' OR 1=1 --` = 'risk'", {}, {}, ""}), ElementsAre());
  auto bad = reg_->SearchRegisteredModels({"name = 'a'; DROP TABLE registered_models", {}, {}, ""});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("at offset 10"));
  EXPECT_EQ(names({}).size(), 4u);

  // Paging.
  SearchRequest r;
  r.max_results = 3;
  auto p1 = reg_->SearchRegisteredModels(r);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->registered_models.size(), 3u);
  ASSERT_FALSE(p1->next_page_token.empty());
  r.page_token = p1->next_page_token;
  auto p2 = reg_->SearchRegisteredModels(r);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->registered_models.size(), 1u);
  EXPECT_EQ(p2->registered_models[0].name, "gamma");
  EXPECT_TRUE(p2->next_page_token.empty());

  r = {};
  r.max_results = 1001;
  EXPECT_EQ(reg_->SearchRegisteredModels(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.max_results = 0;
  EXPECT_EQ(reg_->SearchRegisteredModels(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = {};
  r.page_token = "garbage!";
  EXPECT_EQ(reg_->SearchRegisteredModels(r).status().code(), absl::StatusCode::kInvalidArgument);
  r = {};
  r.order_by = {"bogus"};
  EXPECT_EQ(reg_->SearchRegisteredModels(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ModelRegistryTest, SearchModelVersions) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("a", "", {}).ok());
  ASSERT_TRUE(reg_->CreateRegisteredModel("b", "", {}).ok());
  NewVersion("a", "r1", "s3://x/a1");
  NewVersion("a", "r2", "s3://x/a2");
  NewVersion("b", "r1", "gs://y/b1");
  ASSERT_TRUE(reg_->SetModelVersionTag("b", 1, {"validated", "yes"}).ok());
  auto ids = [&](SearchRequest r) {
    std::vector<std::string> out;
    auto page = reg_->SearchModelVersions(r);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const auto& v : page->model_versions) out.push_back(absl::StrCat(v.name, v.version));
    }
    return out;
  };
  EXPECT_THAT(ids({"name = 'a'", {"version_number ASC"}, {}, ""}), ElementsAre("a1", "a2"));
  EXPECT_THAT(ids({"run_id = 'r1'", {"name"}, {}, ""}), ElementsAre("a1", "b1"));
  EXPECT_THAT(ids({"run_id IN ('r2', 'zz')", {}, {}, ""}), ElementsAre("a2"));
  EXPECT_THAT(ids({"run_id NOT IN ('r2')", {"name ASC"}, {}, ""}), ElementsAre("a1", "b1"));
  EXPECT_THAT(ids({"source_path LIKE 's3://%'", {"version_number DESC"}, {}, ""}),
              ElementsAre("a2", "a1"));
  EXPECT_THAT(ids({"tags.validated = 'yes'", {}, {}, ""}), ElementsAre("b1"));
  EXPECT_THAT(ids({"name = 'a' AND version_number > 1", {}, {}, ""}), ElementsAre("a2"));
  EXPECT_THAT(ids({"run_id = 'r1'' OR 1=1 --'", {}, {}, ""}), ElementsAre());
  EXPECT_EQ(ids({}).size(), 3u);

  SearchRequest r{"", {"name ASC", "version_number ASC"}, 2, ""};
  auto p1 = reg_->SearchModelVersions(r);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->model_versions.size(), 2u);
  r.page_token = p1->next_page_token;
  auto p2 = reg_->SearchModelVersions(r);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->model_versions.size(), 1u);
  EXPECT_EQ(p2->model_versions[0].name, "b");
  EXPECT_EQ(p2->model_versions[0].tags, (std::vector<Tag>{{"validated", "yes"}}));
  EXPECT_TRUE(p2->next_page_token.empty());

  auto bad = reg_->SearchModelVersions({"colour = 'red'", {}, {}, ""});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  r = {};
  r.max_results = 200001;
  EXPECT_EQ(reg_->SearchModelVersions(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(ModelRegistryTest, DownloadUriIsTheSource) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  NewVersion("m", "r", "mlflow-artifacts:/1/abc/artifacts/model");
  auto uri = reg_->GetModelVersionDownloadUri("m", 1);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(*uri, "mlflow-artifacts:/1/abc/artifacts/model");
  EXPECT_EQ(reg_->GetModelVersionDownloadUri("m", 2).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ModelRegistryTest, AuditPagesAndFilters) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("a", "", {}).ok());
  ASSERT_TRUE(reg_->CreateRegisteredModel("b", "", {}).ok());
  NewVersion("a");
  NewVersion("b");
  for (const char* stage : {"Staging", "Production", "Archived"}) {
    ASSERT_TRUE(reg_->TransitionModelVersionStage("a", 1, stage, false, "u").ok());
    ASSERT_TRUE(reg_->TransitionModelVersionStage("b", 1, stage, false, "u").ok());
  }
  std::vector<AuditEvent> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = reg_->ListAudit(std::nullopt, 4, token);
    ASSERT_TRUE(page.ok()) << page.status();
    seen.insert(seen.end(), page->events.begin(), page->events.end());
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].name, "a");
  EXPECT_EQ(seen[1].name, "b");
  EXPECT_EQ(*seen[5].to_value, "Archived");
  EXPECT_EQ(Audit("b").size(), 3u);
  EXPECT_EQ(reg_->ListAudit(std::nullopt, 0, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg_->ListAudit(std::nullopt, 10, "bad token").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(ModelRegistryTest, ConcurrentCreatorsGetDistinctVersions) {
  ASSERT_TRUE(reg_->CreateRegisteredModel("m", "", {}).ok());
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5;
  std::vector<std::vector<int64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        CreateModelVersionRequest r;
        r.name = "m";
        r.source = "s";
        auto v = reg_->CreateModelVersion(r);
        if (v.ok()) got[t].push_back(v->version);
        ASSERT_TRUE(reg_->SetRegisteredModelAlias("m", "latest-good", 1, "t").ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  std::set<int64_t> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
  // Every alias write is audited; only the first one has no previous version.
  std::vector<AuditEvent> events = Audit("m");
  ASSERT_EQ(events.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_FALSE(events[0].from_value.has_value());
  for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(events[i].from_value, "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, ModelRegistryTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return info.param == store::Backend::kSqlite ? "SQLite" : "PostgreSQL";
                         });

}  // namespace
}  // namespace strata::registry
