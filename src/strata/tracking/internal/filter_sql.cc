#include "strata/tracking/internal/filter_sql.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace strata::tracking::internal {
namespace {

// Column of a canonical run attribute (closed set; never user text).
const char* RunColumn(const std::string& attribute) {
  if (attribute == "run_id") return "r.run_uuid";
  if (attribute == "run_name") return "r.name";
  if (attribute == "status") return "r.status";
  if (attribute == "user_id") return "r.user_id";
  if (attribute == "artifact_uri") return "r.artifact_uri";
  if (attribute == "lifecycle_stage") return "r.lifecycle_stage";
  if (attribute == "end_time") return "r.end_time";
  return "r.start_time";
}

const char* ExperimentColumn(const std::string& attribute) {
  if (attribute == "name") return "e.name";
  if (attribute == "creation_time") return "e.creation_time";
  if (attribute == "last_update_time") return "e.last_update_time";
  return "e.experiment_id";
}

const char* CompareSql(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return " = ";
    case FilterOp::kNe:
      return " <> ";
    case FilterOp::kLt:
      return " < ";
    case FilterOp::kLe:
      return " <= ";
    case FilterOp::kGt:
      return " > ";
    case FilterOp::kGe:
      return " >= ";
    default:
      return " = ";
  }
}

// `<col> <op> ?` for a string-valued term (=, !=, LIKE, ILIKE, IN, NOT IN).
void StringCondition(const std::string& col, const FilterTerm& t, SqlPart& out) {
  switch (t.op) {
    case FilterOp::kLike:
      absl::StrAppend(&out.sql, col, " LIKE ?");
      out.params.emplace_back(t.text);
      return;
    case FilterOp::kILike:
      absl::StrAppend(&out.sql, "LOWER(", col, ") LIKE LOWER(?)");
      out.params.emplace_back(t.text);
      return;
    case FilterOp::kIn:
    case FilterOp::kNotIn:
      absl::StrAppend(&out.sql, col, t.op == FilterOp::kIn ? " IN (" : " NOT IN (",
                      Placeholders(t.list.size()), ")");
      for (const std::string& v : t.list) out.params.emplace_back(v);
      return;
    default:
      absl::StrAppend(&out.sql, col, CompareSql(t.op), "?");
      out.params.emplace_back(t.text);
      return;
  }
}

// `<col> <op> ?` for a numeric term on an integer column: integral values bind as integers so
// PostgreSQL compares BIGINT with BIGINT; fractional ones are cast explicitly.
void IntColumnCondition(const std::string& col, const FilterTerm& t, SqlPart& out) {
  double v = t.number;
  if (v == std::trunc(v) && std::fabs(v) < 9.0e18) {
    absl::StrAppend(&out.sql, col, CompareSql(t.op), "?");
    out.params.emplace_back(static_cast<int64_t>(v));
  } else {
    absl::StrAppend(&out.sql, col, CompareSql(t.op), "CAST(? AS DOUBLE PRECISION)");
    out.params.emplace_back(v);
  }
}

void KeyValueExists(const char* table, const FilterTerm& t, SqlPart& out) {
  bool negate = t.op == FilterOp::kIsNull;
  absl::StrAppend(&out.sql,
                  negate ? " AND NOT EXISTS (SELECT 1 FROM " : " AND EXISTS (SELECT 1 FROM ", table,
                  " x WHERE x.run_uuid = r.run_uuid AND x.key = ?");
  out.params.emplace_back(t.key);
  if (t.op != FilterOp::kIsNull && t.op != FilterOp::kIsNotNull) {
    out.sql += " AND ";
    StringCondition("x.value", t, out);
  }
  out.sql += ")";
}

}  // namespace

void SqlPart::Append(const SqlPart& other) {
  sql += other.sql;
  params.insert(params.end(), other.params.begin(), other.params.end());
}

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

SqlPart RunFilterSql(const std::vector<FilterTerm>& terms) {
  SqlPart out;
  for (const FilterTerm& t : terms) {
    switch (t.entity) {
      case FilterEntity::kMetric:
        out.sql +=
            " AND EXISTS (SELECT 1 FROM latest_metrics x WHERE x.run_uuid = r.run_uuid AND "
            "x.key = ? AND x.is_nan = 0 AND x.value";
        absl::StrAppend(&out.sql, CompareSql(t.op), "?)");
        out.params.emplace_back(t.key);
        out.params.emplace_back(t.number);
        break;
      case FilterEntity::kParam:
        KeyValueExists("params", t, out);
        break;
      case FilterEntity::kTag:
        KeyValueExists("tags", t, out);
        break;
      case FilterEntity::kAttribute: {
        std::string col = RunColumn(t.key);
        out.sql += " AND ";
        if (t.key == "start_time" || t.key == "end_time") {
          IntColumnCondition(col, t, out);
        } else {
          StringCondition(col, t, out);
        }
        break;
      }
      case FilterEntity::kDataset:
        if (t.key == "context") {
          out.sql +=
              " AND EXISTS (SELECT 1 FROM inputs i JOIN input_tags it ON it.input_id = "
              "i.input_id WHERE i.run_uuid = r.run_uuid AND it.name = ? AND ";
          out.params.emplace_back(std::string("mlflow.data.context"));
          StringCondition("it.value", t, out);
        } else {
          out.sql +=
              " AND EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = "
              "i.dataset_uuid WHERE i.run_uuid = r.run_uuid AND ";
          StringCondition(t.key == "name" ? "d.name" : "d.digest", t, out);
        }
        out.sql += ")";
        break;
      case FilterEntity::kUnknown:
        break;
    }
  }
  return out;
}

std::vector<IndexedTerm> IndexedEqualityTerms(const std::vector<FilterTerm>& terms) {
  std::vector<IndexedTerm> out;
  for (const FilterTerm& t : terms) {
    if (t.op != FilterOp::kEq || t.value_kind != FilterValueKind::kString) continue;
    if (t.entity == FilterEntity::kParam) out.push_back({"params", &t});
    if (t.entity == FilterEntity::kTag) out.push_back({"tags", &t});
  }
  return out;
}

SqlPart IndexedTermCountSql(const IndexedTerm& t, int64_t limit) {
  SqlPart out;
  out.sql = absl::StrCat("SELECT COUNT(*) FROM (SELECT 1 FROM ", t.table,
                         " WHERE key = ? AND value = ? LIMIT ?) matches");
  out.params = {t.term->key, t.term->text, limit};
  return out;
}

SqlPart DrivenRunsFromSql(const IndexedTerm& t) {
  SqlPart out;
  out.sql = absl::StrCat(" FROM (SELECT run_uuid FROM ", t.table,
                         " WHERE key = ? AND value = ?) d CROSS JOIN runs r");
  out.params = {t.term->key, t.term->text};
  return out;
}

SqlPart ExperimentFilterSql(const std::vector<FilterTerm>& terms) {
  SqlPart out;
  for (const FilterTerm& t : terms) {
    if (t.entity == FilterEntity::kTag) {
      out.sql +=
          " AND EXISTS (SELECT 1 FROM experiment_tags x WHERE x.experiment_id = "
          "e.experiment_id AND x.key = ? AND ";
      out.params.emplace_back(t.key);
      StringCondition("x.value", t, out);
      out.sql += ")";
      continue;
    }
    out.sql += " AND ";
    if (t.key == "name") {
      StringCondition("e.name", t, out);
    } else {
      IntColumnCondition(ExperimentColumn(t.key), t, out);
    }
  }
  return out;
}

RunOrderSql RunOrderBySql(const std::vector<OrderByTerm>& terms) {
  RunOrderSql out;
  bool has_start = false;
  bool has_id = false;
  int n = 0;
  for (const OrderByTerm& t : terms) {
    const char* dir = t.ascending ? " ASC" : " DESC";
    if (!out.order.empty()) out.order += ", ";
    if (t.entity == FilterEntity::kAttribute) {
      std::string col = RunColumn(t.key);
      if (t.key == "start_time") has_start = true;
      if (t.key == "run_id") has_id = true;
      if (t.key == "end_time")
        absl::StrAppend(&out.order, "CASE WHEN ", col, " IS NULL THEN 1 ELSE 0 END, ");
      absl::StrAppend(&out.order, col, dir);
      continue;
    }
    std::string alias = absl::StrCat("o", n++);
    const char* table = t.entity == FilterEntity::kMetric  ? "latest_metrics"
                        : t.entity == FilterEntity::kParam ? "params"
                                                           : "tags";
    absl::StrAppend(&out.joins.sql, " LEFT JOIN ", table, " ", alias, " ON ", alias,
                    ".run_uuid = r.run_uuid AND ", alias, ".key = ?");
    out.joins.params.emplace_back(t.key);
    if (t.entity == FilterEntity::kMetric) {
      // Numbers first, then NaN, then runs without the metric.
      absl::StrAppend(&out.order, "CASE WHEN ", alias, ".run_uuid IS NULL THEN 2 WHEN ", alias,
                      ".is_nan = 1 THEN 1 ELSE 0 END, ", alias, ".value", dir);
    } else {
      absl::StrAppend(&out.order, "CASE WHEN ", alias, ".run_uuid IS NULL THEN 1 ELSE 0 END, ",
                      alias, ".value", dir);
    }
  }
  if (!has_start) absl::StrAppend(&out.order, out.order.empty() ? "" : ", ", "r.start_time DESC");
  if (!has_id) absl::StrAppend(&out.order, ", r.run_uuid ASC");
  return out;
}

std::string ExperimentOrderBySql(const std::vector<OrderByTerm>& terms) {
  if (terms.empty()) return "e.creation_time DESC, e.experiment_id ASC";
  std::string out;
  bool has_id = false;
  for (const OrderByTerm& t : terms) {
    if (!out.empty()) out += ", ";
    if (t.key == "experiment_id") has_id = true;
    absl::StrAppend(&out, ExperimentColumn(t.key), t.ascending ? " ASC" : " DESC");
  }
  if (!has_id) out += ", e.experiment_id ASC";
  return out;
}

}  // namespace strata::tracking::internal
