// JSON encodings of manifests and diffs, and the MLflow dataset-input shape of a version.
#include <string>

#include "absl/strings/str_cat.h"
#include "strata/data/datasets.h"

namespace strata::data {
namespace {

using nlohmann::json;

// A stored JSON column, parsed; a value that does not parse is returned as a string so a
// damaged row still shows (the CLI and HTTP never fail on display).
json StoredJson(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return text;
  return parsed;
}

json Change(std::optional<double> relative) {
  if (!relative) return nullptr;
  return *relative;
}

// MLflow's column types (mlflow.types.DataType names).
std::string MlflowType(const std::string& strata_type) {
  if (strata_type == "bool") return "boolean";
  if (strata_type == "int64") return "long";
  if (strata_type == "float64") return "double";
  if (strata_type == "timestamp") return "datetime";
  return "string";  // string, category
}

}  // namespace

json ManifestToJson(const DatasetVersion& v) {
  json tags = json::object();
  for (const DatasetTag& t : v.tags) tags[t.key] = t.value;
  json git = nullptr;
  if (v.git) {
    git = {{"commit", v.git->commit.empty() ? json(nullptr) : json(v.git->commit)},
           {"dirty", v.git->dirty},
           {"repo_path", v.git->repo_path}};
  }
  return {{"name", v.name},
          {"version", v.version},
          {"sha256", v.sha256},
          {"size_bytes", v.size_bytes},
          {"source_path", v.source_path},
          {"format", v.file_format},
          {"schema", StoredJson(v.schema_json)},
          {"row_count", v.row_count},
          {"profile", StoredJson(v.profile_json)},
          {"git", std::move(git)},
          {"created_by", v.created_by},
          {"created_at", v.created_at_ms},
          {"description", v.description},
          {"tags", std::move(tags)},
          {"artifact_path", v.artifact_path}};
}

json DiffToJson(const DatasetDiff& d) {
  auto changes = [](const std::vector<ColumnChange>& list) {
    json out = json::array();
    for (const ColumnChange& c : list) {
      json item = {{"name", c.name}};
      if (!c.from_type.empty()) item["from_type"] = c.from_type;
      if (!c.to_type.empty()) item["to_type"] = c.to_type;
      out.push_back(std::move(item));
    }
    return out;
  };
  json shifts = json::array();
  for (const StatShift& s : d.stat_shifts) {
    shifts.push_back({{"column", s.column},
                      {"statistic", s.statistic},
                      {"from", s.from},
                      {"to", s.to},
                      {"relative_change", Change(s.relative_change)}});
  }
  return {{"from", d.from},
          {"to", d.to},
          {"same_content", d.same_content},
          {"schema",
           {{"added", changes(d.added_columns)},
            {"removed", changes(d.removed_columns)},
            {"type_changed", changes(d.type_changes)}}},
          {"rows",
           {{"from", d.rows_from},
            {"to", d.rows_to},
            {"change", d.rows_to - d.rows_from},
            {"relative_change", Change(d.rows_relative_change)}}},
          {"statistics", std::move(shifts)}};
}

tracking::DatasetInput ToMlflowDatasetInput(const DatasetVersion& v, std::string_view context) {
  json colspec = json::array();
  json schema = StoredJson(v.schema_json);
  json profile = StoredJson(v.profile_json);
  // Columns without nulls are "required", as MLflow infers them from a DataFrame.
  auto null_count = [&](const std::string& column) -> int64_t {
    if (!profile.is_object() || !profile.contains("columns")) return 0;
    for (const json& c : profile["columns"]) {
      if (c.is_object() && c.value("name", "") == column) {
        const auto it = c.find("null_count");
        if (it != c.end() && it->is_number()) return it->get<int64_t>();
      }
    }
    return 0;
  };
  if (schema.is_array()) {
    for (const json& f : schema) {
      if (!f.is_object()) continue;
      const std::string name = f.value("name", "");
      colspec.push_back({{"type", MlflowType(f.value("type", ""))},
                         {"name", name},
                         {"required", null_count(name) == 0}});
    }
  }
  const int64_t columns = static_cast<int64_t>(colspec.size());
  tracking::DatasetInput in;
  in.dataset.name = v.name;
  in.dataset.digest = v.sha256.substr(0, 8);
  in.dataset.source_type = "strata";
  in.dataset.source =
      json{{"uri", absl::StrCat("strata:/datasets/", v.name, "/versions/", v.version)},
           {"dataset", v.name},
           {"version", v.version},
           {"sha256", v.sha256}}
          .dump();
  in.dataset.schema = json{{"mlflow_colspec", std::move(colspec)}}.dump();
  in.dataset.profile =
      json{{"num_rows", v.row_count}, {"num_elements", v.row_count * columns}}.dump();
  if (!context.empty()) {
    in.tags.push_back({"mlflow.data.context", std::string(context)});
  }
  return in;
}

}  // namespace strata::data
