// `strata data add|versions|get|diff|log-input`: versioned datasets, run in-process on the
// home directory's metadata store and blob store (the same ones `strata server` serves).
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/blob/artifact_store.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/data/datasets.h"
#include "strata/data/profile.h"
#include "strata/io/csv_reader.h"
#include "strata/store/database.h"
#include "strata/tracking/tracking_store.h"

namespace strata::cli {
namespace {

using nlohmann::json;

std::string HumanBytes(int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrCat(n, " B") : absl::StrFormat("%.1f %s", v, units[u]);
}

std::string When(int64_t ms) { return io::FormatTimestampMicros(ms * 1000).substr(0, 19); }

std::string GitText(const data::DatasetVersion& v) {
  if (!v.git) return "-";
  if (v.git->commit.empty()) return "(no commit)";
  return absl::StrCat(v.git->commit.substr(0, 10), v.git->dirty ? "+dirty" : "");
}

std::string Percent(std::optional<double> relative) {
  if (!relative) return "from 0";
  return absl::StrFormat("%+.1f%%", *relative * 100);
}

int Fail(const char* verb, const absl::Status& s) {
  std::fprintf(stderr, "strata data %s: %s\n", verb, std::string(s.message()).c_str());
  return 1;
}

int Usage(const char* verb, const absl::Status& s) {
  std::fprintf(stderr, "strata data %s: %s\n", verb, std::string(s.message()).c_str());
  return 2;
}

// The home's stores, opened for one command.
class DatasetHome {
 public:
  // Registers --home, --store and --artifacts on `cmd`.
  void AddOptions(CLI::App* cmd) {
    home_ = DefaultHome();
    cmd->add_option("--home", home_, "Home directory (default $STRATA_HOME or ~/.strata)")
        ->capture_default_str();
    cmd->add_option("--store", store_uri_,
                    "Metadata store URI; default sqlite under --home (as strata server)");
    cmd->add_option("--artifacts", artifacts_dir_, "Blob store directory; default <home>/artifacts");
  }

  absl::Status Open() {
    ASSIGN_OR_RETURN(db_, OpenHomeDatabase(home_, store_uri_));
    ASSIGN_OR_RETURN(blobs_, blob::ArtifactStore::Open(HomeArtifactsDir(home_, artifacts_dir_)));
    ASSIGN_OR_RETURN(datasets_, data::Datasets::Open(db_.get(), blobs_.get()));
    return absl::OkStatus();
  }

  absl::StatusOr<tracking::TrackingStore*> Tracking() {
    if (tracking_ == nullptr) {
      ASSIGN_OR_RETURN(tracking_, OpenHomeTracking(db_.get()));
    }
    return tracking_.get();
  }

  data::Datasets& datasets() { return *datasets_; }

 private:
  std::string home_;
  std::string store_uri_;
  std::string artifacts_dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<blob::ArtifactStore> blobs_;
  std::unique_ptr<data::Datasets> datasets_;
  std::unique_ptr<tracking::TrackingStore> tracking_;
};

void PrintInput(const tracking::DatasetInput& in, const std::string& run_id) {
  std::printf("Logged %s (digest %s) as an input of run %s\n", in.dataset.name.c_str(),
              in.dataset.digest.c_str(), run_id.c_str());
}

class DataAddCommand : public DataSubcommand {
 public:
  explicit DataAddCommand(CLI::App& data) {
    app_ = data.add_subcommand("add", "Add a file as the next version of a dataset");
    app_->add_option("name", name_, "Dataset name ([A-Za-z0-9._-])")->required();
    app_->add_option("path", path_, "Data file (.csv, .tsv, ...)")->required();
    app_->add_option("--description", options_.description, "What this version is");
    app_->add_option("--tag", tags_, "KEY=VALUE (repeatable)");
    app_->add_option("--user", options_.created_by, "Who adds it (default: the OS user)");
    app_->add_flag("--force", options_.force,
                   "Add a new version even when the latest has identical bytes");
    app_->add_option("--git-dir", options_.git_search_dir,
                     "Directory whose git repository is recorded (default: current directory)");
    app_->add_flag("--no-git", no_git_, "Do not record the git state");
    app_->add_option("--delimiter", delimiter_, "CSV field delimiter")->capture_default_str();
    app_->add_option("--run-id", run_id_, "Also log the version as a dataset input of this run");
    app_->add_option("--context", context_, "mlflow.data.context of the input, e.g. training");
    app_->add_flag("--json", json_, "Print the manifest as JSON");
    home_.AddOptions(app_);
  }
  CLI::App* app() const override { return app_; }

  int Run() override {
    if (absl::Status s = data::ValidateDatasetName(name_); !s.ok()) return Usage("add", s);
    if (delimiter_.size() != 1) {
      return Usage("add", absl::InvalidArgumentError("--delimiter must be one character"));
    }
    for (const std::string& t : tags_) {
      const size_t eq = t.find('=');
      if (eq == std::string::npos || eq == 0) {
        return Usage("add", absl::InvalidArgumentError(
                                absl::StrCat("--tag '", t, "' is not KEY=VALUE")));
      }
      options_.tags.push_back({t.substr(0, eq), t.substr(eq + 1)});
    }
    options_.capture_git = !no_git_;
    options_.csv.delimiter = delimiter_[0];
    // The version's statistics are the full data profile (sketches left out), so `data diff`
    // compares distinct counts and quantiles too.
    options_.profiler = [](const table::Table& t) -> absl::StatusOr<nlohmann::json> {
      absl::StatusOr<data::TableProfile> profile = data::ProfileTable(t);
      if (!profile.ok()) return profile.status();
      return data::ProfileToJson(*profile);
    };
    if (absl::Status s = home_.Open(); !s.ok()) return Fail("add", s);
    const int64_t start = MonotonicMicros();
    absl::StatusOr<data::AddResult> added = home_.datasets().AddVersion(name_, path_, options_);
    const double seconds = static_cast<double>(MonotonicMicros() - start) / 1e6;
    if (!added.ok()) return Fail("add", added.status());
    const data::DatasetVersion& v = added->version;
    std::optional<tracking::DatasetInput> input;
    if (!run_id_.empty()) {
      absl::StatusOr<tracking::TrackingStore*> tracking = home_.Tracking();
      if (!tracking.ok()) return Fail("add", tracking.status());
      absl::StatusOr<tracking::DatasetInput> logged = home_.datasets().LogRunInput(
          data::DatasetRef{v.name, v.version}, run_id_, context_, **tracking);
      if (!logged.ok()) return Fail("add", logged.status());
      input = std::move(*logged);
    }
    if (json_) {
      json out = data::ManifestToJson(v);
      out["created"] = added->created;
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    if (added->created) {
      // Throughput only where it means something (not for a few bytes).
      const std::string rate =
          v.size_bytes >= (1 << 20) && seconds > 0
              ? absl::StrFormat(", %.0f MB/s", static_cast<double>(v.size_bytes) / 1e6 / seconds)
              : "";
      std::printf("Added %s@%" PRId64 ": %s, %" PRId64 " rows, sha256 %s (%.3f s%s)\n",
                  v.name.c_str(), v.version, HumanBytes(v.size_bytes).c_str(), v.row_count,
                  v.sha256.c_str(), seconds, rate.c_str());
    } else {
      std::printf("Unchanged: %s@%" PRId64 " already holds these bytes (sha256 %s); "
                  "use --force to add a new version anyway\n",
                  v.name.c_str(), v.version, v.sha256.c_str());
    }
    std::printf("  git: %s%s%s\n", GitText(v).c_str(), v.git ? " in " : "",
                v.git ? v.git->repo_path.c_str() : "");
    if (input) PrintInput(*input, run_id_);
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  DatasetHome home_;
  std::string name_;
  std::string path_;
  std::vector<std::string> tags_;
  bool no_git_ = false;
  std::string delimiter_ = ",";
  std::string run_id_;
  std::string context_;
  bool json_ = false;
  data::AddOptions options_;
};

class DataVersionsCommand : public DataSubcommand {
 public:
  explicit DataVersionsCommand(CLI::App& data) {
    app_ = data.add_subcommand("versions", "List the versions of a dataset");
    app_->add_option("name", name_, "Dataset name")->required();
    app_->add_flag("--json", json_, "Print the manifests as JSON");
    home_.AddOptions(app_);
  }
  CLI::App* app() const override { return app_; }

  int Run() override {
    if (absl::Status s = data::ValidateDatasetName(name_); !s.ok()) return Usage("versions", s);
    if (absl::Status s = home_.Open(); !s.ok()) return Fail("versions", s);
    absl::StatusOr<std::vector<data::DatasetVersion>> versions =
        home_.datasets().ListVersions(name_);
    if (!versions.ok()) return Fail("versions", versions.status());
    if (json_) {
      json out = json::array();
      for (const data::DatasetVersion& v : *versions) out.push_back(data::ManifestToJson(v));
      std::printf("%s\n", json{{"name", name_}, {"versions", std::move(out)}}.dump(2).c_str());
      return 0;
    }
    std::printf("%-8s %-19s %10s %10s %-12s %-16s %-12s %s\n", "VERSION", "CREATED", "ROWS",
                "SIZE", "SHA256", "GIT", "BY", "DESCRIPTION");
    for (const data::DatasetVersion& v : *versions) {
      std::printf("%-8" PRId64 " %-19s %10" PRId64 " %10s %-12s %-16s %-12s %s\n", v.version,
                  When(v.created_at_ms).c_str(), v.row_count, HumanBytes(v.size_bytes).c_str(),
                  v.sha256.substr(0, 12).c_str(), GitText(v).c_str(), v.created_by.c_str(),
                  v.description.c_str());
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  DatasetHome home_;
  std::string name_;
  bool json_ = false;
};

class DataGetCommand : public DataSubcommand {
 public:
  explicit DataGetCommand(CLI::App& data) {
    app_ = data.add_subcommand("get", "Write a dataset version's bytes to a file (hash-verified)");
    app_->add_option("ref", ref_, "NAME, NAME@VERSION or NAME@latest")->required();
    app_->add_option("out", out_, "Output file, or an existing folder")->required();
    home_.AddOptions(app_);
  }
  CLI::App* app() const override { return app_; }

  int Run() override {
    absl::StatusOr<data::DatasetRef> ref = data::ParseDatasetRef(ref_);
    if (!ref.ok()) return Usage("get", ref.status());
    if (absl::Status s = home_.Open(); !s.ok()) return Fail("get", s);
    absl::StatusOr<data::DatasetVersion> v = home_.datasets().GetVersion(*ref);
    if (!v.ok()) return Fail("get", v.status());
    // Pin the version resolved above so "latest" cannot move between the two calls.
    absl::StatusOr<std::string> written =
        home_.datasets().Materialize(data::DatasetRef{v->name, v->version}, out_);
    if (!written.ok()) return Fail("get", written.status());
    std::printf("Wrote %s@%" PRId64 " (%s, sha256 %s verified) to %s\n", v->name.c_str(),
                v->version, HumanBytes(v->size_bytes).c_str(), v->sha256.c_str(),
                written->c_str());
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  DatasetHome home_;
  std::string ref_;
  std::string out_;
};

std::string Num(double x) { return absl::StrFormat("%.6g", x); }

void PrintDiff(const data::DatasetDiff& d) {
  std::printf("%s -> %s%s\n", d.from.c_str(), d.to.c_str(),
              d.same_content ? " (identical content)" : "");
  if (d.added_columns.empty() && d.removed_columns.empty() && d.type_changes.empty()) {
    std::printf("schema: unchanged\n");
  } else {
    std::printf("schema:\n");
    for (const data::ColumnChange& c : d.added_columns) {
      std::printf("  + %s (%s)\n", c.name.c_str(), c.to_type.c_str());
    }
    for (const data::ColumnChange& c : d.removed_columns) {
      std::printf("  - %s (%s)\n", c.name.c_str(), c.from_type.c_str());
    }
    for (const data::ColumnChange& c : d.type_changes) {
      std::printf("  ~ %s: %s -> %s\n", c.name.c_str(), c.from_type.c_str(), c.to_type.c_str());
    }
  }
  std::printf("rows: %" PRId64 " -> %" PRId64 " (%+" PRId64 ", %s)\n", d.rows_from, d.rows_to,
              d.rows_to - d.rows_from, Percent(d.rows_relative_change).c_str());
  int changed = 0;
  for (const data::StatShift& s : d.stat_shifts) {
    if (s.relative_change && *s.relative_change == 0) continue;
    if (changed++ == 0) std::printf("statistics that changed:\n");
    std::printf("  %s.%s: %s -> %s (%s)\n", s.column.c_str(), s.statistic.c_str(),
                Num(s.from).c_str(), Num(s.to).c_str(), Percent(s.relative_change).c_str());
  }
  if (changed == 0) std::printf("statistics: unchanged\n");
}

class DataDiffCommand : public DataSubcommand {
 public:
  explicit DataDiffCommand(CLI::App& data) {
    app_ = data.add_subcommand("diff", "Compare two dataset versions: schema, rows, statistics");
    app_->add_option("from", from_, "NAME@VERSION")->required();
    app_->add_option("to", to_, "NAME@VERSION (or another dataset)")->required();
    app_->add_flag("--json", json_, "Print the diff as JSON");
    home_.AddOptions(app_);
  }
  CLI::App* app() const override { return app_; }

  int Run() override {
    absl::StatusOr<data::DatasetRef> from = data::ParseDatasetRef(from_);
    if (!from.ok()) return Usage("diff", from.status());
    absl::StatusOr<data::DatasetRef> to = data::ParseDatasetRef(to_);
    if (!to.ok()) return Usage("diff", to.status());
    if (absl::Status s = home_.Open(); !s.ok()) return Fail("diff", s);
    absl::StatusOr<data::DatasetDiff> diff = home_.datasets().Diff(*from, *to);
    if (!diff.ok()) return Fail("diff", diff.status());
    if (json_) {
      std::printf("%s\n", data::DiffToJson(*diff).dump(2).c_str());
    } else {
      PrintDiff(*diff);
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  DatasetHome home_;
  std::string from_;
  std::string to_;
  bool json_ = false;
};

class DataLogInputCommand : public DataSubcommand {
 public:
  explicit DataLogInputCommand(CLI::App& data) {
    app_ = data.add_subcommand("log-input", "Record a dataset version as an MLflow run input");
    app_->add_option("ref", ref_, "NAME@VERSION or NAME (latest)")->required();
    app_->add_option("--run-id", run_id_, "MLflow run id")->required();
    app_->add_option("--context", context_, "mlflow.data.context, e.g. training");
    home_.AddOptions(app_);
  }
  CLI::App* app() const override { return app_; }

  int Run() override {
    absl::StatusOr<data::DatasetRef> ref = data::ParseDatasetRef(ref_);
    if (!ref.ok()) return Usage("log-input", ref.status());
    if (absl::Status s = home_.Open(); !s.ok()) return Fail("log-input", s);
    absl::StatusOr<tracking::TrackingStore*> tracking = home_.Tracking();
    if (!tracking.ok()) return Fail("log-input", tracking.status());
    absl::StatusOr<tracking::DatasetInput> in =
        home_.datasets().LogRunInput(*ref, run_id_, context_, **tracking);
    if (!in.ok()) return Fail("log-input", in.status());
    PrintInput(*in, run_id_);
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  DatasetHome home_;
  std::string ref_;
  std::string run_id_;
  std::string context_;
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataAddCommand(CLI::App& data) {
  return std::make_unique<DataAddCommand>(data);
}
std::unique_ptr<DataSubcommand> MakeDataVersionsCommand(CLI::App& data) {
  return std::make_unique<DataVersionsCommand>(data);
}
std::unique_ptr<DataSubcommand> MakeDataGetCommand(CLI::App& data) {
  return std::make_unique<DataGetCommand>(data);
}
std::unique_ptr<DataSubcommand> MakeDataDiffCommand(CLI::App& data) {
  return std::make_unique<DataDiffCommand>(data);
}
std::unique_ptr<DataSubcommand> MakeDataLogInputCommand(CLI::App& data) {
  return std::make_unique<DataLogInputCommand>(data);
}

}  // namespace strata::cli
