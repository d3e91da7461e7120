#include "strata/api/request_params.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/api/errors.h"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

absl::Status Missing(std::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat("Missing value for required parameter '", AsAbsl(name),
                   "'. See the API docs for more information about request parameters."));
}

absl::Status BadValue(std::string_view name, const nlohmann::json& v, std::string_view want) {
  return absl::InvalidArgumentError(absl::StrCat("Invalid value ", DumpJson(v),
                                                 " for parameter '", AsAbsl(name),
                                                 "' supplied: expected ", AsAbsl(want)));
}

}  // namespace

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<RequestParams> RequestParams::FromRequest(const http::Request& request) {
  if (request.method == "GET" || request.method == "HEAD") {
    nlohmann::json obj = nlohmann::json::object();
    for (const auto& [k, v] : request.query) {
      auto it = obj.find(k);
      if (it == obj.end()) {
        obj[k] = v;
      } else if (it->is_array()) {
        it->push_back(v);
      } else {
        nlohmann::json arr = nlohmann::json::array({*it, v});
        *it = std::move(arr);
      }
    }
    return RequestParams(std::move(obj));
  }
  if (request.body.empty()) return RequestParams(nlohmann::json::object());
  nlohmann::json parsed = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Find the offset of the problem for a precise message.
    std::string detail;
    try {
      nlohmann::json ignored = nlohmann::json::parse(request.body);
      (void)ignored;
    } catch (const nlohmann::json::parse_error& e) {
      detail = absl::StrCat(" at byte ", e.byte, ": ", e.what());
    } catch (const nlohmann::json::exception& e) {
      // Not a syntax error: a number out of double range (out_of_range.406) and the like.
      detail = absl::StrCat(": ", e.what());
    }
    return WithErrorCode(
        absl::InvalidArgumentError(absl::StrCat("Malformed JSON request body", detail)),
        "MALFORMED_REQUEST");
  }
  if (!parsed.is_object()) {
    return WithErrorCode(absl::InvalidArgumentError("Request body must be a JSON object"),
                         "MALFORMED_REQUEST");
  }
  return RequestParams(std::move(parsed));
}

absl::StatusOr<RequestParams> RequestParams::FromJson(nlohmann::json object) {
  if (!object.is_object()) return absl::InvalidArgumentError("expected a JSON object");
  return RequestParams(std::move(object));
}

const nlohmann::json* RequestParams::Find(std::string_view name) const {
  auto it = object_->find(name);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

bool RequestParams::Has(std::string_view name) const { return Find(name) != nullptr; }

absl::StatusOr<std::optional<std::string>> RequestParams::OptionalString(
    std::string_view name) const {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  // proto3 JSON parsers accept numbers for string fields holding ids; MLflow clients send
  // experiment ids as strings, but be lenient with integers.
  if (v->is_number_integer()) return absl::StrCat(v->get<int64_t>());
  return BadValue(name, *v, "a string");
}

absl::StatusOr<std::string> RequestParams::RequiredString(std::string_view name) const {
  absl::StatusOr<std::optional<std::string>> v = OptionalString(name);
  if (!v.ok()) return v.status();
  if (!v->has_value() || (*v)->empty()) return Missing(name);
  return std::move(**v);
}

absl::StatusOr<std::optional<int64_t>> RequestParams::OptionalInt64(std::string_view name) const {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  if (v->is_string()) {
    int64_t out;
    if (absl::SimpleAtoi(v->get<std::string>(), &out)) return out;
  }
  return BadValue(name, *v, "a 64-bit integer");
}

absl::StatusOr<int64_t> RequestParams::RequiredInt64(std::string_view name) const {
  absl::StatusOr<std::optional<int64_t>> v = OptionalInt64(name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Missing(name);
  return **v;
}

absl::StatusOr<double> JsonToDouble(const nlohmann::json& v, std::string_view name) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    double out;
    if (absl::SimpleAtod(s, &out)) return out;
  }
  return BadValue(name, v, "a number");
}

absl::StatusOr<std::optional<double>> RequestParams::OptionalDouble(std::string_view name) const {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return std::nullopt;
  absl::StatusOr<double> d = JsonToDouble(*v, name);
  if (!d.ok()) return d.status();
  return *d;
}

absl::StatusOr<double> RequestParams::RequiredDouble(std::string_view name) const {
  absl::StatusOr<std::optional<double>> v = OptionalDouble(name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Missing(name);
  return **v;
}

absl::StatusOr<std::optional<bool>> RequestParams::OptionalBool(std::string_view name) const {
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s == "true" || s == "True") return true;
    if (s == "false" || s == "False") return false;
  }
  return BadValue(name, *v, "a boolean");
}

absl::StatusOr<std::vector<std::string>> RequestParams::StringList(std::string_view name) const {
  std::vector<std::string> out;
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return out;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) return BadValue(name, *v, "a list of strings");
  for (const nlohmann::json& e : *v) {
    if (!e.is_string()) return BadValue(name, e, "a string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

absl::StatusOr<std::vector<RequestParams>> RequestParams::ObjectList(std::string_view name) const {
  std::vector<RequestParams> out;
  const nlohmann::json* v = Find(name);
  if (v == nullptr) return out;
  if (!v->is_array()) return BadValue(name, *v, "a list of objects");
  out.reserve(v->size());
  for (const nlohmann::json& e : *v) {
    if (!e.is_object()) return BadValue(name, e, "an object");
    out.push_back(RequestParams(*this, e));
  }
  return out;
}

nlohmann::json DoubleToJson(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

}  // namespace strata::api
