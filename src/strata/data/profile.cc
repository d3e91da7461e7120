#include "strata/data/profile.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/data/internal/column_profiler.h"

namespace strata::data {
namespace {

using table::DataType;

// Below this many rows per thread, threads cost more than they save.
constexpr int64_t kMinRowsPerThread = 32768;

bool IsCorrelationType(DataType type) { return type == DataType::kInt64 || type == DataType::kFloat64; }

void SummarizeCorrelations(TableProfile& profile) {
  profile.correlation_matrix.clear();
  if (!profile.correlation_sketch.has_value()) return;
  const stats::CorrelationMatrix& m = *profile.correlation_sketch;
  profile.correlation_columns = m.columns();
  profile.correlation_matrix.assign(static_cast<size_t>(m.size()), std::vector<double>(static_cast<size_t>(m.size())));
  for (int i = 0; i < m.size(); ++i) {
    for (int j = 0; j < m.size(); ++j) profile.correlation_matrix[static_cast<size_t>(i)][static_cast<size_t>(j)] = m.Correlation(i, j);
  }
}

// A profile's counts and sketches as an accumulator (to merge), and back.
internal::ColumnAccumulator ToAccumulator(const ColumnProfile& p) {
  return internal::ColumnAccumulator{.count = p.count, .null_count = p.null_count, .nan_count = p.nan_count,
                                     .inf_count = p.inf_count, .looks_numeric = p.looks_numeric,
                                     .looks_timestamp = p.looks_timestamp, .looks_bool = p.looks_bool,
                                     .sketches = *p.sketches, .code_counts = {}};
}

void SetCounts(internal::ColumnAccumulator acc, ColumnProfile& p) {
  p.count = acc.count;
  p.null_count = acc.null_count;
  p.nan_count = acc.nan_count;
  p.inf_count = acc.inf_count;
  p.looks_numeric = acc.looks_numeric;
  p.looks_timestamp = acc.looks_timestamp;
  p.looks_bool = acc.looks_bool;
  p.sketches = std::move(acc.sketches);
}

// The work of one thread: every column over one contiguous row range.
struct RangeResult {
  std::vector<internal::ColumnAccumulator> columns;
  stats::CorrelationMatrix correlations;
};

void ProfileRange(const table::Table& t, const std::vector<int>& correlation_columns, const ProfileOptions& options,
                  int64_t begin, int64_t end, uint64_t seed, RangeResult& out) {
  out.columns.clear();
  for (int c = 0; c < t.num_columns(); ++c) {
    internal::ColumnAccumulator acc{.sketches = internal::MakeSketches(options, seed * 1000003 + static_cast<uint64_t>(c) + 1), .code_counts = {}};
    internal::AccumulateRows(t.column(c), begin, end, acc);
    out.columns.push_back(std::move(acc));
  }
  if (!correlation_columns.empty()) {
    std::vector<const table::Column*> cols;
    for (int c : correlation_columns) cols.push_back(&t.column(c));
    internal::AccumulateCorrelations(cols, begin, end, out.correlations);
  }
}

}  // namespace

absl::StatusOr<TableProfile> ProfileTable(const table::Table& t, const ProfileOptions& options) {
  if (options.top_k < 0 || options.histogram_bins < 1 || options.histogram_bins > 100000 || options.threads < 0 ||
      options.kll_k < stats::KllSketch::kMinK || options.kll_k > stats::KllSketch::kMaxK) {
    return absl::InvalidArgumentError(absl::StrCat(
        "profile options: need top_k >= 0, histogram_bins in [1, 100000], threads >= 0, kll_k in [",
        stats::KllSketch::kMinK, ", ", stats::KllSketch::kMaxK, "]"));
  }
  TableProfile profile;
  profile.rows = t.num_rows();
  profile.options = options;

  std::vector<int> correlation_columns;
  std::vector<std::string> correlation_names;
  if (options.correlations) {
    for (int c = 0; c < t.num_columns(); ++c) {
      if (IsCorrelationType(t.column(c).type())) {
        correlation_columns.push_back(c);
        correlation_names.push_back(t.schema().field(c).name);
      }
    }
  }

  int threads = ResolveThreads(options.threads);
  threads = static_cast<int>(std::clamp<int64_t>(t.num_rows() / kMinRowsPerThread, 1, threads));
  std::vector<RangeResult> ranges(static_cast<size_t>(threads));
  for (RangeResult& r : ranges) r.correlations = stats::CorrelationMatrix(correlation_names);
  // One contiguous row range per thread; range i always goes to ranges[i], so the merge
  // below sees the same pieces in the same order whatever thread ran them.
  ParallelFor(threads, threads, [&](int64_t i) {
    const int64_t begin = t.num_rows() * i / threads;
    const int64_t end = t.num_rows() * (i + 1) / threads;
    ProfileRange(t, correlation_columns, options, begin, end, static_cast<uint64_t>(i) + 1,
                 ranges[static_cast<size_t>(i)]);
  });

  // Merge in range order, so a given thread count always gives the same profile.
  RangeResult& first = ranges[0];
  for (size_t i = 1; i < ranges.size(); ++i) {
    for (int c = 0; c < t.num_columns(); ++c) {
      if (absl::Status s = internal::MergeAccumulators(first.columns[static_cast<size_t>(c)],
                                                       ranges[i].columns[static_cast<size_t>(c)]);
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = first.correlations.Merge(ranges[i].correlations); !s.ok()) return s;
  }
  for (int c = 0; c < t.num_columns(); ++c) {
    internal::ColumnAccumulator& acc = first.columns[static_cast<size_t>(c)];
    if (t.column(c).type() == DataType::kCategory) internal::FinishCategory(t.column(c), acc);
    ColumnProfile p;
    p.name = t.schema().field(c).name;
    p.type = t.column(c).type();
    SetCounts(std::move(acc), p);
    internal::Summarize(p, options);
    profile.columns.push_back(std::move(p));
  }
  if (options.correlations) {
    profile.correlation_sketch = std::move(first.correlations);
    SummarizeCorrelations(profile);
  }
  return profile;
}

absl::Status MergeProfiles(TableProfile& into, const TableProfile& other) {
  if (into.columns.size() != other.columns.size()) {
    return absl::InvalidArgumentError(absl::StrCat("merge profiles: ", into.columns.size(), " vs ",
                                                   other.columns.size(), " columns"));
  }
  for (size_t c = 0; c < into.columns.size(); ++c) {
    const ColumnProfile& a = into.columns[c];
    const ColumnProfile& b = other.columns[c];
    if (a.name != b.name || a.type != b.type) {
      return absl::InvalidArgumentError(absl::StrCat(
          "merge profiles: column ", c, " is '", a.name, "' (", std::string(table::DataTypeName(a.type)), ") vs '",
          b.name, "' (", std::string(table::DataTypeName(b.type)), ")"));
    }
    if (!a.sketches.has_value() || !b.sketches.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("merge profiles: column '", a.name, "' has no sketches (profile read from JSON without them)"));
    }
  }
  if (into.options.kll_k != other.options.kll_k) {
    return absl::InvalidArgumentError(absl::StrCat("merge profiles: kll_k ", into.options.kll_k, " vs ",
                                                   other.options.kll_k));
  }
  if (into.correlation_sketch.has_value() != other.correlation_sketch.has_value()) {
    return absl::InvalidArgumentError("merge profiles: only one profile has correlations");
  }
  // Check everything first so a failed merge leaves `into` unchanged.
  TableProfile merged = into;
  for (size_t c = 0; c < merged.columns.size(); ++c) {
    ColumnProfile& a = merged.columns[c];
    const ColumnProfile& b = other.columns[c];
    internal::ColumnAccumulator acc_a = ToAccumulator(a);
    RETURN_IF_ERROR(internal::MergeAccumulators(acc_a, ToAccumulator(b)));
    SetCounts(std::move(acc_a), a);
    internal::Summarize(a, merged.options);
  }
  if (merged.correlation_sketch.has_value()) {
    RETURN_IF_ERROR(merged.correlation_sketch->Merge(*other.correlation_sketch));
    SummarizeCorrelations(merged);
  }
  merged.rows += other.rows;
  into = std::move(merged);
  return absl::OkStatus();
}

}  // namespace strata::data
