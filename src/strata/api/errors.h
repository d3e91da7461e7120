// The one mapping from absl::Status to the wire: MLflow's error JSON
// {"error_code": "...", "message": "..."} with the HTTP status MLflow uses for that code.
#ifndef STRATA_API_ERRORS_H_
#define STRATA_API_ERRORS_H_

#include <string_view>

#include "absl/status/status.h"
#include "strata/http/router.h"

namespace strata::api {

// Attaches an explicit MLflow error code (e.g. "ENDPOINT_NOT_FOUND", "BAD_REQUEST") to a
// status whose canonical code alone would map to a different name.
absl::Status WithErrorCode(absl::Status status, std::string_view error_code);

// MLflow error code name for `status` (its explicit code if attached).
std::string_view ErrorCodeName(const absl::Status& status);

// HTTP status for an MLflow error code name.
int HttpStatusForErrorCode(std::string_view error_code);

// Fills `response` with the error JSON and HTTP status for `status` (must not be OK).
void WriteError(const absl::Status& status, http::Response& response);

// Error body for errors produced by the HTTP layer itself (404, 405, 413, ...).
void WriteHttpError(int http_status, std::string_view message, http::Response& response);

}  // namespace strata::api

#endif  // STRATA_API_ERRORS_H_
