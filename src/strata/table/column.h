// Typed, immutable columns with validity bitmaps: the unit of Strata's columnar tables.
//
// A Column is a view (offset, length) over shared, immutable storage, so Slice() copies
// nothing and a sliced column keeps its parent's storage alive. Values are stored densely per
// type: int64 and timestamp (microseconds since the Unix epoch, UTC) as int64_t, float64 as
// double, bool as one byte per value, string as int64 offsets into one byte buffer, category
// (dictionary-encoded strings, pandas' "category") as int32 codes into a dictionary of
// distinct strings held as offsets + bytes. The validity bitmap has one bit per row
// (1 = present); a column without nulls has none.
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

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace strata::table {

enum class DataType { kBool, kInt64, kFloat64, kString, kTimestamp, kCategory };

// "bool", "int64", "float64", "string", "timestamp", "category".
std::string_view DataTypeName(DataType type);

// The raw buffers of one column, for readers that decode in bulk (Parquet pages, CSV chunks)
// and hand them over without a per-value append. Only the buffers of `type` are used:
//   kInt64, kTimestamp: ints          kFloat64: doubles          kBool: bools (0/1 bytes)
//   kString: offsets (rows + 1, offsets[0] = 0, non-decreasing, last = bytes.size()), bytes
//   kCategory: codes (rows, each in [0, dictionary size)), offsets + bytes = the dictionary
// validity: empty (no nulls) or ceil(rows / 64) words, bit i of word i/64 = row i present.
struct ColumnBuffers {
  DataType type = DataType::kInt64;
  int64_t rows = 0;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> bools;
  std::vector<int32_t> codes;
  std::vector<int64_t> offsets;
  std::string bytes;
  std::vector<uint64_t> validity;
};

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
  // kString: the row's value; kCategory: the row's dictionary entry.
  std::string_view StringAt(int64_t row) const;
  // kCategory only: per-row codes and the dictionary they index.
  absl::Span<const int32_t> CategoryCodes() const;
  int32_t DictionarySize() const;
  std::string_view DictionaryAt(int32_t code) const;
  bool IsStringLike() const { return type() == DataType::kString || type() == DataType::kCategory; }

  // A column over `buffers`, taken without copying. Inconsistent buffers (sizes, offsets,
  // codes out of range) are InvalidArgument: readers pass decoded input through here.
  static absl::StatusOr<Column> FromBuffers(ColumnBuffers buffers);
  // The columns one after another, in new storage; all must have the same type. Category
  // columns are re-coded onto one merged dictionary.
  static absl::StatusOr<Column> Concat(absl::Span<const Column> parts);
  // kString <-> kCategory (same values and nulls); other types are InvalidArgument.
  absl::StatusOr<Column> ToCategory() const;
  absl::StatusOr<Column> ToStrings() const;

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
// type than the builder's is a programming error and aborts (kTimestamp takes AppendInt64,
// kCategory takes AppendString and interns the value in its dictionary).
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
  struct Interner;
  std::unique_ptr<Interner> interner_;  // kCategory: value -> code
};

}  // namespace strata::table

#endif  // STRATA_TABLE_COLUMN_H_
