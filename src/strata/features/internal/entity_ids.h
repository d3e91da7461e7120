// Dense entity ids for a point-in-time join: every distinct join-key tuple among the feature
// rows gets an id in [0, num_entities), and each entity row gets the id of its tuple, so the
// join works on small integers instead of hashing keys again per probe.
#ifndef STRATA_FEATURES_INTERNAL_ENTITY_IDS_H_
#define STRATA_FEATURES_INTERNAL_ENTITY_IDS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "strata/table/column.h"

namespace strata::features::internal {

// Row ids, -1 where the row can never match: a null key component on either side, or (entity
// side) a tuple that no feature row has.
struct EntityIds {
  std::vector<int32_t> feature_ids;  // one per feature row
  std::vector<int32_t> entity_ids;   // one per entity row
  int32_t num_entities = 0;
};

// Whether a feature key column and an entity key column can be compared: int64 with int64,
// timestamp with timestamp, string/category with string/category.
bool KeyTypesCompatible(table::DataType feature, table::DataType entity);

// `feature_keys[k]` pairs with `entity_keys[k]`; the types must be KeyTypesCompatible and the
// feature side must have fewer than 2^31 rows (the caller checks both). Feature-side ids are
// assigned in one pass; entity-side lookups run on up to `threads` threads.
EntityIds AssignEntityIds(absl::Span<const table::Column* const> feature_keys,
                          absl::Span<const table::Column* const> entity_keys, int threads);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_ENTITY_IDS_H_
