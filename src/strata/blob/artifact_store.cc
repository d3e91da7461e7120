#include "strata/blob/artifact_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <unordered_set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/sha256.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/blob/internal/fs_util.h"

namespace strata::blob {
namespace {

using internal::ErrnoStatus;
using internal::FileKind;
using internal::LstatKind;
using internal::TempFile;

constexpr size_t kHexLen = 64;
constexpr size_t kCopyChunk = 1 << 20;
// A temp file untouched this long belongs to a writer that died.
constexpr time_t kStaleTempSeconds = 3600;

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(start));
      return out;
    }
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::string Parent(const std::string& fs_path) { return fs_path.substr(0, fs_path.rfind('/')); }

absl::Status SymlinkError(std::string_view logical) {
  return absl::InvalidArgumentError(absl::StrCat("invalid artifact path '", AsAbsl(logical),
                                                 "': a symlink on the way is not allowed"));
}

struct RefLookup {
  std::string fs_path;
  FileKind kind = FileKind::kMissing;
};

// Resolves a validated logical path under `refs_dir` with lstat on every component, so that a
// symlink anywhere on the way is refused rather than followed. A file where a folder is
// expected means the path does not exist.
absl::StatusOr<RefLookup> LookupRef(const std::string& refs_dir, std::string_view logical) {
  RefLookup out;
  out.fs_path = refs_dir;
  out.kind = FileKind::kDir;
  for (std::string_view c : Components(logical)) {
    absl::StrAppend(&out.fs_path, "/", AsAbsl(c));
    if (out.kind != FileKind::kDir) {
      out.kind = FileKind::kMissing;
      continue;
    }
    ASSIGN_OR_RETURN(out.kind, LstatKind(out.fs_path));
    if (out.kind == FileKind::kSymlink) return SymlinkError(logical);
    if (out.kind == FileKind::kOther) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid artifact path '", AsAbsl(logical), "': not a file or folder"));
    }
  }
  return out;
}

// Like LookupRef, creating missing parent folders; returns where the ref file goes.
absl::StatusOr<std::string> PrepareRefForWrite(const std::string& refs_dir,
                                               std::string_view logical) {
  std::vector<std::string_view> parts = Components(logical);
  std::string fs_path = refs_dir;
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    absl::StrAppend(&fs_path, "/", AsAbsl(parts[i]));
    absl::StrAppend(&prefix, prefix.empty() ? "" : "/", AsAbsl(parts[i]));
    bool last = i + 1 == parts.size();
    ASSIGN_OR_RETURN(FileKind kind, LstatKind(fs_path));
    if (kind == FileKind::kSymlink) return SymlinkError(logical);
    if (kind == FileKind::kOther) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid artifact path '", AsAbsl(logical), "': not a file or folder"));
    }
    if (last) {
      if (kind == FileKind::kDir) {
        return absl::FailedPreconditionError(
            absl::StrCat("artifact path '", prefix, "' is a folder, not a file"));
      }
    } else if (kind == FileKind::kMissing) {
      RETURN_IF_ERROR(internal::MakeDir(fs_path));
    } else if (kind != FileKind::kDir) {
      return absl::FailedPreconditionError(
          absl::StrCat("artifact path '", prefix, "' is a file, not a folder"));
    }
  }
  return fs_path;
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

ArtifactStore::ArtifactStore(std::string root)
    : root_(std::move(root)),
      refs_dir_(root_ + "/refs"),
      blobs_dir_(root_ + "/blobs/sha256"),
      tmp_dir_(root_ + "/tmp") {}

absl::StatusOr<std::unique_ptr<ArtifactStore>> ArtifactStore::Open(std::string root_dir) {
  if (root_dir.empty()) return absl::InvalidArgumentError("artifact root directory is empty");
  while (root_dir.size() > 1 && root_dir.back() == '/') root_dir.pop_back();
  // mkdir -p for the root itself; the root may legitimately sit behind a symlink.
  for (size_t pos = 1; pos <= root_dir.size(); ++pos) {
    if (pos != root_dir.size() && root_dir[pos] != '/') continue;
    std::string prefix = root_dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create folder", prefix, errno);
    }
  }
  char resolved[PATH_MAX];
  if (::realpath(root_dir.c_str(), resolved) == nullptr) {
    return ErrnoStatus("cannot resolve", root_dir, errno);
  }
  std::string root(resolved);
  for (const char* sub : {"/refs", "/tmp", "/blobs", "/blobs/sha256"}) {
    absl::Status s = internal::MakeDir(root + sub);
    if (absl::IsFailedPrecondition(s)) return absl::InvalidArgumentError(s.message());
    RETURN_IF_ERROR(s);
  }
  return std::unique_ptr<ArtifactStore>(new ArtifactStore(std::move(root)));
}

std::string ArtifactStore::BlobDir(const std::string& sha256) const {
  return absl::StrCat(blobs_dir_, "/", sha256.substr(0, 2));
}

std::string ArtifactStore::BlobPath(const std::string& sha256) const {
  return absl::StrCat(blobs_dir_, "/", sha256.substr(0, 2), "/", sha256.substr(2));
}

absl::StatusOr<BlobInfo> ArtifactStore::ReadRef(const std::string& ref_path) const {
  ASSIGN_OR_RETURN(std::string content, internal::ReadWholeFile(ref_path));
  // "sha256:<64 hex> <size>\n"
  constexpr std::string_view kPrefix = "sha256:";
  std::string_view c = content;
  auto corrupt = [&] {
    return absl::DataLossError(absl::StrCat("corrupt artifact ref ", ref_path));
  };
  if (c.size() < kPrefix.size() + kHexLen + 3 || c.substr(0, kPrefix.size()) != kPrefix ||
      c.back() != '\n' || c[kPrefix.size() + kHexLen] != ' ') {
    return corrupt();
  }
  BlobInfo info;
  info.sha256 = std::string(c.substr(kPrefix.size(), kHexLen));
  std::string_view size_text = c.substr(kPrefix.size() + kHexLen + 1);
  size_text.remove_suffix(1);
  if (!IsLowerHex(info.sha256) || !absl::SimpleAtoi(AsAbsl(size_text), &info.size)) {
    return corrupt();
  }
  info.blob_path = BlobPath(info.sha256);
  return info;
}

absl::StatusOr<BlobInfo> ArtifactStore::Publish(std::string_view logical_path, TempFile& blob_tmp,
                                                const std::string& sha256, uint64_t size) {
  // The ref's bytes are written and synced outside the lock; only renames happen under it.
  ASSIGN_OR_RETURN(TempFile ref_tmp, TempFile::Create(tmp_dir_, "ref-"));
  RETURN_IF_ERROR(ref_tmp.Write(absl::StrCat("sha256:", sha256, " ", size, "\n")));
  RETURN_IF_ERROR(ref_tmp.Finish(0644));

  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(std::string ref_path, PrepareRefForWrite(refs_dir_, logical_path));
  BlobInfo info{sha256, size, BlobPath(sha256)};
  std::string blob_dir = BlobDir(sha256);
  RETURN_IF_ERROR(internal::MakeDir(blob_dir));
  uint64_t existing_size = 0;
  ASSIGN_OR_RETURN(FileKind existing, LstatKind(info.blob_path, &existing_size));
  // Same hash and size: the content is already stored; the temp is dropped by its destructor.
  // A blob of the wrong size was damaged, so the fresh copy replaces it.
  if (existing != FileKind::kFile || existing_size != size) {
    if (existing != FileKind::kMissing && existing != FileKind::kFile) {
      return absl::InternalError(absl::StrCat("unexpected entry at blob path ", info.blob_path));
    }
    if (::rename(blob_tmp.path().c_str(), info.blob_path.c_str()) != 0) {
      return ErrnoStatus("cannot rename blob into", info.blob_path, errno);
    }
    blob_tmp.Release();
    RETURN_IF_ERROR(internal::FsyncDir(blob_dir));
  }
  if (::rename(ref_tmp.path().c_str(), ref_path.c_str()) != 0) {
    return ErrnoStatus("cannot rename ref into", ref_path, errno);
  }
  ref_tmp.Release();
  RETURN_IF_ERROR(internal::FsyncDir(Parent(ref_path)));
  return info;
}

absl::StatusOr<BlobInfo> ArtifactStore::Put(std::string_view logical_path, std::string_view bytes) {
  RETURN_IF_ERROR(ValidateArtifactPath(logical_path));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(tmp_dir_, "blob-"));
  RETURN_IF_ERROR(tmp.Write(bytes));
  // Blobs are immutable; read-only permissions make an accidental in-place edit fail loudly.
  RETURN_IF_ERROR(tmp.Finish(0444));
  return Publish(logical_path, tmp, Sha256Hex(bytes), bytes.size());
}

absl::StatusOr<BlobInfo> ArtifactStore::PutFile(std::string_view logical_path,
                                                const std::string& local_path) {
  RETURN_IF_ERROR(ValidateArtifactPath(logical_path));
  int fd = ::open(local_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no such file: ", local_path));
    return ErrnoStatus("cannot open", local_path, errno);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus("cannot stat", local_path, errno);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("not a regular file: ", local_path));
  }
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(tmp_dir_, "blob-"));
  Sha256 hash;
  uint64_t size = 0;
  std::vector<char> buf(kCopyChunk);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot read", local_path, errno);
    }
    if (n == 0) break;
    std::string_view chunk(buf.data(), static_cast<size_t>(n));
    hash.Update(chunk);
    RETURN_IF_ERROR(tmp.Write(chunk));
    size += static_cast<uint64_t>(n);
  }
  RETURN_IF_ERROR(tmp.Finish(0444));
  return Publish(logical_path, tmp, hash.HexDigest(), size);
}

absl::StatusOr<BlobInfo> ArtifactStore::Get(std::string_view logical_path) const {
  RETURN_IF_ERROR(ValidateArtifactPath(logical_path));
  ASSIGN_OR_RETURN(RefLookup ref, LookupRef(refs_dir_, logical_path));
  if (ref.kind != FileKind::kFile) {
    return absl::NotFoundError(absl::StrCat("artifact '", AsAbsl(logical_path), "' does not exist",
                                            ref.kind == FileKind::kDir ? " (it is a folder)" : ""));
  }
  absl::StatusOr<BlobInfo> info = ReadRef(ref.fs_path);
  if (absl::IsNotFound(info.status())) {  // deleted since the lookup
    return absl::NotFoundError(
        absl::StrCat("artifact '", AsAbsl(logical_path), "' does not exist"));
  }
  RETURN_IF_ERROR(info.status());
  ASSIGN_OR_RETURN(FileKind blob_kind, LstatKind(info->blob_path));
  if (blob_kind != FileKind::kFile) {
    return absl::DataLossError(absl::StrCat("blob sha256:", info->sha256, " of artifact '",
                                            AsAbsl(logical_path), "' is missing"));
  }
  return info;
}

absl::StatusOr<std::string> ArtifactStore::ReadAll(std::string_view logical_path) const {
  ASSIGN_OR_RETURN(BlobInfo info, Get(logical_path));
  absl::StatusOr<std::string> bytes = internal::ReadWholeFile(info.blob_path);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(
        absl::StrCat("blob of artifact '", AsAbsl(logical_path), "' is missing"));
  }
  RETURN_IF_ERROR(bytes.status());
  if (bytes->size() != info.size) {
    return absl::DataLossError(absl::StrCat("blob of artifact '", AsAbsl(logical_path), "' has ",
                                            bytes->size(), " bytes, ref says ", info.size));
  }
  return bytes;
}

absl::StatusOr<std::vector<ArtifactEntry>> ArtifactStore::List(std::string_view logical_dir) const {
  RETURN_IF_ERROR(ValidateArtifactPath(logical_dir, /*allow_empty=*/true));
  ASSIGN_OR_RETURN(RefLookup dir, LookupRef(refs_dir_, logical_dir));
  std::vector<ArtifactEntry> out;
  if (dir.kind != FileKind::kDir) return out;
  absl::StatusOr<std::vector<std::string>> names = internal::ListDirNames(dir.fs_path);
  if (absl::IsNotFound(names.status())) return out;  // deleted since the lookup
  RETURN_IF_ERROR(names.status());
  for (std::string& name : *names) {
    // Entries not written by the store (bad names, symlinks, devices) are not artifacts.
    if (!ValidateArtifactPath(name).ok()) continue;
    std::string fs_path = absl::StrCat(dir.fs_path, "/", name);
    ASSIGN_OR_RETURN(FileKind kind, LstatKind(fs_path));
    ArtifactEntry entry;
    if (kind == FileKind::kDir) {
      entry.is_dir = true;
    } else if (kind == FileKind::kFile) {
      absl::StatusOr<BlobInfo> info = ReadRef(fs_path);
      if (absl::IsNotFound(info.status())) continue;
      RETURN_IF_ERROR(info.status());
      entry.file_size = info->size;
    } else {
      continue;
    }
    entry.path = logical_dir.empty() ? name : absl::StrCat(AsAbsl(logical_dir), "/", name);
    entry.name = std::move(name);
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(),
            [](const ArtifactEntry& a, const ArtifactEntry& b) { return a.name < b.name; });
  return out;
}

absl::Status ArtifactStore::Delete(std::string_view logical_path) {
  RETURN_IF_ERROR(ValidateArtifactPath(logical_path));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(RefLookup ref, LookupRef(refs_dir_, logical_path));
  if (ref.kind == FileKind::kMissing) {
    return absl::NotFoundError(
        absl::StrCat("artifact '", AsAbsl(logical_path), "' does not exist"));
  }
  RETURN_IF_ERROR(internal::RemoveTree(ref.fs_path));
  // Prune folders left empty, so a listing does not show a folder with nothing in it.
  std::string dir = Parent(ref.fs_path);
  while (dir.size() > refs_dir_.size()) {
    if (::rmdir(dir.c_str()) != 0) break;  // not empty (or already gone): stop
    dir = Parent(dir);
  }
  return internal::FsyncDir(dir);
}

absl::StatusOr<GcStats> ArtifactStore::GarbageCollect() {
  absl::MutexLock lock(&mu_);
  // Mark: every sha256 a ref points at. Any unreadable ref aborts before anything is removed.
  std::unordered_set<std::string> live;
  std::vector<std::string> pending = {refs_dir_};
  while (!pending.empty()) {
    std::string dir = std::move(pending.back());
    pending.pop_back();
    ASSIGN_OR_RETURN(std::vector<std::string> names, internal::ListDirNames(dir));
    for (const std::string& name : names) {
      std::string path = absl::StrCat(dir, "/", name);
      ASSIGN_OR_RETURN(FileKind kind, LstatKind(path));
      if (kind == FileKind::kDir) {
        pending.push_back(std::move(path));
      } else if (kind == FileKind::kFile) {
        ASSIGN_OR_RETURN(BlobInfo info, ReadRef(path));
        live.insert(std::move(info.sha256));
      }
    }
  }
  // Sweep blobs.
  GcStats stats;
  ASSIGN_OR_RETURN(std::vector<std::string> shards, internal::ListDirNames(blobs_dir_));
  for (const std::string& shard : shards) {
    std::string shard_dir = absl::StrCat(blobs_dir_, "/", shard);
    if (shard.size() != 2) continue;
    absl::StatusOr<std::vector<std::string>> names = internal::ListDirNames(shard_dir);
    if (!names.ok()) continue;  // not a folder
    for (const std::string& name : *names) {
      std::string sha = shard + name;
      if (sha.size() != kHexLen || !IsLowerHex(sha) || live.contains(sha)) continue;
      std::string path = absl::StrCat(shard_dir, "/", name);
      uint64_t size = 0;
      ASSIGN_OR_RETURN(FileKind kind, LstatKind(path, &size));
      if (kind != FileKind::kFile) continue;
      if (::unlink(path.c_str()) != 0) return ErrnoStatus("cannot remove blob", path, errno);
      ++stats.blobs_removed;
      stats.bytes_freed += size;
    }
  }
  // Temp files a crashed writer left behind. A live writer keeps its file's mtime fresh.
  ASSIGN_OR_RETURN(std::vector<std::string> temps, internal::ListDirNames(tmp_dir_));
  time_t cutoff = ::time(nullptr) - kStaleTempSeconds;
  for (const std::string& name : temps) {
    std::string path = absl::StrCat(tmp_dir_, "/", name);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_mtime < cutoff && ::unlink(path.c_str()) == 0) ++stats.temp_files_removed;
  }
  return stats;
}

}  // namespace strata::blob
