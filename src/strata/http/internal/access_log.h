// The server's access log: one JSON object per line
// {"ts","remote","method","path","status","bytes","duration_us","route"}.
#ifndef STRATA_HTTP_INTERNAL_ACCESS_LOG_H_
#define STRATA_HTTP_INTERNAL_ACCESS_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "strata/base/json_text.h"

namespace strata::http::internal {

// Request threads format their line and append it to a shared in-memory buffer (a short
// critical section, no I/O); a background thread writes the buffer out every 200 ms or when it
// grows large. When the disk cannot keep up, lines beyond 16 MiB of backlog are dropped rather
// than blocking requests or growing without bound.
//
// Thread-safe.
class AccessLog {
 public:
  struct Entry {
    std::string_view remote;
    std::string_view method;
    std::string_view path;
    std::string_view route;
    int status = 0;
    uint64_t bytes = 0;
    int64_t duration_us = 0;
  };

  // `path` "-" writes to stderr, anything else is appended to. Errors: UNAVAILABLE when the
  // file cannot be opened.
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& path);
  // Writes out everything still buffered.
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Write(const Entry& entry);
  // Lines dropped because the backlog was full.
  uint64_t dropped() const;

 private:
  AccessLog(std::FILE* file, bool owns_file);
  void WriterLoop();

  std::FILE* const file_;
  const bool owns_file_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread writer_;
};

// The inside of a JSON string literal: the project's one writer (base/json_text.h).
using strata::AppendJsonEscaped;

}  // namespace strata::http::internal

#endif  // STRATA_HTTP_INTERNAL_ACCESS_LOG_H_
