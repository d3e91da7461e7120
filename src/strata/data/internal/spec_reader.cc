#include "strata/data/internal/spec_reader.h"

#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"
#include "yaml-cpp/yaml.h"

namespace strata::data::internal {
namespace {

std::string_view TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

bool IsFiniteNumber(const Json& j) {
  return j.is_number() && std::isfinite(j.get<double>());
}

}  // namespace

SpecReader::SpecReader(const Json& object, std::string where)
    : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(where_, ": expected an object, got ", AsAbsl(TypeName(object_))));
  }
}

bool SpecReader::Has(std::string_view key) const {
  return object_.is_object() && object_.find(key) != object_.end();
}

void SpecReader::Fail(std::string_view key, std::string_view problem) {
  if (!status_.ok()) return;
  status_ = absl::InvalidArgumentError(
      absl::StrCat(where_, ": field '", AsAbsl(key), "': ", AsAbsl(problem)));
}

const Json* SpecReader::Take(std::string_view key, bool required) {
  read_.emplace(key);
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end()) {
    if (required) Fail(key, "missing");
    return nullptr;
  }
  return &*it;
}

const Json* SpecReader::Raw(std::string_view key, bool optional) { return Take(key, !optional); }

std::string SpecReader::String(std::string_view key, std::optional<std::string> fallback,
                               std::initializer_list<std::string_view> allowed) {
  const Json* j = Take(key, !fallback.has_value());
  if (j == nullptr) return fallback.value_or("");
  if (!j->is_string()) {
    Fail(key, absl::StrCat("expected a string, got ", AsAbsl(TypeName(*j))));
    return fallback.value_or("");
  }
  std::string value = j->get<std::string>();
  if (allowed.size() > 0) {
    for (std::string_view a : allowed) {
      if (a == value) return value;
    }
    std::vector<std::string> names(allowed.begin(), allowed.end());
    Fail(key, absl::StrCat("'", value, "' is not one of ", absl::StrJoin(names, ", ")));
    return fallback.value_or("");
  }
  return value;
}

bool SpecReader::Bool(std::string_view key, std::optional<bool> fallback) {
  const Json* j = Take(key, !fallback.has_value());
  if (j == nullptr) return fallback.value_or(false);
  if (!j->is_boolean()) {
    Fail(key, absl::StrCat("expected a boolean, got ", AsAbsl(TypeName(*j))));
    return fallback.value_or(false);
  }
  return j->get<bool>();
}

double SpecReader::Number(std::string_view key, std::optional<double> fallback) {
  const Json* j = Take(key, !fallback.has_value());
  if (j == nullptr) return fallback.value_or(0.0);
  if (!IsFiniteNumber(*j)) {
    Fail(key, absl::StrCat("expected a finite number, got ", AsAbsl(TypeName(*j))));
    return fallback.value_or(0.0);
  }
  return j->get<double>();
}

int64_t SpecReader::Int(std::string_view key, std::optional<int64_t> fallback, int64_t min) {
  const Json* j = Take(key, !fallback.has_value());
  if (j == nullptr) return fallback.value_or(min);
  if (!j->is_number_integer()) {
    Fail(key, absl::StrCat("expected an integer, got ", AsAbsl(TypeName(*j))));
    return fallback.value_or(min);
  }
  if (j->is_number_unsigned() && j->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    Fail(key, "integer out of range");
    return fallback.value_or(min);
  }
  const int64_t v = j->get<int64_t>();
  if (v < min) {
    Fail(key, absl::StrCat("must be at least ", min, ", got ", v));
    return fallback.value_or(min);
  }
  return v;
}

std::vector<std::string> SpecReader::Strings(std::string_view key) {
  std::vector<std::string> out;
  const Json* j = Take(key, true);
  if (j == nullptr) return out;
  if (!j->is_array()) {
    Fail(key, absl::StrCat("expected an array of strings, got ", AsAbsl(TypeName(*j))));
    return out;
  }
  for (size_t i = 0; i < j->size(); ++i) {
    if (!(*j)[i].is_string()) {
      Fail(key, absl::StrCat("entry ", i, ": expected a string, got ",
                             AsAbsl(TypeName((*j)[i]))));
      return {};
    }
    out.push_back((*j)[i].get<std::string>());
  }
  return out;
}

std::vector<double> SpecReader::Numbers(std::string_view key) {
  std::vector<double> out;
  const Json* j = Take(key, true);
  if (j == nullptr) return out;
  if (!j->is_array()) {
    Fail(key, absl::StrCat("expected an array of numbers, got ", AsAbsl(TypeName(*j))));
    return out;
  }
  for (size_t i = 0; i < j->size(); ++i) {
    if (!IsFiniteNumber((*j)[i])) {
      Fail(key, absl::StrCat("entry ", i, ": expected a finite number, got ",
                             AsAbsl(TypeName((*j)[i]))));
      return {};
    }
    out.push_back((*j)[i].get<double>());
  }
  return out;
}

absl::Status SpecReader::Finish() {
  if (!status_.ok()) return status_;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (read_.find(it.key()) == read_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where_, ": unknown field '", it.key(), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Json> ParseJsonText(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(AsAbsl(what), ": invalid JSON at byte ", e.byte, ": ", e.what()));
  } catch (const Json::exception& e) {  // e.g. a number literal that overflows a double
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": invalid JSON: ", e.what()));
  }
}

namespace {

Json YamlScalar(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() != "?") return s;  // quoted, or explicitly tagged: keep the text
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
  int64_t i = 0;
  if (absl::SimpleAtoi(s, &i)) return i;
  const char c = s[0];
  const bool looks_numeric = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
  double d = 0;
  if (looks_numeric && absl::SimpleAtod(s, &d) && std::isfinite(d)) return d;
  return s;
}

absl::StatusOr<Json> YamlToJson(const YAML::Node& node, int depth) {
  if (depth > 64) return absl::InvalidArgumentError("YAML nested deeper than 64 levels");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return Json(nullptr);
    case YAML::NodeType::Scalar:
      return YamlScalar(node);
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<Json> j = YamlToJson(item, depth + 1);
        if (!j.ok()) return j.status();
        out.push_back(*std::move(j));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat("YAML line ", kv.first.Mark().line + 1, ": keys must be scalars"));
        }
        absl::StatusOr<Json> j = YamlToJson(kv.second, depth + 1);
        if (!j.ok()) return j.status();
        out[kv.first.Scalar()] = *std::move(j);
      }
      return out;
    }
  }
  return Json(nullptr);
}

}  // namespace

absl::StatusOr<Json> ParseYamlText(std::string_view text, std::string_view what) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    absl::StatusOr<Json> j = YamlToJson(root, 0);
    if (!j.ok()) return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": ", j.status().message()));
    return j;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), ": invalid YAML at line ",
                                                   e.mark.line + 1, ": ", e.msg));
  }
}

}  // namespace strata::data::internal
