// The byte reader, and every sketch's Deserialize against random corruption of valid bytes:
// each mutated buffer must give a sketch or INVALID_ARGUMENT, never a crash (run under ASan).
#include "strata/stats/internal/bytes.h"

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "strata/stats/correlation.h"
#include "strata/stats/frequent_items.h"
#include "strata/stats/histogram.h"
#include "strata/stats/hyperloglog.h"
#include "strata/stats/kll_sketch.h"
#include "strata/stats/moments.h"

namespace strata::stats {
namespace {

TEST(ByteReaderTest, ReadsBackAndReportsTruncationWithTheOffset) {
  internal::ByteWriter w;
  w.PutRaw("ABCD", 4);
  w.Put<uint8_t>(1);
  w.Put<int64_t>(-5);
  w.PutBytes("xyz");
  const std::string bytes = w.Take();
  internal::ByteReader r(bytes, "thing");
  ASSERT_TRUE(r.ExpectHeader("ABCD", 1).ok());
  int64_t v = 0;
  ASSERT_TRUE(r.Get(&v).ok());
  EXPECT_EQ(v, -5);
  std::string s;
  ASSERT_TRUE(r.GetBytes(&s).ok());
  EXPECT_EQ(s, "xyz");
  EXPECT_TRUE(r.ExpectEnd().ok());
  absl::Status past_end = r.Get(&v);
  EXPECT_EQ(past_end.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(past_end.message().find("thing: byte offset 24"), std::string::npos) << past_end;
  internal::ByteReader wrong(bytes, "thing");
  EXPECT_FALSE(wrong.ExpectHeader("ABCD", 2).ok());
}

template <typename T>
void ExpectNoCrashOnMutations(const std::string& valid, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = valid;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      const size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes.erase(at, 1 + rng() % 8); break;
        default: bytes.insert(at, 1, static_cast<char>(rng())); break;
      }
    }
    absl::StatusOr<T> result = T::Deserialize(bytes);
    if (!result.ok()) {
      EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(DeserializeRobustnessTest, MutatedBytesNeverCrash) {
  KllSketch kll(16);
  Moments moments;
  HyperLogLog hll(4);
  FrequentItems<std::string> strings(8);
  FrequentItems<int64_t> ints(8);
  Histogram histogram = *Histogram::Make(0, 10, 4);
  CorrelationMatrix matrix({"a", "b"});
  for (int i = 0; i < 500; ++i) {
    kll.Update(i % 37);
    moments.Update(i);
    hll.UpdateInt64(i);
    strings.Update(std::string_view(i % 3 == 0 ? "x" : "yy"));
    ints.Update(int64_t{i % 11});
    histogram.Update(i % 12);
    matrix.pair(0, 1).Update(i, i % 5);
  }
  ExpectNoCrashOnMutations<KllSketch>(kll.Serialize(), 1);
  ExpectNoCrashOnMutations<Moments>(moments.Serialize(), 2);
  ExpectNoCrashOnMutations<HyperLogLog>(hll.Serialize(), 3);
  ExpectNoCrashOnMutations<FrequentItems<std::string>>(strings.Serialize(), 4);
  ExpectNoCrashOnMutations<FrequentItems<int64_t>>(ints.Serialize(), 5);
  ExpectNoCrashOnMutations<Histogram>(histogram.Serialize(), 6);
  ExpectNoCrashOnMutations<CorrelationMatrix>(matrix.Serialize(), 7);
}

}  // namespace
}  // namespace strata::stats
