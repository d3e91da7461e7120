// Datasets on SQLite with a temporary blob store: hashing, deduplication, verified reads,
// corruption, diffs, git capture and MLflow dataset inputs.
#include "strata/data/datasets.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/sha256.h"
#include "strata/store/testing/test_database.h"

namespace strata::data {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

int CountBlobs(const std::string& root) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(root) / "blobs")) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string ShOut(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

class DatasetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("datasets_test_", getpid(), "_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "files");
    std::string skip;
    db_ = store::testing::OpenTestDatabase(store::Backend::kSqlite, &sqlite_path_, &skip);
    ASSERT_NE(db_, nullptr);
    auto blobs = blob::ArtifactStore::Open((dir_ / "artifacts").string());
    ASSERT_TRUE(blobs.ok()) << blobs.status();
    blobs_ = std::move(*blobs);
    auto ds = Datasets::Open(db_.get(), blobs_.get());
    ASSERT_TRUE(ds.ok()) << ds.status();
    datasets_ = std::move(*ds);
    // Outside any repository unless a test makes one.
    options_.git_search_dir = (dir_ / "files").string();
  }
  void TearDown() override {
    datasets_.reset();
    blobs_.reset();
    db_.reset();
    store::testing::RemoveSqliteFiles(sqlite_path_);
    fs::remove_all(dir_);
  }

  std::string File(const std::string& name, const std::string& text) {
    std::string path = (dir_ / "files" / name).string();
    WriteFile(path, text);
    return path;
  }

  AddResult Add(const std::string& name, const std::string& path) {
    auto r = datasets_->AddVersion(name, path, options_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : AddResult{};
  }

  static DatasetRef Ref(const std::string& text) {
    auto r = ParseDatasetRef(text);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : DatasetRef{};
  }

  fs::path dir_;
  std::string sqlite_path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<blob::ArtifactStore> blobs_;
  std::unique_ptr<Datasets> datasets_;
  AddOptions options_;
};

constexpr char kCsv1[] = "id,score,name\n1,2.5,a\n2,3.5,b\n3,,c\n";

TEST_F(DatasetsTest, AddRecordsManifest) {
  const std::string path = File("iris.csv", kCsv1);
  options_.description = "three rows";
  options_.created_by = "ana";
  options_.tags = {{"team", "ml"}};
  AddResult r = Add("iris", path);
  EXPECT_TRUE(r.created);
  const DatasetVersion& v = r.version;
  EXPECT_EQ(v.version, 1);
  EXPECT_EQ(v.sha256, Sha256Hex(kCsv1));
  EXPECT_EQ(v.size_bytes, static_cast<int64_t>(sizeof(kCsv1) - 1));
  EXPECT_EQ(v.source_path, path);
  EXPECT_EQ(v.file_format, "csv");
  EXPECT_EQ(v.row_count, 3);
  EXPECT_EQ(json::parse(v.schema_json),
            json::parse(R"([{"name":"id","type":"int64"},{"name":"score","type":"float64"},)"
                        R"({"name":"name","type":"string"}])"));
  EXPECT_EQ(v.created_by, "ana");
  EXPECT_EQ(v.description, "three rows");
  EXPECT_EQ(v.tags, (std::vector<DatasetTag>{{"team", "ml"}}));
  EXPECT_GT(v.created_at_ms, 0);

  // The built-in summary under the profile keys.
  json p = json::parse(v.profile_json);
  EXPECT_EQ(p["rows"], 3);
  ASSERT_EQ(p["columns"].size(), 3u);
  const json& id = p["columns"][0];
  EXPECT_EQ(id["name"], "id");
  EXPECT_EQ(id["type"], "int64");
  EXPECT_EQ(id["count"], 3);
  EXPECT_EQ(id["null_count"], 0);
  EXPECT_EQ(id["min"], 1);
  EXPECT_EQ(id["max"], 3);
  EXPECT_DOUBLE_EQ(id["mean"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(id["stddev"].get<double>(), 1.0);
  const json& score = p["columns"][1];
  EXPECT_EQ(score["count"], 2);
  EXPECT_EQ(score["null_count"], 1);
  EXPECT_DOUBLE_EQ(score["mean"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(score["min"].get<double>(), 2.5);
  EXPECT_NEAR(score["stddev"].get<double>(), 0.70710678, 1e-7);
  EXPECT_FALSE(p["columns"][2].contains("mean"));

  // Current user when created_by is empty.
  options_.created_by.clear();
  options_.force = true;
  AddResult again = Add("iris", path);
  EXPECT_FALSE(again.version.created_by.empty());
}

TEST_F(DatasetsTest, AddingTheSameFileTwiceStoresOneBlobAndOneVersion) {
  const std::string path = File("a.csv", kCsv1);
  AddResult first = Add("d", path);
  AddResult second = Add("d", path);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(second.created);  // idempotent: the existing version comes back
  EXPECT_EQ(second.version.version, 1);
  EXPECT_EQ(CountBlobs(blobs_->root()), 1);
  // Another name with the same bytes: a version of its own, still one blob.
  EXPECT_TRUE(Add("e", path).created);
  EXPECT_EQ(CountBlobs(blobs_->root()), 1);
  // --force adds a version with identical bytes; still one blob.
  options_.force = true;
  AddResult forced = Add("d", path);
  EXPECT_TRUE(forced.created);
  EXPECT_EQ(forced.version.version, 2);
  EXPECT_EQ(CountBlobs(blobs_->root()), 1);
  auto versions = datasets_->ListVersions("d");
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 2u);
  // Each version has its own ref onto the one blob.
  EXPECT_NE((*versions)[0].artifact_path, (*versions)[1].artifact_path);
  EXPECT_EQ(blobs_->Get((*versions)[0].artifact_path)->sha256,
            blobs_->Get((*versions)[1].artifact_path)->sha256);
}

TEST_F(DatasetsTest, VersionsIncrementWhenContentChanges) {
  const std::string path = File("a.csv", kCsv1);
  EXPECT_EQ(Add("d", path).version.version, 1);
  WriteFile(path, "id,score,name\n1,2.5,a\n");
  EXPECT_EQ(Add("d", path).version.version, 2);
  // Back to the first content: a new version (only the latest is compared).
  WriteFile(path, kCsv1);
  AddResult third = Add("d", path);
  EXPECT_TRUE(third.created);
  EXPECT_EQ(third.version.version, 3);
  EXPECT_EQ(CountBlobs(blobs_->root()), 2);
  auto versions = datasets_->ListVersions("d");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[1].row_count, 1);
  auto summaries = datasets_->ListDatasets();
  ASSERT_TRUE(summaries.ok());
  ASSERT_EQ(summaries->size(), 1u);
  EXPECT_EQ((*summaries)[0].latest.version, 3);
  EXPECT_EQ((*summaries)[0].version_count, 3);

  // Every version is a lineage artifact; re-adding identical bytes adds none.
  Add("d", path);
  auto artifacts = datasets_->lineage().ListArtifacts("Dataset");
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  ASSERT_EQ(artifacts->size(), 3u);
  EXPECT_EQ((*artifacts)[0].name, "d@3");
  EXPECT_EQ((*artifacts)[0].uri, "dataset:d@3");
  EXPECT_EQ(json::parse((*artifacts)[0].properties_json)["sha256"], third.version.sha256);
}

TEST_F(DatasetsTest, MaterializeWritesTheExactBytes) {
  const std::string path = File("a.csv", kCsv1);
  Add("d", path);
  WriteFile(path, "id\n9\n");
  Add("d", path);
  const std::string out = (dir_ / "out.csv").string();
  auto written = datasets_->Materialize(Ref("d@1"), out);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, out);
  EXPECT_EQ(ReadFile(out), kCsv1);
  written = datasets_->Materialize(Ref("d"), out);  // latest, replacing the file
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(ReadFile(out), "id\n9\n");
  // Into a folder: the original file name.
  fs::create_directories(dir_ / "outdir");
  written = datasets_->Materialize(Ref("d@latest"), (dir_ / "outdir").string());
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, (dir_ / "outdir" / "a.csv").string());
  EXPECT_EQ(ReadFile(*written), "id\n9\n");

  EXPECT_TRUE(absl::IsNotFound(datasets_->Materialize(Ref("d@7"), out).status()));
  EXPECT_TRUE(absl::IsNotFound(datasets_->Materialize(Ref("zz"), out).status()));
}

TEST_F(DatasetsTest, CorruptBlobIsDataLossNamingTheHash) {
  const std::string path = File("a.csv", kCsv1);
  AddResult r = Add("d", path);
  auto info = blobs_->Get(r.version.artifact_path);
  ASSERT_TRUE(info.ok()) << info.status();
  // Blobs are read-only; flip one byte as a failing disk would.
  ASSERT_EQ(chmod(info->blob_path.c_str(), 0644), 0);
  std::string bytes = ReadFile(info->blob_path);
  bytes[5] ^= 0x20;
  WriteFile(info->blob_path, bytes);

  const std::string out = (dir_ / "out.csv").string();
  auto m = datasets_->Materialize(Ref("d@1"), out);
  ASSERT_TRUE(absl::IsDataLoss(m.status())) << m.status();
  EXPECT_THAT(m.status().message(), HasSubstr(r.version.sha256));
  EXPECT_THAT(m.status().message(), HasSubstr("d@1"));
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_THAT(e.path().filename().string(), ::testing::Not(HasSubstr("strata-tmp")));
  }
  auto v = datasets_->Verify(Ref("d@1"));
  ASSERT_TRUE(absl::IsDataLoss(v.status())) << v.status();
  EXPECT_THAT(v.status().message(), HasSubstr(r.version.sha256));

  // A truncated blob too, and a missing one.
  WriteFile(info->blob_path, bytes.substr(0, 4));
  EXPECT_TRUE(absl::IsDataLoss(datasets_->Verify(Ref("d@1")).status()));
  fs::remove(info->blob_path);
  EXPECT_TRUE(absl::IsDataLoss(datasets_->Materialize(Ref("d@1"), out).status()));
}

TEST_F(DatasetsTest, DiffReportsSchemaRowsAndStatistics) {
  const std::string path = File("a.csv", "id,score,name,gone\n1,2.5,a,x\n2,3.5,b,y\n");
  Add("d", path);
  WriteFile(path, "id,score,name,extra\n1,low,a,1\n2,high,b,2\n3,mid,,3\n6,mid,d,4\n");
  Add("d", path);
  auto diff = datasets_->Diff(Ref("d@1"), Ref("d@2"));
  ASSERT_TRUE(diff.ok()) << diff.status();
  EXPECT_EQ(diff->from, "d@1");
  EXPECT_EQ(diff->to, "d@2");
  EXPECT_FALSE(diff->same_content);
  ASSERT_EQ(diff->added_columns.size(), 1u);
  EXPECT_EQ(diff->added_columns[0].name, "extra");
  EXPECT_EQ(diff->added_columns[0].to_type, "int64");
  ASSERT_EQ(diff->removed_columns.size(), 1u);
  EXPECT_EQ(diff->removed_columns[0].name, "gone");
  ASSERT_EQ(diff->type_changes.size(), 1u);
  EXPECT_EQ(diff->type_changes[0].name, "score");
  EXPECT_EQ(diff->type_changes[0].from_type, "float64");
  EXPECT_EQ(diff->type_changes[0].to_type, "string");
  EXPECT_EQ(diff->rows_from, 2);
  EXPECT_EQ(diff->rows_to, 4);
  ASSERT_TRUE(diff->rows_relative_change.has_value());
  EXPECT_DOUBLE_EQ(*diff->rows_relative_change, 1.0);

  auto find = [&](const std::string& column, const std::string& stat) -> const StatShift* {
    for (const StatShift& s : diff->stat_shifts) {
      if (s.column == column && s.statistic == stat) return &s;
    }
    return nullptr;
  };
  const StatShift* mean = find("id", "mean");
  ASSERT_NE(mean, nullptr);
  EXPECT_DOUBLE_EQ(mean->from, 1.5);
  EXPECT_DOUBLE_EQ(mean->to, 3.0);
  EXPECT_DOUBLE_EQ(*mean->relative_change, 1.0);
  const StatShift* max = find("id", "max");
  ASSERT_NE(max, nullptr);
  EXPECT_DOUBLE_EQ(max->to, 6.0);
  const StatShift* nulls = find("name", "null_fraction");
  ASSERT_NE(nulls, nullptr);
  EXPECT_DOUBLE_EQ(nulls->from, 0.0);
  EXPECT_DOUBLE_EQ(nulls->to, 0.25);
  EXPECT_FALSE(nulls->relative_change.has_value());  // from 0: no relative change
  // Statistics only for columns in both versions and only where both have them.
  EXPECT_EQ(find("extra", "mean"), nullptr);
  EXPECT_EQ(find("score", "mean"), nullptr);  // a string now

  json j = DiffToJson(*diff);
  EXPECT_EQ(j["schema"]["added"][0]["name"], "extra");
  EXPECT_EQ(j["schema"]["type_changed"][0]["from_type"], "float64");
  EXPECT_EQ(j["rows"]["change"], 2);
  EXPECT_TRUE(j["statistics"].is_array());

  // Identical versions: no schema change, zero shifts.
  auto same = datasets_->Diff(Ref("d@2"), Ref("d@latest"));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->same_content);
  EXPECT_TRUE(same->added_columns.empty() && same->type_changes.empty());
  for (const StatShift& s : same->stat_shifts) EXPECT_EQ(*s.relative_change, 0.0);
}

TEST_F(DatasetsTest, ProfilerOptionIsUsedAndChecked) {
  const std::string path = File("a.csv", kCsv1);
  options_.profiler = [](const table::Table& t) -> absl::StatusOr<json> {
    return json{{"rows", t.num_rows()}, {"by", "custom"}};
  };
  AddResult r = Add("d", path);
  EXPECT_EQ(json::parse(r.version.profile_json)["by"], "custom");
  options_.force = true;
  options_.profiler = [](const table::Table&) -> absl::StatusOr<json> { return json::array(); };
  EXPECT_TRUE(absl::IsInvalidArgument(datasets_->AddVersion("d", path, options_).status()));
  options_.profiler = [](const table::Table&) -> absl::StatusOr<json> {
    return absl::ResourceExhaustedError("too big");
  };
  EXPECT_TRUE(absl::IsResourceExhausted(datasets_->AddVersion("d", path, options_).status()));
}

TEST_F(DatasetsTest, BadInputsAreRejectedPrecisely) {
  const std::string path = File("a.csv", kCsv1);
  for (const char* name : {"../x", "a/b", "", ".hidden", "-flag", "a b", "a\\b", "x\n"}) {
    auto r = datasets_->AddVersion(name, path, options_);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << name << ": " << r.status();
  }
  EXPECT_TRUE(datasets_->AddVersion("iris-v2_1.0", path, options_).ok());
  auto missing = datasets_->AddVersion("d", (dir_ / "nope.csv").string(), options_);
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  auto dir = datasets_->AddVersion("d", (dir_ / "files").string(), options_);
  EXPECT_TRUE(absl::IsInvalidArgument(dir.status())) << dir.status();
  auto ext = datasets_->AddVersion("d", File("a.xlsx", "x"), options_);
  EXPECT_TRUE(absl::IsInvalidArgument(ext.status())) << ext.status();
  auto ragged = datasets_->AddVersion("d", File("r.csv", "a,b\n1\n"), options_);
  EXPECT_TRUE(absl::IsInvalidArgument(ragged.status())) << ragged.status();
  EXPECT_THAT(ragged.status().message(), HasSubstr("line 2"));
  // Nothing was stored for the failures: no manifest, and no ref left by the blob copy that
  // ran beside the failed parse.
  EXPECT_TRUE(absl::IsNotFound(datasets_->ListVersions("d").status()));
  auto refs = blobs_->List("datasets/d");
  ASSERT_TRUE(refs.ok()) << refs.status();
  EXPECT_TRUE(refs->empty());
  // An odd file name still stores (the ref's name is sanitized).
  EXPECT_TRUE(datasets_->AddVersion("odd", File("a%2e%2e b.csv", kCsv1), options_).ok());
}

TEST(DatasetRefTest, Parses) {
  auto r = ParseDatasetRef("iris@3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "iris");
  EXPECT_EQ(r->version, 3);
  r = ParseDatasetRef("iris@latest");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->version.has_value());
  r = ParseDatasetRef("iris");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->version.has_value());
  for (const char* bad : {"iris@0", "iris@-1", "iris@x", "iris@", "iris@1.5", "@1", "../x@1",
                          "iris@99999999999999999999", "a/b@1"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseDatasetRef(bad).status())) << bad;
  }
  EXPECT_TRUE(absl::IsInvalidArgument(ParseVersion("+3").status()));
}

TEST_F(DatasetsTest, GitStateOfTheRepository) {
  const fs::path repo = dir_ / "repo";
  fs::create_directories(repo / "sub");
  const std::string git = absl::StrCat("git -C '", repo.string(), "' -c user.name=t -c user.email=t@e ");
  ASSERT_EQ(Sh(absl::StrCat(git, "init -q")), 0);
  WriteFile((repo / "code.py").string(), "print(1)\n");
  ASSERT_EQ(Sh(absl::StrCat(git, "add code.py && ", git, "commit -qm init")), 0);
  const std::string head = ShOut(absl::StrCat(git, "rev-parse HEAD"));
  ASSERT_EQ(head.size(), 40u);

  const std::string path = File("a.csv", kCsv1);
  options_.git_search_dir = (repo / "sub").string();  // found by searching upward
  AddResult clean = Add("d", path);
  ASSERT_TRUE(clean.version.git.has_value());
  EXPECT_EQ(clean.version.git->commit, head);
  EXPECT_FALSE(clean.version.git->dirty);
  EXPECT_EQ(fs::canonical(clean.version.git->repo_path), fs::canonical(repo));

  // An untracked file does not make it dirty; a modified tracked file does.
  WriteFile((repo / "notes.txt").string(), "x");
  options_.force = true;
  EXPECT_FALSE(Add("d", path).version.git->dirty);
  WriteFile((repo / "code.py").string(), "print(2)\n");
  AddResult dirty = Add("d", path);
  EXPECT_TRUE(dirty.version.git->dirty);
  EXPECT_EQ(dirty.version.git->commit, head);
  // Read back from the store the same way.
  auto got = datasets_->GetVersion(Ref("d@3"));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->git->dirty);
  EXPECT_EQ(ManifestToJson(*got)["git"]["commit"], head);
}

TEST_F(DatasetsTest, NoRepositoryMeansNullGitFields) {
  AddResult r = Add("d", File("a.csv", kCsv1));
  EXPECT_FALSE(r.version.git.has_value());
  EXPECT_TRUE(ManifestToJson(r.version)["git"].is_null());
  // A repository without commits: repo path, no commit.
  const fs::path repo = dir_ / "empty-repo";
  fs::create_directories(repo);
  ASSERT_EQ(Sh(absl::StrCat("git -C '", repo.string(), "' init -q")), 0);
  options_.git_search_dir = repo.string();
  options_.force = true;
  AddResult unborn = Add("d", File("a.csv", kCsv1));
  ASSERT_TRUE(unborn.version.git.has_value());
  EXPECT_EQ(unborn.version.git->commit, "");
  EXPECT_TRUE(ManifestToJson(unborn.version)["git"]["commit"].is_null());
}

TEST_F(DatasetsTest, LogsAnMlflowDatasetInput) {
  tracking::TrackingOptions topts;
  auto tracking = tracking::TrackingStore::Open(db_.get(), topts);
  ASSERT_TRUE(tracking.ok()) << tracking.status();
  auto run = (*tracking)->CreateRun({});
  ASSERT_TRUE(run.ok()) << run.status();
  AddResult r = Add("iris", File("iris.csv", kCsv1));
  auto in = datasets_->LogRunInput(Ref("iris@1"), run->info.run_id, "training", **tracking);
  ASSERT_TRUE(in.ok()) << in.status();
  auto got = (*tracking)->GetRun(run->info.run_id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->inputs.dataset_inputs.size(), 1u);
  const tracking::DatasetInput& di = got->inputs.dataset_inputs[0];
  EXPECT_EQ(di.dataset.name, "iris");
  EXPECT_EQ(di.dataset.digest, r.version.sha256.substr(0, 8));
  EXPECT_EQ(di.dataset.source_type, "strata");
  json source = json::parse(di.dataset.source);
  EXPECT_EQ(source["version"], 1);
  EXPECT_EQ(source["sha256"], r.version.sha256);
  json schema = json::parse(di.dataset.schema);
  ASSERT_EQ(schema["mlflow_colspec"].size(), 3u);
  EXPECT_EQ(schema["mlflow_colspec"][0],
            json::parse(R"({"name":"id","type":"long","required":true})"));
  EXPECT_EQ(schema["mlflow_colspec"][1]["type"], "double");
  EXPECT_EQ(schema["mlflow_colspec"][1]["required"], false);  // has a null
  EXPECT_EQ(json::parse(di.dataset.profile)["num_rows"], 3);
  ASSERT_EQ(di.tags.size(), 1u);
  EXPECT_EQ(di.tags[0].key, "mlflow.data.context");
  EXPECT_EQ(di.tags[0].value, "training");

  // The run is a lineage context holding the dataset version.
  auto run_context = datasets_->lineage().FindContext("MlflowRun", run->info.run_id);
  ASSERT_TRUE(run_context.ok() && run_context->has_value());
  auto used = datasets_->lineage().ArtifactsOfContext((*run_context)->id);
  ASSERT_TRUE(used.ok());
  ASSERT_EQ(used->size(), 1u);
  EXPECT_EQ((*used)[0].name, "iris@1");

  auto unknown = datasets_->LogRunInput(Ref("iris@1"), "nope", "", **tracking);
  EXPECT_TRUE(absl::IsNotFound(unknown.status()));
}

}  // namespace
}  // namespace strata::data
