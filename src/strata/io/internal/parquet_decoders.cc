#include "strata/io/internal/parquet_decoders.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace strata::io::parquet {
namespace {

bool ReadUleb(const uint8_t* data, size_t size, size_t* pos, uint64_t* value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= size) return false;
    const uint8_t b = data[(*pos)++];
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *value = v;
      return true;
    }
  }
  return false;
}

bool ReadZigzag(const uint8_t* data, size_t size, size_t* pos, int64_t* value) {
  uint64_t raw = 0;
  if (!ReadUleb(data, size, pos, &raw)) return false;
  *value = static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  return true;
}

// Values of up to 64 bits (delta miniblocks): a byte-wise gather, used when the fast path's
// 8-byte window cannot hold a value.
void UnpackWide(const uint8_t* data, size_t size, int bit_width, int64_t count, uint64_t* out) {
  if (bit_width <= 32) {
    UnpackBits(data, size, bit_width, 0, count, out);
    return;
  }
  uint64_t bit = 0;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t v = 0;
    for (int b = 0; b < bit_width; ++b, ++bit) {
      const size_t byte = bit >> 3;
      const uint64_t set = byte < size ? (data[byte] >> (bit & 7)) & 1 : 0;
      v |= set << b;
    }
    out[i] = v;
  }
}

}  // namespace

absl::Status RleBitPackedDecoder::NextRun() {
  if (bit_width_ < 0 || bit_width_ > 32) {
    return absl::InvalidArgumentError(absl::StrCat("RLE bit width ", bit_width_, " not in [0, 32]"));
  }
  uint64_t header = 0;
  if (!ReadUleb(data_, size_, &pos_, &header)) {
    return absl::InvalidArgumentError(
        absl::StrCat("RLE / bit-packed data ran out at byte ", pos_, " of ", size_));
  }
  if ((header & 1) != 0) {
    const uint64_t groups = header >> 1;
    if (groups == 0 || groups > (uint64_t{1} << 31)) {
      return absl::InvalidArgumentError(absl::StrCat("bit-packed run of ", groups, " groups"));
    }
    const uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    const size_t available = size_ - pos_;
    // A truncated final run is tolerated (some writers drop its padding): only the values
    // whose bits are present count.
    const size_t take = bytes < available ? static_cast<size_t>(bytes) : available;
    rle_ = false;
    packed_ = data_ + pos_;
    packed_size_ = take;
    packed_index_ = 0;
    remaining_ = bit_width_ == 0 ? static_cast<int64_t>(groups * 8)
                                 : static_cast<int64_t>(take * 8 / bit_width_);
    if (static_cast<uint64_t>(remaining_) > groups * 8) remaining_ = static_cast<int64_t>(groups * 8);
    pos_ += take;
    if (remaining_ == 0) {
      return absl::InvalidArgumentError("bit-packed run truncated to no values");
    }
  } else {
    const uint64_t run = header >> 1;
    const int value_bytes = (bit_width_ + 7) / 8;
    if (static_cast<size_t>(value_bytes) > size_ - pos_) {
      return absl::InvalidArgumentError("RLE run value runs past the end of the data");
    }
    uint32_t v = 0;
    for (int b = 0; b < value_bytes; ++b) v |= static_cast<uint32_t>(data_[pos_ + b]) << (8 * b);
    pos_ += value_bytes;
    if (run > (uint64_t{1} << 40)) return absl::InvalidArgumentError("RLE run too long");
    rle_ = true;
    rle_value_ = v;
    remaining_ = static_cast<int64_t>(run);
  }
  return absl::OkStatus();
}

absl::Status DecodeDeltaBinaryPacked(std::string_view input, int64_t count,
                                     std::vector<int64_t>* out, size_t* consumed) {
  const auto* data = reinterpret_cast<const uint8_t*>(input.data());
  const size_t size = input.size();
  size_t pos = 0;
  uint64_t block_size = 0;
  uint64_t miniblocks = 0;
  uint64_t total = 0;
  int64_t first = 0;
  if (!ReadUleb(data, size, &pos, &block_size) || !ReadUleb(data, size, &pos, &miniblocks) ||
      !ReadUleb(data, size, &pos, &total) || !ReadZigzag(data, size, &pos, &first)) {
    return absl::InvalidArgumentError("DELTA_BINARY_PACKED header truncated");
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("DELTA_BINARY_PACKED block size ", block_size,
                                                   " with ", miniblocks, " miniblocks is invalid"));
  }
  if (total < static_cast<uint64_t>(count)) {
    return absl::InvalidArgumentError(absl::StrCat("DELTA_BINARY_PACKED holds ", total,
                                                   " values, the page needs ", count));
  }
  const uint64_t per_miniblock = block_size / miniblocks;
  const size_t base = out->size();
  out->resize(base + static_cast<size_t>(count));
  int64_t* dst = out->data() + base;
  int64_t produced = 0;
  uint64_t last = static_cast<uint64_t>(first);
  if (count > 0) dst[produced++] = first;
  // Deltas of one miniblock; never more than the caller needs (a header may claim 2^20).
  std::vector<uint64_t> deltas(
      static_cast<size_t>(std::min<uint64_t>(per_miniblock, static_cast<uint64_t>(count) + 1)));
  // Values after the first still to decode; the header's total decides which miniblocks
  // exist, so the position after them is right even if the caller needs fewer.
  uint64_t left_in_stream = total > 0 ? total - 1 : 0;
  while (left_in_stream > 0) {
    int64_t min_delta = 0;
    if (!ReadZigzag(data, size, &pos, &min_delta)) {
      return absl::InvalidArgumentError("DELTA_BINARY_PACKED block header truncated");
    }
    if (miniblocks > size - pos) {
      return absl::InvalidArgumentError("DELTA_BINARY_PACKED bit widths truncated");
    }
    const uint8_t* widths = data + pos;
    pos += miniblocks;
    for (uint64_t m = 0; m < miniblocks && left_in_stream > 0; ++m) {
      const int width = widths[m];
      if (width > 64) {
        return absl::InvalidArgumentError(absl::StrCat("DELTA_BINARY_PACKED bit width ", width));
      }
      const uint64_t bytes = per_miniblock * static_cast<uint64_t>(width) / 8;
      const size_t available = size - pos;
      const uint64_t n = left_in_stream < per_miniblock ? left_in_stream : per_miniblock;
      // The last miniblock may be cut short; its needed values must still be there.
      if (n * static_cast<uint64_t>(width) > available * 8) {
        return absl::InvalidArgumentError("DELTA_BINARY_PACKED miniblock truncated");
      }
      const size_t take = bytes < available ? static_cast<size_t>(bytes) : available;
      const int64_t want =
          produced < count
              ? static_cast<int64_t>(std::min<uint64_t>({n, static_cast<uint64_t>(count - produced),
                                                         deltas.size()}))
              : 0;
      if (want > 0) {
        UnpackWide(data + pos, take, width, want, deltas.data());
        for (int64_t i = 0; i < want; ++i) {
          last += deltas[i] + static_cast<uint64_t>(min_delta);
          dst[produced++] = static_cast<int64_t>(last);
        }
      }
      pos += take;
      left_in_stream -= n;
    }
  }
  *consumed = pos;
  return absl::OkStatus();
}

absl::Status DecodePlainByteArrays(std::string_view data, int64_t count,
                                   std::vector<std::string_view>* out) {
  size_t pos = 0;
  for (int64_t i = 0; i < count; ++i) {
    if (data.size() - pos < 4) {
      return absl::InvalidArgumentError(
          absl::StrCat("PLAIN byte array ", i, " of ", count, ": length runs past the data"));
    }
    uint32_t len = 0;
    std::memcpy(&len, data.data() + pos, 4);
    pos += 4;
    if (len > data.size() - pos) {
      return absl::InvalidArgumentError(absl::StrCat("PLAIN byte array ", i, " of ", len,
                                                     " bytes runs past the data"));
    }
    out->push_back(data.substr(pos, len));
    pos += len;
  }
  return absl::OkStatus();
}

absl::Status DecodeDeltaLengthByteArrays(std::string_view data, int64_t count,
                                         std::vector<std::string_view>* out,
                                         std::vector<int64_t>* scratch) {
  scratch->clear();
  size_t pos = 0;
  absl::Status s = DecodeDeltaBinaryPacked(data, count, scratch, &pos);
  if (!s.ok()) return s;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t len = (*scratch)[static_cast<size_t>(i)];
    if (len < 0 || static_cast<uint64_t>(len) > data.size() - pos) {
      return absl::InvalidArgumentError(
          absl::StrCat("DELTA_LENGTH_BYTE_ARRAY value ", i, " of length ", len, " is invalid"));
    }
    out->push_back(data.substr(pos, static_cast<size_t>(len)));
    pos += static_cast<size_t>(len);
  }
  return absl::OkStatus();
}

absl::Status DecodeDeltaByteArrays(std::string_view data, int64_t count, std::string* storage,
                                   std::vector<std::string_view>* out,
                                   std::vector<int64_t>* scratch, uint64_t max_total_bytes) {
  std::vector<int64_t> prefixes;
  size_t pos = 0;
  absl::Status s = DecodeDeltaBinaryPacked(data, count, &prefixes, &pos);
  if (!s.ok()) return s;
  std::vector<std::string_view> suffixes;
  s = DecodeDeltaLengthByteArrays(data.substr(pos), count, &suffixes, scratch);
  if (!s.ok()) return s;
  // Size the storage first so the views stay valid while it fills.
  uint64_t total = 0;
  int64_t previous = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t prefix = prefixes[static_cast<size_t>(i)];
    if (prefix < 0 || prefix > previous) {
      return absl::InvalidArgumentError(absl::StrCat("DELTA_BYTE_ARRAY value ", i, " prefix ",
                                                     prefix, " longer than the previous value (",
                                                     previous, " bytes)"));
    }
    previous = prefix + static_cast<int64_t>(suffixes[static_cast<size_t>(i)].size());
    total += static_cast<uint64_t>(previous);
    if (total > max_total_bytes || total > (uint64_t{1} << 31)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "DELTA_BYTE_ARRAY values exceed ", std::min<uint64_t>(max_total_bytes, uint64_t{1} << 31),
          " bytes in one page"));
    }
  }
  storage->clear();
  storage->reserve(static_cast<size_t>(total));
  size_t prev_start = 0;
  size_t prev_len = 0;
  for (int64_t i = 0; i < count; ++i) {
    const auto prefix = static_cast<size_t>(prefixes[static_cast<size_t>(i)]);
    const size_t start = storage->size();
    storage->append(storage->data() + prev_start, prefix);
    storage->append(suffixes[static_cast<size_t>(i)]);
    prev_start = start;
    prev_len = storage->size() - start;
    out->push_back(std::string_view(storage->data() + start, prev_len));
  }
  return absl::OkStatus();
}

absl::Status DecodeByteStreamSplit(std::string_view data, int width, int64_t count, uint8_t* out) {
  if (width <= 0) return absl::InvalidArgumentError("BYTE_STREAM_SPLIT of zero-width values");
  if (data.size() % static_cast<size_t>(width) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("BYTE_STREAM_SPLIT data of ", data.size(),
                                                   " bytes is not a multiple of ", width));
  }
  const size_t n = data.size() / static_cast<size_t>(width);
  if (static_cast<uint64_t>(count) > n) {
    return absl::InvalidArgumentError(absl::StrCat("BYTE_STREAM_SPLIT holds ", n,
                                                   " values, the page needs ", count));
  }
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  for (int b = 0; b < width; ++b) {
    const uint8_t* stream = in + static_cast<size_t>(b) * n;
    for (int64_t i = 0; i < count; ++i) out[static_cast<size_t>(i) * width + b] = stream[i];
  }
  return absl::OkStatus();
}

}  // namespace strata::io::parquet
