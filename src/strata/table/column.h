// Typed, immutable columns with validity bitmaps: the unit of Strata's columnar tables.
//
// A Column is a view (offset, length) over shared, immutable storage, so Slice() copies
// nothing and a sliced column keeps its parent's storage alive. Values are stored densely per
// type: int64 and timestamp (microseconds since the Unix epoch, UTC) as int64_t, float64 as
// double, bool as one byte per value, string as int64 offsets into one byte buffer. The
// validity bitmap has one bit per row (1 = present); a column without nulls has none.
// A null slot still holds a value (0, false or "") so typed spans can be read without checks.
//
// Thread-safety: a Column is immutable and may be read from any number of threads. A
// ColumnBuilder is not thread-safe.
#ifndef STRATA_TABLE_COLUMN_H_
#define STRATA_TABLE_COLUMN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace strata::table {

enum class DataType { kBool, kInt64, kFloat64, kString, kTimestamp };

// "bool", "int64", "float64", "string", "timestamp".
std::string_view DataTypeName(DataType type);

namespace internal {
struct ColumnStorage;
}  // namespace internal

class Column {
 public:
  // An empty int64 column.
  Column();

  DataType type() const;
  int64_t size() const { return length_; }
  // Nulls among this view's rows.
  int64_t null_count() const { return null_count_; }
  bool IsNull(int64_t row) const;

  // The view's values. IMPORTANT: each accessor requires the matching type (Int64s() also
  // serves kTimestamp); calling another is a programming error and aborts.
  absl::Span<const int64_t> Int64s() const;
  absl::Span<const double> Float64s() const;
  absl::Span<const uint8_t> Bools() const;
  std::string_view StringAt(int64_t row) const;

  // Rows [offset, offset + length) of this view, clamped to its bounds. Shares storage.
  Column Slice(int64_t offset, int64_t length) const;
  // The rows at `rows`, in that order, copied into new storage. Each entry is in
  // [0, size()), or -1 for a null row (the unmatched side of an outer join).
  Column Take(absl::Span<const int64_t> rows) const;

  // Whether two views read the same storage (a slice and its parent do).
  bool SharesStorageWith(const Column& other) const { return storage_ == other.storage_; }

 private:
  friend class ColumnBuilder;
  Column(std::shared_ptr<const internal::ColumnStorage> storage, int64_t offset, int64_t length);

  std::shared_ptr<const internal::ColumnStorage> storage_;
  int64_t offset_ = 0;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
};

// Appends values of one type, then Finish()es into a Column. Appending a value of another
// type than the builder's is a programming error and aborts (kTimestamp takes AppendInt64).
class ColumnBuilder {
 public:
  explicit ColumnBuilder(DataType type);
  ~ColumnBuilder();
  ColumnBuilder(const ColumnBuilder&) = delete;
  ColumnBuilder& operator=(const ColumnBuilder&) = delete;

  void Reserve(int64_t rows);
  void AppendNull();
  void AppendBool(bool value);
  void AppendInt64(int64_t value);
  void AppendFloat64(double value);
  void AppendString(std::string_view value);
  int64_t size() const;

  // The column of everything appended; the builder is empty afterwards.
  Column Finish();

 private:
  void MarkValid(bool valid);

  std::unique_ptr<internal::ColumnStorage> storage_;
};

}  // namespace strata::table

#endif  // STRATA_TABLE_COLUMN_H_
