#include "strata/serving/internal/json_line.h"

#include <charconv>
#include <cmath>

namespace strata::serving::internal {

void AppendJsonDouble(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) {
    out += "null";
    return;
  }
  out.append(buf, static_cast<size_t>(end - buf));
}

void AppendJsonInt(int64_t value, std::string& out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

}  // namespace strata::serving::internal
