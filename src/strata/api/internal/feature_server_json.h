// Feast's feature-server JSON shapes, decoded into features/ requests and encoded back:
//
//   POST /get-online-features
//     {"features": ["view:f", ...]} or {"feature_service": "name"},
//     "entities": {"join_key": [1, 2] | ["a", "b"], ...}, "full_feature_names": false
//   -> {"metadata": {"feature_names": ["join_key", ..., "f", ...]},
//       "results": [{"values": [...], "statuses": ["PRESENT", ...],
//                    "event_timestamps": ["2026-01-01T00:00:00Z", ...]}, ...]}
//     (one result per feature name, join keys first; values null unless PRESENT; event
//     timestamps RFC 3339 in UTC with microseconds when not whole seconds, the epoch for join
//     keys and NOT_FOUND, as Feast)
//   POST /push
//     {"push_source_name": "s", "df": {"col": [values]}, "to": "online"}  ("to" optional)
//   POST /materialize              {"start_ts": "...", "end_ts": "...", "feature_views": [...]}
//   POST /materialize-incremental  {"end_ts": "...", "feature_views": [...]}
//
// Decoding errors are INVALID_ARGUMENT naming the member (and the index for array items):
// malformed JSON, a non-object body, unknown members, wrong member types, integers that do
// not fit int64, a float where a join key needs an integer.
#ifndef STRATA_API_INTERNAL_FEATURE_SERVER_JSON_H_
#define STRATA_API_INTERNAL_FEATURE_SERVER_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/features/online_features.h"
#include "strata/features/online_push.h"

namespace strata::api::internal {

absl::StatusOr<features::OnlineFeaturesRequest> DecodeGetOnlineFeaturesRequest(
    std::string_view body);

std::string EncodeOnlineFeaturesResponse(const features::OnlineFeaturesResponse& response);

absl::StatusOr<features::PushRequest> DecodePushRequest(std::string_view body);

struct MaterializeRequest {
  std::optional<int64_t> start_micros;  // /materialize only
  int64_t end_micros = 0;
  std::vector<std::string> feature_views;  // empty = every online view
};
// `incremental`: only end_ts (start_ts is rejected).
absl::StatusOr<MaterializeRequest> DecodeMaterializeRequest(std::string_view body,
                                                            bool incremental);

// "2026-01-01T00:00:00Z", "...T00:00:00.000123Z" (UTC).
void AppendRfc3339(int64_t micros, std::string* out);

}  // namespace strata::api::internal

#endif  // STRATA_API_INTERNAL_FEATURE_SERVER_JSON_H_
