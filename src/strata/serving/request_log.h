// Request/response logging for the inference server: one JSON object per line per logged
// request (its id, model, version, protocol, role, HTTP status, latency, the decoded inputs and
// the predictions or the error), for monitoring to consume.
//
// Sampled, asynchronous and bounded: the request path decides with Sample() whether a request
// is logged (a hash of its id, so the decision is reproducible), then Log() moves the entry
// into an in-memory queue of at most `max_pending` entries and returns at once. A background
// writer thread renders the JSON and appends it in batches, every `flush_interval_ms` or
// sooner when the queue fills up. When the queue is full, entries are dropped and counted;
// the request path never waits for the disk. Write errors (disk full, unwritable path) are
// counted, reported once on stderr and never stop the server.
//
// Line format (keys in this order):
//   {"request_id":"...","timestamp":"2026-12-02T03:04:05.123456Z","model":"m","version":1,
//    "protocol":"v2","role":"primary","status":200,"latency_us":123,"rows":1,
//    "inputs":{"a":[2.0],"b":[3]},"outputs":{"predict":[5.0]}}
// `inputs` maps each column to its values (null for a null; timestamps as µs integers);
// `outputs` maps each output to one value per row (a model with one combined output of
// several values, such as class probabilities, has one array per row). An entry with more than `max_rows` rows
// keeps its first `max_rows` and adds "truncated":true (`rows` stays the full count). A failed
// request has "error":"message" instead of "outputs" (and "inputs" when they were decoded).
//
// Thread-safety: Sample(), Log(), counters() and RenderMetrics() may be called from any
// thread at the same time.
#ifndef STRATA_SERVING_REQUEST_LOG_H_
#define STRATA_SERVING_REQUEST_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::serving {

struct RequestLogOptions {
  // JSON lines file (appended to; created if missing), or "-" for stderr.
  std::string path;
  // Fraction of requests logged, in [0, 1]. See RequestLog::KeepsRequest for the rule.
  double sample_rate = 1.0;
  // Entries waiting for the writer at most; more are dropped (counted), never waited for.
  int64_t max_pending = 10000;
  // When the file would grow past this, it is renamed to PATH.1 (replacing the previous
  // PATH.1) and a new PATH is started. 0 = never rotate. Ignored for stderr.
  int64_t max_file_bytes = 256ll << 20;
  // How often the writer wakes up to write what is queued.
  int64_t flush_interval_ms = 100;
  // Rows of inputs and outputs kept per entry; larger batches are cut ("truncated":true).
  int64_t max_rows = 100;
};

struct RequestLogEntry {
  std::string request_id;
  // µs since the Unix epoch, UTC; rendered as RFC 3339 with microseconds.
  int64_t timestamp_us = 0;
  std::string model;
  int64_t version = 0;  // 0 = unknown (the request named no served version)
  std::string protocol;  // "v2", "tfserving", "mlflow"
  std::string role = "primary";  // "primary" or "shadow"
  int http_status = 0;
  int64_t latency_us = 0;
  // The decoded request (shares the request's column storage; rendered by the writer).
  std::optional<table::Table> inputs;
  // Set for a successful request: the predictions and the name of each output column.
  std::optional<models::Model::Predictions> outputs;
  std::vector<std::string> output_names;
  // Set for a failed request.
  std::string error;
};

// What happened to the requests seen by Sample() and Log().
struct RequestLogCounters {
  int64_t logged = 0;        // written to the log
  int64_t dropped = 0;       // refused because the queue was full
  int64_t sampled_out = 0;   // not selected by the sample rate
  int64_t write_errors = 0;  // lost to a failed write (or rotation)
  int64_t pending = 0;       // queued, not yet written (a gauge, not a counter)
};

class RequestLog {
 public:
  // Opens (creates) the log and starts its writer thread.
  // Errors: INVALID_ARGUMENT for an empty path, a sample rate outside [0, 1], or
  // max_pending / flush_interval_ms / max_rows < 1 or max_file_bytes < 0; UNAVAILABLE when
  // the file cannot be opened (naming the path and the OS error).
  static absl::StatusOr<std::unique_ptr<RequestLog>> Open(RequestLogOptions options);

  // Writes everything queued, then joins the writer. Must not run on the writer thread
  // (it never does: the writer holds no reference to the log).
  ~RequestLog();
  RequestLog(const RequestLog&) = delete;
  RequestLog& operator=(const RequestLog&) = delete;

  // The sampling rule: keep a request iff (h >> 11) * 2^-53 < sample_rate, where h is the
  // FNV-1a 64-bit hash of its id passed through MurmurHash3's fmix64 finalizer. Deterministic,
  // so the same id is always kept or always not, and a test (or a downstream join) can
  // predict the decision; the finalizer keeps sequential ids evenly sampled.
  static bool KeepsRequest(std::string_view request_id, double sample_rate);

  // Whether to log the request `request_id`; counts it as sampled out when not. Call once
  // per request, and Log() its entry only when this is true.
  bool Sample(std::string_view request_id);

  // Queues `entry` (timestamp_us 0 = now). Never blocks on the writer: returns false (and
  // counts a drop) when max_pending entries already wait.
  bool Log(RequestLogEntry entry);

  RequestLogCounters counters() const;
  // Prometheus text: strata_request_log_entries_total{outcome="logged|dropped|sampled_out|
  // write_error"} and strata_request_log_pending (entries waiting for the writer).
  std::string RenderMetrics() const;

  // Renders one entry as its JSON line (without the newline); what the writer appends.
  static std::string RenderEntry(const RequestLogEntry& entry, int64_t max_rows);

 private:
  explicit RequestLog(RequestLogOptions options);
  void WriterLoop();
  // Renders and appends `batch`, rotating the file between lines when it would grow too big.
  void WriteBatch(const std::deque<RequestLogEntry>& batch);
  // Appends `chunk` (`count` entries) and counts them as logged or as write errors.
  void WriteChunk(std::string& chunk, int64_t& count);
  void Rotate();
  // Opens (or reopens) the output. Errors: UNAVAILABLE naming the path and the OS error.
  absl::Status OpenOutput();
  void ReportWriteError(const absl::Status& error);

  const RequestLogOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<RequestLogEntry> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<int64_t> logged_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> sampled_out_{0};
  std::atomic<int64_t> write_errors_{0};

  // Owned by the writer thread (and Open(), before it starts).
  int fd_ = -1;
  bool owns_fd_ = false;     // false for stderr
  bool regular_file_ = false;  // only regular files rotate
  int64_t file_bytes_ = 0;
  bool reported_error_ = false;

  std::thread writer_;
};

}  // namespace strata::serving

#endif  // STRATA_SERVING_REQUEST_LOG_H_
