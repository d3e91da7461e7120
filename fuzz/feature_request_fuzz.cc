// libFuzzer target: the feature server's request decoders (Feast's /get-online-features,
// /push and /materialize bodies) must never crash, whatever the body; a decoded request
// encodes back into a response shape without crashing either.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "strata/api/internal/feature_server_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<strata::features::OnlineFeaturesRequest> request =
      strata::api::internal::DecodeGetOnlineFeaturesRequest(body);
  if (request.ok()) {
    // Echo the entity columns as a response (what the server does for join keys).
    strata::features::OnlineFeaturesResponse response;
    for (const auto& column : request->entities) {
      strata::features::OnlineFeatureColumn out;
      out.name = column.join_key;
      for (const auto& v : column.values) {
        if (const int64_t* i = std::get_if<int64_t>(&v)) {
          out.values.emplace_back(*i);
        } else {
          out.values.emplace_back(std::get<std::string>(v));
        }
        out.statuses.push_back(strata::features::FeatureStatus::kPresent);
        out.event_ts_micros.push_back(static_cast<int64_t>(size) * 1'000'003);
      }
      response.columns.push_back(std::move(out));
    }
    (void)strata::api::internal::EncodeOnlineFeaturesResponse(response);
  }
  (void)strata::api::internal::DecodePushRequest(body);
  (void)strata::api::internal::DecodeMaterializeRequest(body, false);
  (void)strata::api::internal::DecodeMaterializeRequest(body, true);
  return 0;
}
