#include "strata/http/internal/access_log.h"

#include <time.h>

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"

namespace strata::http::internal {
namespace {

constexpr size_t kFlushBytes = 256 << 10;
constexpr size_t kMaxBacklogBytes = 16 << 20;

// "2024-05-01T12:00:00.123Z". The date part is cached per thread: it changes once a second.
void AppendTimestamp(std::string& out) {
  thread_local int64_t cached_sec = -1;
  thread_local char cached[32];
  int64_t ms = NowMillis();
  int64_t sec = ms / 1000;
  if (sec != cached_sec) {
    time_t t = static_cast<time_t>(sec);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
    cached_sec = sec;
  }
  char frac[8];
  snprintf(frac, sizeof(frac), ".%03dZ", static_cast<int>(ms % 1000));
  out += cached;
  out += frac;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path) {
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(stderr, false));
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (f == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot open access log ", path));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(f, true));
}

AccessLog::AccessLog(std::FILE* file, bool owns_file) : file_(file), owns_file_(owns_file) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  writer_.join();
  if (owns_file_) std::fclose(file_);
}

void AccessLog::Write(const Entry& e) {
  thread_local std::string line;
  line.clear();
  line += "{\"ts\":\"";
  AppendTimestamp(line);
  line += "\",\"remote\":\"";
  AppendJsonEscaped(e.remote, line);
  line += "\",\"method\":\"";
  AppendJsonEscaped(e.method, line);
  line += "\",\"path\":\"";
  AppendJsonEscaped(e.path, line);
  absl::StrAppend(&line, "\",\"status\":", e.status, ",\"bytes\":", e.bytes,
                  ",\"duration_us\":", e.duration_us, ",\"route\":\"");
  AppendJsonEscaped(e.route, line);
  line += "\"}\n";

  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.size() + line.size() > kMaxBacklogBytes) {
      ++dropped_;
      return;
    }
    pending_ += line;
    wake = pending_.size() >= kFlushBytes;
  }
  if (wake) cv_.notify_one();
}

uint64_t AccessLog::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void AccessLog::WriterLoop() {
  std::string out;
  for (;;) {
    bool stop;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200),
                   [this] { return stopping_ || pending_.size() >= kFlushBytes; });
      stop = stopping_;
      out.swap(pending_);  // `pending_` keeps the capacity of the previous batch
    }
    if (!out.empty()) {
      std::fwrite(out.data(), 1, out.size(), file_);
      std::fflush(file_);
      out.clear();
    }
    if (stop) return;
  }
}

}  // namespace strata::http::internal
