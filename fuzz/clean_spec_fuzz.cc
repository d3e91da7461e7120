// libFuzzer target: arbitrary bytes as a cleaning spec. ParseCleanSpec must return a Status
// for any input (never throw, crash or recurse without bound); an accepted spec is applied to
// a small table to exercise the rules with whatever columns and settings it names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/data/clean.h"
#include "strata/io/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<strata::data::CleanSpec> spec = strata::data::ParseCleanSpec(text);
  if (!spec.ok()) return 0;
  static const strata::table::Table table = [] {
    strata::io::CsvOptions options;
    options.column_types["age"] = strata::table::DataType::kString;
    auto t = strata::io::ReadCsv(
        "id,age,income,city,when\n1,30,100.5,paris,2024-01-01\n2,x,,  Rome ,\n3,,1e9,,2024-02-30\n"
        "3,41,7,paris,2024-03-01T10:00:00Z\n",
        options);
    return *t;
  }();
  absl::StatusOr<strata::data::CleanResult> result = strata::data::ApplyCleanSpec(table, *spec);
  if (result.ok()) {
    (void)strata::data::CleanReportToJson(result->report)
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return 0;
}
