#include "strata/table/internal/row_key.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

namespace strata::table::internal {
namespace {

template <typename T>
void AppendBytes(const T& v, std::string& out) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

}  // namespace

void AppendRowKey(const Column& c, int64_t r, std::string& key) {
  if (c.IsNull(r)) {
    key.push_back('\0');
    return;
  }
  key.push_back('\1');
  switch (c.type()) {
    case DataType::kBool:
      key.push_back(static_cast<char>(c.Bools()[r]));
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      AppendBytes(c.Int64s()[r], key);
      break;
    case DataType::kFloat64: {
      double v = c.Float64s()[r];
      if (v == 0.0) v = 0.0;
      if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
      AppendBytes(v, key);
      break;
    }
    case DataType::kString:
    case DataType::kCategory: {
      std::string_view s = c.StringAt(r);
      AppendBytes(static_cast<uint64_t>(s.size()), key);
      key.append(s);
      break;
    }
  }
}

}  // namespace strata::table::internal
