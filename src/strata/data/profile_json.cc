// TableProfile <-> JSON. The shape is read by other tools (dataset diffs): keep its keys.
#include <cmath>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/profile.h"
#include "strata/io/csv_reader.h"

namespace strata::data {
namespace {

using nlohmann::json;
using table::DataType;

std::string IsoMicros(double micros) {
  std::string text = io::FormatTimestampMicros(static_cast<int64_t>(std::llround(micros)));
  for (char& c : text) {
    if (c == ' ') c = 'T';
  }
  return text + "Z";
}

// A number, or null for NaN/inf (JSON has neither).
json Number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string Base64(const std::string& bytes) { return std::string(absl::Base64Escape(bytes)); }

json SketchesToJson(const ColumnSketches& s) {
  return {{"moments", Base64(s.moments.Serialize())},     {"kll", Base64(s.kll.Serialize())},
          {"hll", Base64(s.hll.Serialize())},             {"top_numbers", Base64(s.top_numbers.Serialize())},
          {"top_strings", Base64(s.top_strings.Serialize())}, {"lengths", Base64(s.lengths.Serialize())}};
}

json ColumnToJson(const ColumnProfile& p, bool include_sketches) {
  json c = {{"name", p.name},
            {"type", std::string(table::DataTypeName(p.type))},
            {"count", p.count},
            {"null_count", p.null_count},
            {"nan_count", p.nan_count},
            {"inf_count", p.inf_count},
            {"distinct", p.distinct}};
  const bool timestamp = p.type == DataType::kTimestamp;
  if (p.has_moments) {
    if (p.type == DataType::kBool) {
      c["mean"] = p.mean;
    } else if (timestamp) {
      c["min"] = IsoMicros(p.min);
      c["max"] = IsoMicros(p.max);
      c["min_micros"] = static_cast<int64_t>(p.min);
      c["max_micros"] = static_cast<int64_t>(p.max);
      c["mean"] = IsoMicros(p.mean);
      c["mean_micros"] = p.mean;
      if (std::isfinite(p.stddev)) c["stddev"] = p.stddev;  // microseconds
    } else {
      c["min"] = p.min;
      c["max"] = p.max;
      c["mean"] = p.mean;
      if (std::isfinite(p.stddev)) c["stddev"] = p.stddev;
    }
  }
  if (p.quantiles.size() == kProfileQuantiles.size()) {
    json q = json::object(), micros = json::object();
    for (size_t i = 0; i < kProfileQuantiles.size(); ++i) {
      if (timestamp) {
        q[kProfileQuantileKeys[i]] = IsoMicros(p.quantiles[i]);
        micros[kProfileQuantileKeys[i]] = p.quantiles[i];
      } else {
        q[kProfileQuantileKeys[i]] = Number(p.quantiles[i]);
      }
    }
    c["quantiles"] = std::move(q);
    if (timestamp) c["quantiles_micros"] = std::move(micros);
  }
  if (!p.top_values.empty() || p.count > 0) {
    json top = json::array();
    for (const TopValue& v : p.top_values) top.push_back({{"value", v.value}, {"count", v.count}});
    c["top_values"] = std::move(top);
  }
  if (p.histogram.bins() > 0) c["histogram"] = p.histogram.ToJson();
  if (p.has_lengths) {
    c["min_length"] = p.min_length;
    c["max_length"] = p.max_length;
    c["mean_length"] = p.mean_length;
  }
  if (p.type == DataType::kString || p.type == DataType::kCategory) {
    const double n = p.count > 0 ? static_cast<double>(p.count) : 1;
    c["looks"] = {{"numeric", static_cast<double>(p.looks_numeric) / n},
                  {"timestamp", static_cast<double>(p.looks_timestamp) / n},
                  {"bool", static_cast<double>(p.looks_bool) / n}};
  }
  if (include_sketches && p.sketches.has_value()) c["sketches"] = SketchesToJson(*p.sketches);
  return c;
}

// Readers that name the column and key in their errors.
class Reader {
 public:
  Reader(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  absl::Status Error(std::string_view key, std::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat("profile JSON: ", where_, ": '", std::string(key), "' ", std::string(problem)));
  }
  bool Has(const char* key) const { return object_.contains(key) && !object_[key].is_null(); }
  absl::Status Int(const char* key, int64_t* out, bool required = true) const {
    if (!Has(key)) return required ? Error(key, "is missing") : absl::OkStatus();
    if (!object_[key].is_number_integer() || object_[key].get<int64_t>() < 0) {
      return Error(key, "must be a non-negative integer");
    }
    *out = object_[key].get<int64_t>();
    return absl::OkStatus();
  }
  absl::Status Double(const char* key, double* out, bool required = true) const {
    if (!Has(key)) return required ? Error(key, "is missing") : absl::OkStatus();
    if (!object_[key].is_number()) return Error(key, "must be a number");
    *out = object_[key].get<double>();
    return absl::OkStatus();
  }
  const json& operator[](const char* key) const { return object_[key]; }

 private:
  const json& object_;
  std::string where_;
};

absl::StatusOr<std::string> Unbase64(const Reader& r, const json& sketches, const char* key) {
  if (!sketches.contains(key) || !sketches[key].is_string()) return r.Error(key, "sketch is missing");
  std::string bytes;
  if (!absl::Base64Unescape(AsAbsl(sketches[key].get_ref<const std::string&>()), &bytes)) {
    return r.Error(key, "sketch is not base64");
  }
  return bytes;
}

template <typename T>
absl::Status ReadSketch(const Reader& r, const json& sketches, const char* key, T* out) {
  absl::StatusOr<std::string> bytes = Unbase64(r, sketches, key);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<T> sketch = T::Deserialize(*bytes);
  if (!sketch.ok()) return r.Error(key, std::string(sketch.status().message()));
  *out = *std::move(sketch);
  return absl::OkStatus();
}

absl::StatusOr<DataType> TypeFromName(const Reader& r, const json& value) {
  if (value.is_string()) {
    for (DataType t : {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString,
                       DataType::kTimestamp, DataType::kCategory}) {
      if (table::DataTypeName(t) == value.get_ref<const std::string&>()) return t;
    }
  }
  return r.Error("type", "is not one of int64, float64, bool, string, timestamp, category");
}

absl::StatusOr<ColumnProfile> ColumnFromJson(const json& c, size_t index) {
  if (!c.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("profile JSON: columns[", index, "] is not an object"));
  }
  const std::string name = c.contains("name") && c["name"].is_string() ? c["name"].get<std::string>() : "";
  const Reader r(c, absl::StrCat("columns[", index, "] '", name, "'"));
  if (name.empty()) return r.Error("name", "must be a non-empty string");
  ColumnProfile p;
  p.name = name;
  absl::StatusOr<DataType> type = TypeFromName(r, c.value("type", json()));
  if (!type.ok()) return type.status();
  p.type = *type;
  const bool timestamp = p.type == DataType::kTimestamp;
  for (auto [key, field] : {std::pair<const char*, int64_t*>{"count", &p.count}, {"null_count", &p.null_count},
                            {"nan_count", &p.nan_count}, {"inf_count", &p.inf_count}}) {
    if (absl::Status s = r.Int(key, field, std::string_view(key) == "count" || std::string_view(key) == "null_count");
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = r.Double("distinct", &p.distinct, false); !s.ok()) return s;
  if (r.Has("mean")) {
    p.has_moments = true;
    if (timestamp) {
      int64_t lo = 0, hi = 0;
      if (absl::Status s = r.Int("min_micros", &lo); !s.ok()) return s;
      if (absl::Status s = r.Int("max_micros", &hi); !s.ok()) return s;
      p.min = static_cast<double>(lo);
      p.max = static_cast<double>(hi);
      if (absl::Status s = r.Double("mean_micros", &p.mean); !s.ok()) return s;
    } else {
      if (absl::Status s = r.Double("mean", &p.mean); !s.ok()) return s;
      if (p.type != DataType::kBool) {
        if (absl::Status s = r.Double("min", &p.min); !s.ok()) return s;
        if (absl::Status s = r.Double("max", &p.max); !s.ok()) return s;
      }
    }
    p.stddev = std::nan("");
    if (absl::Status s = r.Double("stddev", &p.stddev, false); !s.ok()) return s;
  }
  const char* quantile_key = timestamp ? "quantiles_micros" : "quantiles";
  if (r.Has(quantile_key)) {
    const json& q = r[quantile_key];
    if (!q.is_object()) return r.Error(quantile_key, "must be an object");
    for (const char* key : kProfileQuantileKeys) {
      if (!q.contains(key)) return r.Error(quantile_key, absl::StrCat("lacks ", key));
      p.quantiles.push_back(q[key].is_number() ? q[key].get<double>() : std::nan(""));
    }
  }
  if (r.Has("top_values")) {
    if (!r["top_values"].is_array()) return r.Error("top_values", "must be an array");
    for (const json& v : r["top_values"]) {
      if (!v.is_object() || !v.contains("value") || !v["value"].is_string() || !v.contains("count") ||
          !v["count"].is_number_integer()) {
        return r.Error("top_values", "entries must be {\"value\": string, \"count\": integer}");
      }
      p.top_values.push_back({v["value"].get<std::string>(), v["count"].get<int64_t>()});
    }
  }
  if (r.Has("histogram")) {
    absl::StatusOr<stats::Histogram> h = stats::Histogram::FromJson(r["histogram"]);
    if (!h.ok()) return r.Error("histogram", std::string(h.status().message()));
    p.histogram = *std::move(h);
  }
  if (r.Has("min_length")) {
    p.has_lengths = true;
    if (absl::Status s = r.Int("min_length", &p.min_length); !s.ok()) return s;
    if (absl::Status s = r.Int("max_length", &p.max_length); !s.ok()) return s;
    if (absl::Status s = r.Double("mean_length", &p.mean_length); !s.ok()) return s;
  }
  if (r.Has("looks")) {
    const json& looks = r["looks"];
    for (auto [key, field] : {std::pair<const char*, int64_t*>{"numeric", &p.looks_numeric},
                              {"timestamp", &p.looks_timestamp}, {"bool", &p.looks_bool}}) {
      if (!looks.is_object() || !looks.contains(key) || !looks[key].is_number()) {
        return r.Error("looks", absl::StrCat("lacks a number '", key, "'"));
      }
      *field = std::llround(looks[key].get<double>() * static_cast<double>(p.count));
    }
  }
  if (r.Has("sketches")) {
    const json& s = r["sketches"];
    if (!s.is_object()) return r.Error("sketches", "must be an object");
    ColumnSketches sk{.moments = {}, .kll = stats::KllSketch(), .hll = stats::HyperLogLog(),
                      .top_numbers = stats::FrequentItems<int64_t>(), .top_strings = stats::FrequentItems<std::string>(),
                      .lengths = {}};
    if (absl::Status st = ReadSketch(r, s, "moments", &sk.moments); !st.ok()) return st;
    if (absl::Status st = ReadSketch(r, s, "kll", &sk.kll); !st.ok()) return st;
    if (absl::Status st = ReadSketch(r, s, "hll", &sk.hll); !st.ok()) return st;
    if (absl::Status st = ReadSketch(r, s, "top_numbers", &sk.top_numbers); !st.ok()) return st;
    if (absl::Status st = ReadSketch(r, s, "top_strings", &sk.top_strings); !st.ok()) return st;
    if (absl::Status st = ReadSketch(r, s, "lengths", &sk.lengths); !st.ok()) return st;
    p.sketches = std::move(sk);
  }
  return p;
}

}  // namespace

json ProfileToJson(const TableProfile& profile) { return ProfileToJson(profile, false); }

json ProfileToJson(const TableProfile& profile, bool include_sketches) {
  json columns = json::array();
  for (const ColumnProfile& c : profile.columns) columns.push_back(ColumnToJson(c, include_sketches));
  json out = {{"rows", profile.rows}, {"columns", std::move(columns)}};
  if (profile.options.correlations) {
    json matrix = json::array();
    for (const std::vector<double>& row : profile.correlation_matrix) {
      json r = json::array();
      for (double v : row) r.push_back(Number(v));
      matrix.push_back(std::move(r));
    }
    out["correlations"] = {{"columns", profile.correlation_columns}, {"matrix", std::move(matrix)}};
  }
  out["options"] = {{"top_k", profile.options.top_k},
                    {"histogram_bins", profile.options.histogram_bins},
                    {"kll_k", profile.options.kll_k},
                    {"correlations", profile.options.correlations}};
  if (include_sketches && profile.correlation_sketch.has_value()) {
    out["correlation_sketch"] = Base64(profile.correlation_sketch->Serialize());
  }
  return out;
}

absl::StatusOr<TableProfile> ProfileFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("profile JSON: not an object");
  const Reader top(j, "top level");
  TableProfile profile;
  if (absl::Status s = top.Int("rows", &profile.rows); !s.ok()) return s;
  if (!j.contains("columns") || !j["columns"].is_array()) return top.Error("columns", "must be an array");
  for (size_t i = 0; i < j["columns"].size(); ++i) {
    absl::StatusOr<ColumnProfile> c = ColumnFromJson(j["columns"][i], i);
    if (!c.ok()) return c.status();
    profile.columns.push_back(*std::move(c));
  }
  if (top.Has("options")) {
    const json& o = j["options"];
    if (!o.is_object()) return top.Error("options", "must be an object");
    const Reader r(o, "options");
    int64_t v = 0;
    if (absl::Status s = r.Int("top_k", &v); !s.ok()) return s;
    profile.options.top_k = static_cast<int>(std::min<int64_t>(v, 1 << 20));
    if (absl::Status s = r.Int("histogram_bins", &v); !s.ok()) return s;
    profile.options.histogram_bins = static_cast<int>(std::clamp<int64_t>(v, 1, 100000));
    if (absl::Status s = r.Int("kll_k", &v); !s.ok()) return s;
    profile.options.kll_k = static_cast<int>(std::min<int64_t>(v, stats::KllSketch::kMaxK));
  }
  profile.options.correlations = top.Has("correlations");
  if (profile.options.correlations) {
    const json& c = j["correlations"];
    if (!c.is_object() || !c.contains("columns") || !c["columns"].is_array() || !c.contains("matrix") ||
        !c["matrix"].is_array() || c["matrix"].size() != c["columns"].size()) {
      return top.Error("correlations", "must hold 'columns' and a square 'matrix' of as many rows");
    }
    for (const json& name : c["columns"]) {
      if (!name.is_string()) return top.Error("correlations", "column names must be strings");
      profile.correlation_columns.push_back(name.get<std::string>());
    }
    for (const json& row : c["matrix"]) {
      if (!row.is_array() || row.size() != c["columns"].size()) return top.Error("correlations", "matrix is not square");
      std::vector<double> values;
      for (const json& v : row) values.push_back(v.is_number() ? v.get<double>() : std::nan(""));
      profile.correlation_matrix.push_back(std::move(values));
    }
  }
  if (top.Has("correlation_sketch")) {
    absl::StatusOr<std::string> bytes = Unbase64(top, j, "correlation_sketch");
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<stats::CorrelationMatrix> m = stats::CorrelationMatrix::Deserialize(*bytes);
    if (!m.ok()) return top.Error("correlation_sketch", std::string(m.status().message()));
    profile.correlation_sketch = *std::move(m);
  }
  return profile;
}

}  // namespace strata::data
