#include "strata/features/internal/yaml_object.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"

namespace strata::features::internal {

void Problems::Add(const DefinedAt& at, std::string_view object, std::string_view field,
                   std::string_view problem) {
  std::string line = at.line > 0 ? absl::StrCat(at.file, ":", at.line, ": ")
                                 : absl::StrCat(at.file, ": ");
  if (!object.empty()) absl::StrAppend(&line, AsAbsl(object), ": ");
  if (!field.empty()) absl::StrAppend(&line, "field '", AsAbsl(field), "': ");
  absl::StrAppend(&line, AsAbsl(problem));
  lines_.push_back(std::move(line));
}

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const int line = node.Mark().line;
  return line >= 0 ? line + 1 : 0;
}

std::string ObjectLabel(std::string_view kind, std::string_view name) {
  return absl::StrCat(AsAbsl(kind), " '", AsAbsl(name), "'");
}

YamlObject::YamlObject(const YAML::Node& node, std::string kind, int index,
                       const std::string& file, std::initializer_list<std::string_view> known,
                       Problems* problems)
    : node_(node), kind_(std::move(kind)), file_(file), problems_(problems) {
  at_ = {file_, LineOf(node)};
  label_ = absl::StrCat(kind_, " #", index + 1);
  if (!node.IsMap()) {
    problems_->Add(at_, label_, "", "expected a mapping of fields");
    return;
  }
  is_map_ = true;
  const YAML::Node name = node["name"];
  if (name.IsDefined() && name.IsScalar() && !name.Scalar().empty()) {
    name_ = name.Scalar();
    label_ = ObjectLabel(kind_, name_);
  }
  std::set<std::string> seen;
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    const DefinedAt key_at = {file_, LineOf(entry.first)};
    if (!seen.insert(key).second) {
      problems_->Add(key_at, label_, key, "given twice");
      continue;
    }
    bool is_known = false;
    for (std::string_view k : known) is_known = is_known || k == key;
    if (!is_known) {
      std::vector<std::string> names(known.begin(), known.end());
      problems_->Add(key_at, label_, key,
                     absl::StrCat("unknown field (known: ", absl::StrJoin(names, ", "), ")"));
    }
  }
}

DefinedAt YamlObject::AtField(std::string_view key) const {
  const YAML::Node value = Get(key);
  const int line = LineOf(value);
  return {file_, line > 0 ? line : at_.line};
}

bool YamlObject::Has(std::string_view key) const { return Get(key).IsDefined(); }

YAML::Node YamlObject::Get(std::string_view key) const {
  if (!is_map_) return YAML::Node(YAML::NodeType::Undefined);
  // yaml-cpp's operator[] on a const node does not insert.
  const YAML::Node& node = node_;
  return node[std::string(key)];
}

void YamlObject::Fail(std::string_view key, std::string_view problem) {
  problems_->Add(AtField(key), label_, key, problem);
}

void YamlObject::FailAt(const DefinedAt& at, std::string_view key, std::string_view problem) {
  problems_->Add(at, label_, key, problem);
}

std::string YamlObject::String(std::string_view key, bool required) {
  const YAML::Node value = Get(key);
  if (!value.IsDefined() || value.IsNull()) {
    if (required) Fail(key, "missing");
    return "";
  }
  if (!value.IsScalar()) {
    Fail(key, "expected a string");
    return "";
  }
  return value.Scalar();
}

bool YamlObject::Bool(std::string_view key, bool fallback) {
  const YAML::Node value = Get(key);
  if (!value.IsDefined() || value.IsNull()) return fallback;
  if (value.IsScalar()) {
    const std::string& s = value.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
  }
  Fail(key, "expected true or false");
  return fallback;
}

std::vector<std::string> YamlObject::StringList(std::string_view key, bool required) {
  std::vector<std::string> out;
  const YAML::Node value = Get(key);
  if (!value.IsDefined() || value.IsNull()) {
    if (required) Fail(key, "missing");
    return out;
  }
  if (!value.IsSequence()) {
    Fail(key, "expected a list of strings");
    return out;
  }
  for (const auto& item : value) {
    if (!item.IsScalar()) {
      FailAt({file_, LineOf(item)}, key, "expected a list of strings");
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::map<std::string, std::string> YamlObject::StringMap(std::string_view key) {
  std::map<std::string, std::string> out;
  const YAML::Node value = Get(key);
  if (!value.IsDefined() || value.IsNull()) return out;
  if (!value.IsMap()) {
    Fail(key, "expected a mapping of strings to strings");
    return out;
  }
  for (const auto& entry : value) {
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
      FailAt({file_, LineOf(entry.first)}, key, "expected a mapping of strings to strings");
      continue;
    }
    if (!out.emplace(entry.first.Scalar(), entry.second.Scalar()).second) {
      FailAt({file_, LineOf(entry.first)}, key,
             absl::StrCat("key '", entry.first.Scalar(), "' given twice"));
    }
  }
  return out;
}

}  // namespace strata::features::internal
