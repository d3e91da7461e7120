// The online store codecs (exact bytes, round trips, order, malformed input) and OpenOnlineStore.
// The backends themselves: online_store_backends_test.cc.
#include "strata/features/online_store.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(OnlineCodecTest, ViewKey) { EXPECT_EQ(OnlineViewKey("demo", "user_stats"), "demo/user_stats"); }

TEST(OnlineCodecTest, EntityKeyBytes) {
  std::string key;
  AppendEntityKeyInt64(0, &key);
  EXPECT_EQ(Hex(key), "698000000000000000");
  key.clear();
  AppendEntityKeyInt64(-1, &key);
  EXPECT_EQ(Hex(key), "697fffffffffffffff");
  key.clear();
  AppendEntityKeyInt64(kMin, &key);
  EXPECT_EQ(Hex(key), "690000000000000000");
  key.clear();
  AppendEntityKeyInt64(kMax, &key);
  EXPECT_EQ(Hex(key), "69ffffffffffffffff");
  key.clear();
  AppendEntityKeyString("ab", &key);
  AppendEntityKeyInt64(258, &key);
  EXPECT_EQ(Hex(key), "73000000026162" "698000000000000102");
  key.clear();
  AppendEntityKeyString(std::string_view("\0x", 2), &key);
  EXPECT_EQ(Hex(key), "73000000020078");
}

TEST(OnlineCodecTest, Int64EntityKeysSortInNumericOrder) {
  std::vector<int64_t> values = {kMin, kMin + 1, -1000000, -256, -1, 0, 1, 255, 256, kMax - 1, kMax};
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    std::string a, b;
    AppendEntityKeyInt64(values[i], &a);
    AppendEntityKeyInt64(values[i + 1], &b);
    EXPECT_LT(a, b) << values[i] << " vs " << values[i + 1];
  }
}

TEST(OnlineCodecTest, RecordBytesFollowTheHeader) {
  OnlineRecord r;
  r.event_ts_micros = 1;
  r.created_ts_micros = kMin;
  r.values = {std::monostate{}, true, int64_t{-2}, 1.5, std::string("hi"), OnlineTimestamp{3}};
  EXPECT_EQ(Hex(EncodeOnlineRecord(r)),
            "8000000000000001"           // event_ts, sign flipped
            "0000000000000000"           // created_ts INT64_MIN
            "0006"                       // feature count
            "00"                         // null
            "0101"                       // bool true
            "02fffffffffffffffe"         // int64 -2, plain two's complement
            "033ff8000000000000"         // float64 1.5
            "04000000026869"             // string "hi"
            "050000000000000003");       // timestamp 3 µs
}

TEST(OnlineCodecTest, RoundTripsEveryTypeAndEdge) {
  OnlineRecord r;
  r.event_ts_micros = kMin;
  r.created_ts_micros = kMax;
  r.values = {std::monostate{},
              false,
              true,
              kMin,
              kMax,
              int64_t{0},
              -0.0,
              std::numeric_limits<double>::infinity(),
              -std::numeric_limits<double>::infinity(),
              std::numeric_limits<double>::denorm_min(),
              std::numeric_limits<double>::quiet_NaN(),
              std::string(),
              std::string("with\0nul", 8),
              std::string(70000, 'z'),
              OnlineTimestamp{kMin},
              OnlineTimestamp{-1},
              std::monostate{}};
  absl::StatusOr<OnlineRecord> back = DecodeOnlineRecord(EncodeOnlineRecord(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->event_ts_micros, kMin);
  EXPECT_EQ(back->created_ts_micros, kMax);
  ASSERT_EQ(back->values.size(), r.values.size());
  for (size_t i = 0; i < r.values.size(); ++i) {
    if (const double* d = std::get_if<double>(&r.values[i])) {
      ASSERT_TRUE(std::holds_alternative<double>(back->values[i])) << i;
      double got = std::get<double>(back->values[i]);
      EXPECT_EQ(std::memcmp(&got, d, 8), 0) << "feature " << i << " bits differ";
    } else {
      EXPECT_EQ(back->values[i], r.values[i]) << "feature " << i;
    }
  }
  absl::StatusOr<std::pair<int64_t, int64_t>> ts = OnlineRecordTimestamps(EncodeOnlineRecord(r));
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->first, kMin);
  EXPECT_EQ(ts->second, kMax);
}

TEST(OnlineCodecTest, EmptyRecordRoundTrips) {
  OnlineRecord r;
  r.event_ts_micros = 42;
  absl::StatusOr<OnlineRecord> back = DecodeOnlineRecord(EncodeOnlineRecord(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->event_ts_micros, 42);
  EXPECT_EQ(back->created_ts_micros, kMin);
  EXPECT_TRUE(back->values.empty());
}

// The property the never-older rule relies on: comparing the first 16 bytes as unsigned bytes
// orders records exactly as (event_ts, created_ts) compare as signed pairs.
TEST(OnlineCodecTest, ByteOrderIsTimeOrder) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> edges = {kMin, kMin + 1, -1, 0, 1, kMax - 1, kMax};
  auto pick = [&]() -> int64_t {
    switch (rng() % 3) {
      case 0: return edges[rng() % edges.size()];
      case 1: return static_cast<int64_t>(rng() % 2000) - 1000;
      default: return static_cast<int64_t>(rng());
    }
  };
  for (int i = 0; i < 20000; ++i) {
    OnlineRecord a, b;
    a.event_ts_micros = pick();
    a.created_ts_micros = pick();
    b.event_ts_micros = rng() % 4 == 0 ? a.event_ts_micros : pick();
    b.created_ts_micros = pick();
    a.values = {1.0};
    b.values = {std::string("longer value")};
    std::string ea = EncodeOnlineRecord(a), eb = EncodeOnlineRecord(b);
    int bytes = std::memcmp(ea.data(), eb.data(), 16);
    auto ta = std::make_pair(a.event_ts_micros, a.created_ts_micros);
    auto tb = std::make_pair(b.event_ts_micros, b.created_ts_micros);
    int times = ta < tb ? -1 : (ta == tb ? 0 : 1);
    ASSERT_EQ(bytes < 0 ? -1 : (bytes == 0 ? 0 : 1), times)
        << a.event_ts_micros << "," << a.created_ts_micros << " vs " << b.event_ts_micros << ","
        << b.created_ts_micros;
  }
}

OnlineRecord Sample() {
  OnlineRecord r;
  r.event_ts_micros = 5;
  r.created_ts_micros = 6;
  r.values = {true, int64_t{7}, 2.5, std::string("abc"), OnlineTimestamp{9}, std::monostate{}};
  return r;
}

TEST(OnlineCodecTest, EveryTruncationIsDataLossWithItsOffset) {
  std::string full = EncodeOnlineRecord(Sample());
  for (size_t n = 0; n < full.size(); ++n) {
    absl::StatusOr<OnlineRecord> r = DecodeOnlineRecord(std::string_view(full).substr(0, n));
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << n;
    EXPECT_THAT(r.status().message(), HasSubstr("byte offset")) << n;
  }
  // Exact offsets for a few cuts: in the created timestamp, in the count, inside the string.
  EXPECT_THAT(DecodeOnlineRecord(full.substr(0, 12)).status().message(),
              HasSubstr("truncated at byte offset 0"));
  EXPECT_THAT(DecodeOnlineRecord(full.substr(0, 17)).status().message(),
              HasSubstr("truncated at byte offset 16: the feature count"));
  // 18 header + bool 2 + int64 9 + float64 9 + string tag 1 + length 4 = 43; "abc" at 43.
  EXPECT_THAT(DecodeOnlineRecord(full.substr(0, 45)).status().message(),
              HasSubstr("truncated at byte offset 43: string feature 3 needs 3 bytes, 2 left"));
  EXPECT_EQ(OnlineRecordTimestamps(full.substr(0, 15)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(OnlineCodecTest, MalformedBytesNameTheOffset) {
  std::string full = EncodeOnlineRecord(Sample());
  std::string bad_tag = full;
  bad_tag[20] = 9;  // the int64's tag (header 18 + bool 2)
  EXPECT_THAT(DecodeOnlineRecord(bad_tag).status().message(),
              HasSubstr("byte offset 20: feature 1 has unknown type tag 9"));
  std::string bad_bool = full;
  bad_bool[19] = 2;
  EXPECT_THAT(DecodeOnlineRecord(bad_bool).status().message(),
              HasSubstr("byte offset 19: bool feature 0 has byte 2"));
  EXPECT_THAT(DecodeOnlineRecord(full + "x").status().message(),
              HasSubstr(absl::StrCat("byte offset ", full.size(), ": 1 trailing bytes")));
  std::string big_count = full;
  big_count[16] = static_cast<char>(0xff);
  EXPECT_EQ(DecodeOnlineRecord(big_count).status().code(), absl::StatusCode::kDataLoss);
  std::string huge_string = full;
  huge_string[39] = static_cast<char>(0x7f);  // string length's high byte
  absl::Status s = DecodeOnlineRecord(huge_string).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("byte offset 43"));
}

TEST(OpenOnlineStoreTest, RejectsUnknownTypesAndBadUrls) {
  EXPECT_EQ(OpenOnlineStore({"dynamo", ""}, "/tmp/x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenOnlineStore({"redis", "http://x"}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenOnlineStore({"redis", "redis://h:notaport/0"}, "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenOnlineStore({"lmdb", ""}, "").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::features
