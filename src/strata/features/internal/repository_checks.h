// The checks of a feature repository that span objects (references between entities,
// sources, views and services) and those against file sources' actual schemas.
#ifndef STRATA_FEATURES_INTERNAL_REPOSITORY_CHECKS_H_
#define STRATA_FEATURES_INTERNAL_REPOSITORY_CHECKS_H_

#include "strata/features/definitions.h"
#include "strata/features/internal/yaml_object.h"

namespace strata::features::internal {

// Unknown entity/source/view/feature references, push sources whose batch source is missing
// or a push source, postgres sources without a postgres offline store, join keys repeated
// across a view's entities, features named like a join key or the timestamp column, features
// listed twice in a service.
void CheckReferences(const FeatureRepository& repo, Problems* problems);

// For every file source: its timestamp/created columns and field_mapping keys exist, with
// timestamp type; for every view on it (directly or through a push source): each join key and
// feature exists (after field_mapping) with a compatible type. Messages name the view/source,
// the field, and the data file and column.
void CheckSourceSchemas(const FeatureRepository& repo, Problems* problems);

// Whether a column of type `actual` can be read as a feature declared `declared`: equal types,
// int64 read as float64, string and category interchangeably.
bool FeatureTypeAccepts(table::DataType declared, table::DataType actual);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_REPOSITORY_CHECKS_H_
