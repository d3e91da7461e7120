#include "strata/features/internal/entity_timeline.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace strata::features::internal {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

// One input of BuildEntityTimeline with its columns.
struct Input {
  std::vector<int32_t> ids;
  Column timestamp;
  Column created;
  bool with_created = false;
  int32_t num_entities = 0;
};

// A random input: ids in [-1, entities), timestamps from a small domain (many ties), some null
// timestamps and created timestamps; `wide` mixes in timestamps at both ends of int64 so that
// some groups cannot use the packed 64-bit sort key.
Input RandomInput(uint32_t seed, int64_t rows, int32_t entities, bool with_created, bool wide) {
  std::mt19937 rng(seed);
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto uniform = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  Input in;
  in.num_entities = entities;
  in.with_created = with_created;
  ColumnBuilder ts(DataType::kTimestamp);
  ColumnBuilder created(DataType::kTimestamp);
  for (int64_t r = 0; r < rows; ++r) {
    in.ids.push_back(chance(0.05) ? -1 : static_cast<int32_t>(uniform(0, entities - 1)));
    if (chance(0.03)) {
      ts.AppendNull();
    } else if (wide && chance(0.2)) {
      ts.AppendInt64(chance(0.5) ? std::numeric_limits<int64_t>::min() + uniform(0, 3)
                                 : std::numeric_limits<int64_t>::max() - uniform(0, 3));
    } else {
      ts.AppendInt64(uniform(-20, 40));
    }
    chance(0.1) ? created.AppendNull() : created.AppendInt64(uniform(0, 3));
  }
  in.timestamp = ts.Finish();
  in.created = created.Finish();
  return in;
}

// The contract, by brute force: per entity, its kept rows sorted by (timestamp, created with
// null lowest, row).
std::vector<std::vector<int32_t>> Reference(const Input& in) {
  std::vector<std::vector<int32_t>> groups(static_cast<size_t>(in.num_entities));
  for (size_t r = 0; r < in.ids.size(); ++r) {
    if (in.ids[r] >= 0 && !in.timestamp.IsNull(static_cast<int64_t>(r))) {
      groups[static_cast<size_t>(in.ids[r])].push_back(static_cast<int32_t>(r));
    }
  }
  auto key = [&](int32_t r) {
    const bool has_created = in.with_created && !in.created.IsNull(r);
    return std::make_tuple(in.timestamp.Int64s()[static_cast<size_t>(r)], has_created,
                           has_created ? in.created.Int64s()[static_cast<size_t>(r)] : 0, r);
  };
  for (auto& g : groups) {
    std::sort(g.begin(), g.end(), [&](int32_t a, int32_t b) { return key(a) < key(b); });
  }
  return groups;
}

void ExpectMatchesReference(const Input& in, int threads, int64_t rows_per_partition,
                            const std::string& label) {
  const EntityTimeline t =
      BuildEntityTimeline(in.timestamp, in.with_created ? &in.created : nullptr, in.ids,
                          in.num_entities, threads, rows_per_partition);
  const std::vector<std::vector<int32_t>> expected = Reference(in);
  ASSERT_EQ(t.start.size(), static_cast<size_t>(in.num_entities) + 1) << label;
  EXPECT_EQ(t.start[0], 0) << label;
  for (int32_t e = 0; e < in.num_entities; ++e) {
    const int64_t begin = t.start[static_cast<size_t>(e)];
    const int64_t end = t.start[static_cast<size_t>(e) + 1];
    const std::vector<int32_t>& want = expected[static_cast<size_t>(e)];
    ASSERT_EQ(end - begin, static_cast<int64_t>(want.size())) << label << " entity " << e;
    for (int64_t k = begin; k < end; ++k) {
      const int32_t row = want[static_cast<size_t>(k - begin)];
      const TimelineRow& got = t.rows[static_cast<size_t>(k)];
      ASSERT_EQ(got.row, row) << label << " entity " << e << " pos " << k;
      ASSERT_EQ(got.timestamp, in.timestamp.Int64s()[static_cast<size_t>(row)])
          << label << " entity " << e << " pos " << k;
      ASSERT_EQ(got.entity, e) << label << " pos " << k;
    }
  }
}

TEST(EntityTimelineTest, MatchesBruteForceOverPartitionSizesAndThreads) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    const bool with_created = seed % 2 == 0;
    const bool wide = seed % 3 == 0;
    const int32_t entities = seed % 4 == 0 ? 1 : static_cast<int32_t>(seed * 7);
    const Input in = RandomInput(seed, 2000 + seed * 300, entities, with_created, wide);
    // 1 row per partition: one entity per partition; the default: one partition here.
    for (int64_t rows_per_partition : {int64_t{1}, int64_t{50}, int64_t{999},
                                       kTimelineRowsPerPartition}) {
      for (int threads : {1, 3}) {
        ExpectMatchesReference(in, threads, rows_per_partition,
                               absl::StrCat("seed ", seed, " partition ", rows_per_partition,
                                            " threads ", threads));
      }
    }
  }
}

// Enough rows that pass 1 splits them across threads (parts of >= 65,536 rows) and the
// default partition size gives many partitions.
TEST(EntityTimelineTest, LargeInputSplitAcrossThreadsAndPartitions) {
  const Input in = RandomInput(99, 300000, 5000, /*with_created=*/true, /*wide=*/false);
  ExpectMatchesReference(in, 2, kTimelineRowsPerPartition, "large, 2 threads");
  ExpectMatchesReference(in, 4, 1000, "large, 4 threads, small partitions");
}

TEST(EntityTimelineTest, EmptyAndAllDropped) {
  Input none = RandomInput(5, 0, 3, false, false);
  ExpectMatchesReference(none, 2, 10, "no rows");
  Input dropped = RandomInput(6, 100, 4, false, false);
  std::fill(dropped.ids.begin(), dropped.ids.end(), -1);
  ExpectMatchesReference(dropped, 2, 10, "every id -1");
  Input no_entities = RandomInput(7, 50, 1, false, false);
  std::fill(no_entities.ids.begin(), no_entities.ids.end(), -1);
  no_entities.num_entities = 0;
  const EntityTimeline t = BuildEntityTimeline(no_entities.timestamp, nullptr, no_entities.ids,
                                               0, 2);
  ASSERT_EQ(t.start.size(), 1u);
  EXPECT_EQ(t.start[0], 0);
}

}  // namespace
}  // namespace strata::features::internal
