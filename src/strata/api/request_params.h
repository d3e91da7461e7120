// Decodes request parameters the way MLflow's server does: a JSON object body for POST, PATCH
// and DELETE, the query string for GET (repeated keys form a list). Typed getters accept the
// proto3-JSON spellings clients send (int64 as a number or a numeric string; doubles also as
// "NaN", "Infinity", "-Infinity"; bools as true/false or "true"/"false").
// Every error is INVALID_ARGUMENT naming the parameter, which api/errors.h renders as
// INVALID_PARAMETER_VALUE (or BAD_REQUEST for a body that is not JSON).
#ifndef STRATA_API_REQUEST_PARAMS_H_
#define STRATA_API_REQUEST_PARAMS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/http/router.h"

namespace strata::api {

class RequestParams {
 public:
  // Errors: BAD_REQUEST (INVALID_ARGUMENT) when the body is not a JSON object or not UTF-8.
  static absl::StatusOr<RequestParams> FromRequest(const http::Request& request);
  static absl::StatusOr<RequestParams> FromJson(nlohmann::json object);

  bool Has(std::string_view name) const;
  absl::StatusOr<std::string> RequiredString(std::string_view name) const;
  absl::StatusOr<std::optional<std::string>> OptionalString(std::string_view name) const;
  absl::StatusOr<std::optional<int64_t>> OptionalInt64(std::string_view name) const;
  absl::StatusOr<int64_t> RequiredInt64(std::string_view name) const;
  absl::StatusOr<std::optional<double>> OptionalDouble(std::string_view name) const;
  absl::StatusOr<double> RequiredDouble(std::string_view name) const;
  absl::StatusOr<std::optional<bool>> OptionalBool(std::string_view name) const;
  // A list of strings; a single value counts as a one-element list; absent is empty.
  absl::StatusOr<std::vector<std::string>> StringList(std::string_view name) const;
  // A list of objects (e.g. log-batch "metrics"); absent is empty.
  absl::StatusOr<std::vector<RequestParams>> ObjectList(std::string_view name) const;

  const nlohmann::json& json() const { return *object_; }

 private:
  explicit RequestParams(nlohmann::json object)
      : owner_(std::make_shared<const nlohmann::json>(std::move(object))), object_(owner_.get()) {}
  // An element of `parent`'s document: shares it instead of copying (log-batch has 1,000).
  RequestParams(const RequestParams& parent, const nlohmann::json& element)
      : owner_(parent.owner_), object_(&element) {}
  const nlohmann::json* Find(std::string_view name) const;

  // The parsed document, shared by the params of its nested objects; object_ points into it.
  std::shared_ptr<const nlohmann::json> owner_;
  const nlohmann::json* object_;
};

// Parses a double in proto3-JSON form from a JSON value (number or "NaN"/"Infinity"/...).
absl::StatusOr<double> JsonToDouble(const nlohmann::json& value, std::string_view name);

// Serializes a double the way MLflow's server does: NaN and infinities as JSON
// NaN/Infinity/-Infinity tokens are not valid JSON, so MLflow (protobuf) emits the strings
// "NaN", "Infinity", "-Infinity".
nlohmann::json DoubleToJson(double value);

// Dumps JSON without throwing on invalid UTF-8 in echoed strings.
std::string DumpJson(const nlohmann::json& value);

}  // namespace strata::api

#endif  // STRATA_API_REQUEST_PARAMS_H_
