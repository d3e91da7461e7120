// POSIX file helpers for the artifact store: errno to Status, temp files that clean up after
// themselves, directory fsync, lstat classification. Not part of the public API.
#ifndef STRATA_BLOB_INTERNAL_FS_UTIL_H_
#define STRATA_BLOB_INTERNAL_FS_UTIL_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace strata::blob::internal {

// INTERNAL error "<what> <path>: <strerror(err)>".
absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err);

// A file created with mkstemp in a folder; removed on destruction unless Release()d (after it
// was renamed into place). Not thread-safe; movable.
class TempFile {
 public:
  // Errors: INTERNAL.
  static absl::StatusOr<TempFile> Create(const std::string& dir, std::string_view prefix);

  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  ~TempFile();

  const std::string& path() const { return path_; }
  // Appends `data`. Errors: INTERNAL.
  absl::Status Write(std::string_view data);
  // chmod, fsync and close; the file keeps existing until renamed or destroyed.
  // Errors: INTERNAL.
  absl::Status Finish(mode_t mode);
  // The file was renamed away: the destructor leaves the path alone.
  void Release() { released_ = true; }

 private:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
  bool released_ = false;
};

// fsync on a folder, so a rename into it survives a crash. Errors: INTERNAL.
absl::Status FsyncDir(const std::string& dir);

enum class FileKind { kMissing, kFile, kDir, kSymlink, kOther };

// lstat classification (never follows a symlink). Errors: INTERNAL for errors other than
// ENOENT/ENOTDIR (which mean kMissing).
absl::StatusOr<FileKind> LstatKind(const std::string& path, uint64_t* size = nullptr);

// Reads a whole file without following a final symlink. Errors: NOT_FOUND, INTERNAL.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Names in a folder, without "." and "..", unsorted. Errors: NOT_FOUND, INTERNAL.
absl::StatusOr<std::vector<std::string>> ListDirNames(const std::string& dir);

// mkdir that accepts an existing folder (not a symlink to one). Errors: FAILED_PRECONDITION
// (something else is there), INTERNAL.
absl::Status MakeDir(const std::string& dir);

// Removes `path` and, for a folder, everything under it; symlinks are removed, never
// followed. Errors: INTERNAL.
absl::Status RemoveTree(const std::string& path);

}  // namespace strata::blob::internal

#endif  // STRATA_BLOB_INTERNAL_FS_UTIL_H_
