// Content-addressed artifact store on a local directory.
//
// Bytes are stored once per SHA-256 under `<root>/blobs/sha256/ab/cdef...`; logical paths
// (`<experiment_id>/<run_id>/artifacts/model/model.pkl`) are small ref files under
// `<root>/refs/<logical path>` holding "sha256:<hex> <size>\n". Identical files logged by
// different runs therefore cost one blob, and listing a folder is a directory walk.
//
// Example:
//   ASSIGN_OR_RETURN(auto store, blob::ArtifactStore::Open("/var/strata/artifacts"));
//   RETURN_IF_ERROR(store->Put("1/abc/artifacts/notes.txt", "hello").status());
//   ASSIGN_OR_RETURN(blob::BlobInfo info, store->Get("1/abc/artifacts/notes.txt"));
//   // stream info.blob_path (info.size bytes) to the client
#ifndef STRATA_BLOB_ARTIFACT_STORE_H_
#define STRATA_BLOB_ARTIFACT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace strata::blob {

namespace internal {
class TempFile;
}  // namespace internal

// The one check for logical artifact paths, used by every ArtifactStore method and by api/.
// A valid path is relative, '/'-separated, with non-empty components, no "." or ".."
// component, no backslash or NUL byte, and no component that percent-decodes (repeatedly) to
// "." or ".." or to something containing '/', '\' or NUL: the HTTP layer has already decoded
// the request once, so a surviving "%2e%2e" is an attempt to traverse through a second decoder.
// `allow_empty`: the empty path (the store's root) is accepted, for listing.
// Errors: INVALID_ARGUMENT naming the path (non-printable bytes escaped) and the reason.
absl::Status ValidateArtifactPath(std::string_view path, bool allow_empty = false);

// Where a logical file's bytes live.
struct BlobInfo {
  std::string sha256;     // 64 lowercase hex characters
  uint64_t size = 0;      // bytes
  std::string blob_path;  // filesystem path of the blob; read-only, never write to it
};

// One child of a listed folder.
struct ArtifactEntry {
  std::string path;  // full logical path from the store root, e.g. "1/abc/artifacts/model"
  std::string name;  // last component of `path`
  bool is_dir = false;
  uint64_t file_size = 0;  // 0 for folders
};

struct GcStats {
  int64_t blobs_removed = 0;
  uint64_t bytes_freed = 0;
  int64_t temp_files_removed = 0;  // abandoned temp files older than an hour
};

// Thread-safety: all methods may be called concurrently. Blob bytes are hashed and written to a
// private temp file outside any lock; publishing (rename of the blob, rename of the ref) and
// every change to the ref tree happen under one mutex, so GarbageCollect() never sees a
// freshly written blob without its ref. Readers take no lock: refs and blobs only ever appear
// by atomic rename. Several processes may share a root for Put/Get/List; GarbageCollect() and
// Delete() assume they are the only writer at that moment.
//
// Symlinks: the store never creates one under refs/, so any symlink found on a logical path's
// way (a planted link pointing out of the root) is rejected with INVALID_ARGUMENT, and folder
// walks skip symlinks without following them.
class ArtifactStore {
 public:
  // Creates `root_dir` and its blobs/, refs/ and tmp/ folders if missing.
  // Errors: INVALID_ARGUMENT (empty root or refs/ or tmp/ is not a plain folder), INTERNAL
  // (filesystem error).
  static absl::StatusOr<std::unique_ptr<ArtifactStore>> Open(std::string root_dir);

  ArtifactStore(const ArtifactStore&) = delete;
  ArtifactStore& operator=(const ArtifactStore&) = delete;

  // Stores `bytes` at `logical_path`, replacing (atomically) any file already there.
  // Errors: INVALID_ARGUMENT (bad path, symlink on the way), FAILED_PRECONDITION (the path or
  // one of its parents is of the other kind: a folder where a file goes or a file where a
  // folder goes), INTERNAL (filesystem error).
  absl::StatusOr<BlobInfo> Put(std::string_view logical_path, std::string_view bytes);

  // Like Put, streaming the local file `local_path` (hashing while copying, never holding the
  // whole file in memory). Errors: as Put, plus NOT_FOUND (no such local file) and
  // INVALID_ARGUMENT (local path is not a regular file).
  absl::StatusOr<BlobInfo> PutFile(std::string_view logical_path, const std::string& local_path);

  // The blob behind a logical file. Errors: INVALID_ARGUMENT (bad path), NOT_FOUND (no file
  // there, or it is a folder), DATA_LOSS (ref is corrupt or its blob is missing), INTERNAL.
  absl::StatusOr<BlobInfo> Get(std::string_view logical_path) const;

  // Reads a whole logical file into memory; for small files. Errors: as Get.
  absl::StatusOr<std::string> ReadAll(std::string_view logical_path) const;

  // Children of folder `logical_dir` ("" = the root), non-recursive, sorted by name. A missing
  // folder, or a path naming a file, lists as empty (as MLflow's local repository does).
  // Errors: INVALID_ARGUMENT (bad path), DATA_LOSS (corrupt ref), INTERNAL.
  absl::StatusOr<std::vector<ArtifactEntry>> List(std::string_view logical_dir) const;

  // Deletes a file, or a folder with everything under it; empty parent folders are pruned.
  // Blobs stay until GarbageCollect(). Errors: INVALID_ARGUMENT (bad or empty path),
  // NOT_FOUND (nothing there), INTERNAL.
  absl::Status Delete(std::string_view logical_path);

  // Removes blobs no ref points at, and abandoned temp files. Holds the store's mutex for the
  // whole scan (Put/Delete wait). Errors: DATA_LOSS (corrupt ref: nothing is removed), INTERNAL.
  absl::StatusOr<GcStats> GarbageCollect();

  // The canonical root directory.
  const std::string& root() const { return root_; }

 private:
  explicit ArtifactStore(std::string root);

  // Moves a finished blob temp file into place (or drops it when the blob exists) and points
  // `logical_path` at it.
  absl::StatusOr<BlobInfo> Publish(std::string_view logical_path, internal::TempFile& blob_tmp,
                                   const std::string& sha256, uint64_t size);
  std::string BlobDir(const std::string& sha256) const;
  std::string BlobPath(const std::string& sha256) const;
  // Parses the ref file at `ref_path` (blob_path filled, blob not checked).
  absl::StatusOr<BlobInfo> ReadRef(const std::string& ref_path) const;

  const std::string root_;
  const std::string refs_dir_;
  const std::string blobs_dir_;
  const std::string tmp_dir_;
  // Serializes changes to the ref tree and blob publication against GarbageCollect(); the
  // guarded state is the filesystem under root_.
  absl::Mutex mu_;
};

}  // namespace strata::blob

#endif  // STRATA_BLOB_ARTIFACT_STORE_H_
