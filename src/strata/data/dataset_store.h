// Persistence of versioned datasets: one manifest row per (name, version), stored through
// store::Database (SQLite or PostgreSQL). The bytes live in the blob store; this class keeps
// only what describes them (content hash, schema, statistics, provenance).
//
// The store owns the version-numbering rule: versions of a name are 1, 2, 3, ... in the order
// they were added, never reused, assigned inside the inserting transaction so concurrent adders
// (threads or processes) never get the same number.
//
// Thread-safety: DatasetStore is thread-safe; it holds no mutable state besides the borrowed
// Database, which must outlive it.
#ifndef STRATA_DATA_DATASET_STORE_H_
#define STRATA_DATA_DATASET_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/store/database.h"

namespace strata::data {

struct DatasetTag {
  std::string key;
  std::string value;
  bool operator==(const DatasetTag&) const = default;
};

// Where the dataset was added from, in version-control terms. Absent (std::nullopt in
// DatasetVersion::git) when the working directory was not inside a git repository.
struct GitInfo {
  std::string commit;     // HEAD commit id (40 hex); empty when HEAD is unborn (no commit yet)
  bool dirty = false;     // a tracked file differs from HEAD (index or working tree)
  std::string repo_path;  // the repository's working directory (or .git folder when bare)
  bool operator==(const GitInfo&) const = default;
};

// One version's manifest.
struct DatasetVersion {
  std::string name;
  int64_t version = 0;       // 1, 2, ... per name
  std::string sha256;        // 64 lowercase hex characters of the file's bytes
  int64_t size_bytes = 0;
  std::string source_path;   // absolute path the file was added from
  std::string file_format;   // "csv", "tsv", "parquet", "jsonl"
  std::string schema_json;   // [{"name": ..., "type": ...}, ...] in column order
  int64_t row_count = 0;
  std::string profile_json;  // {"rows": N, "columns": [...]} (see datasets.h)
  std::optional<GitInfo> git;
  std::string created_by;
  int64_t created_at_ms = 0;
  std::string description;
  std::vector<DatasetTag> tags;  // sorted by key
  std::string artifact_path;     // logical path of the bytes in the blob store
};

// A dataset name with its newest version.
struct DatasetSummary {
  std::string name;
  int64_t version_count = 0;
  DatasetVersion latest;
};

struct InsertVersionResult {
  DatasetVersion version;  // as stored, with its version number
  bool created = false;    // false: an identical latest version was returned instead
};

class DatasetStore {
 public:
  // Runs the "datasets" migrations. Errors: whatever the database returns.
  static absl::StatusOr<std::unique_ptr<DatasetStore>> Open(store::Database* db);

  DatasetStore(const DatasetStore&) = delete;
  DatasetStore& operator=(const DatasetStore&) = delete;

  // Stores `v` as the next version of `v.name` (its `version` field is ignored and assigned).
  // When `reuse_identical_latest` is set and the newest version of the name has the same
  // sha256, nothing is written and that version is returned with created = false.
  // Errors: INVALID_ARGUMENT (empty name or sha256), database errors.
  absl::StatusOr<InsertVersionResult> InsertVersion(const DatasetVersion& v,
                                                    bool reuse_identical_latest);

  // Errors: NOT_FOUND "Dataset 'x' has no version 3" / "Dataset 'x' does not exist".
  absl::StatusOr<DatasetVersion> GetVersion(std::string_view name, int64_t version);
  // The newest version. Errors: NOT_FOUND "Dataset 'x' does not exist".
  absl::StatusOr<DatasetVersion> GetLatest(std::string_view name);
  // Every version, oldest first. Errors: NOT_FOUND "Dataset 'x' does not exist".
  absl::StatusOr<std::vector<DatasetVersion>> ListVersions(std::string_view name);
  // Every dataset with at least one version, sorted by name.
  absl::StatusOr<std::vector<DatasetSummary>> ListDatasets();

 private:
  explicit DatasetStore(store::Database* db) : db_(db) {}

  store::Database* db_;
};

}  // namespace strata::data

#endif  // STRATA_DATA_DATASET_STORE_H_
