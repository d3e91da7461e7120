#include "strata/features/internal/entity_ids.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "strata/base/parallel.h"

namespace strata::features::internal {
namespace {

using table::Column;
using table::DataType;

constexpr int64_t kProbeChunk = 1 << 16;

// Runs fn(begin, end) over [0, n) in chunks on up to `threads` threads.
template <typename Fn>
void ForChunks(int64_t n, int threads, const Fn& fn) {
  const int64_t chunks = (n + kProbeChunk - 1) / kProbeChunk;
  ParallelFor(chunks, threads, [&](int64_t c) {
    const int64_t begin = c * kProbeChunk;
    fn(begin, std::min(n, begin + kProbeChunk));
  });
}

// Ids of one key column's values on both sides. The feature side defines the ids (in order of
// first appearance); entity values that no feature row has become -1, as do nulls.
template <typename Key, typename FeatureKeyAt, typename EntityKeyAt>
int32_t DenseIds(const Column& feature, const Column& entity, const FeatureKeyAt& feature_key,
              const EntityKeyAt& entity_key, int threads, std::vector<int32_t>& feature_out,
              std::vector<int32_t>& entity_out) {
  absl::flat_hash_map<Key, int32_t> ids;
  const int64_t feature_rows = feature.size();
  const bool feature_nulls = feature.null_count() > 0;
  for (int64_t r = 0; r < feature_rows; ++r) {
    if (feature_nulls && feature.IsNull(r)) {
      feature_out[static_cast<size_t>(r)] = -1;
      continue;
    }
    auto [it, inserted] = ids.try_emplace(feature_key(r), static_cast<int32_t>(ids.size()));
    feature_out[static_cast<size_t>(r)] = it->second;
  }
  // The map is read-only from here on, so the entity side can probe it from several threads.
  const bool entity_nulls = entity.null_count() > 0;
  ForChunks(entity.size(), threads, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int32_t id = -1;
      if (!(entity_nulls && entity.IsNull(r))) {
        auto it = ids.find(entity_key(r));
        if (it != ids.end()) id = it->second;
      }
      entity_out[static_cast<size_t>(r)] = id;
    }
  });
  return static_cast<int32_t>(ids.size());
}

// Integer keys that span a small range (ids 0..N, the usual case) are numbered through an
// array indexed by value instead of a hash map. Returns false, doing nothing, when the range
// is too wide for that to pay (more than 4 slots per feature row, or over 2^26 slots).
// `count` gets the number of ids.
bool DenseRangeIds(const Column& feature, const Column& entity,
                   absl::Span<const int64_t> feature_values,
                   absl::Span<const int64_t> entity_values, int threads,
                   std::vector<int32_t>& feature_out, std::vector<int32_t>& entity_out,
                   int32_t& count) {
  const int64_t feature_rows = feature.size();
  const bool feature_nulls = feature.null_count() > 0;
  // The key range, one (min, max) per chunk, folded after.
  const int64_t chunks = (feature_rows + kProbeChunk - 1) / kProbeChunk;
  std::vector<std::pair<int64_t, int64_t>> ranges(
      static_cast<size_t>(chunks),
      {std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
  ForChunks(feature_rows, threads, [&](int64_t begin, int64_t end) {
    int64_t chunk_lo = std::numeric_limits<int64_t>::max();
    int64_t chunk_hi = std::numeric_limits<int64_t>::min();
    for (int64_t r = begin; r < end; ++r) {
      if (feature_nulls && feature.IsNull(r)) continue;
      chunk_lo = std::min(chunk_lo, feature_values[static_cast<size_t>(r)]);
      chunk_hi = std::max(chunk_hi, feature_values[static_cast<size_t>(r)]);
    }
    ranges[static_cast<size_t>(begin / kProbeChunk)] = {chunk_lo, chunk_hi};
  });
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  for (const auto& [chunk_lo, chunk_hi] : ranges) {
    lo = std::min(lo, chunk_lo);
    hi = std::max(hi, chunk_hi);
  }
  if (lo > hi) return false;  // no present key: the hash path handles it
  // hi - lo as unsigned cannot overflow; compare before converting.
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (span >= (uint64_t{1} << 26) || span > 4 * static_cast<uint64_t>(feature_rows) + 1024) {
    return false;
  }
  std::vector<int32_t> slot_ids(static_cast<size_t>(span) + 1, -1);
  int32_t next = 0;
  for (int64_t r = 0; r < feature_rows; ++r) {
    if (feature_nulls && feature.IsNull(r)) {
      feature_out[static_cast<size_t>(r)] = -1;
      continue;
    }
    const uint64_t slot =
        static_cast<uint64_t>(feature_values[static_cast<size_t>(r)]) - static_cast<uint64_t>(lo);
    int32_t& id = slot_ids[static_cast<size_t>(slot)];
    if (id < 0) id = next++;
    feature_out[static_cast<size_t>(r)] = id;
  }
  const bool entity_nulls = entity.null_count() > 0;
  ForChunks(entity.size(), threads, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int32_t id = -1;
      if (!(entity_nulls && entity.IsNull(r))) {
        const int64_t value = entity_values[static_cast<size_t>(r)];
        if (value >= lo && value <= hi) {
          id = slot_ids[static_cast<size_t>(static_cast<uint64_t>(value) -
                                            static_cast<uint64_t>(lo))];
        }
      }
      entity_out[static_cast<size_t>(r)] = id;
    }
  });
  count = next;
  return true;
}

// Returns the number of ids given to the feature side's distinct values.
int32_t ColumnIds(const Column& feature, const Column& entity, int threads,
                  std::vector<int32_t>& feature_out, std::vector<int32_t>& entity_out) {
  if (feature.IsStringLike()) {
    // string_view keys point into the columns' immutable storage, which outlives the map.
    return DenseIds<std::string_view>(
        feature, entity, [&](int64_t r) { return feature.StringAt(r); },
        [&](int64_t r) { return entity.StringAt(r); }, threads, feature_out, entity_out);
  }
  const absl::Span<const int64_t> feature_values = feature.Int64s();
  const absl::Span<const int64_t> entity_values = entity.Int64s();
  int32_t count = 0;
  if (DenseRangeIds(feature, entity, feature_values, entity_values, threads, feature_out,
                    entity_out, count)) {
    return count;
  }
  return DenseIds<int64_t>(
      feature, entity, [&](int64_t r) { return feature_values[static_cast<size_t>(r)]; },
      [&](int64_t r) { return entity_values[static_cast<size_t>(r)]; }, threads, feature_out,
      entity_out);
}

}  // namespace

bool KeyTypesCompatible(DataType feature, DataType entity) {
  auto string_like = [](DataType t) { return t == DataType::kString || t == DataType::kCategory; };
  if (string_like(feature) || string_like(entity))
    return string_like(feature) && string_like(entity);
  return feature == entity && (feature == DataType::kInt64 || feature == DataType::kTimestamp);
}

EntityIds AssignEntityIds(absl::Span<const Column* const> feature_keys,
                          absl::Span<const Column* const> entity_keys, int threads) {
  EntityIds out;
  const size_t feature_rows = static_cast<size_t>(feature_keys[0]->size());
  const size_t entity_rows = static_cast<size_t>(entity_keys[0]->size());
  out.feature_ids.resize(feature_rows);
  out.entity_ids.resize(entity_rows);
  const int32_t first_ids =
      ColumnIds(*feature_keys[0], *entity_keys[0], threads, out.feature_ids, out.entity_ids);
  if (feature_keys.size() == 1) {
    out.num_entities = first_ids;
    return out;
  }
  // More keys: fold each column's ids into the tuple id so far, (tuple, column id) -> tuple.
  std::vector<int32_t> feature_column(feature_rows);
  std::vector<int32_t> entity_column(entity_rows);
  int32_t tuples = 0;
  for (size_t k = 1; k < feature_keys.size(); ++k) {
    ColumnIds(*feature_keys[k], *entity_keys[k], threads, feature_column, entity_column);
    absl::flat_hash_map<uint64_t, int32_t> tuple_ids;
    auto pack = [](int32_t a, int32_t b) {
      return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    };
    for (size_t r = 0; r < feature_rows; ++r) {
      int32_t& id = out.feature_ids[r];
      if (id < 0 || feature_column[r] < 0) {
        id = -1;
        continue;
      }
      auto [it, inserted] = tuple_ids.try_emplace(pack(id, feature_column[r]),
                                                  static_cast<int32_t>(tuple_ids.size()));
      id = it->second;
    }
    tuples = static_cast<int32_t>(tuple_ids.size());
    ForChunks(static_cast<int64_t>(entity_rows), threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const auto r = static_cast<size_t>(i);
        int32_t& id = out.entity_ids[r];
        if (id < 0 || entity_column[r] < 0) {
          id = -1;
          continue;
        }
        auto it = tuple_ids.find(pack(id, entity_column[r]));
        id = it == tuple_ids.end() ? -1 : it->second;
      }
    });
  }
  out.num_entities = tuples;
  return out;
}

}  // namespace strata::features::internal
