// Value encodings of the Parquet writer (Encodings.md of the format): PLAIN for each physical
// type Strata writes, the RLE / bit-packed hybrid (definition levels, dictionary indices), and
// the dictionaries that RLE_DICTIONARY pages index.
//
// All appenders append to a caller-owned buffer so one buffer serves a whole page.
// Thread-safety: functions are thread-safe; a dictionary is not.
#ifndef STRATA_IO_INTERNAL_PARQUET_ENCODERS_H_
#define STRATA_IO_INTERNAL_PARQUET_ENCODERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace strata::io::parquet {

// Bits needed for `max_value` (0 for 0).
int BitWidth(uint64_t max_value);

// The RLE / bit-packed hybrid without a length prefix: runs of 8 or more equal values become
// RLE runs (varint(count << 1), then the value in ceil(bit_width / 8) little-endian bytes),
// everything else bit-packed groups of 8 (varint(groups << 1 | 1), values LSB first). Only the
// final group is padded with zeros. Each value must fit in `bit_width` (0..32) bits.
void AppendRleBitPackedHybrid(absl::Span<const uint32_t> values, int bit_width, std::string* out);

// One RLE run of `count` copies of `value`: the hybrid encoding of a constant sequence.
void AppendRleRun(uint32_t value, int64_t count, int bit_width, std::string* out);

// PLAIN: little-endian fixed-width values, one bit per bool (LSB first, zero padded), and
// byte arrays as a 4-byte little-endian length followed by the bytes.
void AppendPlainInt64s(absl::Span<const int64_t> values, std::string* out);
void AppendPlainDoubles(absl::Span<const double> values, std::string* out);
void AppendPlainBools(absl::Span<const uint8_t> values, std::string* out);
void AppendPlainByteArray(std::string_view value, std::string* out);

// A dictionary of distinct byte strings in first-appearance order. It stores views: the bytes
// must outlive it. It refuses entries once their PLAIN size (4 + length each) would pass
// `max_plain_bytes`, so a column of mostly distinct values falls back to PLAIN early.
class StringDictionary {
 public:
  explicit StringDictionary(int64_t max_plain_bytes) : max_plain_bytes_(max_plain_bytes) {}

  // The value's index, adding it if new. False (and nothing added) when the limit is reached.
  bool Insert(std::string_view value, uint32_t* index) {
    auto [it, inserted] = index_.try_emplace(value, static_cast<uint32_t>(entries_.size()));
    if (inserted) {
      plain_bytes_ += 4 + static_cast<int64_t>(value.size());
      if (plain_bytes_ > max_plain_bytes_) {
        index_.erase(it);
        return false;
      }
      entries_.push_back(value);
    }
    *index = it->second;
    return true;
  }

  const std::vector<std::string_view>& entries() const { return entries_; }
  int64_t plain_bytes() const { return plain_bytes_; }
  void Reserve(size_t n) { index_.reserve(n); }

 private:
  absl::flat_hash_map<std::string_view, uint32_t> index_;
  std::vector<std::string_view> entries_;
  int64_t plain_bytes_ = 0;
  int64_t max_plain_bytes_ = 0;
};

// The same for 8-byte values (int64, timestamps, doubles), keyed on their bits so NaN and
// -0.0 are entries of their own.
class FixedDictionary {
 public:
  explicit FixedDictionary(int64_t max_entries) : max_entries_(max_entries) {}

  bool Insert(uint64_t bits, uint32_t* index) {
    auto [it, inserted] = index_.try_emplace(bits, static_cast<uint32_t>(entries_.size()));
    if (inserted) {
      if (static_cast<int64_t>(entries_.size()) >= max_entries_) {
        index_.erase(it);
        return false;
      }
      entries_.push_back(bits);
    }
    *index = it->second;
    return true;
  }

  const std::vector<uint64_t>& entries() const { return entries_; }
  void Reserve(size_t n) { index_.reserve(n); }

 private:
  absl::flat_hash_map<uint64_t, uint32_t> index_;
  std::vector<uint64_t> entries_;
  int64_t max_entries_ = 0;
};

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_ENCODERS_H_
