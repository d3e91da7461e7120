#include "strata/api/internal/json_table.h"

#include <cmath>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::api::internal {
namespace {

using nlohmann::json;
using models::ValueType;

// Builders for the signature's input columns, in signature order.
class SignatureColumns {
 public:
  explicit SignatureColumns(const models::Signature& signature) : signature_(signature) {
    for (size_t i = 0; i < signature.inputs.size(); ++i) {
      const table::DataType type = models::ColumnTypeOf(signature.inputs[i].type);
      builders_.push_back(std::make_unique<table::ColumnBuilder>(type));
      index_[signature.inputs[i].name] = i;
    }
  }

  // The position of input `name`, or an error naming it.
  absl::StatusOr<size_t> Index(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected input '", name, "' (not in the model's signature)"));
    }
    return it->second;
  }

  absl::Status Append(size_t column, const json& value, int64_t row) {
    const models::ColumnSpec& spec = signature_.inputs[column];
    table::ColumnBuilder& b = *builders_[column];
    auto wrong = [&](std::string_view expected) {
      return absl::InvalidArgumentError(absl::StrCat("input '", spec.name, "' row ", row,
                                                     ": expected ", AsAbsl(expected), ", got ",
                                                     value.dump()));
    };
    if (value.is_null()) {
      b.AppendNull();
      return absl::OkStatus();
    }
    switch (spec.type) {
      case ValueType::kFloat64:
      case ValueType::kFloat32:
        if (!value.is_number()) return wrong("a number");
        b.AppendFloat64(value.get<double>());
        return absl::OkStatus();
      case ValueType::kInt64:
        if (value.is_number_integer()) {
          b.AppendInt64(value.get<int64_t>());
          return absl::OkStatus();
        }
        if (value.is_number_float()) {
          const double d = value.get<double>();
          // 3.0 is an integer that went through a float serializer; 3.5 is not.
          if (std::isfinite(d) && d == std::trunc(d) && std::abs(d) < 9.0e15) {
            b.AppendInt64(static_cast<int64_t>(d));
            return absl::OkStatus();
          }
        }
        return wrong("an integer");
      case ValueType::kBool:
        if (!value.is_boolean()) return wrong("true or false");
        b.AppendBool(value.get<bool>());
        return absl::OkStatus();
      case ValueType::kString:
        if (!value.is_string()) return wrong("a string");
        b.AppendString(value.get_ref<const std::string&>());
        return absl::OkStatus();
    }
    return wrong("a value");
  }

  void AppendNull(size_t column) { builders_[column]->AppendNull(); }
  size_t size() const { return builders_.size(); }

  absl::StatusOr<table::Table> Finish() {
    std::vector<table::Field> fields;
    std::vector<table::Column> columns;
    for (size_t i = 0; i < builders_.size(); ++i) {
      const models::ColumnSpec& spec = signature_.inputs[i];
      fields.push_back({spec.name, models::ColumnTypeOf(spec.type)});
      columns.push_back(builders_[i]->Finish());
    }
    return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
  }

 private:
  const models::Signature& signature_;
  std::vector<std::unique_ptr<table::ColumnBuilder>> builders_;
  std::map<std::string, size_t> index_;
};

absl::Status CheckRows(const json& node, std::string_view what, int64_t max_rows) {
  if (!node.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(what), "' must be an array"));
  }
  if (static_cast<int64_t>(node.size()) > max_rows) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(what), "' has ", node.size(),
                                                   " rows; the limit is ", max_rows));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<table::Table> TableFromRecords(const json& records,
                                              const models::Signature& signature,
                                              int64_t max_rows) {
  RETURN_IF_ERROR(CheckRows(records, "records", max_rows));
  SignatureColumns columns(signature);
  std::vector<char> seen(columns.size());
  for (size_t r = 0; r < records.size(); ++r) {
    const json& record = records[r];
    if (!record.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", r, ": expected an object of column values"));
    }
    std::fill(seen.begin(), seen.end(), 0);
    for (const auto& [key, value] : record.items()) {
      ASSIGN_OR_RETURN(size_t c, columns.Index(key));
      RETURN_IF_ERROR(columns.Append(c, value, static_cast<int64_t>(r)));
      seen[c] = 1;
    }
    for (size_t c = 0; c < seen.size(); ++c) {
      if (!seen[c]) columns.AppendNull(c);
    }
  }
  return columns.Finish();
}

absl::StatusOr<table::Table> TableFromRowLists(const json& rows,
                                               const std::vector<std::string>& names,
                                               const models::Signature& signature,
                                               int64_t max_rows) {
  RETURN_IF_ERROR(CheckRows(rows, "data", max_rows));
  SignatureColumns columns(signature);
  std::vector<size_t> positions;
  if (names.empty()) {
    for (size_t c = 0; c < columns.size(); ++c) positions.push_back(c);
  } else {
    std::vector<char> seen(columns.size());
    for (const std::string& name : names) {
      ASSIGN_OR_RETURN(size_t c, columns.Index(name));
      if (seen[c]) return absl::InvalidArgumentError(absl::StrCat("column '", name, "' twice"));
      seen[c] = 1;
      positions.push_back(c);
    }
    for (size_t c = 0; c < seen.size(); ++c) {
      if (!seen[c]) {
        return absl::InvalidArgumentError(
            absl::StrCat("missing input '", signature.inputs[c].name, "'"));
      }
    }
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const json& row = rows[r];
    if (!row.is_array() || row.size() != positions.size()) {
      return absl::InvalidArgumentError(absl::StrCat("row ", r, ": expected an array of ",
                                                     positions.size(), " values"));
    }
    for (size_t i = 0; i < positions.size(); ++i) {
      RETURN_IF_ERROR(columns.Append(positions[i], row[i], static_cast<int64_t>(r)));
    }
  }
  return columns.Finish();
}

absl::StatusOr<table::Table> TableFromColumnArrays(const json& object,
                                                   const models::Signature& signature,
                                                   int64_t max_rows) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("expected an object of column arrays");
  }
  SignatureColumns columns(signature);
  std::vector<const json*> arrays(columns.size(), nullptr);
  int64_t rows = -1;
  for (const auto& [key, value] : object.items()) {
    ASSIGN_OR_RETURN(size_t c, columns.Index(key));
    RETURN_IF_ERROR(CheckRows(value, key, max_rows));
    if (rows >= 0 && static_cast<int64_t>(value.size()) != rows) {
      return absl::InvalidArgumentError(absl::StrCat("input '", key, "' has ", value.size(),
                                                     " values, the others ", rows));
    }
    rows = static_cast<int64_t>(value.size());
    arrays[c] = &value;
  }
  for (size_t c = 0; c < arrays.size(); ++c) {
    if (arrays[c] == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing input '", signature.inputs[c].name, "'"));
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < arrays.size(); ++c) {
      RETURN_IF_ERROR(columns.Append(c, (*arrays[c])[static_cast<size_t>(r)], r));
    }
  }
  return columns.Finish();
}

json PredictionsToJson(const models::Model::Predictions& p) {
  json out = json::array();
  for (int64_t r = 0; r < p.rows; ++r) {
    const double* row = p.values.data() + r * p.num_outputs;
    if (p.num_outputs == 1) {
      out.push_back(row[0]);
    } else {
      out.push_back(json(std::vector<double>(row, row + p.num_outputs)));
    }
  }
  return out;
}

}  // namespace strata::api::internal
