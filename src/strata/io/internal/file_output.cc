#include "strata/io/internal/file_output.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <vector>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"

namespace strata::io::internal {

absl::Status FileSink::Write(std::string_view bytes) {
  if (bytes.empty()) return absl::OkStatus();
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return absl::UnavailableError(absl::StrCat("write failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::function<absl::Status(FileSink&)>& write) {
  std::string temp = absl::StrCat(path, ".tmp-XXXXXX");
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(path, ": cannot create a file there: ",
                                               std::strerror(errno)));
  }
  std::FILE* f = fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    ::unlink(temp.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  // mkstemp makes the file 0600; outputs are data files others may read, as with `cp`
  // under the usual umask. (umask itself is process-wide state, so it is not consulted.)
  fchmod(fd, 0644);
  FileSink sink(f);
  absl::Status status = write(sink);
  if (status.ok() && std::fflush(f) != 0) {
    status = absl::UnavailableError(absl::StrCat("flush failed: ", std::strerror(errno)));
  }
  if (std::fclose(f) != 0 && status.ok()) {
    status = absl::UnavailableError(absl::StrCat("close failed: ", std::strerror(errno)));
  }
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = absl::UnavailableError(absl::StrCat("rename failed: ", std::strerror(errno)));
  }
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return absl::Status(status.code(), absl::StrCat(path, ": ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status FormatRowBlocks(int64_t rows, int threads,
                             const std::function<void(int64_t, int64_t, std::string&)>& format,
                             const std::function<absl::Status(std::string_view)>& emit) {
  constexpr int64_t kBlockRows = 16384;
  const int workers = ResolveThreads(threads);
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t batch = int64_t{workers} * 2;
  std::vector<std::string> texts(static_cast<size_t>(batch));
  for (int64_t first = 0; first < blocks; first += batch) {
    const int64_t n = std::min(batch, blocks - first);
    ParallelFor(n, workers, [&](int64_t i) {
      std::string& out = texts[static_cast<size_t>(i)];
      out.clear();
      const int64_t begin = (first + i) * kBlockRows;
      format(begin, std::min(rows, begin + kBlockRows), out);
    });
    for (int64_t i = 0; i < n; ++i) {
      if (absl::Status s = emit(texts[static_cast<size_t>(i)]); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

void AppendDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  if (std::isinf(v)) {
    out += v < 0 ? "-inf" : "inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(end - buf));
}

}  // namespace strata::io::internal
