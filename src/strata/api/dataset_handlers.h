// Native REST surface of versioned datasets (data/datasets.h):
//   GET /api/v1/datasets                               {"datasets": [{name, version_count,
//                                                       latest_version: <manifest>}]}
//   GET /api/v1/datasets/{name}                        the same entry for one dataset
//   GET /api/v1/datasets/{name}/versions               {"name", "versions": [<manifest>...]}
//   GET /api/v1/datasets/{name}/versions/{v}           <manifest> (v = number or "latest")
//   GET /api/v1/datasets/{name}/versions/{v}/content   the bytes, hash-verified before sending
// Errors use the API's one JSON shape: 404 RESOURCE_DOES_NOT_EXIST for an unknown name or
// version, 400 INVALID_PARAMETER_VALUE for a malformed name or version, 500 DATA_LOSS for a
// corrupt blob.
#ifndef STRATA_API_DATASET_HANDLERS_H_
#define STRATA_API_DATASET_HANDLERS_H_

#include "strata/data/datasets.h"
#include "strata/http/router.h"

namespace strata::api {

// `datasets` must outlive the router.
void AddDatasetRoutes(http::Router& router, data::Datasets& datasets);

}  // namespace strata::api

#endif  // STRATA_API_DATASET_HANDLERS_H_
