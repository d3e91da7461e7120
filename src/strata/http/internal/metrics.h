// Prometheus metrics of the HTTP server: a request counter per (route, method, status code), a
// latency histogram per (route, method), in-flight and open-connection gauges and the process
// resident memory.
#ifndef STRATA_HTTP_INTERNAL_METRICS_H_
#define STRATA_HTTP_INTERNAL_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata::http::internal {

// Every series lives in a fixed slot created up front (one per route, plus the built-in
// /metrics route and one "unmatched" slot per common method), so recording a request is a few
// relaxed atomic increments: no lock, no allocation, no map lookup.
//
// Thread-safe: Record/Add* from any thread concurrently with Render.
class HttpMetrics {
 public:
  struct Label {
    std::string route;
    std::string method;
  };
  // One slot per entry of `routes`, addressed by its index.
  explicit HttpMetrics(const std::vector<Label>& routes);
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;
  ~HttpMetrics();

  // Slot for GET /metrics itself.
  int metrics_slot() const { return metrics_slot_; }
  // Slot for a request that matched no route (404, 405, malformed requests), by method; methods
  // outside the common set share method="OTHER" so clients cannot grow the label set.
  int UnmatchedSlot(std::string_view method) const;

  void Record(int slot, int status, int64_t duration_us);
  void AddInFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  void AddConnections(int delta) { connections_.fetch_add(delta, std::memory_order_relaxed); }

  // Prometheus text exposition format 0.0.4. Series that never saw a request are omitted.
  std::string Render() const;

  // Histogram upper bounds in microseconds (exported in seconds); +Inf is implicit.
  static constexpr std::array<int64_t, 16> kBucketBoundsUs = {
      100,   250,    500,    1000,   2500,    5000,    10000,   25000,
      50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};

 private:
  struct Slot;
  std::vector<std::unique_ptr<Slot>> slots_;
  int metrics_slot_ = 0;
  int unmatched_first_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> connections_{0};
};

// Resident set size of this process in bytes (from /proc/self/statm); 0 when unavailable.
int64_t ResidentMemoryBytes();

}  // namespace strata::http::internal

#endif  // STRATA_HTTP_INTERNAL_METRICS_H_
