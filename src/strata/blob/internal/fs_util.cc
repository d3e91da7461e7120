#include "strata/blob/internal/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::blob::internal {

absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(AsAbsl(what), " ", path, ": ", std::strerror(err)));
}

absl::StatusOr<TempFile> TempFile::Create(const std::string& dir, std::string_view prefix) {
  std::string tmpl = absl::StrCat(dir, "/", AsAbsl(prefix), "XXXXXX");
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot create temp file in", dir, errno);
  return TempFile(fd, std::move(tmpl));
}

TempFile::TempFile(TempFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      released_(std::exchange(other.released_, true)) {}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!released_ && !path_.empty()) ::unlink(path_.c_str());
}

absl::Status TempFile::Write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("cannot write", path_, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status TempFile::Finish(mode_t mode) {
  if (::fchmod(fd_, mode) != 0) return ErrnoStatus("cannot chmod", path_, errno);
  if (::fsync(fd_) != 0) return ErrnoStatus("cannot fsync", path_, errno);
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return ErrnoStatus("cannot close", path_, errno);
  return absl::OkStatus();
}

absl::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open folder", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("cannot fsync folder", dir, err);
  return absl::OkStatus();
}

absl::StatusOr<FileKind> LstatKind(const std::string& path, uint64_t* size) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return FileKind::kMissing;
    return ErrnoStatus("cannot stat", path, errno);
  }
  if (size != nullptr) *size = static_cast<uint64_t>(st.st_size);
  if (S_ISLNK(st.st_mode)) return FileKind::kSymlink;
  if (S_ISDIR(st.st_mode)) return FileKind::kDir;
  if (S_ISREG(st.st_mode)) return FileKind::kFile;
  return FileKind::kOther;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("no such file: ", path));
    }
    return ErrnoStatus("cannot open", path, errno);
  }
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<std::vector<std::string>> ListDirNames(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat("no such folder: ", dir));
    }
    return ErrnoStatus("cannot open folder", dir, errno);
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) {
      int err = errno;
      ::closedir(d);
      if (err != 0) return ErrnoStatus("cannot read folder", dir, err);
      break;
    }
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

absl::Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return absl::OkStatus();
  int err = errno;
  if (err != EEXIST) return ErrnoStatus("cannot create folder", dir, err);
  absl::StatusOr<FileKind> kind = LstatKind(dir);
  if (!kind.ok()) return kind.status();
  if (*kind != FileKind::kDir) {
    return absl::FailedPreconditionError(absl::StrCat("not a folder: ", dir));
  }
  return absl::OkStatus();
}

absl::Status RemoveTree(const std::string& path) {
  absl::StatusOr<FileKind> kind = LstatKind(path);
  if (!kind.ok()) return kind.status();
  if (*kind == FileKind::kMissing) return absl::OkStatus();
  if (*kind == FileKind::kDir) {
    absl::StatusOr<std::vector<std::string>> names = ListDirNames(path);
    if (!names.ok()) return names.status();
    for (const std::string& name : *names) {
      absl::Status s = RemoveTree(absl::StrCat(path, "/", name));
      if (!s.ok()) return s;
    }
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("cannot remove folder", path, errno);
    }
    return absl::OkStatus();
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("cannot remove", path, errno);
  }
  return absl::OkStatus();
}

}  // namespace strata::blob::internal
