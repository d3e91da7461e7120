// Versioned datasets ("source control for data"): a named sequence of immutable versions,
// each a file whose bytes are kept once in the content-addressed blob store and whose manifest
// (SHA-256, schema, row count, column profile, git commit, author) is kept in the metadata
// store. Versions can be read back byte for byte (verified against their hash), compared
// (schema and statistics), and recorded as MLflow dataset inputs of a run.
//
// Example:
//   ASSIGN_OR_RETURN(auto datasets, data::Datasets::Open(db.get(), blobs.get()));
//   ASSIGN_OR_RETURN(data::AddResult added, datasets->AddVersion("iris", "iris.csv", {}));
//   ASSIGN_OR_RETURN(data::DatasetRef ref, data::ParseDatasetRef("iris@1"));
//   RETURN_IF_ERROR(datasets->Materialize(ref, "/tmp/iris.csv").status());
//
// Thread-safety: Datasets is thread-safe; it borrows the Database and ArtifactStore, which
// must outlive it.
#ifndef STRATA_DATA_DATASETS_H_
#define STRATA_DATA_DATASETS_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/blob/artifact_store.h"
#include "strata/data/dataset_store.h"
#include "strata/io/csv_reader.h"
#include "strata/io/read_table.h"
#include "strata/lineage/lineage_store.h"
#include "strata/store/database.h"
#include "strata/table/table.h"
#include "strata/tracking/tracking_store.h"

namespace strata::data {

// A dataset name is 1..200 characters of [A-Za-z0-9._-], not starting with '.' or '-' (so no
// "..", no path separators, nothing a shell or URL needs to quote).
// Errors: INVALID_ARGUMENT naming the name and the rule it breaks.
absl::Status ValidateDatasetName(std::string_view name);

// A version as written by users: "latest" (or empty) -> std::nullopt, "3" -> 3.
// Errors: INVALID_ARGUMENT for anything else (0, negative, non-digits, overflow).
absl::StatusOr<std::optional<int64_t>> ParseVersion(std::string_view text);

// "name" or "name@latest" (newest version), "name@3".
struct DatasetRef {
  std::string name;
  std::optional<int64_t> version;  // std::nullopt = latest
};
// Errors: INVALID_ARGUMENT (bad name or version).
absl::StatusOr<DatasetRef> ParseDatasetRef(std::string_view text);

// Computes a profile of a table. The JSON must be an object; AddVersion stores it as is.
// Diff() reads {"rows": N, "columns": [{"name", "null_count", "mean", "stddev", "min",
// "max", "distinct", ...}]} from it, skipping keys a profile does not have.
using Profiler = std::function<absl::StatusOr<nlohmann::json>(const table::Table&)>;

// The built-in profile used when AddOptions::profiler is empty: {"rows": N, "columns":
// [{"name", "type", "count" (non-null values), "null_count"} plus, for int64 and float64
// columns with at least one non-NaN value, "min", "max", "mean" and "stddev" (sample, n-1;
// absent with one value)]}. NaN values are counted but left out of the statistics.
nlohmann::json SummarizeColumns(const table::Table& table);

struct AddOptions {
  std::string description;
  std::vector<DatasetTag> tags;
  // Who added the version; empty = the OS user running the process.
  std::string created_by;
  // Add a new version even when the newest version already has these exact bytes.
  bool force = false;
  // Empty = SummarizeColumns.
  Profiler profiler;
  // Where to look for the git repository (searching upward); empty = the current directory.
  std::string git_search_dir;
  bool capture_git = true;
  // How CSV/TSV files are parsed for the schema and profile.
  io::CsvOptions csv;
};

struct AddResult {
  DatasetVersion version;
  // false: the newest version already held identical bytes and was returned unchanged
  // (adding is idempotent unless AddOptions::force).
  bool created = false;
};

// Schema and statistics differences between two versions.
struct ColumnChange {
  std::string name;
  std::string from_type;  // empty for an added column
  std::string to_type;    // empty for a removed column
};

struct StatShift {
  std::string column;
  std::string statistic;  // "null_fraction", "mean", "stddev", "min", "max", "distinct"
  double from = 0;
  double to = 0;
  // (to - from) / |from|; 0 when both are 0; std::nullopt when only `from` is 0.
  std::optional<double> relative_change;
};

struct DatasetDiff {
  std::string from;  // "name@version"
  std::string to;
  bool same_content = false;  // identical SHA-256
  std::vector<ColumnChange> added_columns;
  std::vector<ColumnChange> removed_columns;
  std::vector<ColumnChange> type_changes;
  int64_t rows_from = 0;
  int64_t rows_to = 0;
  std::optional<double> rows_relative_change;
  // Every statistic present in both profiles for a column present in both, in column order
  // of `to` then statistic order above; unchanged ones have relative_change 0.
  std::vector<StatShift> stat_shifts;
};

// Compares two manifests. Errors: INVALID_ARGUMENT when a stored schema or profile is not the
// JSON it should be (names the version).
absl::StatusOr<DatasetDiff> DiffVersions(const DatasetVersion& from, const DatasetVersion& to);

// The one JSON encoding of a manifest and of a diff (CLI --json and HTTP).
nlohmann::json ManifestToJson(const DatasetVersion& v);
nlohmann::json DiffToJson(const DatasetDiff& diff);

// The MLflow dataset input describing `v`: name, digest (first 8 hex characters of the
// SHA-256, as long as MLflow's own digests), source_type "strata", source JSON naming the
// version, schema in MLflow's {"mlflow_colspec": [...]} shape, profile {"num_rows",
// "num_elements"}; tag mlflow.data.context when `context` is not empty.
tracking::DatasetInput ToMlflowDatasetInput(const DatasetVersion& v, std::string_view context);

// A file's SHA-256 (64 lowercase hex) and size in bytes.
struct FileDigest {
  std::string sha256;
  int64_t size = 0;
};

// A version whose blob has just been hashed and found intact.
struct VerifiedBlob {
  DatasetVersion version;
  std::string blob_path;  // read-only file holding exactly version.size_bytes bytes
};

class Datasets {
 public:
  // Runs the dataset and lineage migrations. Errors: those of DatasetStore::Open and
  // LineageStore::Open.
  static absl::StatusOr<std::unique_ptr<Datasets>> Open(store::Database* db,
                                                        blob::ArtifactStore* blobs);

  Datasets(const Datasets&) = delete;
  Datasets& operator=(const Datasets&) = delete;

  // Hashes the file, reads it as a table (io::ReadTable: format from the extension) for its
  // schema, row count and profile, captures the git state, stores the bytes in the blob store
  // and the manifest in the metadata store. When the newest version of `name` already has the
  // same SHA-256 and !options.force, returns it with created = false and writes nothing.
  // Errors: INVALID_ARGUMENT (bad name, unsupported extension, unparsable table, profiler
  // returned a non-object), NOT_FOUND (no such file), ABORTED (the file changed while it was
  // being added), those of the profiler, the blob store and the database.
  absl::StatusOr<AddResult> AddVersion(std::string_view name, const std::string& path,
                                       const AddOptions& options);

  absl::StatusOr<std::vector<DatasetSummary>> ListDatasets();
  // Errors: INVALID_ARGUMENT (bad name), NOT_FOUND.
  absl::StatusOr<std::vector<DatasetVersion>> ListVersions(std::string_view name);
  // Errors: INVALID_ARGUMENT (bad name), NOT_FOUND (dataset or version).
  absl::StatusOr<DatasetVersion> GetVersion(const DatasetRef& ref);

  // Hashes the version's blob and checks it against the manifest.
  // Errors: as GetVersion, DATA_LOSS "dataset x@2: blob sha256:<hex> is corrupt ..." when the
  // bytes (or size) differ or the blob is missing, INTERNAL (I/O error).
  absl::StatusOr<VerifiedBlob> Verify(const DatasetRef& ref);

  // Writes the version's bytes to `out_path` (a file path, or an existing folder to write
  // <folder>/<original file name>), verifying the SHA-256 while copying; the file appears
  // atomically (temp file + rename) and nothing is left behind on error. Returns the path
  // written. Errors: as Verify, INTERNAL (cannot write `out_path`).
  absl::StatusOr<std::string> Materialize(const DatasetRef& ref, const std::string& out_path);

  // Errors: as GetVersion for either side, and those of DiffVersions.
  absl::StatusOr<DatasetDiff> Diff(const DatasetRef& from, const DatasetRef& to);

  // Records the version as a dataset input of MLflow run `run_id` through the tracking store's
  // log-inputs path (so runs/get and runs/search show it). Returns the input logged.
  // Errors: as GetVersion, those of TrackingStore::LogInputs (NOT_FOUND for an unknown run).
  absl::StatusOr<tracking::DatasetInput> LogRunInput(const DatasetRef& ref,
                                                     std::string_view run_id,
                                                     std::string_view context,
                                                     tracking::TrackingStore& tracking);

  // The lineage graph the versions are recorded in: every version is a "Dataset" artifact
  // named "NAME@VERSION" with uri "dataset:NAME@VERSION".
  lineage::LineageStore& lineage() { return *lineage_; }

 private:
  Datasets(std::unique_ptr<DatasetStore> store, std::unique_ptr<lineage::LineageStore> lineage,
           blob::ArtifactStore* blobs)
      : store_(std::move(store)), lineage_(std::move(lineage)), blobs_(blobs) {}

  // Get-or-create of the version's lineage artifact; safe to repeat.
  absl::Status RecordLineage(const DatasetVersion& version);

  // Reads the table and fills every manifest field but version and artifact_path.
  absl::StatusOr<DatasetVersion> Describe(std::string_view name, const std::filesystem::path& abs,
                                          io::FileFormat format, const FileDigest& digest,
                                          const AddOptions& options);

  std::unique_ptr<DatasetStore> store_;
  std::unique_ptr<lineage::LineageStore> lineage_;
  blob::ArtifactStore* blobs_;
};

}  // namespace strata::data

#endif  // STRATA_DATA_DATASETS_H_
