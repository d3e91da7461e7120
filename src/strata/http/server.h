// HTTP/1.1 server (Boost.Beast/Asio): keep-alive, a thread per core, request size limits,
// timeouts, access log, and Prometheus metrics per route at /metrics.
//
// Handlers run synchronously on the server's I/O threads; they may block briefly (a database
// write) but must not wait on other requests.
#ifndef STRATA_HTTP_SERVER_H_
#define STRATA_HTTP_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/http/router.h"

namespace strata::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 5000;  // 0 picks an ephemeral port; see Server::port().
  int threads = 0;  // 0 = one per core.
  // Scheduler slice the I/O threads ask Linux for (>= 6.12; EEVDF's per-thread slice,
  // 100-100000 us), 0 = the kernel's default (1.4 ms on 2 cores). A short slice (100) lets an
  // I/O thread that wakes for a request while the cores are busy run within ~0.1 ms instead of
  // waiting out other tasks' slices, which is where the p99 of a one-row predict goes on a
  // shared machine; it does not change the threads' share of CPU time, but may cost some
  // throughput at saturation (more preemptions). Off by default until a quiet-machine A/B
  // (bench/results/serving_p99.md) shows the gain and the cost. See internal/scheduler_slice.h.
  int scheduler_slice_us = 0;
  // Bodies above this get 413 unless the route sets its own limit.
  uint64_t max_body_bytes = 64ull << 20;
  // A request must arrive completely within this time (slow-loris guard); idle keep-alive
  // connections are closed after it too.
  int request_timeout_ms = 30000;
  // Access log as JSON lines; empty disables it. "-" writes to stderr.
  std::string access_log_path;
  // Builds the body of errors the server itself produces (404 no route, 405, 413, 400 bad
  // HTTP, 408 timeout). api/ sets this so every error has the project's one JSON shape.
  std::function<void(int http_status, std::string_view message, Response&)> error_responder;
  // Appended to the built-in GET /metrics text (e.g. the inference server's own metrics).
  std::function<std::string()> extra_metrics;
};

class Server {
 public:
  // Binds and starts serving `router` on background threads. Also serves GET /metrics
  // (Prometheus text: strata_http_requests_total{route,method,code} and
  // strata_http_request_duration_seconds histogram per route). Errors: UNAVAILABLE when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(Router router, ServerOptions options);

  virtual ~Server() = default;
  // The bound port (useful with port 0).
  virtual int port() const = 0;
  // Stops accepting, lets in-flight requests finish, joins the threads. Idempotent.
  virtual void Stop() = 0;
  // Blocks until Stop() is called (from a signal handler thread or elsewhere).
  virtual void Wait() = 0;
};

}  // namespace strata::http

#endif  // STRATA_HTTP_SERVER_H_
