#include "strata/serving/request_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/serving/internal/json_line.h"

namespace strata::serving {
namespace {

// A write() of more than this is split so a huge batch never sits in one string.
constexpr size_t kChunkBytes = 1 << 20;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339, UTC, microseconds: 2026-12-02T03:04:05.123456Z.
std::string FormatTimestamp(int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];  // room for any int fields, which keeps -Wformat-truncation quiet
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(fraction));
  return buf;
}

void AppendColumn(const table::Column& column, int64_t rows, std::string& out) {
  out += '[';
  for (int64_t r = 0; r < rows; ++r) {
    if (r > 0) out += ',';
    if (column.IsNull(r)) {
      out += "null";
      continue;
    }
    const size_t at = static_cast<size_t>(r);
    switch (column.type()) {
      case table::DataType::kBool:
        out += column.Bools()[at] != 0 ? "true" : "false";
        break;
      case table::DataType::kInt64:
      case table::DataType::kTimestamp:
        internal::AppendJsonInt(column.Int64s()[at], out);
        break;
      case table::DataType::kFloat64:
        internal::AppendJsonDouble(column.Float64s()[at], out);
        break;
      case table::DataType::kString:
      case table::DataType::kCategory:
        internal::AppendJsonString(column.StringAt(r), out);
        break;
    }
  }
  out += ']';
}

void AppendPrediction(const models::Model::Predictions& p, int64_t row, int output,
                      std::string& out) {
  const size_t at = static_cast<size_t>(row * p.num_outputs + output);
  if (at < p.values.size()) {
    internal::AppendJsonDouble(p.values[at], out);
  } else {
    out += "null";  // a malformed Predictions must not read out of bounds
  }
}

// FNV-1a, 64 bits: tiny, stable across platforms and builds, and easy to reproduce in a test
// or a downstream job.
uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// MurmurHash3's 64-bit finalizer. FNV-1a alone leaves the high bits of ids that differ only
// in their last characters ("req-1", "req-2", ...) nearly equal, so it would keep all or none
// of a run of sequential ids; the finalizer spreads every input bit over the whole word.
uint64_t Mix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

}  // namespace

bool RequestLog::KeepsRequest(std::string_view request_id, double sample_rate) {
  if (sample_rate >= 1.0) return true;
  if (sample_rate <= 0.0) return false;
  const double u = static_cast<double>(Mix64(Fnv1a64(request_id)) >> 11) * 0x1p-53;
  return u < sample_rate;
}

std::string RequestLog::RenderEntry(const RequestLogEntry& entry, int64_t max_rows) {
  using internal::AppendJsonInt;
  using internal::AppendJsonString;
  std::string out;
  out.reserve(256);
  out += "{\"request_id\":";
  AppendJsonString(entry.request_id, out);
  out += ",\"timestamp\":\"";
  out += FormatTimestamp(entry.timestamp_us);
  out += "\",\"model\":";
  AppendJsonString(entry.model, out);
  out += ",\"version\":";
  AppendJsonInt(entry.version, out);
  out += ",\"protocol\":";
  AppendJsonString(entry.protocol, out);
  out += ",\"role\":";
  AppendJsonString(entry.role, out);
  out += ",\"status\":";
  AppendJsonInt(entry.http_status, out);
  out += ",\"latency_us\":";
  AppendJsonInt(entry.latency_us, out);
  int64_t rows = 0;
  if (entry.inputs.has_value()) rows = entry.inputs->num_rows();
  if (entry.outputs.has_value()) rows = std::max(rows, entry.outputs->rows);
  out += ",\"rows\":";
  AppendJsonInt(rows, out);
  bool truncated = false;
  if (entry.inputs.has_value()) {
    const table::Table& inputs = *entry.inputs;
    const int64_t kept = std::min(inputs.num_rows(), max_rows);
    truncated = truncated || kept < inputs.num_rows();
    out += ",\"inputs\":{";
    for (int c = 0; c < inputs.num_columns(); ++c) {
      if (c > 0) out += ',';
      AppendJsonString(inputs.schema().field(c).name, out);
      out += ':';
      AppendColumn(inputs.column(c), kept, out);
    }
    out += '}';
  }
  if (entry.outputs.has_value()) {
    const models::Model::Predictions& p = *entry.outputs;
    const int64_t kept = std::min(p.rows, max_rows);
    truncated = truncated || kept < p.rows;
    out += ",\"outputs\":{";
    if (entry.output_names.size() == 1 && p.num_outputs > 1) {
      // One combined output (e.g. class probabilities): one array of num_outputs per row.
      AppendJsonString(entry.output_names[0], out);
      out += ":[";
      for (int64_t r = 0; r < kept; ++r) {
        if (r > 0) out += ',';
        out += '[';
        for (int o = 0; o < p.num_outputs; ++o) {
          if (o > 0) out += ',';
          AppendPrediction(p, r, o, out);
        }
        out += ']';
      }
      out += ']';
    } else {
      for (int o = 0; o < p.num_outputs; ++o) {
        if (o > 0) out += ',';
        if (static_cast<size_t>(o) < entry.output_names.size()) {
          AppendJsonString(entry.output_names[static_cast<size_t>(o)], out);
        } else {
          AppendJsonString(absl::StrCat("output_", o), out);
        }
        out += ":[";
        for (int64_t r = 0; r < kept; ++r) {
          if (r > 0) out += ',';
          AppendPrediction(p, r, o, out);
        }
        out += ']';
      }
    }
    out += '}';
  }
  if (truncated) out += ",\"truncated\":true";
  if (!entry.outputs.has_value() || !entry.error.empty()) {
    out += ",\"error\":";
    AppendJsonString(entry.error, out);
  }
  out += '}';
  return out;
}

absl::StatusOr<std::unique_ptr<RequestLog>> RequestLog::Open(RequestLogOptions options) {
  if (options.path.empty()) return absl::InvalidArgumentError("request log: the path is empty");
  if (!(options.sample_rate >= 0.0 && options.sample_rate <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request log: sample rate ", options.sample_rate, " is outside [0, 1]"));
  }
  if (options.max_pending < 1 || options.flush_interval_ms < 1 || options.max_rows < 1 ||
      options.max_file_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request log: max_pending (", options.max_pending, "), flush_interval_ms (",
        options.flush_interval_ms, ") and max_rows (", options.max_rows,
        ") must be >= 1 and max_file_bytes (", options.max_file_bytes, ") >= 0"));
  }
  std::unique_ptr<RequestLog> log(new RequestLog(std::move(options)));
  if (absl::Status opened = log->OpenOutput(); !opened.ok()) return opened;
  log->writer_ = std::thread([raw = log.get()] { raw->WriterLoop(); });
  return log;
}

RequestLog::RequestLog(RequestLogOptions options) : options_(std::move(options)) {}

RequestLog::~RequestLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

absl::Status RequestLog::OpenOutput() {
  if (options_.path == "-") {
    fd_ = STDERR_FILENO;
    owns_fd_ = false;
    regular_file_ = false;
    file_bytes_ = 0;
    return absl::OkStatus();
  }
  int fd = ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("request log ", options_.path,
                                               ": cannot open: ", std::strerror(errno)));
  }
  struct stat st {};
  regular_file_ = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  file_bytes_ = regular_file_ ? static_cast<int64_t>(st.st_size) : 0;
  fd_ = fd;
  owns_fd_ = true;
  return absl::OkStatus();
}

bool RequestLog::Sample(std::string_view request_id) {
  if (KeepsRequest(request_id, options_.sample_rate)) return true;
  sampled_out_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

bool RequestLog::Log(RequestLogEntry entry) {
  if (entry.timestamp_us == 0) entry.timestamp_us = NowMicros();
  // Wake the writer early once half the queue is used, so a burst rarely reaches the limit.
  const size_t wake_at = static_cast<size_t>(std::max<int64_t>(1, options_.max_pending / 2));
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int64_t>(pending_.size()) >= options_.max_pending) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    pending_.push_back(std::move(entry));
    wake = pending_.size() == wake_at;
  }
  if (wake) wake_.notify_one();
  return true;
}

void RequestLog::WriterLoop() {
  const auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  const size_t wake_at = static_cast<size_t>(std::max<int64_t>(1, options_.max_pending / 2));
  std::deque<RequestLogEntry> batch;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, interval, [&] { return stopping_ || pending_.size() >= wake_at; });
      batch.swap(pending_);
      stop = stopping_;
    }
    // Entries are rendered outside the lock: Log() only ever waits for a deque push.
    if (!batch.empty()) WriteBatch(batch);
    batch.clear();
    if (stop) {
      // Log() calls racing the destructor may still have queued something.
      std::lock_guard<std::mutex> lock(mu_);
      if (pending_.empty()) return;
    }
  }
}

void RequestLog::WriteBatch(const std::deque<RequestLogEntry>& batch) {
  std::string chunk;
  int64_t count = 0;
  const bool rotates = regular_file_ && options_.max_file_bytes > 0;
  for (const RequestLogEntry& entry : batch) {
    std::string line = RenderEntry(entry, options_.max_rows);
    line += '\n';
    if (rotates && file_bytes_ + static_cast<int64_t>(chunk.size() + line.size()) >
                       options_.max_file_bytes &&
        file_bytes_ + static_cast<int64_t>(chunk.size()) > 0) {
      WriteChunk(chunk, count);
      Rotate();
    }
    chunk += line;
    ++count;
    if (chunk.size() >= kChunkBytes) WriteChunk(chunk, count);
  }
  WriteChunk(chunk, count);
}

void RequestLog::WriteChunk(std::string& chunk, int64_t& count) {
  if (count == 0) return;
  if (fd_ < 0) {
    // A failed rotation left no file: try again, so the log recovers once the cause is fixed.
    if (absl::Status opened = OpenOutput(); !opened.ok()) {
      ReportWriteError(opened);
      write_errors_.fetch_add(count, std::memory_order_relaxed);
      chunk.clear();
      count = 0;
      return;
    }
  }
  size_t written = 0;
  while (written < chunk.size()) {
    ssize_t n = ::write(fd_, chunk.data() + written, chunk.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ReportWriteError(absl::UnavailableError(absl::StrCat(
          "request log ", options_.path, ": write failed: ",
          n < 0 ? std::strerror(errno) : "no progress")));
      break;
    }
    written += static_cast<size_t>(n);
  }
  file_bytes_ += static_cast<int64_t>(written);
  if (written == chunk.size()) {
    logged_.fetch_add(count, std::memory_order_relaxed);
  } else {
    // Count the lines that made it whole; the rest (a partial line included) are lost.
    int64_t whole = 0;
    for (size_t i = 0; i < written; ++i) whole += chunk[i] == '\n' ? 1 : 0;
    logged_.fetch_add(whole, std::memory_order_relaxed);
    write_errors_.fetch_add(count - whole, std::memory_order_relaxed);
  }
  chunk.clear();
  count = 0;
}

void RequestLog::Rotate() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  const std::string old_path = absl::StrCat(options_.path, ".1");
  if (std::rename(options_.path.c_str(), old_path.c_str()) != 0) {
    ReportWriteError(absl::UnavailableError(absl::StrCat(
        "request log ", options_.path, ": cannot rotate to ", old_path, ": ",
        std::strerror(errno))));
  }
  // Reopened by the next WriteChunk (which counts the entries if that fails too).
  if (absl::Status opened = OpenOutput(); !opened.ok()) {
    ReportWriteError(opened);
    fd_ = -1;
  }
}

void RequestLog::ReportWriteError(const absl::Status& error) {
  if (reported_error_) return;
  reported_error_ = true;
  std::fprintf(stderr,
               "strata: %s (further request log errors are only counted in "
               "strata_request_log_entries_total{outcome=\"write_error\"})\n",
               std::string(AsStd(error.message())).c_str());
}

RequestLogCounters RequestLog::counters() const {
  RequestLogCounters c;
  c.logged = logged_.load(std::memory_order_relaxed);
  c.dropped = dropped_.load(std::memory_order_relaxed);
  c.sampled_out = sampled_out_.load(std::memory_order_relaxed);
  c.write_errors = write_errors_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  c.pending = static_cast<int64_t>(pending_.size());
  return c;
}

std::string RequestLog::RenderMetrics() const {
  const RequestLogCounters c = counters();
  return absl::StrCat(
      "# HELP strata_request_log_entries_total Inference requests seen by the request log, by "
      "outcome.\n"
      "# TYPE strata_request_log_entries_total counter\n"
      "strata_request_log_entries_total{outcome=\"logged\"} ", c.logged, "\n",
      "strata_request_log_entries_total{outcome=\"dropped\"} ", c.dropped, "\n",
      "strata_request_log_entries_total{outcome=\"sampled_out\"} ", c.sampled_out, "\n",
      "strata_request_log_entries_total{outcome=\"write_error\"} ", c.write_errors, "\n",
      "# HELP strata_request_log_pending Request log entries waiting for the writer.\n"
      "# TYPE strata_request_log_pending gauge\n"
      "strata_request_log_pending ", c.pending, "\n");
}

}  // namespace strata::serving
