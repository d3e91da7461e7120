// Diff of two dataset versions from their manifests alone (no bytes are read).
#include <cmath>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "strata/data/datasets.h"

namespace strata::data {
namespace {

using nlohmann::json;

struct ParsedVersion {
  std::vector<std::pair<std::string, std::string>> fields;  // (name, type) in column order
  std::map<std::string, json> column_stats;                 // by column name
  std::optional<double> profile_rows;
};

std::string Label(const DatasetVersion& v) { return absl::StrCat(v.name, "@", v.version); }

absl::StatusOr<ParsedVersion> Parse(const DatasetVersion& v) {
  ParsedVersion out;
  json schema = json::parse(v.schema_json, nullptr, false);
  if (schema.is_discarded() || !schema.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset ", Label(v), ": stored schema is not a JSON array"));
  }
  for (const json& f : schema) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("dataset ", Label(v), ": stored schema has a field without a name"));
    }
    out.fields.emplace_back(f["name"].get<std::string>(),
                            f.contains("type") && f["type"].is_string()
                                ? f["type"].get<std::string>()
                                : std::string());
  }
  // A profile is optional information: one that is missing or of another shape gives no
  // statistics rather than an error.
  json profile = json::parse(v.profile_json, nullptr, false);
  if (!profile.is_discarded() && profile.is_object()) {
    auto rows = profile.find("rows");
    if (rows != profile.end() && rows->is_number()) out.profile_rows = rows->get<double>();
    auto columns = profile.find("columns");
    if (columns != profile.end() && columns->is_array()) {
      for (const json& c : *columns) {
        if (c.is_object() && c.contains("name") && c["name"].is_string()) {
          out.column_stats[c["name"].get<std::string>()] = c;
        }
      }
    }
  }
  return out;
}

std::optional<double> Relative(double from, double to) {
  if (from == to) return 0.0;
  if (from == 0) return std::nullopt;
  return (to - from) / std::fabs(from);
}

std::optional<double> Number(const json& stats, const char* key) {
  auto it = stats.find(key);
  if (it == stats.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Null fraction from whichever counts the profile has: null_count over rows (profile "rows",
// else count + null_count, else the manifest's row count).
std::optional<double> NullFraction(const json& stats, std::optional<double> profile_rows,
                                   int64_t manifest_rows) {
  std::optional<double> nulls = Number(stats, "null_count");
  if (!nulls) return std::nullopt;
  double rows = profile_rows.value_or(static_cast<double>(manifest_rows));
  if (std::optional<double> count = Number(stats, "count"); count && !profile_rows) {
    rows = *count + *nulls;
  }
  return rows > 0 ? *nulls / rows : 0.0;
}

}  // namespace

absl::StatusOr<DatasetDiff> DiffVersions(const DatasetVersion& from, const DatasetVersion& to) {
  absl::StatusOr<ParsedVersion> a = Parse(from);
  if (!a.ok()) return a.status();
  absl::StatusOr<ParsedVersion> b = Parse(to);
  if (!b.ok()) return b.status();

  DatasetDiff d;
  d.from = Label(from);
  d.to = Label(to);
  d.same_content = from.sha256 == to.sha256;
  d.rows_from = from.row_count;
  d.rows_to = to.row_count;
  d.rows_relative_change =
      Relative(static_cast<double>(from.row_count), static_cast<double>(to.row_count));

  std::map<std::string, std::string> from_types(a->fields.begin(), a->fields.end());
  std::map<std::string, std::string> to_types(b->fields.begin(), b->fields.end());
  for (const auto& [name, type] : a->fields) {
    if (!to_types.contains(name)) d.removed_columns.push_back({name, type, ""});
  }
  for (const auto& field : b->fields) {
    // Named, not a structured binding: clang 14 cannot capture those in the lambda below.
    const std::string& name = field.first;
    const std::string& type = field.second;
    auto it = from_types.find(name);
    if (it == from_types.end()) {
      d.added_columns.push_back({name, "", type});
      continue;
    }
    if (it->second != type) d.type_changes.push_back({name, it->second, type});

    auto sa = a->column_stats.find(name);
    auto sb = b->column_stats.find(name);
    if (sa == a->column_stats.end() || sb == b->column_stats.end()) continue;
    auto add = [&](const char* statistic, std::optional<double> x, std::optional<double> y) {
      if (!x || !y) return;
      d.stat_shifts.push_back({name, statistic, *x, *y, Relative(*x, *y)});
    };
    add("null_fraction", NullFraction(sa->second, a->profile_rows, from.row_count),
        NullFraction(sb->second, b->profile_rows, to.row_count));
    for (const char* key : {"mean", "stddev", "min", "max", "distinct"}) {
      add(key, Number(sa->second, key), Number(sb->second, key));
    }
  }
  return d;
}

}  // namespace strata::data
