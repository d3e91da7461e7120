#include "strata/io/internal/csv_values.h"

#include <charconv>
#include <cstring>
#include <cstdio>
#include <system_error>

#include "absl/strings/match.h"
#include "strata/base/strings.h"

namespace strata::io {
namespace internal {

// Byte offset of the first invalid UTF-8 sequence in `s`, or npos.
size_t InvalidUtf8At(std::string_view s) {
  // Fast path: eight ASCII bytes at a time.
  size_t ascii = 0;
  while (ascii + 8 <= s.size()) {
    uint64_t word;
    __builtin_memcpy(&word, s.data() + ascii, 8);
    if ((word & 0x8080808080808080ull) != 0) break;
    ascii += 8;
  }
  size_t i = ascii;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

bool ParseInt64(std::string_view s, int64_t* v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  // Up to 18 digits cannot overflow: parse those inline, leave the rest to from_chars.
  const bool negative = !s.empty() && s[0] == '-';
  const size_t digits = s.size() - (negative ? 1 : 0);
  if (digits > 0 && digits <= 18) {
    uint64_t x = 0;
    for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
      const unsigned d = static_cast<unsigned char>(s[i]) - '0';
      if (d > 9) return false;
      x = x * 10 + d;
    }
    *v = negative ? -static_cast<int64_t>(x) : static_cast<int64_t>(x);
    return true;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool ParseFloat64(std::string_view s, double* v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  // Fast path for plain decimals ("-12.345"): when the digits fit 2^53 and there are at most
  // 22 after the point, mantissa / 10^k is one correctly rounded division (both operands are
  // exact doubles), the same double from_chars gives.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) i = 1;
  uint64_t mantissa = 0;
  size_t digits = 0;
  size_t fraction = 0;
  bool point = false;
  bool simple = i < s.size();
  for (; i < s.size() && simple; ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d <= 9) {
      if (++digits > 19) {
        simple = false;
        break;
      }
      mantissa = mantissa * 10 + d;
      fraction += point ? 1 : 0;
    } else if (s[i] == '.' && !point) {
      point = true;
    } else {
      simple = false;
    }
  }
  if (simple && digits > 0 && mantissa <= (uint64_t{1} << 53) && fraction <= 22) {
    const double m = static_cast<double>(mantissa);
    const double x = m / kPow10[fraction];
    *v = negative ? -x : x;
    return true;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool ParseBool(std::string_view s, bool* v) {
  if (absl::EqualsIgnoreCase(AsAbsl(s), "true")) {
    *v = true;
    return true;
  }
  if (absl::EqualsIgnoreCase(AsAbsl(s), "false")) {
    *v = false;
    return true;
  }
  return false;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace internal

using internal::DaysFromCivil;
using internal::Digits;

bool ParseTimestampMicros(std::string_view s, int64_t* micros) {
  int y, mo, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  int64_t us = DaysFromCivil(y, mo, d) * 86400 * int64_t{1000000};
  size_t pos = 10;
  if (pos == s.size()) {
    *micros = us;
    return true;
  }
  if (s[pos] != 'T' && s[pos] != ' ') return false;
  int h, mi, sec = 0;
  if (!Digits(s, pos + 1, 2, &h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
      !Digits(s, pos + 4, 2, &mi)) {
    return false;
  }
  pos += 6;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &sec)) return false;
    pos += 3;
  }
  if (h > 23 || mi > 59 || sec > 60) return false;
  int64_t fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
  }
  us += ((int64_t{h} * 60 + mi) * 60 + sec) * 1000000 + fraction;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      pos = s.size();
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !Digits(s, pos + 4, 2, &om) || pos + 6 != s.size() || oh > 23 || om > 59) {
        return false;
      }
      const int64_t offset = (int64_t{oh} * 60 + om) * 60 * 1000000;
      us += s[pos] == '+' ? -offset : offset;
      pos = s.size();
    } else {
      return false;
    }
  }
  *micros = us;
  return true;
}

namespace internal {

bool TimestampColumnParser::Parse(std::string_view s, int64_t* micros) {
  if (s.size() != 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return ParseTimestampMicros(s, micros);
  }
  if (!have_date_ || std::memcmp(date_, s.data(), 10) != 0) {
    if (!ParseTimestampMicros(s.substr(0, 10), &date_micros_)) {
      have_date_ = false;
      return false;  // the full grammar needs the same date
    }
    std::memcpy(date_, s.data(), 10);
    have_date_ = true;
  }
  int h, mi, sec;
  if (!Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &sec) || h > 23 ||
      mi > 59 || sec > 60) {
    return ParseTimestampMicros(s, micros);
  }
  *micros = date_micros_ + ((int64_t{h} * 60 + mi) * 60 + sec) * 1000000;
  return true;
}

}  // namespace internal

std::string FormatTimestampMicros(int64_t micros) {
  constexpr int64_t kPerDay = int64_t{86400} * 1000000;
  int64_t days = micros / kPerDay;
  int64_t rest = micros % kPerDay;
  if (rest < 0) {
    rest += kPerDay;
    --days;
  }
  // Civil date from days since 1970-01-01 (the inverse of DaysFromCivil).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  const int64_t secs = rest / 1000000;
  const int64_t frac = rest % 1000000;
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                        static_cast<long long>(y), static_cast<long long>(m),
                        static_cast<long long>(d), static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  return out;
}

}  // namespace strata::io
