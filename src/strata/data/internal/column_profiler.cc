#include "strata/data/internal/column_profiler.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/stats/radix_sort.h"

namespace strata::data::internal {
namespace {

using table::DataType;

// Values are handed to the batch sketches (moments, KLL) this many at a time.
constexpr int64_t kBlock = 4096;

int FrequentItemsCapacity(const ProfileOptions& options) { return std::max(256, 16 * options.top_k); }

bool LooksBool(std::string_view s) {
  return s.size() >= 4 && s.size() <= 5 &&
         (absl::EqualsIgnoreCase(AsAbsl(s), "true") || absl::EqualsIgnoreCase(AsAbsl(s), "false"));
}

bool LooksNumeric(std::string_view s) {
  if (s.empty()) return false;
  const char c = s[0];
  if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')) return false;
  double value = 0;
  return absl::SimpleAtod(AsAbsl(s), &value);
}

bool LooksTimestamp(std::string_view s) {
  if (s.size() < 10 || s[0] < '0' || s[0] > '9' || s[4] != '-') return false;
  int64_t micros = 0;
  return io::ParseTimestampMicros(s, &micros);
}

void CountLooks(std::string_view s, int64_t weight, ColumnAccumulator& acc) {
  if (s.empty()) return;
  const char c = s[0];
  if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
    if (LooksBool(s)) acc.looks_bool += weight;
    return;
  }
  if (LooksTimestamp(s)) {
    acc.looks_timestamp += weight;
  } else if (LooksNumeric(s)) {
    acc.looks_numeric += weight;
  }
}

int64_t FloatKey(double v) {
  if (v == 0) v = 0;  // -0.0 counts as 0.0
  return std::bit_cast<int64_t>(v);
}

// Reused buffers of one AccumulateRows call: a block of values, sorted, and its runs.
struct BlockScratch {
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint64_t> sort;
  std::vector<int64_t> run_keys;
  std::vector<int64_t> run_counts;
};

// Sorted keys as (key, repeats) runs.
void CountRuns(absl::Span<const int64_t> sorted, BlockScratch& b) {
  b.run_keys.clear();
  b.run_counts.clear();
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    b.run_keys.push_back(sorted[i]);
    b.run_counts.push_back(static_cast<int64_t>(j - i));
    i = j;
  }
}

// A block's distinct values (its runs) into the sketches that count each value once or by
// weight: one HyperLogLog hash and one frequent-items lookup per distinct value.
void AddRuns(const BlockScratch& b, ColumnSketches& s) {
  s.hll.UpdateInt64s(b.run_keys);
  s.top_numbers.UpdateDistinct(absl::Span<const int64_t>(b.run_keys), b.run_counts);
}

// Each block is sorted once (radix sort); the sorted block feeds KLL as one run and gives the
// distinct values with their counts for HyperLogLog and frequent items.
void AccumulateInts(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  const absl::Span<const int64_t> values = column.Int64s();
  const bool has_nulls = column.null_count() > 0;
  BlockScratch b;
  ColumnSketches& s = acc.sketches;
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t stop = std::min(end, start + kBlock);
    b.ints.clear();
    if (has_nulls) {
      for (int64_t r = start; r < stop; ++r) {
        if (!column.IsNull(r)) b.ints.push_back(values[static_cast<size_t>(r)]);
      }
    } else {
      b.ints.assign(values.begin() + start, values.begin() + stop);
    }
    const int64_t held = static_cast<int64_t>(b.ints.size());
    acc.count += held;
    acc.null_count += (stop - start) - held;
    if (held == 0) continue;
    stats::RadixSort(absl::MakeSpan(b.ints), b.sort);
    CountRuns(b.ints, b);
    AddRuns(b, s);
    // int64 -> double is monotone, so the converted block is still sorted.
    b.doubles.resize(b.ints.size());
    for (size_t i = 0; i < b.ints.size(); ++i) b.doubles[i] = static_cast<double>(b.ints[i]);
    s.moments.Update(b.doubles);
    s.kll.UpdateSorted(b.doubles);
  }
}

void AccumulateFloats(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  const absl::Span<const double> values = column.Float64s();
  const bool has_nulls = column.null_count() > 0;
  BlockScratch b;
  ColumnSketches& s = acc.sketches;
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t stop = std::min(end, start + kBlock);
    b.doubles.clear();
    for (int64_t r = start; r < stop; ++r) {
      if (has_nulls && column.IsNull(r)) {
        ++acc.null_count;
        continue;
      }
      const double v = values[static_cast<size_t>(r)];
      ++acc.count;
      if (std::isfinite(v)) {
        b.doubles.push_back(v);
      } else if (std::isnan(v)) {
        ++acc.nan_count;
      } else {
        // ±inf: counted and distinct, but outside the moments and quantiles.
        ++acc.inf_count;
        s.hll.UpdateDouble(v);
        s.top_numbers.Update(FloatKey(v));
      }
    }
    if (b.doubles.empty()) continue;
    stats::RadixSort(absl::MakeSpan(b.doubles), b.sort);
    // Runs by FloatKey (bit patterns, -0.0 as 0.0, which sorts next to it): HashInt64 of
    // the key is HashDouble of the value.
    b.ints.resize(b.doubles.size());
    for (size_t i = 0; i < b.doubles.size(); ++i) b.ints[i] = FloatKey(b.doubles[i]);
    CountRuns(b.ints, b);
    AddRuns(b, s);
    s.moments.Update(b.doubles);
    s.kll.UpdateSorted(b.doubles);
  }
}

void AccumulateBools(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  const absl::Span<const uint8_t> values = column.Bools();
  const bool has_nulls = column.null_count() > 0;
  int64_t trues = 0, present = 0;
  for (int64_t r = begin; r < end; ++r) {
    if (has_nulls && column.IsNull(r)) continue;
    ++present;
    trues += values[static_cast<size_t>(r)] != 0 ? 1 : 0;
  }
  acc.count += present;
  acc.null_count += (end - begin) - present;
  ColumnSketches& s = acc.sketches;
  s.moments.UpdateRepeated(1, trues);
  s.moments.UpdateRepeated(0, present - trues);
  s.top_numbers.Update(int64_t{1}, trues);
  s.top_numbers.Update(int64_t{0}, present - trues);
  if (trues > 0) s.hll.UpdateInt64(1);
  if (present - trues > 0) s.hll.UpdateInt64(0);
}

// A block's strings are counted exactly in a small map first, so the sketches, the hash and
// the "looks like" checks see each distinct string of the block once, with its count.
void AccumulateStrings(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  const bool has_nulls = column.null_count() > 0;
  std::vector<double> lengths(static_cast<size_t>(kBlock));
  absl::flat_hash_map<absl::string_view, int64_t> block_counts;
  std::vector<std::string_view> distinct;
  std::vector<int64_t> counts;
  ColumnSketches& s = acc.sketches;
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t stop = std::min(end, start + kBlock);
    size_t held = 0;
    block_counts.clear();
    for (int64_t r = start; r < stop; ++r) {
      if (has_nulls && column.IsNull(r)) {
        ++acc.null_count;
        continue;
      }
      const std::string_view v = column.StringAt(r);
      lengths[held++] = static_cast<double>(v.size());
      ++block_counts[AsAbsl(v)];
    }
    acc.count += static_cast<int64_t>(held);
    s.lengths.Update(absl::Span<const double>(lengths.data(), held));
    distinct.clear();
    counts.clear();
    for (const auto& [value, n] : block_counts) {
      distinct.push_back(AsStd(value));
      counts.push_back(n);
      CountLooks(AsStd(value), n, acc);
    }
    s.hll.UpdateStrings(distinct);
    s.top_strings.UpdateDistinct(absl::Span<const std::string_view>(distinct), counts);
  }
}

void AccumulateCategoryCodes(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  const absl::Span<const int32_t> codes = column.CategoryCodes();
  const bool has_nulls = column.null_count() > 0;
  acc.code_counts.resize(static_cast<size_t>(column.DictionarySize()), 0);
  for (int64_t r = begin; r < end; ++r) {
    if (has_nulls && column.IsNull(r)) {
      ++acc.null_count;
      continue;
    }
    ++acc.code_counts[static_cast<size_t>(codes[static_cast<size_t>(r)])];
    ++acc.count;
  }
}

}  // namespace

ColumnSketches MakeSketches(const ProfileOptions& options, uint64_t seed) {
  return ColumnSketches{
      .moments = stats::Moments(),
      .kll = stats::KllSketch(options.kll_k, seed),
      .hll = stats::HyperLogLog(),
      .top_numbers = stats::FrequentItems<int64_t>(FrequentItemsCapacity(options)),
      .top_strings = stats::FrequentItems<std::string>(FrequentItemsCapacity(options)),
      .lengths = stats::Moments(),
  };
}

void AccumulateRows(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc) {
  switch (column.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      AccumulateInts(column, begin, end, acc);
      break;
    case DataType::kFloat64:
      AccumulateFloats(column, begin, end, acc);
      break;
    case DataType::kBool:
      AccumulateBools(column, begin, end, acc);
      break;
    case DataType::kString:
      AccumulateStrings(column, begin, end, acc);
      break;
    case DataType::kCategory:
      AccumulateCategoryCodes(column, begin, end, acc);
      break;
  }
}

absl::Status MergeAccumulators(ColumnAccumulator& into, const ColumnAccumulator& other) {
  into.count += other.count;
  into.null_count += other.null_count;
  into.nan_count += other.nan_count;
  into.inf_count += other.inf_count;
  into.looks_numeric += other.looks_numeric;
  into.looks_timestamp += other.looks_timestamp;
  into.looks_bool += other.looks_bool;
  if (into.code_counts.size() < other.code_counts.size()) into.code_counts.resize(other.code_counts.size(), 0);
  for (size_t i = 0; i < other.code_counts.size(); ++i) into.code_counts[i] += other.code_counts[i];
  ColumnSketches& s = into.sketches;
  const ColumnSketches& o = other.sketches;
  s.moments.Merge(o.moments);
  s.lengths.Merge(o.lengths);
  if (absl::Status st = s.kll.Merge(o.kll); !st.ok()) return st;
  if (absl::Status st = s.hll.Merge(o.hll); !st.ok()) return st;
  if (absl::Status st = s.top_numbers.Merge(o.top_numbers); !st.ok()) return st;
  return s.top_strings.Merge(o.top_strings);
}

void FinishCategory(const table::Column& column, ColumnAccumulator& acc) {
  ColumnSketches& s = acc.sketches;
  for (size_t code = 0; code < acc.code_counts.size(); ++code) {
    const int64_t n = acc.code_counts[code];
    if (n == 0) continue;
    const std::string_view value = column.DictionaryAt(static_cast<int32_t>(code));
    s.hll.UpdateBytes(value);
    s.top_strings.Update(value, n);
    s.lengths.UpdateRepeated(static_cast<double>(value.size()), n);
    CountLooks(value, n, acc);
  }
  acc.code_counts.clear();
}

void Summarize(ColumnProfile& p, const ProfileOptions& options) {
  const ColumnSketches& s = *p.sketches;
  const bool numeric = p.type == DataType::kInt64 || p.type == DataType::kFloat64 || p.type == DataType::kTimestamp;
  const bool strings = p.type == DataType::kString || p.type == DataType::kCategory;
  p.distinct = 0;
  if (p.type == DataType::kBool) {
    p.distinct = static_cast<double>(s.top_numbers.Top(2).size());
  } else if (s.hll.registers().empty() == false && p.count - p.nan_count > 0) {
    // Exact when the frequent-items summary never had to purge: it holds every value.
    const int64_t exact = strings ? (s.top_strings.offset() == 0 ? s.top_strings.num_counters() : -1)
                                  : (s.top_numbers.offset() == 0 ? s.top_numbers.num_counters() : -1);
    p.distinct = exact >= 0 ? static_cast<double>(exact) : std::round(s.hll.Estimate());
  }
  p.has_moments = (numeric || p.type == DataType::kBool) && s.moments.count() > 0;
  if (p.has_moments) {
    p.min = s.moments.min();
    p.max = s.moments.max();
    p.mean = s.moments.mean();
    p.stddev = s.moments.stddev();
  }
  p.quantiles.clear();
  p.histogram = stats::Histogram();
  if (numeric && !s.kll.empty()) {
    p.quantiles = s.kll.Quantiles(kProfileQuantiles);
    absl::StatusOr<stats::Histogram> h = stats::Histogram::EstimateFromKll(s.kll, options.histogram_bins);
    if (h.ok()) p.histogram = *std::move(h);
  }
  p.top_values.clear();
  if (strings) {
    for (const auto& row : s.top_strings.Top(options.top_k)) p.top_values.push_back({row.item, row.lower_bound});
  } else {
    for (const auto& row : s.top_numbers.Top(options.top_k)) {
      std::string text;
      switch (p.type) {
        case DataType::kBool:
          text = row.item != 0 ? "true" : "false";
          break;
        case DataType::kFloat64:
          text = FormatDouble(std::bit_cast<double>(row.item));
          break;
        case DataType::kTimestamp:
          text = io::FormatTimestampMicros(row.item);
          break;
        default:
          text = std::to_string(row.item);
      }
      p.top_values.push_back({std::move(text), row.lower_bound});
    }
  }
  p.has_lengths = strings && s.lengths.count() > 0;
  if (p.has_lengths) {
    p.min_length = static_cast<int64_t>(s.lengths.min());
    p.max_length = static_cast<int64_t>(s.lengths.max());
    p.mean_length = s.lengths.mean();
  }
}

void AccumulateCorrelations(const std::vector<const table::Column*>& columns, int64_t begin, int64_t end,
                            stats::CorrelationMatrix& matrix) {
  const size_t k = columns.size();
  if (k == 0) return;
  constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> values(k, std::vector<double>(static_cast<size_t>(kBlock)));
  std::vector<const double*> pointers(k);
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t stop = std::min(end, start + kBlock);
    const size_t len = static_cast<size_t>(stop - start);
    for (size_t c = 0; c < k; ++c) {
      const table::Column& col = *columns[c];
      double* out = values[c].data();
      if (col.type() == DataType::kFloat64) {
        const double* in = col.Float64s().data() + start;
        for (size_t i = 0; i < len; ++i) out[i] = in[i];
      } else {
        const int64_t* in = col.Int64s().data() + start;
        for (size_t i = 0; i < len; ++i) out[i] = static_cast<double>(in[i]);
      }
      if (col.null_count() > 0) {
        for (size_t i = 0; i < len; ++i) {
          if (col.IsNull(start + static_cast<int64_t>(i))) out[i] = kMissing;
        }
      }
      pointers[c] = out;
    }
    matrix.UpdateColumns(pointers, len);
  }
}

}  // namespace strata::data::internal
