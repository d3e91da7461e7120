// The feature store's public surface, one include for library users (ARCHITECTURE.md names
// this header). Each capability keeps its own header; this one only gathers them:
//   definitions.h          repository YAML -> validated object model (entities, sources,
//                          feature views, services); canonical JSON snapshots
//   feature_registry.h     plan / apply against the metadata store; versioned snapshots and
//                          lineage
//   point_in_time.h        the in-memory point-in-time join engine
//   historical.h           training-set retrieval from the registry's definitions (memory
//                          engine or PostgreSQL pushdown); training_set.h saves it as a dataset
//   online_store.h         the online store interface (LMDB, Redis) and its byte codecs
//   materialize.h          latest row per entity key of a window -> online store; watermarks,
//                          records with profiles
//   online_features.h      Feast's get_online_features over an online store (statuses, ttl)
//   online_push.h          Feast's push (online and/or offline)
//   live_feature_server.h  the current registry version's FeatureServer + store of a process
#ifndef STRATA_FEATURES_FEATURE_STORE_H_
#define STRATA_FEATURES_FEATURE_STORE_H_

#include "strata/features/definitions.h"       // IWYU pragma: export
#include "strata/features/duration.h"          // IWYU pragma: export
#include "strata/features/feature_registry.h"  // IWYU pragma: export
#include "strata/features/historical.h"        // IWYU pragma: export
#include "strata/features/live_feature_server.h"  // IWYU pragma: export
#include "strata/features/materialize.h"       // IWYU pragma: export
#include "strata/features/online_features.h"   // IWYU pragma: export
#include "strata/features/online_push.h"       // IWYU pragma: export
#include "strata/features/online_store.h"      // IWYU pragma: export
#include "strata/features/point_in_time.h"     // IWYU pragma: export
#include "strata/features/training_set.h"      // IWYU pragma: export

#endif  // STRATA_FEATURES_FEATURE_STORE_H_
