// libFuzzer target: the Parquet reader must return a table or an error for any bytes -- with
// and without checksum verification, one thread and several, and for the footer-only info --
// and never crash, hang, leak or allocate what the input cannot justify.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/io/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::io::ParquetReadOptions options;
  options.threads = 1;
  (void)strata::io::ReadParquet(input, options);
  options.verify_page_checksums = false;
  options.threads = 2;
  (void)strata::io::ReadParquet(input, options);
  absl::StatusOr<strata::io::ParquetFileInfo> info = strata::io::ReadParquetInfo(input);
  if (info.ok()) (void)info->ToString();
  return 0;
}
