// libFuzzer target: the MLflow search-filter and order_by parsers must reject or accept any
// byte string without crashing, and accepted filters must translate to SQL.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/tracking/search_filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)strata::tracking::ParseFilterExpression(input);
  (void)strata::tracking::ParseRunFilter(input);
  (void)strata::tracking::ParseExperimentFilter(input);
  (void)strata::tracking::ParseRunOrderBy(input);
  (void)strata::tracking::ParseExperimentOrderBy(input);
  return 0;
}
