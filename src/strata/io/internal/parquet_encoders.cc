#include "strata/io/internal/parquet_encoders.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "strata/io/internal/thrift_writer.h"

namespace strata::io::parquet {
namespace {

static_assert(std::endian::native == std::endian::little,
              "PLAIN encoding below copies memory as little-endian");

// A run this long is cheaper as RLE than inside a bit-packed section.
constexpr int64_t kMinRleRun = 8;

int64_t RunLength(const uint32_t* values, int64_t begin, int64_t end) {
  const uint32_t v = values[begin];
  int64_t i = begin + 1;
  while (i < end && values[i] == v) ++i;
  return i - begin;
}

// values[begin, end) as bit-packed groups of 8, the last group padded with zeros.
void AppendBitPacked(const uint32_t* values, int64_t begin, int64_t end, int bit_width,
                     std::string* out) {
  const int64_t groups = (end - begin + 7) / 8;
  thrift::AppendUleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>(groups * bit_width));
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  uint64_t acc = 0;
  int bits = 0;
  for (int64_t i = begin; i < begin + groups * 8; ++i) {
    const uint64_t v = i < end ? values[i] : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      *dst++ = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

}  // namespace

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

void AppendRleRun(uint32_t value, int64_t count, int bit_width, std::string* out) {
  thrift::AppendUleb128(static_cast<uint64_t>(count) << 1, out);
  for (int byte = 0; byte < (bit_width + 7) / 8; ++byte) {
    out->push_back(static_cast<char>(value >> (8 * byte)));
  }
}

void AppendRleBitPackedHybrid(absl::Span<const uint32_t> values, int bit_width, std::string* out) {
  const uint32_t* v = values.data();
  const int64_t n = static_cast<int64_t>(values.size());
  int64_t i = 0;
  while (i < n) {
    const int64_t run = RunLength(v, i, n);
    if (run >= kMinRleRun) {
      AppendRleRun(v[i], run, bit_width, out);
      i += run;
      continue;
    }
    // A bit-packed section of whole groups, ended where a long run starts on a group boundary
    // (a section can only be padded at the very end of the data).
    const int64_t start = i;
    while (true) {
      i += 8;
      if (i >= n) {
        i = n;
        break;
      }
      if (RunLength(v, i, std::min(n, i + kMinRleRun)) >= kMinRleRun) break;
    }
    AppendBitPacked(v, start, i, bit_width, out);
  }
}

void AppendPlainInt64s(absl::Span<const int64_t> values, std::string* out) {
  out->append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(int64_t));
}

void AppendPlainDoubles(absl::Span<const double> values, std::string* out) {
  out->append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
}

void AppendPlainBools(absl::Span<const uint8_t> values, std::string* out) {
  const size_t start = out->size();
  out->resize(start + (values.size() + 7) / 8, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t i = 0; i < values.size(); ++i) {
    dst[i / 8] |= static_cast<uint8_t>((values[i] != 0 ? 1u : 0u) << (i % 8));
  }
}

void AppendPlainByteArray(std::string_view value, std::string* out) {
  const uint32_t length = static_cast<uint32_t>(value.size());
  char prefix[4];
  std::memcpy(prefix, &length, sizeof(prefix));
  out->append(prefix, sizeof(prefix));
  out->append(value.data(), value.size());
}

}  // namespace strata::io::parquet
