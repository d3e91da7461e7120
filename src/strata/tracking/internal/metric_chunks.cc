#include "strata/tracking/internal/metric_chunks.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace strata::tracking::internal {
namespace {

template <typename T>
void AppendNumber(T value, std::string& out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, end);
}

void AppendValue(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "nan";
  } else if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
  } else {
    AppendNumber(v, out);
  }
}

absl::Status Corrupt(size_t offset, std::string_view what) {
  return absl::DataLossError(absl::StrCat("metric history chunk is corrupt at byte ", offset,
                                          ": ", absl::string_view(what.data(), what.size())));
}

double SortValue(const Metric& m) { return std::isnan(m.value) ? 0.0 : m.value; }

}  // namespace

void EncodeMetricPoints(absl::Span<const Metric* const> points, std::string& out) {
  out.reserve(out.size() + points.size() * 40);
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out += ';';
    AppendNumber(points[i]->step, out);
    out += ',';
    AppendNumber(points[i]->timestamp, out);
    out += ',';
    AppendValue(points[i]->value, out);
  }
}

absl::Status DecodeMetricPoints(std::string_view data, std::string_view key,
                                std::vector<Metric>& out) {
  const char* const begin = data.data();
  const char* p = begin;
  const char* const end = begin + data.size();
  if (p == end) return Corrupt(0, "empty");
  while (true) {
    Metric m;
    m.key = std::string(key);
    auto step = std::from_chars(p, end, m.step);
    if (step.ec != std::errc() || step.ptr == end || *step.ptr != ',') {
      return Corrupt(p - begin, "expected step,");
    }
    p = step.ptr + 1;
    auto ts = std::from_chars(p, end, m.timestamp);
    if (ts.ec != std::errc() || ts.ptr == end || *ts.ptr != ',') {
      return Corrupt(p - begin, "expected timestamp,");
    }
    p = ts.ptr + 1;
    // from_chars reads nan, inf and -inf as well as numbers.
    auto value = std::from_chars(p, end, m.value);
    if (value.ec != std::errc()) return Corrupt(p - begin, "expected a value");
    p = value.ptr;
    out.push_back(std::move(m));
    if (p == end) return absl::OkStatus();
    if (*p != ';') return Corrupt(p - begin, "expected ';'");
    ++p;
  }
}

void SortAndDeduplicateHistory(std::vector<Metric>& metrics) {
  auto rank = [](const Metric& m) {
    return std::make_tuple(m.step, m.timestamp, SortValue(m), std::isnan(m.value));
  };
  std::stable_sort(metrics.begin(), metrics.end(),
                   [&](const Metric& a, const Metric& b) { return rank(a) < rank(b); });
  metrics.erase(std::unique(metrics.begin(), metrics.end(),
                            [&](const Metric& a, const Metric& b) { return rank(a) == rank(b); }),
                metrics.end());
}

}  // namespace strata::tracking::internal
