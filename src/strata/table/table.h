// A columnar table: a schema (named, typed fields) and one Column per field, all of the same
// length. Operations return new tables; Slice() and Select() share the columns' storage,
// Filter() and Take() copy the selected rows.
//
// Thread-safety: a Table is immutable and may be read from any number of threads.
#ifndef STRATA_TABLE_TABLE_H_
#define STRATA_TABLE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/table/column.h"

namespace strata::table {

struct Field {
  std::string name;
  DataType type = DataType::kInt64;

  bool operator==(const Field& other) const = default;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  int num_fields() const { return static_cast<int>(fields_.size()); }
  const Field& field(int i) const { return fields_[static_cast<size_t>(i)]; }
  // Position of the field named `name`, if any.
  std::optional<int> FieldIndex(std::string_view name) const;
  // "name: type, ..." for messages and `strata data show --schema`.
  std::string ToString() const;

  bool operator==(const Schema& other) const = default;

 private:
  std::vector<Field> fields_;
};

class Table {
 public:
  // An empty table: no columns, no rows.
  Table() = default;

  // Errors: INVALID_ARGUMENT when the counts differ, a name is empty or repeated, a column's
  // type differs from its field's, or the columns differ in length (the message names the
  // field).
  static absl::StatusOr<Table> Make(Schema schema, std::vector<Column> columns);

  const Schema& schema() const { return schema_; }
  int64_t num_rows() const { return num_rows_; }
  int num_columns() const { return schema_.num_fields(); }
  const Column& column(int i) const { return columns_[static_cast<size_t>(i)]; }
  // Errors: NOT_FOUND naming the column and the table's columns.
  absl::StatusOr<const Column*> ColumnByName(std::string_view name) const;

  // Rows [offset, offset + length), clamped to the table. Shares storage.
  Table Slice(int64_t offset, int64_t length) const;
  // The named columns in the given order. Shares storage.
  // Errors: NOT_FOUND for an unknown name, INVALID_ARGUMENT for a repeated one.
  absl::StatusOr<Table> Select(absl::Span<const std::string> names) const;
  // The rows where `mask` (a bool column as long as the table) is true; null counts as false.
  // Errors: INVALID_ARGUMENT when `mask` is not bool or its length differs.
  absl::StatusOr<Table> Filter(const Column& mask) const;
  // The rows at `rows` (each in [0, num_rows())), in that order.
  // Errors: OUT_OF_RANGE naming the first bad position.
  absl::StatusOr<Table> Take(absl::Span<const int64_t> rows) const;

 private:
  Table(Schema schema, std::vector<Column> columns, int64_t num_rows)
      : schema_(std::move(schema)), columns_(std::move(columns)), num_rows_(num_rows) {}

  Schema schema_;
  std::vector<Column> columns_;
  int64_t num_rows_ = 0;
};

}  // namespace strata::table

#endif  // STRATA_TABLE_TABLE_H_
