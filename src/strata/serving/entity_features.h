// Inference by entity key: a model package naming a feature service (Manifest::
// feature_service) may be sent only that service's entity keys; the features are read from
// the online store in process and become the model's input table. The rule lives here, not
// in api/, which only decodes the request and calls it.
#ifndef STRATA_SERVING_ENTITY_FEATURES_H_
#define STRATA_SERVING_ENTITY_FEATURES_H_

#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "strata/features/live_feature_server.h"
#include "strata/features/online_features.h"
#include "strata/features/online_store.h"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::serving {

// The request signature of an entity-key request: the join keys of the service's views in
// first-seen order, int64 keys as int64 and string keys as string. Errors: NOT_FOUND naming
// the service when the definitions do not have it.
absl::StatusOr<models::Signature> EntityKeySignature(const features::FeatureServer& server,
                                                     std::string_view service);

// Reads `service` for every row of `entities` (columns = EntityKeySignature) and returns the
// model's input table: each signature input taken from the feature (or join key) of the same
// name, converted to the input's type. A feature that is not PRESENT (unknown entity, null,
// older than the view's ttl) is null where the input is nullable, and an INVALID_ARGUMENT
// naming the input, row and status where it is not. Errors: INVALID_ARGUMENT naming a signature input the service does
// not provide or a value that does not convert; the store's errors (UNAVAILABLE: Redis down).
absl::StatusOr<table::Table> ReadModelInputs(const features::FeatureServer& server,
                                             features::OnlineStore& store,
                                             std::string_view service,
                                             const table::Table& entities,
                                             const models::Signature& signature,
                                             int64_t now_micros);

// The rule of inference by entity key, the same for every protocol. `decode(signature)`
// decodes the request body against a signature and returns its input table (the caller keeps
// whatever else it decoded). A body that fits the model's own signature is its input. When it
// does not, and the model names a feature service and `features` is given, the body may carry
// only the service's entity keys: it is decoded against EntityKeySignature and the features
// are read (ReadModelInputs). Errors: the signature's error, naming the entity keys that could
// have been sent instead; LiveFeatureServer::Current's; ReadModelInputs'.
absl::StatusOr<table::Table> DecodeModelInputs(
    const models::Model& model, features::LiveFeatureServer* features,
    absl::FunctionRef<absl::StatusOr<table::Table>(const models::Signature&)> decode);

}  // namespace strata::serving

#endif  // STRATA_SERVING_ENTITY_FEATURES_H_
