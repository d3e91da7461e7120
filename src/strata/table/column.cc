#include "strata/table/column.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <utility>

#include "absl/base/optimization.h"

namespace strata::table {
namespace internal {

struct ColumnStorage {
  DataType type = DataType::kInt64;
  int64_t rows = 0;
  std::vector<int64_t> ints;      // kInt64, kTimestamp
  std::vector<double> doubles;    // kFloat64
  std::vector<uint8_t> bools;     // kBool, one byte per row
  std::vector<int64_t> offsets;   // kString: rows + 1 entries, offsets[0] = 0
  std::string bytes;              // kString
  std::vector<uint64_t> validity; // one bit per row, 1 = present; empty = no nulls
  int64_t null_count = 0;
};

}  // namespace internal

namespace {

using internal::ColumnStorage;

[[noreturn]] void TypeMismatch() {
  // A caller bug, not bad input: the type is known statically at every call site.
  std::abort();
}

bool BitAt(const std::vector<uint64_t>& bits, int64_t i) {
  return (bits[static_cast<size_t>(i >> 6)] >> (i & 63)) & 1;
}

// Set bits (present rows) in [begin, end).
int64_t CountSetBits(const std::vector<uint64_t>& bits, int64_t begin, int64_t end) {
  int64_t count = 0;
  int64_t i = begin;
  while (i < end && (i & 63) != 0) count += BitAt(bits, i++);
  for (; i + 64 <= end; i += 64) count += std::popcount(bits[static_cast<size_t>(i >> 6)]);
  while (i < end) count += BitAt(bits, i++);
  return count;
}

const std::shared_ptr<const ColumnStorage>& EmptyStorage() {
  static const std::shared_ptr<const ColumnStorage> empty = std::make_shared<ColumnStorage>();
  return empty;
}

}  // namespace

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kBool:
      return "bool";
    case DataType::kInt64:
      return "int64";
    case DataType::kFloat64:
      return "float64";
    case DataType::kString:
      return "string";
    case DataType::kTimestamp:
      return "timestamp";
  }
  return "unknown";
}

Column::Column() : storage_(EmptyStorage()) {}

Column::Column(std::shared_ptr<const ColumnStorage> storage, int64_t offset, int64_t length)
    : storage_(std::move(storage)), offset_(offset), length_(length) {
  if (!storage_->validity.empty()) {
    null_count_ = length_ - CountSetBits(storage_->validity, offset_, offset_ + length_);
  }
}

DataType Column::type() const { return storage_->type; }

bool Column::IsNull(int64_t row) const {
  return !storage_->validity.empty() && !BitAt(storage_->validity, offset_ + row);
}

absl::Span<const int64_t> Column::Int64s() const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kInt64 && type() != DataType::kTimestamp)) {
    TypeMismatch();
  }
  return absl::MakeConstSpan(storage_->ints).subspan(offset_, length_);
}

absl::Span<const double> Column::Float64s() const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kFloat64)) TypeMismatch();
  return absl::MakeConstSpan(storage_->doubles).subspan(offset_, length_);
}

absl::Span<const uint8_t> Column::Bools() const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kBool)) TypeMismatch();
  return absl::MakeConstSpan(storage_->bools).subspan(offset_, length_);
}

std::string_view Column::StringAt(int64_t row) const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kString)) TypeMismatch();
  const int64_t begin = storage_->offsets[offset_ + row];
  const int64_t end = storage_->offsets[offset_ + row + 1];
  return std::string_view(storage_->bytes).substr(begin, end - begin);
}

Column Column::Slice(int64_t offset, int64_t length) const {
  offset = std::clamp<int64_t>(offset, 0, length_);
  length = std::clamp<int64_t>(length, 0, length_ - offset);
  return Column(storage_, offset_ + offset, length);
}

Column Column::Take(absl::Span<const int64_t> rows) const {
  ColumnBuilder b(type());
  b.Reserve(static_cast<int64_t>(rows.size()));
  for (int64_t r : rows) {
    if (r < 0 || IsNull(r)) {
      b.AppendNull();
      continue;
    }
    switch (type()) {
      case DataType::kBool:
        b.AppendBool(Bools()[r] != 0);
        break;
      case DataType::kInt64:
      case DataType::kTimestamp:
        b.AppendInt64(Int64s()[r]);
        break;
      case DataType::kFloat64:
        b.AppendFloat64(Float64s()[r]);
        break;
      case DataType::kString:
        b.AppendString(StringAt(r));
        break;
    }
  }
  return b.Finish();
}

ColumnBuilder::ColumnBuilder(DataType type) : storage_(std::make_unique<ColumnStorage>()) {
  storage_->type = type;
  if (type == DataType::kString) storage_->offsets.push_back(0);
}

ColumnBuilder::~ColumnBuilder() = default;

void ColumnBuilder::Reserve(int64_t rows) {
  const auto n = static_cast<size_t>(rows);
  switch (storage_->type) {
    case DataType::kBool:
      storage_->bools.reserve(n);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      storage_->ints.reserve(n);
      break;
    case DataType::kFloat64:
      storage_->doubles.reserve(n);
      break;
    case DataType::kString:
      storage_->offsets.reserve(n + 1);
      break;
  }
}

int64_t ColumnBuilder::size() const { return storage_->rows; }

void ColumnBuilder::MarkValid(bool valid) {
  ColumnStorage& s = *storage_;
  const int64_t row = s.rows++;
  if (valid && s.validity.empty()) return;  // no nulls so far: no bitmap yet
  if (s.validity.empty()) {
    // First null: materialize the bitmap with every earlier row present.
    s.validity.assign(static_cast<size_t>((row >> 6) + 1), ~uint64_t{0});
  }
  if (static_cast<size_t>(row >> 6) >= s.validity.size()) s.validity.push_back(~uint64_t{0});
  if (!valid) {
    s.validity[static_cast<size_t>(row >> 6)] &= ~(uint64_t{1} << (row & 63));
    ++s.null_count;
  }
}

void ColumnBuilder::AppendNull() {
  switch (storage_->type) {
    case DataType::kBool:
      storage_->bools.push_back(0);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      storage_->ints.push_back(0);
      break;
    case DataType::kFloat64:
      storage_->doubles.push_back(0.0);
      break;
    case DataType::kString:
      storage_->offsets.push_back(static_cast<int64_t>(storage_->bytes.size()));
      break;
  }
  MarkValid(false);
}

void ColumnBuilder::AppendBool(bool value) {
  if (ABSL_PREDICT_FALSE(storage_->type != DataType::kBool)) TypeMismatch();
  storage_->bools.push_back(value ? 1 : 0);
  MarkValid(true);
}

void ColumnBuilder::AppendInt64(int64_t value) {
  if (ABSL_PREDICT_FALSE(storage_->type != DataType::kInt64 &&
                         storage_->type != DataType::kTimestamp)) {
    TypeMismatch();
  }
  storage_->ints.push_back(value);
  MarkValid(true);
}

void ColumnBuilder::AppendFloat64(double value) {
  if (ABSL_PREDICT_FALSE(storage_->type != DataType::kFloat64)) TypeMismatch();
  storage_->doubles.push_back(value);
  MarkValid(true);
}

void ColumnBuilder::AppendString(std::string_view value) {
  if (ABSL_PREDICT_FALSE(storage_->type != DataType::kString)) TypeMismatch();
  storage_->bytes.append(value);
  storage_->offsets.push_back(static_cast<int64_t>(storage_->bytes.size()));
  MarkValid(true);
}

Column ColumnBuilder::Finish() {
  const DataType type = storage_->type;
  const int64_t rows = storage_->rows;
  std::shared_ptr<const ColumnStorage> done(std::move(storage_));
  storage_ = std::make_unique<ColumnStorage>();
  storage_->type = type;
  if (type == DataType::kString) storage_->offsets.push_back(0);
  return Column(std::move(done), 0, rows);
}

}  // namespace strata::table
