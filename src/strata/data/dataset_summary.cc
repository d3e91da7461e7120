// The built-in column summary stored as a version's profile when no profiler is given.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "strata/data/datasets.h"

namespace strata::data {
namespace {

using nlohmann::json;

// Welford's running mean and variance: one pass, no catastrophic cancellation on large values.
struct Moments {
  int64_t n = 0;
  double mean = 0;
  double m2 = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void Add(double x) {
    ++n;
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
  }
};

void AddMoments(const Moments& m, bool integral, json& out) {
  if (m.n == 0) return;
  if (integral) {
    out["min"] = static_cast<int64_t>(m.min);
    out["max"] = static_cast<int64_t>(m.max);
  } else {
    out["min"] = m.min;
    out["max"] = m.max;
  }
  out["mean"] = m.mean;
  if (m.n > 1) out["stddev"] = std::sqrt(m.m2 / static_cast<double>(m.n - 1));
}

}  // namespace

json SummarizeColumns(const table::Table& t) {
  json columns = json::array();
  for (int c = 0; c < t.num_columns(); ++c) {
    const table::Column& col = t.column(c);
    const table::Field& f = t.schema().field(c);
    json entry = {{"name", f.name},
                  {"type", std::string(table::DataTypeName(f.type))},
                  {"count", col.size() - col.null_count()},
                  {"null_count", col.null_count()}};
    const bool has_nulls = col.null_count() > 0;
    if (f.type == table::DataType::kInt64) {
      // Exact integer min/max (a double loses precision past 2^53).
      absl::Span<const int64_t> v = col.Int64s();
      Moments m;
      int64_t lo = std::numeric_limits<int64_t>::max();
      int64_t hi = std::numeric_limits<int64_t>::min();
      for (int64_t r = 0; r < col.size(); ++r) {
        if (has_nulls && col.IsNull(r)) continue;
        const int64_t x = v[static_cast<size_t>(r)];
        m.Add(static_cast<double>(x));
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      AddMoments(m, true, entry);
      if (m.n > 0) {
        entry["min"] = lo;
        entry["max"] = hi;
      }
    } else if (f.type == table::DataType::kFloat64) {
      absl::Span<const double> v = col.Float64s();
      Moments m;
      for (int64_t r = 0; r < col.size(); ++r) {
        if (has_nulls && col.IsNull(r)) continue;
        const double x = v[static_cast<size_t>(r)];
        if (std::isnan(x)) continue;
        m.Add(x);
      }
      // JSON has no infinities: a column holding one keeps only its counts.
      if (std::isfinite(m.min) && std::isfinite(m.max)) AddMoments(m, false, entry);
    }
    columns.push_back(std::move(entry));
  }
  return json{{"rows", t.num_rows()}, {"columns", std::move(columns)}};
}

}  // namespace strata::data
