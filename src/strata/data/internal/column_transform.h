// The per-column transformer interface behind TransformPipeline, and the helpers every
// transformer shares so that its batch and row paths run the same per-value core.
//
// Pattern: each transformer has one non-virtual `ApplyValue(...)` (the core). Its batch
// Apply() loops over a column calling ApplyValue per row (or per dictionary entry for a
// category column; the core is pure, so that is the same thing), and its ApplyRow() converts
// the one Value with the same cell readers (NumericOf / CategoryKeyOf) and calls ApplyValue
// once. Virtual calls happen per column, never per value.
#ifndef STRATA_DATA_INTERNAL_COLUMN_TRANSFORM_H_
#define STRATA_DATA_INTERNAL_COLUMN_TRANSFORM_H_

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/base/status_macros.h"
#include "strata/data/internal/spec_reader.h"
#include "strata/data/transforms.h"
#include "strata/table/column.h"

namespace strata::data::internal {

// One fitted transformer for one input column. Immutable after Fit / LoadState.
class ColumnTransform {
 public:
  virtual ~ColumnTransform() = default;

  virtual std::string_view kind() const = 0;
  virtual bool needs_target() const { return false; }

  // Learns from `input` (and `target`, non-null exactly when needs_target()). Errors name
  // `where` ("step 1 (standard_scaler) column 'age'").
  virtual absl::Status Fit(const table::Column& input, const table::Column* target,
                           const std::string& where) = 0;

  // The fields that replace input column `name`.
  virtual std::vector<table::Field> OutputFields(const std::string& name) const = 0;

  // Batch: one output column per OutputFields entry.
  virtual absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& input,
                                                           const std::string& where) const = 0;
  // One value: appends one Value per OutputFields entry to `out`.
  virtual absl::Status ApplyRow(const Value& input, const std::string& where,
                                std::vector<Value>* out) const = 0;

  // Options into the step object (shared by the step's columns).
  virtual void WriteOptions(Json* step) const = 0;
  // Learned state, and its validated inverse.
  virtual Json StateJson() const = 0;
  virtual absl::Status LoadState(SpecReader& state) = 0;
  // "mean=41.5 scale=12.25".
  virtual std::string Summary() const = 0;
};

// A transformer of `kind` with options read from `step` (each kind reads only its own
// fields). Errors: INVALID_ARGUMENT for an unknown kind or bad options.
absl::StatusOr<std::unique_ptr<ColumnTransform>> MakeColumnTransform(std::string_view kind,
                                                                     SpecReader& step);
// "standard_scaler, min_max_scaler, ..." for messages.
std::string KnownKinds();

// What a numeric core made of one value.
enum class CellOutcome { kValue, kNull, kInvalid };

// ---- Cell readers: the only ways batch and row paths turn input into a core's argument ----

// A numeric cell: absent for null and NaN.
struct NumericCell {
  bool present = false;
  double value = 0.0;
};

// Whether `c` holds numbers (bool, int64, float64).
inline bool IsNumericType(table::DataType t) {
  return t == table::DataType::kBool || t == table::DataType::kInt64 ||
         t == table::DataType::kFloat64;
}

// Errors: INVALID_ARGUMENT when `v` is a string.
absl::StatusOr<NumericCell> NumericOf(const Value& v, const std::string& where);

// A reusable buffer for the text of a numeric category key.
struct KeyBuffer {
  char text[40] = {};
};

// Shortest round-trip decimal text (the category key of a number).
std::string_view Int64Key(int64_t v, KeyBuffer* buf);
std::string_view DoubleKey(double v, KeyBuffer* buf);
inline std::string_view BoolKey(bool v) { return v ? "true" : "false"; }

// A category cell: absent for null and NaN.
struct CategoryCell {
  bool present = false;
  std::string_view key;
};
CategoryCell CategoryKeyOf(const Value& v, KeyBuffer* buf);
// The same cell read from a column (for messages; batch loops use ForEachCategory).
CategoryCell CategoryKeyAt(const table::Column& c, int64_t row, KeyBuffer* buf);

// Errors name the column type a transformer cannot take.
absl::Status RequireNumeric(const table::Column& c, const std::string& where);

// ---- Batch loops ----

// Calls `read(row)` -> NumericCell for each row of a numeric column, without per-row
// dispatch on the column type.
template <typename Fn>
void ForEachNumeric(const table::Column& c, Fn&& fn) {
  const int64_t n = c.size();
  const bool has_nulls = c.null_count() > 0;
  switch (c.type()) {
    case table::DataType::kFloat64: {
      absl::Span<const double> v = c.Float64s();
      for (int64_t r = 0; r < n; ++r) {
        const bool present = !(has_nulls && c.IsNull(r)) && !std::isnan(v[r]);
        fn(r, NumericCell{present, v[r]});
      }
      break;
    }
    case table::DataType::kInt64: {
      absl::Span<const int64_t> v = c.Int64s();
      for (int64_t r = 0; r < n; ++r) {
        fn(r, NumericCell{!(has_nulls && c.IsNull(r)), static_cast<double>(v[r])});
      }
      break;
    }
    case table::DataType::kBool: {
      absl::Span<const uint8_t> v = c.Bools();
      for (int64_t r = 0; r < n; ++r) {
        fn(r, NumericCell{!(has_nulls && c.IsNull(r)), v[r] != 0 ? 1.0 : 0.0});
      }
      break;
    }
    default:
      break;  // callers check RequireNumeric first
  }
}

// Calls `core(CategoryCell)` and hands each row's result to `emit(row, result)`. A category
// column evaluates the core once per dictionary entry (the core is pure, so this is the
// same as once per row).
template <typename Core, typename Emit>
void ForEachCategory(const table::Column& c, Core&& core, Emit&& emit) {
  const int64_t n = c.size();
  const bool has_nulls = c.null_count() > 0;
  auto null_result = core(CategoryCell{});
  KeyBuffer buf;
  switch (c.type()) {
    case table::DataType::kCategory: {
      std::vector<decltype(null_result)> per_code;
      per_code.reserve(static_cast<size_t>(c.DictionarySize()));
      for (int32_t code = 0; code < c.DictionarySize(); ++code) {
        per_code.push_back(core(CategoryCell{true, c.DictionaryAt(code)}));
      }
      absl::Span<const int32_t> codes = c.CategoryCodes();
      for (int64_t r = 0; r < n; ++r) {
        emit(r, (has_nulls && c.IsNull(r)) ? null_result : per_code[static_cast<size_t>(codes[r])]);
      }
      break;
    }
    case table::DataType::kString:
      for (int64_t r = 0; r < n; ++r) {
        emit(r, (has_nulls && c.IsNull(r)) ? null_result : core(CategoryCell{true, c.StringAt(r)}));
      }
      break;
    case table::DataType::kInt64:
    case table::DataType::kTimestamp: {
      absl::Span<const int64_t> v = c.Int64s();
      for (int64_t r = 0; r < n; ++r) {
        emit(r, (has_nulls && c.IsNull(r)) ? null_result
                                           : core(CategoryCell{true, Int64Key(v[r], &buf)}));
      }
      break;
    }
    case table::DataType::kFloat64: {
      absl::Span<const double> v = c.Float64s();
      for (int64_t r = 0; r < n; ++r) {
        const bool absent = (has_nulls && c.IsNull(r)) || std::isnan(v[r]);
        emit(r, absent ? null_result : core(CategoryCell{true, DoubleKey(v[r], &buf)}));
      }
      break;
    }
    case table::DataType::kBool: {
      absl::Span<const uint8_t> v = c.Bools();
      for (int64_t r = 0; r < n; ++r) {
        emit(r, (has_nulls && c.IsNull(r)) ? null_result
                                           : core(CategoryCell{true, BoolKey(v[r] != 0)}));
      }
      break;
    }
  }
}

// Builds a float64 (or int64) column from per-row values and a presence flag.
class NumberColumnWriter {
 public:
  NumberColumnWriter(table::DataType type, int64_t rows);
  void Set(int64_t row, double value) { doubles_[static_cast<size_t>(row)] = value; }
  void SetInt(int64_t row, int64_t value) { ints_[static_cast<size_t>(row)] = value; }
  void SetNull(int64_t row);
  absl::StatusOr<table::Column> Finish();
  // Finish() as the one-column result of ColumnTransform::Apply.
  absl::StatusOr<std::vector<table::Column>> FinishOne();

 private:
  table::DataType type_;
  int64_t rows_;
  std::vector<double> doubles_;
  std::vector<int64_t> ints_;
  std::vector<uint64_t> validity_;
};

// Distinct present values of a column as category keys with their counts, in scikit-learn's
// sorted order: numeric columns by value, strings by bytes (= Unicode code points).
struct CategoryCount {
  std::string key;
  int64_t count = 0;
};
std::vector<CategoryCount> SortedCategories(const table::Column& c);

// Validates a fitted category list: distinct (and, as stored, in any order). Records the
// problem on `state`.
void CheckDistinct(const std::vector<std::string>& categories, std::string_view field,
                   SpecReader& state);

// "where: message" as INVALID_ARGUMENT.
absl::Status Invalid(const std::string& where, std::string_view message);

// Shortest round-trip text of a double, for summaries.
std::string Num(double v);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_COLUMN_TRANSFORM_H_
