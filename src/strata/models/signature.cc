// Signature and column types: YAML (what users write) and JSON (what the manifest stores).
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/models/model_package.h"
#include "yaml-cpp/yaml.h"

namespace strata::models {
namespace {

// One entry as plain fields, so YAML and JSON share the validation below.
struct RawColumn {
  std::string name;
  std::string type;
  bool nullable = false;
};

absl::StatusOr<std::vector<ColumnSpec>> ValidateColumns(std::string_view section,
                                                        const std::vector<RawColumn>& raw) {
  std::vector<ColumnSpec> columns;
  std::set<std::string> seen;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string where = absl::StrCat(AsAbsl(section), "[", i, "]");
    if (raw[i].name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": 'name' is missing or empty"));
    }
    if (!seen.insert(raw[i].name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate column name '", raw[i].name, "'"));
    }
    absl::StatusOr<ValueType> type = ParseValueType(raw[i].type);
    if (!type.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " ('", raw[i].name,
                                                     "'): ", type.status().message()));
    }
    columns.push_back({raw[i].name, *type, raw[i].nullable});
  }
  return columns;
}

absl::StatusOr<std::vector<RawColumn>> YamlColumns(const YAML::Node& node,
                                                   std::string_view section) {
  std::vector<RawColumn> raw;
  if (!node) return raw;
  if (!node.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(section), "' must be a list"));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node entry = node[i];
    const std::string where = absl::StrCat(AsAbsl(section), "[", i, "]");
    if (!entry.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected a map like {name: age, type: float64}"));
    }
    RawColumn column;
    for (const auto& field : entry) {
      const std::string key = field.first.as<std::string>();
      if (key == "name") {
        column.name = field.second.as<std::string>();
      } else if (key == "type") {
        column.type = field.second.as<std::string>();
      } else if (key == "nullable") {
        column.nullable = field.second.as<bool>();
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": unknown field '", key, "' (expected name, type, nullable)"));
      }
    }
    raw.push_back(std::move(column));
  }
  return raw;
}

absl::StatusOr<std::vector<RawColumn>> JsonColumns(const nlohmann::json& node,
                                                   std::string_view section) {
  std::vector<RawColumn> raw;
  if (node.is_null()) return raw;
  if (!node.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(section), "' must be an array"));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const nlohmann::json& entry = node[i];
    const std::string where = absl::StrCat(AsAbsl(section), "[", i, "]");
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("type") || !entry["type"].is_string() ||
        (entry.contains("nullable") && !entry["nullable"].is_boolean())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": expected {\"name\": string, \"type\": string, \"nullable\": bool}"));
    }
    raw.push_back({entry["name"].get<std::string>(), entry["type"].get<std::string>(),
                   entry.value("nullable", false)});
  }
  return raw;
}

nlohmann::json ColumnsJson(const std::vector<ColumnSpec>& columns) {
  nlohmann::json out = nlohmann::json::array();
  for (const ColumnSpec& c : columns) {
    out.push_back({{"name", c.name}, {"type", ValueTypeName(c.type)}, {"nullable", c.nullable}});
  }
  return out;
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kFloat64:
      return "float64";
    case ValueType::kFloat32:
      return "float32";
    case ValueType::kInt64:
      return "int64";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
  }
  return "float64";
}

table::DataType ColumnTypeOf(ValueType type) {
  switch (type) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      return table::DataType::kFloat64;
    case ValueType::kInt64:
      return table::DataType::kInt64;
    case ValueType::kBool:
      return table::DataType::kBool;
    case ValueType::kString:
      return table::DataType::kString;
  }
  return table::DataType::kFloat64;
}

absl::StatusOr<ValueType> ParseValueType(std::string_view name) {
  if (name == "float64" || name == "double") return ValueType::kFloat64;
  if (name == "float32" || name == "float") return ValueType::kFloat32;
  if (name == "int64" || name == "long") return ValueType::kInt64;
  if (name == "bool" || name == "boolean") return ValueType::kBool;
  if (name == "string") return ValueType::kString;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown type '", AsAbsl(name),
                   "' (expected float64, float32, int64, bool or string)"));
}

absl::StatusOr<Signature> Signature::FromYaml(std::string_view text) {
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError("signature: expected a map with 'inputs' (and 'outputs')");
    }
    for (const auto& field : root) {
      const std::string key = field.first.as<std::string>();
      if (key != "inputs" && key != "outputs") {
        return absl::InvalidArgumentError(
            absl::StrCat("signature: unknown section '", key, "' (expected inputs, outputs)"));
      }
    }
    if (!root["inputs"]) return absl::InvalidArgumentError("signature: 'inputs' is missing");
    Signature signature;
    ASSIGN_OR_RETURN(std::vector<RawColumn> inputs, YamlColumns(root["inputs"], "inputs"));
    ASSIGN_OR_RETURN(std::vector<RawColumn> outputs, YamlColumns(root["outputs"], "outputs"));
    ASSIGN_OR_RETURN(signature.inputs, ValidateColumns("inputs", inputs));
    ASSIGN_OR_RETURN(signature.outputs, ValidateColumns("outputs", outputs));
    if (signature.inputs.empty()) {
      return absl::InvalidArgumentError("signature: 'inputs' is empty");
    }
    return signature;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("signature: ", e.what()));
  }
}

absl::StatusOr<Signature> Signature::FromJson(std::string_view text) {
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError("signature: not a JSON object");
  }
  Signature signature;
  ASSIGN_OR_RETURN(std::vector<RawColumn> inputs,
                   JsonColumns(root.value("inputs", nlohmann::json()), "inputs"));
  ASSIGN_OR_RETURN(std::vector<RawColumn> outputs,
                   JsonColumns(root.value("outputs", nlohmann::json()), "outputs"));
  ASSIGN_OR_RETURN(signature.inputs, ValidateColumns("inputs", inputs));
  ASSIGN_OR_RETURN(signature.outputs, ValidateColumns("outputs", outputs));
  if (signature.inputs.empty()) return absl::InvalidArgumentError("signature: 'inputs' is empty");
  return signature;
}

std::string Signature::ToJson() const {
  return nlohmann::json{{"inputs", ColumnsJson(inputs)}, {"outputs", ColumnsJson(outputs)}}.dump();
}

}  // namespace strata::models
