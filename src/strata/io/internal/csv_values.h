// Text-to-value parsing shared by the CSV reader's chunk parser (and its type inference).
// ParseTimestampMicros / FormatTimestampMicros are public in io/csv_reader.h.
#ifndef STRATA_IO_INTERNAL_CSV_VALUES_H_
#define STRATA_IO_INTERNAL_CSV_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace strata::io::internal {

// Byte offset of the first invalid UTF-8 sequence in `s` (overlong forms, surrogates and
// code points past U+10FFFF are invalid), or npos.
size_t InvalidUtf8At(std::string_view s);

// Whole-field parses: an optional leading '+', nothing left over.
bool ParseInt64(std::string_view s, int64_t* v);
bool ParseFloat64(std::string_view s, double* v);
// true/false in any case.
bool ParseBool(std::string_view s, bool* v);

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int m, int d);

// Inline fast paths for the chunk parser's per-value loops: the common shapes are parsed
// here, anything else goes to the full parser above, so the results are always identical.

// "[-]d..." with at most 18 digits (which cannot overflow), else ParseInt64.
inline bool FastParseInt64(std::string_view s, int64_t* v) {
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  p += negative ? 1 : 0;
  const size_t digits = static_cast<size_t>(end - p);
  if (digits == 0 || digits > 18) return ParseInt64(s, v);
  uint64_t x = 0;
  for (; p < end; ++p) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
    if (d > 9) return ParseInt64(s, v);
    x = x * 10 + d;
  }
  *v = negative ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
  return true;
}

// "[-]digits[.digits]" with at most 19 digits, a mantissa up to 2^53 and at most 22 after the
// point: mantissa / 10^k is then one correctly rounded division of two exact doubles, the
// double from_chars gives. Anything else goes to ParseFloat64.
inline bool FastParseFloat64(std::string_view s, double* v) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  p += negative ? 1 : 0;
  const char* digits_start = p;
  uint64_t mantissa = 0;
  unsigned d = 0;
  while (p < end && (d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0') <= 9) {
    mantissa = mantissa * 10 + d;
    ++p;
  }
  size_t digits = static_cast<size_t>(p - digits_start);
  size_t fraction = 0;
  if (p < end && *p == '.') {
    const char* fraction_start = ++p;
    while (p < end && (d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0') <= 9) {
      mantissa = mantissa * 10 + d;
      ++p;
    }
    fraction = static_cast<size_t>(p - fraction_start);
    digits += fraction;
  }
  if (p != end || digits == 0 || digits > 19 || fraction > 22 || mantissa > (uint64_t{1} << 53)) {
    return ParseFloat64(s, v);
  }
  const double x = static_cast<double>(mantissa) / kPow10[fraction];
  *v = negative ? -x : x;
  return true;
}

// ParseBool without the library call: OR-ing 0x20 folds only A-Z onto a-z among the bytes
// that can match.
inline bool FastParseBool(std::string_view s, bool* v) {
  if (s.size() == 4) {
    uint32_t w;
    std::memcpy(&w, s.data(), 4);
    uint32_t t;
    std::memcpy(&t, "true", 4);
    if ((w | 0x20202020u) != t) return false;
    *v = true;
    return true;
  }
  if (s.size() == 5) {
    uint32_t w;
    std::memcpy(&w, s.data(), 4);
    uint32_t f;
    std::memcpy(&f, "fals", 4);
    if ((w | 0x20202020u) != f || (s[4] | 0x20) != 'e') return false;
    *v = false;
    return true;
  }
  return false;
}

// ParseTimestampMicros for one column's values, fast for "YYYY-MM-DD[ T]HH:MM:SS": the date
// of the previous value is remembered (neighbouring rows usually share it), so most values
// cost a 10-byte compare and six digits. Other shapes go to the full parser.
class TimestampColumnParser {
 public:
  bool Parse(std::string_view s, int64_t* micros);

 private:
  char date_[10] = {};
  bool have_date_ = false;
  int64_t date_micros_ = 0;
};

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_CSV_VALUES_H_
