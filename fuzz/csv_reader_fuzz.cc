// libFuzzer target: the CSV reader must return a table or an error for any bytes, under
// both delimiters and with and without a header, and never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/io/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::io::CsvOptions options;
  (void)strata::io::ReadCsv(input, options);
  options.delimiter = ';';
  options.header = false;
  (void)strata::io::ReadCsv(input, options);
  int64_t micros = 0;
  (void)strata::io::ParseTimestampMicros(input.substr(0, 40), &micros);
  return 0;
}
