// Parquet's value and level encodings, decoding side: the RLE / bit-packed hybrid (levels,
// dictionary indexes, RLE booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT and the PLAIN byte-array layout.
//
// Every decoder is bounds-checked against its input and reports what ran out or what was
// inconsistent; callers add the page's location. Counts are the caller's (from the page
// header), so each decoder checks the input really holds that many values.
//
// Thread-safety: free functions are thread-safe; a decoder object is not.
#ifndef STRATA_IO_INTERNAL_PARQUET_DECODERS_H_
#define STRATA_IO_INTERNAL_PARQUET_DECODERS_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace strata::io::parquet {

// Values [start, start + count) of `bit_width`-bit integers packed LSB-first in `data`
// (bit_width <= 32). The caller guarantees (start + count) * bit_width bits lie in `data`.
template <typename T>
void UnpackBits(const uint8_t* data, size_t size, int bit_width, int64_t start, int64_t count,
                T* out) {
  if (bit_width == 0) {
    for (int64_t i = 0; i < count; ++i) out[i] = 0;
    return;
  }
  const uint64_t mask = (uint64_t{1} << bit_width) - 1;
  uint64_t bit = static_cast<uint64_t>(start) * static_cast<uint64_t>(bit_width);
  int64_t i = 0;
  // Fast part: an unaligned 8-byte load covers any value (bit_width + 7 <= 39 bits).
  for (; i < count && (bit >> 3) + 8 <= size; ++i, bit += static_cast<uint64_t>(bit_width)) {
    uint64_t word;
    std::memcpy(&word, data + (bit >> 3), 8);
    out[i] = static_cast<T>((word >> (bit & 7)) & mask);
  }
  for (; i < count; ++i, bit += static_cast<uint64_t>(bit_width)) {
    uint64_t word = 0;
    const size_t byte = bit >> 3;
    if (byte < size) std::memcpy(&word, data + byte, size - byte);
    out[i] = static_cast<T>((word >> (bit & 7)) & mask);
  }
}

// The RLE / bit-packed hybrid of the spec: varint headers, RLE runs of one value in
// ceil(bit_width / 8) little-endian bytes, bit-packed runs of 8-value groups.
class RleBitPackedDecoder {
 public:
  // bit_width in [0, 32]; InvalidArgument from Decode otherwise.
  RleBitPackedDecoder(std::string_view data, int bit_width)
      : data_(reinterpret_cast<const uint8_t*>(data.data())), size_(data.size()),
        bit_width_(bit_width) {}

  // Decodes the next `count` values into `out`. Errors when the input runs out first, or a
  // value exceeds `max_value` (dictionary indexes, levels).
  template <typename T>
  absl::Status Decode(T* out, int64_t count, uint32_t max_value);

  // Bytes consumed so far (headers and runs).
  size_t position() const { return pos_; }

 private:
  absl::Status NextRun();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int bit_width_ = 0;
  size_t pos_ = 0;
  bool rle_ = false;
  int64_t remaining_ = 0;  // values left in the current run
  uint32_t rle_value_ = 0;
  const uint8_t* packed_ = nullptr;  // current bit-packed run
  size_t packed_size_ = 0;
  int64_t packed_index_ = 0;
};

// DELTA_BINARY_PACKED: decodes `count` values (the header may hold more) into `out`
// (appended), as int64 with wrap-around arithmetic (INT32 columns truncate afterwards).
// *consumed: the bytes of the encoded block, so a following section can be found.
absl::Status DecodeDeltaBinaryPacked(std::string_view data, int64_t count,
                                     std::vector<int64_t>* out, size_t* consumed);

// PLAIN BYTE_ARRAY: 4-byte little-endian length + bytes, `count` times; views into `data`.
absl::Status DecodePlainByteArrays(std::string_view data, int64_t count,
                                   std::vector<std::string_view>* out);

// DELTA_LENGTH_BYTE_ARRAY: delta-packed lengths, then the concatenated bytes.
absl::Status DecodeDeltaLengthByteArrays(std::string_view data, int64_t count,
                                         std::vector<std::string_view>* out,
                                         std::vector<int64_t>* scratch);

// DELTA_BYTE_ARRAY: delta-packed prefix lengths, then DELTA_LENGTH_BYTE_ARRAY suffixes; value i
// is the first prefix[i] bytes of value i-1 followed by suffix i. Values are built in
// `storage` (cleared first) and viewed from `out`. Prefixes can make a few bytes expand
// without bound, so values totalling more than `max_total_bytes` are RESOURCE_EXHAUSTED.
absl::Status DecodeDeltaByteArrays(std::string_view data, int64_t count, std::string* storage,
                                   std::vector<std::string_view>* out,
                                   std::vector<int64_t>* scratch,
                                   uint64_t max_total_bytes = uint64_t{1} << 31);

// BYTE_STREAM_SPLIT of values `width` bytes wide: byte b of value i is at data[b * n + i]
// where n = data.size() / width. Writes count * width bytes to `out` (count <= n).
absl::Status DecodeByteStreamSplit(std::string_view data, int width, int64_t count, uint8_t* out);

// ---- implementation of the template ----

template <typename T>
absl::Status RleBitPackedDecoder::Decode(T* out, int64_t count, uint32_t max_value) {
  while (count > 0) {
    if (remaining_ == 0) {
      absl::Status s = NextRun();
      if (!s.ok()) return s;
      continue;
    }
    const int64_t n = count < remaining_ ? count : remaining_;
    if (rle_) {
      if (rle_value_ > max_value) {
        return absl::InvalidArgumentError("RLE value " + std::to_string(rle_value_) +
                                          " exceeds the maximum " + std::to_string(max_value));
      }
      const T v = static_cast<T>(rle_value_);
      for (int64_t i = 0; i < n; ++i) out[i] = v;
    } else {
      UnpackBits(packed_, packed_size_, bit_width_, packed_index_, n, out);
      packed_index_ += n;
      if (max_value < (bit_width_ >= 32 ? UINT32_MAX : (uint32_t{1} << bit_width_) - 1)) {
        for (int64_t i = 0; i < n; ++i) {
          if (static_cast<uint32_t>(out[i]) > max_value) {
            return absl::InvalidArgumentError("bit-packed value " +
                                              std::to_string(static_cast<uint32_t>(out[i])) +
                                              " exceeds the maximum " + std::to_string(max_value));
          }
        }
      }
    }
    out += n;
    count -= n;
    remaining_ -= n;
  }
  return absl::OkStatus();
}

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_DECODERS_H_
