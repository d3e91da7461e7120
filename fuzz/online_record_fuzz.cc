// libFuzzer target: DecodeOnlineRecord must return a record or DATA_LOSS for any bytes, never
// crash or over-allocate; whatever it accepts must re-encode to exactly the input bytes (the
// format has one encoding per record) and OnlineRecordTimestamps must agree with it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/features/online_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<strata::features::OnlineRecord> record =
      strata::features::DecodeOnlineRecord(input);
  auto timestamps = strata::features::OnlineRecordTimestamps(input);
  if (!record.ok()) {
    if (record.status().code() != absl::StatusCode::kDataLoss) std::abort();
    return 0;
  }
  if (strata::features::EncodeOnlineRecord(*record) != input) std::abort();
  if (!timestamps.ok() || timestamps->first != record->event_ts_micros ||
      timestamps->second != record->created_ts_micros) {
    std::abort();
  }
  return 0;
}
