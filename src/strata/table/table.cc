#include "strata/table/table.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::table {
namespace {

std::string ColumnNames(const Schema& schema) {
  std::string out;
  for (const Field& f : schema.fields()) absl::StrAppend(&out, out.empty() ? "" : ", ", f.name);
  return out;
}

}  // namespace

std::optional<int> Schema::FieldIndex(std::string_view name) const {
  for (int i = 0; i < num_fields(); ++i) {
    if (fields_[static_cast<size_t>(i)].name == name) return i;
  }
  return std::nullopt;
}

std::string Schema::ToString() const {
  std::string out;
  for (const Field& f : fields_) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", f.name, ": ", AsAbsl(DataTypeName(f.type)));
  }
  return out;
}

absl::StatusOr<Table> Table::Make(Schema schema, std::vector<Column> columns) {
  if (static_cast<size_t>(schema.num_fields()) != columns.size()) {
    return absl::InvalidArgumentError(absl::StrCat("schema has ", schema.num_fields(),
                                                   " fields but ", columns.size(),
                                                   " columns were given"));
  }
  absl::flat_hash_set<std::string> names;
  const int64_t rows = columns.empty() ? 0 : columns[0].size();
  for (int i = 0; i < schema.num_fields(); ++i) {
    const Field& f = schema.field(i);
    const Column& c = columns[static_cast<size_t>(i)];
    if (f.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("field ", i, " has an empty name"));
    }
    if (!names.insert(f.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("field name '", f.name, "' is repeated"));
    }
    if (c.type() != f.type) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field '", f.name, "' is ", AsAbsl(DataTypeName(f.type)), " but its column is ",
          AsAbsl(DataTypeName(c.type()))));
    }
    if (c.size() != rows) {
      return absl::InvalidArgumentError(absl::StrCat("field '", f.name, "' has ", c.size(),
                                                     " rows but '", schema.field(0).name,
                                                     "' has ", rows));
    }
  }
  return Table(std::move(schema), std::move(columns), rows);
}

absl::StatusOr<const Column*> Table::ColumnByName(std::string_view name) const {
  std::optional<int> i = schema_.FieldIndex(name);
  if (!i) {
    return absl::NotFoundError(absl::StrCat("no column '", AsAbsl(name),
                                            "'; the table has: ", ColumnNames(schema_)));
  }
  return &columns_[static_cast<size_t>(*i)];
}

Table Table::Slice(int64_t offset, int64_t length) const {
  std::vector<Column> cols;
  cols.reserve(columns_.size());
  for (const Column& c : columns_) cols.push_back(c.Slice(offset, length));
  offset = std::clamp<int64_t>(offset, 0, num_rows_);
  length = std::clamp<int64_t>(length, 0, num_rows_ - offset);
  return Table(schema_, std::move(cols), length);
}

absl::StatusOr<Table> Table::Select(absl::Span<const std::string> names) const {
  std::vector<Field> fields;
  std::vector<Column> cols;
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& name : names) {
    std::optional<int> i = schema_.FieldIndex(name);
    if (!i) {
      return absl::NotFoundError(
          absl::StrCat("no column '", name, "'; the table has: ", ColumnNames(schema_)));
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("column '", name, "' selected twice"));
    }
    fields.push_back(schema_.field(*i));
    cols.push_back(columns_[static_cast<size_t>(*i)]);
  }
  return Table(Schema(std::move(fields)), std::move(cols), names.empty() ? 0 : num_rows_);
}

absl::StatusOr<Table> Table::Filter(const Column& mask) const {
  if (mask.type() != DataType::kBool) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter mask must be a bool column, not ", AsAbsl(DataTypeName(mask.type()))));
  }
  if (mask.size() != num_rows_) {
    return absl::InvalidArgumentError(absl::StrCat("filter mask has ", mask.size(),
                                                   " rows but the table has ", num_rows_));
  }
  std::vector<int64_t> rows;
  absl::Span<const uint8_t> keep = mask.Bools();
  for (int64_t r = 0; r < num_rows_; ++r) {
    if (keep[static_cast<size_t>(r)] != 0 && !mask.IsNull(r)) rows.push_back(r);
  }
  return Take(rows);
}

absl::StatusOr<Table> Table::Take(absl::Span<const int64_t> rows) const {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= num_rows_) {
      return absl::OutOfRangeError(absl::StrCat("row index ", rows[i], " at position ", i,
                                                " is outside [0, ", num_rows_, ")"));
    }
  }
  std::vector<Column> cols;
  cols.reserve(columns_.size());
  for (const Column& c : columns_) cols.push_back(c.Take(rows));
  return Table(schema_, std::move(cols), static_cast<int64_t>(rows.size()));
}

}  // namespace strata::table
