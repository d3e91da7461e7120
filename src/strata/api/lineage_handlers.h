// Native REST surface of the lineage graph (lineage/lineage_store.h):
//   GET /api/v1/lineage/artifacts[?type=T][&max_results=N]  {"artifacts": [...]} newest first
//   GET /api/v1/lineage/artifacts/{id}                      one artifact
//   GET /api/v1/lineage/artifacts/{id}/upstream[?max_hops=N]    {"artifacts", "executions",
//   GET /api/v1/lineage/artifacts/{id}/downstream[?max_hops=N]   "events"}
//   GET /api/v1/lineage/find?type=T&name=N                  one artifact by its key
// Errors: 404 RESOURCE_DOES_NOT_EXIST, 400 INVALID_PARAMETER_VALUE naming the parameter.
#ifndef STRATA_API_LINEAGE_HANDLERS_H_
#define STRATA_API_LINEAGE_HANDLERS_H_

#include "strata/http/router.h"
#include "strata/lineage/lineage_store.h"

namespace strata::api {

// `lineage` must outlive the router.
void AddLineageRoutes(http::Router& router, lineage::LineageStore& lineage);

}  // namespace strata::api

#endif  // STRATA_API_LINEAGE_HANDLERS_H_
