#include "strata/io/internal/csv_scan.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace strata::io::internal {
namespace {

std::string RandomText(std::mt19937_64& rng, size_t n) {
  const std::string alphabet = "ab,;\n\r\"\0x";
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % 9]);
  return s;
}

TEST(CsvScanTest, ByteMaskMarksExactlyTheFourBytes) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 200; ++round) {
    const std::string s = RandomText(rng, 64);
    const uint64_t mask = ByteMask64(s.data(), ';', '\n', '\r', '"');
    for (int i = 0; i < 64; ++i) {
      const char c = s[static_cast<size_t>(i)];
      EXPECT_EQ(((mask >> i) & 1) != 0, c == ';' || c == '\n' || c == '\r' || c == '"') << i;
    }
  }
}

// Next() from every position equals a byte-by-byte search, at every length (so the padded
// tail and window reloads are covered), and never looks past `end`.
TEST(CsvScanTest, NextEqualsALinearSearch) {
  std::mt19937_64 rng(2);
  for (size_t n = 0; n < 300; n += 7) {
    const std::string s = RandomText(rng, n);
    const size_t end = n - (n > 3 ? rng() % 3 : 0);
    SpecialScanner scanner(s.data(), end, ',');
    for (size_t pos = 0; pos <= end; pos += 1 + rng() % 5) {
      size_t want = pos;
      while (want < end && s[want] != ',' && s[want] != '\n' && s[want] != '\r' && s[want] != '"') {
        ++want;
      }
      ASSERT_EQ(scanner.Next(pos), want) << n << " " << pos;
    }
  }
}

int64_t NaiveRows(const std::string& s, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    if (s[i] == '"' || s[i] == '\r') return -1;
  }
  int64_t rows = 0;
  bool open = false;
  for (size_t i = begin; i < end; ++i) {
    if (s[i] == '\n') {
      rows += open ? 1 : 0;
      open = false;
    } else {
      open = true;
    }
  }
  return rows + (open ? 1 : 0);
}

TEST(CsvScanTest, CountPlainRowsCountsNonEmptyLines) {
  std::mt19937_64 rng(3);
  const std::string alphabet = "ab\n\n\n,";
  for (int round = 0; round < 500; ++round) {
    std::string s;
    const size_t n = rng() % 300;
    for (size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    if (round % 10 == 0 && n > 0) s[rng() % n] = (round % 20 == 0) ? '"' : '\r';
    const size_t begin = n > 0 ? rng() % (n / 2 + 1) : 0;
    const size_t end = begin + (n > begin ? rng() % (n - begin + 1) : 0);
    EXPECT_EQ(CountPlainRows(s, begin, end), NaiveRows(s, begin, end)) << round;
  }
}

}  // namespace
}  // namespace strata::io::internal
