#include "strata/api/errors.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "nlohmann/json.hpp"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

constexpr absl::string_view kErrorCodePayload = "strata.dev/error_code";

std::string_view CanonicalName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return "INVALID_PARAMETER_VALUE";
    case absl::StatusCode::kNotFound:
      return "RESOURCE_DOES_NOT_EXIST";
    case absl::StatusCode::kAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case absl::StatusCode::kFailedPrecondition:
      return "INVALID_STATE";
    case absl::StatusCode::kResourceExhausted:
      return "REQUEST_LIMIT_EXCEEDED";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kUnimplemented:
      return "NOT_IMPLEMENTED";
    case absl::StatusCode::kUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    default:
      return "INTERNAL_ERROR";
  }
}

}  // namespace

absl::Status WithErrorCode(absl::Status status, std::string_view error_code) {
  status.SetPayload(kErrorCodePayload, absl::Cord(AsAbsl(error_code)));
  return status;
}

std::string_view ErrorCodeName(const absl::Status& status) {
  // The names are a closed set; intern the payload so a string_view can be returned.
  static constexpr std::string_view kKnown[] = {
      "INTERNAL_ERROR", "TEMPORARILY_UNAVAILABLE", "IO_ERROR", "BAD_REQUEST",
      "INVALID_STATE", "ENDPOINT_NOT_FOUND", "MALFORMED_REQUEST", "INVALID_PARAMETER_VALUE",
      "RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST", "REQUEST_LIMIT_EXCEEDED",
      "PERMISSION_DENIED", "UNAUTHENTICATED", "NOT_IMPLEMENTED", "RESOURCE_EXHAUSTED",
      "DEADLINE_EXCEEDED", "ABORTED", "DATA_LOSS", "CUSTOMER_UNAUTHORIZED"};
  if (absl::optional<absl::Cord> p = status.GetPayload(kErrorCodePayload)) {
    std::string name(*p);
    for (std::string_view k : kKnown) {
      if (k == name) return k;
    }
  }
  return CanonicalName(status.code());
}

int HttpStatusForErrorCode(std::string_view code) {
  // MLflow's ERROR_CODE_TO_HTTP_STATUS, except INVALID_STATE: a request that conflicts with
  // the current state is the client's problem, so 400 rather than MLflow's 500.
  if (code == "RESOURCE_DOES_NOT_EXIST" || code == "ENDPOINT_NOT_FOUND") return 404;
  if (code == "INVALID_PARAMETER_VALUE" || code == "RESOURCE_ALREADY_EXISTS" ||
      code == "BAD_REQUEST" || code == "MALFORMED_REQUEST" || code == "INVALID_STATE") {
    return 400;
  }
  if (code == "PERMISSION_DENIED") return 403;
  if (code == "UNAUTHENTICATED" || code == "CUSTOMER_UNAUTHORIZED") return 401;
  if (code == "REQUEST_LIMIT_EXCEEDED") return 429;
  if (code == "RESOURCE_EXHAUSTED") return 413;
  if (code == "TEMPORARILY_UNAVAILABLE") return 503;
  if (code == "NOT_IMPLEMENTED") return 501;
  if (code == "DEADLINE_EXCEEDED") return 504;
  if (code == "ABORTED") return 409;
  return 500;
}

namespace {
void WriteBody(std::string_view code, std::string_view message, http::Response& response) {
  nlohmann::json body = {{"error_code", code}, {"message", message}};
  // replace: never throw on invalid UTF-8 echoed from a request.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.content_type = "application/json";
  response.file_path.clear();
}
}  // namespace

void WriteError(const absl::Status& status, http::Response& response) {
  std::string_view code = ErrorCodeName(status);
  response.status = HttpStatusForErrorCode(code);
  WriteBody(code, AsStd(status.message()), response);
}

void WriteHttpError(int http_status, std::string_view message, http::Response& response) {
  std::string_view code = "BAD_REQUEST";
  if (http_status == 404) code = "ENDPOINT_NOT_FOUND";
  else if (http_status == 405) code = "ENDPOINT_NOT_FOUND";
  else if (http_status == 413) code = "RESOURCE_EXHAUSTED";
  else if (http_status == 408) code = "DEADLINE_EXCEEDED";
  else if (http_status >= 500) code = "INTERNAL_ERROR";
  response.status = http_status;
  WriteBody(code, message, response);
}

}  // namespace strata::api
