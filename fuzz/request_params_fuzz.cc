// libFuzzer target: JSON request decoding (api::RequestParams) must never crash, whatever the
// body, and typed getters must return a value or an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/api/request_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::http::Request request;
  request.method = "POST";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<strata::api::RequestParams> params =
      strata::api::RequestParams::FromRequest(request);
  if (!params.ok()) return 0;
  for (const char* field : {"run_id", "key", "value", "timestamp", "step", "metrics", "tags"}) {
    (void)params->OptionalString(field);
    (void)params->OptionalInt64(field);
    (void)params->OptionalDouble(field);
    (void)params->OptionalBool(field);
    (void)params->StringList(field);
    absl::StatusOr<std::vector<strata::api::RequestParams>> list = params->ObjectList(field);
    if (list.ok()) {
      for (const auto& item : *list) {
        (void)item.OptionalDouble("value");
        (void)item.OptionalInt64("timestamp");
      }
    }
  }
  (void)strata::api::DumpJson(params->json());
  return 0;
}
