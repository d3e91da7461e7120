#include "strata/io/internal/csv_scan.h"

namespace strata::io::internal {
namespace {

// Set bits of x. The baseline x86-64 target has no POPCNT instruction and the builtin becomes
// a library call; this is a dozen inline operations.
int PopCount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
}

}  // namespace

int64_t CountPlainRows(std::string_view data, size_t begin, size_t end) {
  const char* base = data.data();
  int64_t line_ends = 0;
  // A line is empty when its LF follows another LF (or starts the range): bit i of `after_lf`
  // says byte i - 1 was an LF.
  uint64_t carry = 1;
  size_t pos = begin;
  auto count_block = [&](const char* block, uint64_t valid) -> bool {
    const uint64_t lf = ByteMask64(block, '\n', '\n', '\n', '\n') & valid;
    if ((ByteMask64(block, '"', '\r', '"', '\r') & valid) != 0) return false;
    const uint64_t after_lf = (lf << 1) | carry;
    line_ends += PopCount64(lf & ~after_lf);
    carry = lf >> 63;
    return true;
  };
  for (; pos + 64 <= end; pos += 64) {
    if (!count_block(base + pos, ~uint64_t{0})) return -1;
  }
  if (pos < end) {
    char padded[64] = {};
    const size_t left = end - pos;
    std::memcpy(padded, base + pos, left);
    if (!count_block(padded, (uint64_t{1} << left) - 1)) return -1;
  }
  // A range that does not end with an LF ends inside a non-empty last line.
  return line_ends + (end > begin && base[end - 1] != '\n' ? 1 : 0);
}

}  // namespace strata::io::internal
