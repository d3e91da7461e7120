// Writing a whole file so that a failure never leaves a partial file at the destination: the
// bytes go to a temporary file in the same directory, which is renamed over the destination
// only after everything was written and flushed.
#ifndef STRATA_IO_INTERNAL_FILE_OUTPUT_H_
#define STRATA_IO_INTERNAL_FILE_OUTPUT_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace strata::io::internal {

class FileSink {
 public:
  explicit FileSink(std::FILE* f) : file_(f) {}
  absl::Status Write(std::string_view bytes);

 private:
  std::FILE* file_;
};

// Runs `write` against a temporary file beside `path`, then renames it to `path`. On any
// error the temporary file is removed and `path` is untouched.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::function<absl::Status(FileSink&)>& write);

// Formats rows [0, rows) in blocks on `threads` threads (0 = hardware) with
// format(begin, end, out) and hands each block's text to `emit` in row order. Holds at most a
// few blocks in memory at a time.
absl::Status FormatRowBlocks(int64_t rows, int threads,
                             const std::function<void(int64_t, int64_t, std::string&)>& format,
                             const std::function<absl::Status(std::string_view)>& emit);

// The shortest text that reads back to the same double ("nan", "inf", "-inf" for those).
void AppendDouble(double v, std::string& out);

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_FILE_OUTPUT_H_
