#include "strata/features/internal/gather.h"

#include <algorithm>
#include <atomic>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/base/parallel.h"

namespace strata::features::internal {
namespace {

using table::Column;
using table::ColumnBuffers;
using table::DataType;

// A multiple of 64 so that no two chunks write the same validity word.
constexpr int64_t kGatherChunk = 1 << 16;
constexpr int64_t kPrefetchRows = 16;

// Fills values[i] = source_values[rows[i]] (a zero value for misses) and the validity bits;
// returns the null count.
template <typename T>
int64_t GatherFixed(const Column& source, absl::Span<const T> source_values,
                    absl::Span<const int64_t> rows, int threads, std::vector<T>& values,
                    std::vector<uint64_t>& validity) {
  const auto n = static_cast<int64_t>(rows.size());
  values.resize(rows.size());
  validity.assign(static_cast<size_t>((n + 63) / 64), 0);
  const bool source_nulls = source.null_count() > 0;
  std::atomic<int64_t> nulls{0};
  ParallelFor((n + kGatherChunk - 1) / kGatherChunk, threads, [&](int64_t chunk) {
    const int64_t begin = chunk * kGatherChunk;
    const int64_t end = std::min(n, begin + kGatherChunk);
    int64_t chunk_nulls = 0;
    for (int64_t i = begin; i < end; ++i) {
      // Chosen rows are scattered over the source: fetch ahead so the cache misses overlap.
      if (i + kPrefetchRows < end) {
        const int64_t ahead = rows[static_cast<size_t>(i + kPrefetchRows)];
        if (ahead >= 0) __builtin_prefetch(&source_values[static_cast<size_t>(ahead)]);
      }
      const int64_t r = rows[static_cast<size_t>(i)];
      const bool present = r >= 0 && !(source_nulls && source.IsNull(r));
      values[static_cast<size_t>(i)] = present ? source_values[static_cast<size_t>(r)] : T{};
      if (present) {
        validity[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
      } else {
        ++chunk_nulls;
      }
    }
    nulls.fetch_add(chunk_nulls, std::memory_order_relaxed);
  });
  return nulls.load();
}

// The variable-width case runs in one thread: two passes (sizes, then bytes).
int64_t GatherStrings(const Column& source, absl::Span<const int64_t> rows,
                      ColumnBuffers& buffers) {
  const auto n = static_cast<int64_t>(rows.size());
  buffers.offsets.resize(rows.size() + 1);
  buffers.validity.assign(static_cast<size_t>((n + 63) / 64), 0);
  buffers.offsets[0] = 0;
  int64_t nulls = 0;
  int64_t total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = rows[static_cast<size_t>(i)];
    if (r >= 0 && !source.IsNull(r)) {
      total += static_cast<int64_t>(source.StringAt(r).size());
      buffers.validity[static_cast<size_t>(i >> 6)] |= uint64_t{1} << (i & 63);
    } else {
      ++nulls;
    }
    buffers.offsets[static_cast<size_t>(i + 1)] = total;
  }
  buffers.bytes.reserve(static_cast<size_t>(total));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = rows[static_cast<size_t>(i)];
    if (r >= 0 && !source.IsNull(r)) buffers.bytes.append(source.StringAt(r));
  }
  return nulls;
}

}  // namespace

absl::StatusOr<Column> GatherRows(const Column& source, absl::Span<const int64_t> rows,
                                  int threads) {
  ColumnBuffers buffers;
  buffers.type = source.type();
  buffers.rows = static_cast<int64_t>(rows.size());
  int64_t nulls = 0;
  switch (source.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      nulls = GatherFixed(source, source.Int64s(), rows, threads, buffers.ints, buffers.validity);
      break;
    case DataType::kFloat64:
      nulls =
          GatherFixed(source, source.Float64s(), rows, threads, buffers.doubles, buffers.validity);
      break;
    case DataType::kBool:
      nulls = GatherFixed(source, source.Bools(), rows, threads, buffers.bools, buffers.validity);
      break;
    case DataType::kCategory: {
      nulls = GatherFixed(source, source.CategoryCodes(), rows, threads, buffers.codes,
                          buffers.validity);
      const int32_t entries = source.DictionarySize();
      buffers.offsets.reserve(static_cast<size_t>(entries) + 1);
      buffers.offsets.push_back(0);
      for (int32_t c = 0; c < entries; ++c) {
        buffers.bytes.append(source.DictionaryAt(c));
        buffers.offsets.push_back(static_cast<int64_t>(buffers.bytes.size()));
      }
      break;
    }
    case DataType::kString:
      nulls = GatherStrings(source, rows, buffers);
      break;
  }
  if (nulls == 0) buffers.validity.clear();
  return Column::FromBuffers(std::move(buffers));
}

}  // namespace strata::features::internal
