#include "strata/tracking/tracking_store.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::tracking {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

#define ASSERT_OK(expr)                                   \
  do {                                                    \
    auto&& status_or_ = (expr);                           \
    ASSERT_TRUE(status_or_.ok()) << StatusOf(status_or_); \
  } while (0)

const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::atomic<int> g_counter{0};

// Runs one statement on an admin connection outside any transaction (CREATE/DROP DATABASE).
bool PgAdminExec(const std::string& url, const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(conn, sql.c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) *error = PQerrorMessage(conn);
    PQclear(r);
  } else {
    *error = PQerrorMessage(conn);
  }
  PQfinish(conn);
  return ok;
}

// `url` with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = url.find('?');
  std::string base = slash == std::string::npos ? url.substr(0, query) : url.substr(0, slash);
  std::string rest = query == std::string::npos ? "" : url.substr(query);
  return absl::StrCat(base, "/", db, rest);
}

class TrackingStoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string uri;
    int n = g_counter++;
    if (GetParam() == store::Backend::kSqlite) {
      sqlite_path_ = absl::StrCat(::testing::TempDir(), "/tracking_test_", getpid(), "_", n, ".db");
      std::filesystem::remove(sqlite_path_);
      uri = absl::StrCat("sqlite://", sqlite_path_);
    } else {
      const char* url = std::getenv("STRATA_TEST_POSTGRES_URL");
      if (url == nullptr || *url == '\0') {
        const char* ci = std::getenv("CI");
        if (ci != nullptr && std::string(ci) == "true") {
          FAIL() << "STRATA_TEST_POSTGRES_URL is not set (CI=true requires PostgreSQL)";
        }
        GTEST_SKIP() << "STRATA_TEST_POSTGRES_URL not set; run "
                        "eval \"$(bash scripts/test-services.sh start)\"";
      }
      admin_url_ = url;
      pg_db_ = absl::StrCat("strata_tracking_test_", getpid(), "_", n);
      std::string error;
      ASSERT_TRUE(PgAdminExec(admin_url_, absl::StrCat("CREATE DATABASE ", pg_db_), &error))
          << error;
      uri = WithDatabase(admin_url_, pg_db_);
    }
    auto db = store::Database::Open(uri);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    TrackingOptions opts;
    opts.default_artifact_root = "mlflow-artifacts:";
    auto s = TrackingStore::Open(db_.get(), opts);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }

  void TearDown() override {
    store_.reset();
    db_.reset();
    if (!sqlite_path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::remove(sqlite_path_ + suffix);
      }
    }
    if (!pg_db_.empty()) {
      std::string error;
      PgAdminExec(admin_url_, absl::StrCat("DROP DATABASE IF EXISTS ", pg_db_, " WITH (FORCE)"),
                  &error);
    }
  }

  std::string NewExperiment(const std::string& name) {
    auto id = store_->CreateExperiment(name, "", {});
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : "";
  }

  std::string NewRun(const std::string& exp, const std::string& name = "",
                     int64_t start_time = 1000) {
    CreateRunRequest r;
    r.experiment_id = exp;
    r.run_name = name;
    r.start_time = start_time;
    auto run = store_->CreateRun(r);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? run->info.run_id : "";
  }

  std::vector<std::string> SearchNames(const std::string& exp, const std::string& filter,
                                       std::vector<std::string> order_by = {}) {
    SearchRunsRequest r;
    r.experiment_ids = {exp};
    r.filter = filter;
    r.order_by = std::move(order_by);
    auto page = store_->SearchRuns(r);
    EXPECT_TRUE(page.ok()) << filter << ": " << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const tracking::Run& run : page->runs) names.push_back(run.info.run_name);
    }
    return names;
  }

  std::string sqlite_path_;
  std::string admin_url_;
  std::string pg_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<TrackingStore> store_;
};

// MLflow-style generated names are "adjective-noun-NNN". Checked by hand: std::regex trips
// GCC 12's -Wmaybe-uninitialized under ASan.
bool LooksLikeGeneratedRunName(std::string_view name) {
  std::vector<std::string> parts = absl::StrSplit(std::string(name), '-');
  if (parts.size() != 3 || parts[2].empty() || parts[2].size() > 3) return false;
  for (int i = 0; i < 2; ++i) {
    if (parts[i].empty()) return false;
    for (char c : parts[i]) if (c < 'a' || c > 'z') return false;
  }
  for (char c : parts[2]) if (c < '0' || c > '9') return false;
  return true;
}

TEST_P(TrackingStoreTest, DefaultExperimentAndIdsContinueFromOne) {
  auto e = store_->GetExperiment("0");
  ASSERT_OK(e);
  EXPECT_EQ(e->name, "Default");
  EXPECT_EQ(e->artifact_location, "mlflow-artifacts:/0");
  EXPECT_EQ(e->lifecycle_stage, "active");
  EXPECT_EQ(NewExperiment("first"), "1");
  EXPECT_EQ(NewExperiment("second"), "2");
  auto first = store_->GetExperiment("1");
  ASSERT_OK(first);
  EXPECT_EQ(first->artifact_location, "mlflow-artifacts:/1");
  EXPECT_GT(first->creation_time, 0);
}

TEST_P(TrackingStoreTest, ExperimentCreateValidationAndNames) {
  ASSERT_OK(store_->CreateExperiment("exp", "s3://bucket/x", {Tag{"team", "risk"}, Tag{"a", "b"}}));
  auto e = store_->GetExperimentByName("exp");
  ASSERT_OK(e);
  EXPECT_EQ(e->artifact_location, "s3://bucket/x");
  EXPECT_THAT(e->tags, ElementsAre(Tag{"a", "b"}, Tag{"team", "risk"}));

  auto dup = store_->CreateExperiment("exp", "", {});
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Msg(dup.status()), "Experiment 'exp' already exists.");
  EXPECT_EQ(store_->CreateExperiment("", "", {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateExperiment("t", "", {Tag{"bad//key", "v"}}).status().code(),
            absl::StatusCode::kInvalidArgument);

  auto missing = store_->GetExperimentByName("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(missing.status()), "Could not find experiment with name 'nope'");
  EXPECT_EQ(store_->GetExperiment("12345").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetExperiment("1 OR 1=1").status().code(), absl::StatusCode::kNotFound);

  // Deleted experiments still own their name.
  ASSERT_OK(store_->DeleteExperiment(e->experiment_id));
  EXPECT_EQ(store_->CreateExperiment("exp", "", {}).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(TrackingStoreTest, RenameDeleteRestore) {
  std::string a = NewExperiment("a");
  NewExperiment("b");
  EXPECT_EQ(store_->UpdateExperiment(a, "b").code(), absl::StatusCode::kAlreadyExists);
  ASSERT_OK(store_->UpdateExperiment(a, "a2"));
  EXPECT_EQ(store_->GetExperiment(a)->name, "a2");

  std::string run = NewRun(a);
  ASSERT_OK(store_->DeleteExperiment(a));
  EXPECT_EQ(store_->GetExperiment(a)->lifecycle_stage, "deleted");
  EXPECT_EQ(store_->GetRun(run)->info.lifecycle_stage, "deleted");
  auto log = store_->LogParam(run, Param{"p", "v"});
  EXPECT_EQ(log.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(log), absl::StrCat("The run ", run,
                                   " must be in the 'active' state. Current state is deleted."));
  ASSERT_OK(store_->RestoreExperiment(a));
  EXPECT_EQ(store_->GetRun(run)->info.lifecycle_stage, "active");

  auto zero = store_->DeleteExperiment("0");
  EXPECT_EQ(zero.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->DeleteExperiment("999").code(), absl::StatusCode::kNotFound);

  ASSERT_OK(store_->SetExperimentTag(a, Tag{"stage", "dev"}));
  ASSERT_OK(store_->SetExperimentTag(a, Tag{"stage", "prod"}));
  EXPECT_THAT(store_->GetExperiment(a)->tags, ElementsAre(Tag{"stage", "prod"}));
  EXPECT_EQ(store_->SetExperimentTag(a, Tag{"big", std::string(5001, 'x')}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_OK(store_->DeleteExperimentTag(a, "stage"));
  EXPECT_EQ(store_->DeleteExperimentTag(a, "stage").code(), absl::StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, SearchExperiments) {
  for (const char* n : {"wire-1", "wire-2", "Wired", "other"}) NewExperiment(n);
  ASSERT_OK(store_->SetExperimentTag("4", Tag{"team", "risk"}));
  auto names = [&](SearchExperimentsRequest r) {
    std::vector<std::string> out;
    auto page = store_->SearchExperiments(r);
    EXPECT_TRUE(page.ok()) << page.status();
    if (page.ok()) {
      for (const Experiment& e : page->experiments) out.push_back(e.name);
    }
    return out;
  };
  SearchExperimentsRequest r;
  r.filter = "name LIKE 'wire%'";
  r.order_by = {"name ASC"};
  EXPECT_THAT(names(r), ElementsAre("wire-1", "wire-2"));
  r.filter = "name ILIKE 'wire%'";
  EXPECT_THAT(names(r), ElementsAre("Wired", "wire-1", "wire-2"));
  r.filter = "tags.team = 'risk'";
  EXPECT_THAT(names(r), ElementsAre("other"));
  r.filter = "creation_time > 0 and name != 'Default'";
  EXPECT_EQ(names(r).size(), 4u);

  ASSERT_OK(store_->DeleteExperiment("1"));
  r = SearchExperimentsRequest();
  r.view_type = ViewType::kDeletedOnly;
  EXPECT_THAT(names(r), ElementsAre("wire-1"));
  r.view_type = ViewType::kAll;
  EXPECT_EQ(names(r).size(), 5u);

  // Paging through everything two at a time visits every experiment once.
  r = SearchExperimentsRequest();
  r.view_type = ViewType::kAll;
  r.max_results = 2;
  r.order_by = {"experiment_id"};
  std::vector<std::string> all;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = store_->SearchExperiments(r);
    ASSERT_OK(page);
    for (const Experiment& e : page->experiments) all.push_back(e.experiment_id);
    if (page->next_page_token.empty()) break;
    r.page_token = page->next_page_token;
  }
  EXPECT_THAT(all, ElementsAre("0", "1", "2", "3", "4"));

  r.page_token = "not-a-token";
  EXPECT_EQ(store_->SearchExperiments(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.page_token.clear();
  r.max_results = 50001;
  EXPECT_EQ(store_->SearchExperiments(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.max_results = 10;
  r.filter = "metrics.x > 1";
  EXPECT_EQ(store_->SearchExperiments(r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(TrackingStoreTest, CreateRunNamesAndArtifactUri) {
  std::string exp = NewExperiment("runs");
  CreateRunRequest r;
  r.experiment_id = exp;
  r.user_id = "ana";
  auto run = store_->CreateRun(r);
  ASSERT_OK(run);
  EXPECT_EQ(run->info.run_id.size(), 32u);
  EXPECT_TRUE(LooksLikeGeneratedRunName(run->info.run_name)) << run->info.run_name;
  EXPECT_EQ(run->info.status, "RUNNING");
  EXPECT_EQ(run->info.artifact_uri,
            absl::StrCat("mlflow-artifacts:/", exp, "/", run->info.run_id, "/artifacts"));
  EXPECT_GT(run->info.start_time, 0);
  auto got = store_->GetRun(run->info.run_id);
  ASSERT_OK(got);
  EXPECT_EQ(got->info.user_id, "ana");
  EXPECT_THAT(got->data.tags, ElementsAre(Tag{"mlflow.runName", run->info.run_name}));
  EXPECT_EQ(*store_->RunArtifactUri(run->info.run_id), run->info.artifact_uri);

  r.tags = {Tag{"mlflow.runName", "from-tag"}};
  EXPECT_EQ(store_->CreateRun(r)->info.run_name, "from-tag");
  r.run_name = "other";
  EXPECT_EQ(store_->CreateRun(r).status().code(), absl::StatusCode::kInvalidArgument);

  r = CreateRunRequest();  // defaults to experiment 0
  EXPECT_EQ(store_->CreateRun(r)->info.experiment_id, "0");
  r.experiment_id = "777";
  EXPECT_EQ(store_->CreateRun(r).status().code(), absl::StatusCode::kNotFound);
  ASSERT_OK(store_->DeleteExperiment(exp));
  r.experiment_id = exp;
  EXPECT_EQ(store_->CreateRun(r).status().code(), absl::StatusCode::kInvalidArgument);

  auto missing = store_->GetRun(std::string(32, '0'));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Msg(missing.status()),
            absl::StrCat("Run with id=", std::string(32, '0'), " not found"));
}

TEST_P(TrackingStoreTest, MetricsLatestRuleAndHistory) {
  std::string run = NewRun("0");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", 0.5, 100, 0}));
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", nan, 101, 1}));
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", inf, 102, 2}));
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", -inf, 103, 3}));
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", 0.25, 104, 4}));
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", 9.0, 999, 2}));   // older step: not latest
  ASSERT_OK(store_->LogMetric(run, Metric{"loss", 0.25, 104, 4}));  // exact repeat ignored
  auto got = store_->GetRun(run);
  ASSERT_OK(got);
  ASSERT_EQ(got->data.metrics.size(), 1u);
  EXPECT_EQ(got->data.metrics[0].value, 0.25);
  EXPECT_EQ(got->data.metrics[0].step, 4);

  auto hist = store_->GetMetricHistory(run, "loss", std::nullopt, "");
  ASSERT_OK(hist);
  ASSERT_EQ(hist->metrics.size(), 6u);
  EXPECT_EQ(hist->metrics[0].value, 0.5);
  EXPECT_TRUE(std::isnan(hist->metrics[1].value));
  EXPECT_EQ(hist->metrics[2].value, inf);  // step 2, ts 102
  EXPECT_EQ(hist->metrics[3].value, 9.0);  // step 2, ts 999
  EXPECT_EQ(hist->metrics[4].value, -inf);
  EXPECT_EQ(hist->metrics[5].value, 0.25);

  // Same step: later timestamp wins; same step and timestamp: larger value wins.
  ASSERT_OK(store_->LogMetric(run, Metric{"acc", 0.1, 50, 7}));
  ASSERT_OK(store_->LogMetric(run, Metric{"acc", 0.05, 60, 7}));
  ASSERT_OK(store_->LogMetric(run, Metric{"acc", 0.01, 40, 7}));
  ASSERT_OK(store_->LogMetric(run, Metric{"acc", 0.07, 60, 7}));
  got = store_->GetRun(run);
  EXPECT_EQ(got->data.metrics[0].key, "acc");
  EXPECT_EQ(got->data.metrics[0].value, 0.07);

  // Paging.
  auto p1 = store_->GetMetricHistory(run, "loss", 4, "");
  ASSERT_OK(p1);
  EXPECT_EQ(p1->metrics.size(), 4u);
  ASSERT_FALSE(p1->next_page_token.empty());
  auto p2 = store_->GetMetricHistory(run, "loss", 4, p1->next_page_token);
  ASSERT_OK(p2);
  EXPECT_EQ(p2->metrics.size(), 2u);
  EXPECT_TRUE(p2->next_page_token.empty());
  EXPECT_EQ(store_->GetMetricHistory("nope", "loss", std::nullopt, "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, ParamsAreImmutableAndKeysValidated) {
  std::string run = NewRun("0");
  ASSERT_OK(store_->LogParam(run, Param{"lr", "0.1"}));
  ASSERT_OK(store_->LogParam(run, Param{"lr", "0.1"}));
  auto changed = store_->LogParam(run, Param{"lr", "0.2"});
  EXPECT_EQ(changed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Msg(changed),
            absl::StrCat("Changing param values is not allowed. Param with key='lr' was already "
                         "logged with value='0.1' for run ID='",
                         run, "'. Attempted logging new value '0.2'."));
  for (const char* bad :
       {"", "/abs", "a//b", "a/", "../x", "a/./b", "a/../b", ".", "semi;colon", "quote'"}) {
    EXPECT_EQ(store_->LogMetric(run, Metric{bad, 1, 1, 0}).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_THAT(Msg(store_->LogMetric(run, Metric{"semi;colon", 1, 1, 0})),
              HasSubstr("Invalid metric name: 'semi;colon'. Names may only contain"));
  for (const char* good : {"a/b", "x.y-z", "with space", "ns:key", "..a", "a..b"}) {
    EXPECT_TRUE(store_->LogMetric(run, Metric{good, 1, 1, 0}).ok()) << good;
  }
  EXPECT_EQ(store_->LogParam(run, Param{std::string(251, 'k'), "v"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LogParam(run, Param{"long", std::string(6001, 'v')}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_OK(store_->LogParam(run, Param{"long", std::string(6000, 'v')}));
  EXPECT_EQ(store_->SetTag(run, Tag{"t", std::string(8001, 'v')}).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_OK(store_->SetTag(run, Tag{"t", std::string(8000, 'v')}));
  EXPECT_EQ(store_->LogParam("0123", Param{"x", "y"}).code(), absl::StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, TagsAndUpdateRun) {
  std::string run = NewRun("0", "first");
  ASSERT_OK(store_->SetTag(run, Tag{"owner", "ana"}));
  ASSERT_OK(store_->SetTag(run, Tag{"tmp", "x"}));
  ASSERT_OK(store_->DeleteTag(run, "tmp"));
  EXPECT_EQ(store_->DeleteTag(run, "tmp").code(), absl::StatusCode::kNotFound);
  ASSERT_OK(store_->SetTag(run, Tag{"mlflow.runName", "renamed"}));
  EXPECT_EQ(store_->GetRun(run)->info.run_name, "renamed");

  UpdateRunRequest u;
  u.run_id = run;
  u.status = "FINISHED";
  u.end_time = 5000;
  u.run_name = "final";
  auto info = store_->UpdateRun(u);
  ASSERT_OK(info);
  EXPECT_EQ(info->status, "FINISHED");
  EXPECT_EQ(info->end_time, 5000);
  EXPECT_EQ(info->run_name, "final");
  auto got = store_->GetRun(run);
  EXPECT_THAT(got->data.tags, ElementsAre(Tag{"mlflow.runName", "final"}, Tag{"owner", "ana"}));
  u.status = "DONE";
  EXPECT_EQ(store_->UpdateRun(u).status().code(), absl::StatusCode::kInvalidArgument);

  ASSERT_OK(store_->DeleteRun(run));
  EXPECT_EQ(store_->SetTag(run, Tag{"k", "v"}).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_OK(store_->RestoreRun(run));
  ASSERT_OK(store_->SetTag(run, Tag{"k", "v"}));
  EXPECT_EQ(store_->DeleteRun("missing").code(), absl::StatusCode::kNotFound);
}

TEST_P(TrackingStoreTest, LogBatchIsAllOrNothing) {
  std::string run = NewRun("0");
  ASSERT_OK(store_->LogParam(run, Param{"lr", "0.1"}));
  ASSERT_OK(
      store_->LogBatch(run, {Metric{"acc", 0.9, 1, 1}}, {Param{"depth", "6"}}, {Tag{"k", "v"}}));
  auto failed =
      store_->LogBatch(run, {Metric{"ok", 1, 1, 0}}, {Param{"lr", "changed"}}, {Tag{"k2", "v2"}});
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  auto got = store_->GetRun(run);
  ASSERT_OK(got);
  EXPECT_EQ(got->data.metrics.size(), 1u);
  for (const Tag& t : got->data.tags) EXPECT_NE(t.key, "k2");
  EXPECT_TRUE(store_->GetMetricHistory(run, "ok", std::nullopt, "")->metrics.empty());

  std::vector<Metric> many(1001, Metric{"m", 1, 1, 0});
  auto too_many = store_->LogBatch(run, many, {}, {});
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(too_many), HasSubstr("at most 1000 metrics. Got 1001 metrics"));
  std::vector<Param> params(101);
  for (size_t i = 0; i < params.size(); ++i) params[i] = Param{absl::StrCat("p", i), "v"};
  EXPECT_EQ(store_->LogBatch(run, {}, params, {}).code(), absl::StatusCode::kInvalidArgument);
  std::vector<Metric> nine_hundred(900, Metric{"m", 1, 1, 0});
  params.resize(100);
  EXPECT_EQ(store_->LogBatch(run, nine_hundred, params, {Tag{"t", "v"}}).code(),
            absl::StatusCode::kInvalidArgument);  // 1000 total exceeded
  auto dup = store_->LogBatch(run, {}, {Param{"x", "1"}, Param{"x", "2"}}, {});
  EXPECT_EQ(dup.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(dup), HasSubstr("Duplicate parameter keys"));
  ASSERT_OK(store_->LogBatch(run, {}, {Param{"y", "1"}, Param{"y", "1"}}, {}));
  ASSERT_OK(store_->LogBatch(run, std::vector<Metric>(1000, Metric{"m", 1, 1, 0}), {}, {}));
}

TEST_P(TrackingStoreTest, SearchRunsFiltersOrderAndPaging) {
  std::string exp = NewExperiment("search");
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    std::string id = NewRun(exp, absl::StrCat("r", i), 1000 + i);
    ASSERT_OK(store_->LogBatch(id, {Metric{"m1", i / 10.0, 1, 0}}, {Param{"p1", i % 2 ? "x" : "y"}},
                               {Tag{"grp", absl::StrCat("g", i % 3)}}));
    ids.push_back(id);
  }
  std::string lonely = NewRun(exp, "no-metrics", 500);

  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_THAT(sorted(SearchNames(exp, "metrics.m1 > 0.5 and params.p1 = 'x'")),
              ElementsAre("r11", "r7", "r9"));
  EXPECT_EQ(SearchNames(exp, "tags.grp LIKE 'g1%'").size(), 4u);
  EXPECT_EQ(SearchNames(exp, "tags.grp ILIKE 'G2'").size(), 4u);
  EXPECT_EQ(SearchNames(exp, "tags.grp LIKE 'G2'").size(), 0u);  // LIKE is case-sensitive
  EXPECT_EQ(SearchNames(exp, absl::StrCat("attributes.run_id IN ('", ids[0], "', '", ids[1], "')"))
                .size(),
            2u);
  EXPECT_EQ(SearchNames(exp, absl::StrCat("attributes.run_id NOT IN ('", ids[0], "')")).size(),
            12u);
  EXPECT_THAT(SearchNames(exp, "attributes.run_name = 'r3'"), ElementsAre("r3"));
  EXPECT_THAT(SearchNames(exp, "attributes.start_time < 1001"), ElementsAre("r0", "no-metrics"));
  EXPECT_THAT(SearchNames(exp, "params.p1 IS NULL"), ElementsAre("no-metrics"));
  EXPECT_EQ(SearchNames(exp, "tags.grp IS NOT NULL").size(), 12u);
  EXPECT_EQ(SearchNames(exp, "attributes.status = 'RUNNING'").size(), 13u);
  EXPECT_EQ(SearchNames(exp, "metrics.m1 != 0").size(), 11u);
  EXPECT_TRUE(SearchNames(exp, "params.p1 = 'x'' OR 1=1 --'").empty());
  EXPECT_TRUE(SearchNames(exp, "params.`p1' OR '1'='1` = 'x'").empty());

  // Default order: start_time DESC.
  auto all = SearchNames(exp, "");
  ASSERT_EQ(all.size(), 13u);
  EXPECT_EQ(all.front(), "r11");
  EXPECT_EQ(all.back(), "no-metrics");
  // Ordered by a metric, runs without it last (both directions).
  auto by_metric = SearchNames(exp, "", {"metrics.m1 DESC"});
  EXPECT_EQ(by_metric.front(), "r11");
  EXPECT_EQ(by_metric.back(), "no-metrics");
  by_metric = SearchNames(exp, "", {"metrics.m1 ASC"});
  EXPECT_EQ(by_metric.front(), "r0");
  EXPECT_EQ(by_metric.back(), "no-metrics");
  auto by_param = SearchNames(exp, "", {"params.p1", "attributes.run_name DESC"});
  EXPECT_EQ(by_param.front(), "r9");  // p1='x' sorts first; then names descending
  EXPECT_EQ(by_param.back(), "no-metrics");

  // Paging with order_by.
  SearchRunsRequest r;
  r.experiment_ids = {exp};
  r.order_by = {"metrics.m1 DESC"};
  r.max_results = 5;
  auto p1 = store_->SearchRuns(r);
  ASSERT_OK(p1);
  ASSERT_EQ(p1->runs.size(), 5u);
  EXPECT_EQ(p1->runs[4].info.run_name, "r7");
  ASSERT_FALSE(p1->next_page_token.empty());
  r.page_token = p1->next_page_token;
  auto p2 = store_->SearchRuns(r);
  ASSERT_OK(p2);
  EXPECT_EQ(p2->runs[0].info.run_name, "r6");
  // Loaded details belong to the right run.
  EXPECT_EQ(p2->runs[0].data.metrics.at(0).value, 0.6);
  EXPECT_EQ(p2->runs[0].data.params.at(0).value, "y");

  // View types.
  ASSERT_OK(store_->DeleteRun(ids[0]));
  EXPECT_EQ(SearchNames(exp, "").size(), 12u);
  r = SearchRunsRequest();
  r.experiment_ids = {exp, "0"};
  r.run_view_type = ViewType::kDeletedOnly;
  EXPECT_EQ(store_->SearchRuns(r)->runs.size(), 1u);

  // Errors.
  r = SearchRunsRequest();
  r.experiment_ids = {exp};
  r.filter = "metrics.m1 >> 3";
  EXPECT_EQ(store_->SearchRuns(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.filter.clear();
  r.page_token = "not-a-token";
  EXPECT_EQ(store_->SearchRuns(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.page_token.clear();
  r.max_results = 1000000000;
  EXPECT_EQ(store_->SearchRuns(r).status().code(), absl::StatusCode::kInvalidArgument);
  r.max_results = 10;
  r.experiment_ids = {"abc"};
  EXPECT_EQ(store_->SearchRuns(r).status().code(), absl::StatusCode::kInvalidArgument);
}

// On SQLite an equality on a param/tag value that matches few runs drives the search from the
// value index; its results, order and paging must be exactly those of the default plan
// (which PostgreSQL always uses), including runs of other experiments and deleted runs that
// share the value.
TEST_P(TrackingStoreTest, SelectiveEqualityFiltersAgreeWithTheDefaultPlan) {
  std::string exp = NewExperiment("selective");
  std::string other = NewExperiment("selective-other");
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    std::string id = NewRun(exp, absl::StrCat("s", i), 2000 + i);
    ASSERT_OK(store_->LogBatch(id, {Metric{"acc", (i * 7 % 40) / 40.0, 1, 0}},
                               {Param{"model", i % 8 == 0 ? "xgb" : "glm"}},
                               {Tag{"parent", i < 20 ? "p1" : "p2"}}));
    ids.push_back(id);
  }
  std::string foreign = NewRun(other, "foreign", 9999);
  ASSERT_OK(store_->LogBatch(foreign, {}, {Param{"model", "xgb"}}, {Tag{"parent", "p1"}}));
  ASSERT_OK(store_->DeleteRun(ids[8]));

  // s0, s8 (deleted), s16, s24, s32 have model = xgb; newest first.
  EXPECT_THAT(SearchNames(exp, "params.model = 'xgb'"), ElementsAre("s32", "s24", "s16", "s0"));
  EXPECT_THAT(SearchNames(exp, "params.model = 'xgb' and tags.parent = 'p1'"),
              ElementsAre("s16", "s0"));
  EXPECT_THAT(SearchNames(exp, "tags.parent = 'p2' and params.model = 'xgb'", {"metrics.acc ASC"}),
              ElementsAre("s24", "s32"));  // acc: s24 = 0.2, s32 = 0.6
  EXPECT_TRUE(SearchNames(exp, "tags.parent = 'nobody'").empty());
  EXPECT_TRUE(SearchNames(exp, "params.model = 'XGB'").empty());  // = is case-sensitive
  // acc: s0 = 0, s16 = 0.8, s24 = 0.2, s32 = 0.6.
  EXPECT_THAT(SearchNames(exp, "params.model = 'xgb' and metrics.acc > 0.5"),
              ElementsAre("s32", "s16"));

  // Paging through a driven search.
  SearchRunsRequest r;
  r.experiment_ids = {exp};
  r.filter = "tags.parent = 'p1'";
  r.max_results = 7;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->SearchRuns(r);
    ASSERT_OK(page);
    for (const tracking::Run& run : page->runs) seen.push_back(run.info.run_name);
    if (page->next_page_token.empty()) break;
    r.page_token = page->next_page_token;
  }
  ASSERT_EQ(seen.size(), 19u);  // s0..s19 without the deleted s8
  EXPECT_EQ(seen.front(), "s19");
  EXPECT_EQ(seen.back(), "s0");

  // Deleted runs only, and across experiments.
  r = SearchRunsRequest();
  r.experiment_ids = {exp, other};
  r.filter = "params.model = 'xgb'";
  r.run_view_type = ViewType::kDeletedOnly;
  auto deleted = store_->SearchRuns(r);
  ASSERT_OK(deleted);
  ASSERT_EQ(deleted->runs.size(), 1u);
  EXPECT_EQ(deleted->runs[0].info.run_name, "s8");
  r.run_view_type = ViewType::kAll;
  auto all = store_->SearchRuns(r);
  ASSERT_OK(all);
  ASSERT_EQ(all->runs.size(), 6u);
  EXPECT_EQ(all->runs[0].info.run_name, "foreign");
  EXPECT_EQ(all->runs[0].data.params.at(0).value, "xgb");
}

TEST_P(TrackingStoreTest, LogInputsAndDatasetSearch) {
  std::string exp = NewExperiment("data");
  std::string a = NewRun(exp, "a");
  std::string b = NewRun(exp, "b");
  DatasetInput in;
  in.dataset = Dataset{"iris", "abc123", "local", "{\"uri\": \"/data/iris.csv\"}", "", ""};
  in.tags = {Tag{"mlflow.data.context", "training"}};
  ASSERT_OK(store_->LogInputs(a, {in}));
  ASSERT_OK(store_->LogInputs(a, {in}));  // idempotent
  in.tags = {Tag{"mlflow.data.context", "eval"}};
  ASSERT_OK(store_->LogInputs(b, {in}));
  auto got = store_->GetRun(a);
  ASSERT_OK(got);
  ASSERT_EQ(got->inputs.dataset_inputs.size(), 1u);
  EXPECT_EQ(got->inputs.dataset_inputs[0].dataset.digest, "abc123");
  EXPECT_THAT(got->inputs.dataset_inputs[0].tags,
              ElementsAre(Tag{"mlflow.data.context", "training"}));
  EXPECT_EQ(SearchNames(exp, "datasets.name = 'iris'").size(), 2u);
  EXPECT_THAT(SearchNames(exp, "datasets.context = 'eval'"), ElementsAre("b"));
  EXPECT_TRUE(SearchNames(exp, "datasets.digest IN ('zzz')").empty());
  DatasetInput bad;
  EXPECT_EQ(store_->LogInputs(a, {bad}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(TrackingStoreTest, LogModelAppendsHistory) {
  std::string run = NewRun("0");
  std::string model = absl::StrCat(R"({"artifact_path": "model", "flavors": {}, )",
                                   R"("utc_time_created": "2024-01-01", "run_id": ")", run, "\"}");
  ASSERT_OK(store_->LogModel(run, model));
  ASSERT_OK(store_->LogModel(run, model));
  auto got = store_->GetRun(run);
  std::string history;
  for (const Tag& t : got->data.tags) {
    if (t.key == "mlflow.log-model.history") history = t.value;
  }
  EXPECT_THAT(history, HasSubstr("\"artifact_path\":\"model\""));
  EXPECT_EQ(history.front(), '[');
  EXPECT_EQ(store_->LogModel(run, "{\"flavors\": {}}").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LogModel(run, "not json").code(), absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, TrackingStoreTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const ::testing::TestParamInfo<store::Backend>& info) {
                           return info.param == store::Backend::kSqlite ? "SQLite" : "PostgreSQL";
                         });

}  // namespace
}  // namespace strata::tracking
