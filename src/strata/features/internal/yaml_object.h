// Reading one YAML mapping of a feature repository with every problem recorded as
// "FILE:LINE: KIND 'NAME': field 'FIELD': PROBLEM" (unknown and duplicate keys included), so
// the loader can report all problems of a repository at once.
#ifndef STRATA_FEATURES_INTERNAL_YAML_OBJECT_H_
#define STRATA_FEATURES_INTERNAL_YAML_OBJECT_H_

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/features/definitions.h"
#include "yaml-cpp/yaml.h"

namespace strata::features::internal {

// The problems found so far, in the order found.
class Problems {
 public:
  void Add(const DefinedAt& at, std::string_view object, std::string_view field,
           std::string_view problem);
  bool empty() const { return lines_.empty(); }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
};

// 1-based line of `node` (0 when unknown).
int LineOf(const YAML::Node& node);

// "kind 'name'" (or "kind #N" when the object has no name).
std::string ObjectLabel(std::string_view kind, std::string_view name);

class YamlObject {
 public:
  // `node` should be a mapping; `known` are its allowed keys. `kind` is "entity", "source",
  // ...; `index` (0-based) labels objects without a name.
  YamlObject(const YAML::Node& node, std::string kind, int index, const std::string& file,
             std::initializer_list<std::string_view> known, Problems* problems);

  bool is_map() const { return is_map_; }
  const std::string& name() const { return name_; }
  const std::string& label() const { return label_; }
  DefinedAt at() const { return at_; }
  DefinedAt AtField(std::string_view key) const;

  bool Has(std::string_view key) const;
  YAML::Node Get(std::string_view key) const;  // a null node when absent

  // Scalars as text; `required` missing -> a problem. Non-scalar -> a problem.
  std::string String(std::string_view key, bool required = false);
  bool Bool(std::string_view key, bool fallback);
  std::vector<std::string> StringList(std::string_view key, bool required = false);
  std::map<std::string, std::string> StringMap(std::string_view key);

  void Fail(std::string_view key, std::string_view problem);
  void FailAt(const DefinedAt& at, std::string_view key, std::string_view problem);

 private:
  YAML::Node node_;
  std::string kind_;
  std::string file_;
  Problems* problems_;
  bool is_map_ = false;
  std::string name_;
  std::string label_;
  DefinedAt at_;
};

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_YAML_OBJECT_H_
