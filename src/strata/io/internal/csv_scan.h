// Block scanning for the CSV reader: finds the bytes that end or open a field (the delimiter,
// LF, CR and the quote) 64 bytes at a time instead of one byte at a time, and counts rows in
// one vector pass.
//
// The mask of a 64-byte block is built with SSE2 compares (x86-64's baseline, so no CPU
// dispatch is needed) or a plain loop elsewhere; walking its set bits with count-trailing-
// zeros gives each special byte without a branch per ordinary byte. Nothing is read past the
// end of the input: the last partial block is copied into a padded buffer.
#ifndef STRATA_IO_INTERNAL_CSV_SCAN_H_
#define STRATA_IO_INTERNAL_CSV_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace strata::io::internal {

// Bit i set when p[i] is one of a, b, c, d (i in [0, 64)); p must have 64 readable bytes.
inline uint64_t ByteMask64(const char* p, char a, char b, char c, char d) {
#if defined(__SSE2__)
  const __m128i va = _mm_set1_epi8(a);
  const __m128i vb = _mm_set1_epi8(b);
  const __m128i vc = _mm_set1_epi8(c);
  const __m128i vd = _mm_set1_epi8(d);
  uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, vc), _mm_cmpeq_epi8(x, vd)));
    mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hit))) << (16 * i);
  }
  return mask;
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    const char x = p[i];
    mask |= static_cast<uint64_t>(x == a || x == b || x == c || x == d) << i;
  }
  return mask;
#endif
}

// Finds, from a position, the next delimiter / LF / CR / quote in [0, end) of `data`. The
// mask of the current 64-byte window is kept, so the fields of one window cost one mask.
class SpecialScanner {
 public:
  SpecialScanner(const char* data, size_t end, char delimiter)
      : data_(data), end_(end), delimiter_(delimiter) {}

  // The offset of the first special byte at or after `pos` (pos <= end), or end.
  size_t Next(size_t pos) {
    while (true) {
      if (pos - window_ < 64 && pos >= window_) {
        const uint64_t m = mask_ & (~uint64_t{0} << (pos - window_));
        if (m != 0) return window_ + static_cast<size_t>(__builtin_ctzll(m));
        pos = window_ + 64;
      }
      if (pos >= end_) return end_;
      Load(pos);
    }
  }

 private:
  void Load(size_t pos) {
    window_ = pos;
    const size_t left = end_ - pos;
    if (left >= 64) {
      mask_ = ByteMask64(data_ + pos, delimiter_, '\n', '\r', '"');
      return;
    }
    char padded[64] = {};
    std::memcpy(padded, data_ + pos, left);
    // Bits from `left` on stand for the end of input, so Next() stops there.
    mask_ = (ByteMask64(padded, delimiter_, '\n', '\r', '"') & ((uint64_t{1} << left) - 1)) |
            (~uint64_t{0} << left);
  }

  const char* data_;
  size_t end_;
  char delimiter_;
  size_t window_ = ~size_t{0} - 64;  // no window loaded yet
  uint64_t mask_ = 0;
};

// The rows in data[begin, end) when it holds no quote and no CR: its non-empty LF-separated
// lines. Returns -1 when a quote or CR is present (the caller then walks the bytes).
int64_t CountPlainRows(std::string_view data, size_t begin, size_t end);

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_CSV_SCAN_H_
