#include "strata/features/duration.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::features {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr struct {
  char unit;
  int64_t micros;
} kUnits[] = {{'d', 86400 * kSecond}, {'h', 3600 * kSecond}, {'m', 60 * kSecond}, {'s', kSecond}};

}  // namespace

absl::StatusOr<int64_t> ParseDurationMicros(std::string_view text) {
  if (text == "0") return 0;
  auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("duration '", AsAbsl(text), "': ",
                                                   AsAbsl(why), " (e.g. 30d, 12h, 15m, 90s, 0)"));
  };
  if (text.size() < 2) return bad("expected a whole number and a unit");
  const char unit = text.back();
  int64_t scale = 0;
  for (const auto& u : kUnits) {
    if (u.unit == unit) scale = u.micros;
  }
  if (scale == 0) return bad("unknown unit");
  int64_t n = 0;
  std::string_view digits = text.substr(0, text.size() - 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos ||
      !absl::SimpleAtoi(AsAbsl(digits), &n)) {
    return bad("expected a whole non-negative number before the unit");
  }
  if (n > std::numeric_limits<int64_t>::max() / scale) return bad("too large");
  return n * scale;
}

std::string FormatDurationMicros(int64_t micros) {
  if (micros == 0) return "0";
  for (const auto& u : kUnits) {
    if (micros % u.micros == 0) return absl::StrCat(micros / u.micros, std::string(1, u.unit));
  }
  return absl::StrCat(micros / kSecond, "s");  // sub-second ttls are not expressible
}

}  // namespace strata::features
