#include "strata/serving/internal/json_line.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::serving::internal {
namespace {

TEST(JsonLine, Numbers) {
  std::string out;
  AppendJsonDouble(0.1, out);
  out += ',';
  AppendJsonDouble(-2.5e300, out);
  out += ',';
  AppendJsonDouble(std::nan(""), out);
  out += ',';
  AppendJsonDouble(std::numeric_limits<double>::infinity(), out);
  out += ',';
  AppendJsonInt(std::numeric_limits<int64_t>::min(), out);
  EXPECT_EQ(out, "0.1,-2.5e+300,null,null,-9223372036854775808");
}

}  // namespace
}  // namespace strata::serving::internal
