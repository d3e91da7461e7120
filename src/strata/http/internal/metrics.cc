#include "strata/http/internal/metrics.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace strata::http::internal {
namespace {

constexpr std::array<std::string_view, 7> kUnmatchedMethods = {"GET",   "POST", "PUT",    "DELETE",
                                                               "PATCH", "HEAD", "OPTIONS"};
constexpr std::array<const char*, 16> kBucketLabels = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};
// Distinct status codes tracked per slot; more than that (unlikely) go to code="other".
constexpr int kCodesPerSlot = 16;

// Label value escaping per the exposition format: backslash, double quote and newline.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

// Aligned so two hot routes on different threads do not share a cache line.
struct alignas(64) HttpMetrics::Slot {
  std::string labels;  // route="...",method="..." (escaped)
  struct CodeCount {
    std::atomic<int> code{0};  // 0 = free entry
    std::atomic<uint64_t> count{0};
  };
  std::array<CodeCount, kCodesPerSlot> codes;
  std::atomic<uint64_t> other_codes{0};
  std::array<std::atomic<uint64_t>, kBucketBoundsUs.size() + 1> buckets{};  // not cumulative
  std::atomic<uint64_t> sum_us{0};
  std::atomic<uint64_t> count{0};

  void CountCode(int status) {
    for (CodeCount& e : codes) {
      int c = e.code.load(std::memory_order_acquire);
      if (c == 0) {
        // Claim the free entry; another thread may claim it first with the same or another code.
        int expected = 0;
        if (e.code.compare_exchange_strong(expected, status, std::memory_order_acq_rel)) {
          c = status;
        } else {
          c = expected;
        }
      }
      if (c == status) {
        e.count.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    other_codes.fetch_add(1, std::memory_order_relaxed);
  }
};

HttpMetrics::HttpMetrics(const std::vector<Label>& routes) {
  auto add = [this](std::string_view route, std::string_view method) {
    auto slot = std::make_unique<Slot>();
    slot->labels =
        absl::StrCat("route=\"", EscapeLabel(route), "\",method=\"", EscapeLabel(method), "\"");
    slots_.push_back(std::move(slot));
  };
  for (const Label& l : routes) add(l.route, l.method);
  metrics_slot_ = static_cast<int>(slots_.size());
  add("/metrics", "GET");
  unmatched_first_ = static_cast<int>(slots_.size());
  for (std::string_view m : kUnmatchedMethods) add("unmatched", m);
  add("unmatched", "OTHER");
}

HttpMetrics::~HttpMetrics() = default;

int HttpMetrics::UnmatchedSlot(std::string_view method) const {
  for (size_t i = 0; i < kUnmatchedMethods.size(); ++i) {
    if (kUnmatchedMethods[i] == method) return unmatched_first_ + static_cast<int>(i);
  }
  return unmatched_first_ + static_cast<int>(kUnmatchedMethods.size());
}

void HttpMetrics::Record(int slot_index, int status, int64_t duration_us) {
  Slot& slot = *slots_[static_cast<size_t>(slot_index)];
  slot.CountCode(status);
  size_t b = 0;
  while (b < kBucketBoundsUs.size() && duration_us > kBucketBoundsUs[b]) ++b;
  slot.buckets[b].fetch_add(1, std::memory_order_relaxed);
  slot.sum_us.fetch_add(static_cast<uint64_t>(duration_us < 0 ? 0 : duration_us),
                        std::memory_order_relaxed);
  slot.count.fetch_add(1, std::memory_order_relaxed);
}

std::string HttpMetrics::Render() const {
  std::string out;
  out.reserve(4096);
  out +=
      "# HELP strata_http_requests_total HTTP requests by route, method and status code.\n"
      "# TYPE strata_http_requests_total counter\n";
  for (const auto& slot : slots_) {
    for (const Slot::CodeCount& e : slot->codes) {
      int code = e.code.load(std::memory_order_acquire);
      if (code == 0) continue;
      absl::StrAppend(&out, "strata_http_requests_total{", slot->labels, ",code=\"", code, "\"} ",
                      e.count.load(std::memory_order_relaxed), "\n");
    }
    uint64_t other = slot->other_codes.load(std::memory_order_relaxed);
    if (other != 0) {
      absl::StrAppend(&out, "strata_http_requests_total{", slot->labels, ",code=\"other\"} ", other,
                      "\n");
    }
  }
  out +=
      "# HELP strata_http_request_duration_seconds Time from a request's header to its response "
      "written.\n"
      "# TYPE strata_http_request_duration_seconds histogram\n";
  for (const auto& slot : slots_) {
    // Read the buckets first and derive the count from them so each series is self-consistent.
    std::array<uint64_t, kBucketBoundsUs.size() + 1> buckets;
    uint64_t total = 0;
    for (size_t b = 0; b < buckets.size(); ++b) {
      buckets[b] = slot->buckets[b].load(std::memory_order_relaxed);
      total += buckets[b];
    }
    if (total == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBucketBoundsUs.size(); ++b) {
      cumulative += buckets[b];
      absl::StrAppend(&out, "strata_http_request_duration_seconds_bucket{", slot->labels, ",le=\"",
                      kBucketLabels[b], "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "strata_http_request_duration_seconds_bucket{", slot->labels,
                    ",le=\"+Inf\"} ", total, "\n");
    absl::StrAppend(
        &out, "strata_http_request_duration_seconds_sum{", slot->labels, "} ",
        absl::StrFormat("%.6f",
                        static_cast<double>(slot->sum_us.load(std::memory_order_relaxed)) / 1e6),
        "\n");
    absl::StrAppend(&out, "strata_http_request_duration_seconds_count{", slot->labels, "} ", total,
                    "\n");
  }
  absl::StrAppend(&out,
                  "# HELP strata_http_requests_in_flight Requests being read, handled or written.\n"
                  "# TYPE strata_http_requests_in_flight gauge\n"
                  "strata_http_requests_in_flight ",
                  in_flight_.load(std::memory_order_relaxed), "\n");
  absl::StrAppend(&out,
                  "# HELP strata_http_connections_open Open client connections.\n"
                  "# TYPE strata_http_connections_open gauge\n"
                  "strata_http_connections_open ",
                  connections_.load(std::memory_order_relaxed), "\n");
  absl::StrAppend(&out,
                  "# HELP strata_process_resident_memory_bytes Resident memory size in bytes.\n"
                  "# TYPE strata_process_resident_memory_bytes gauge\n"
                  "strata_process_resident_memory_bytes ",
                  ResidentMemoryBytes(), "\n");
  return out;
}

int64_t ResidentMemoryBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long long size_pages = 0;
  long long resident_pages = 0;
  int n = std::fscanf(f, "%lld %lld", &size_pages, &resident_pages);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(resident_pages) * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace strata::http::internal
