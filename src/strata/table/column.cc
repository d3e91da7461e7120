#include "strata/table/column.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::table {
namespace internal {

struct ColumnStorage : ColumnBuffers {
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
    case DataType::kCategory:
      return "category";
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
  if (type() == DataType::kCategory) return DictionaryAt(storage_->codes[offset_ + row]);
  if (ABSL_PREDICT_FALSE(type() != DataType::kString)) TypeMismatch();
  const int64_t begin = storage_->offsets[offset_ + row];
  const int64_t end = storage_->offsets[offset_ + row + 1];
  return std::string_view(storage_->bytes).substr(begin, end - begin);
}

absl::Span<const int32_t> Column::CategoryCodes() const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kCategory)) TypeMismatch();
  return absl::MakeConstSpan(storage_->codes).subspan(offset_, length_);
}

int32_t Column::DictionarySize() const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kCategory)) TypeMismatch();
  return static_cast<int32_t>(storage_->offsets.size() - 1);
}

std::string_view Column::DictionaryAt(int32_t code) const {
  if (ABSL_PREDICT_FALSE(type() != DataType::kCategory)) TypeMismatch();
  const int64_t begin = storage_->offsets[code];
  const int64_t end = storage_->offsets[code + 1];
  return std::string_view(storage_->bytes).substr(begin, end - begin);
}

absl::StatusOr<Column> Column::FromBuffers(ColumnBuffers buffers) {
  const int64_t rows = buffers.rows;
  if (rows < 0) return absl::InvalidArgumentError("column buffers: negative row count");
  const auto n = static_cast<size_t>(rows);
  auto size_error = [&](std::string_view what, size_t got) {
    return absl::InvalidArgumentError(absl::StrCat("column buffers (", AsAbsl(DataTypeName(buffers.type)),
                                                   "): ", AsAbsl(what), " has ", got, " entries for ",
                                                   rows, " rows"));
  };
  auto check_offsets = [&](size_t entries) -> absl::Status {
    const std::vector<int64_t>& o = buffers.offsets;
    if (o.size() != entries + 1) return size_error("offsets", o.size());
    if (o[0] != 0 || o.back() != static_cast<int64_t>(buffers.bytes.size())) {
      return absl::InvalidArgumentError("column buffers: offsets do not span the bytes");
    }
    for (size_t i = 1; i < o.size(); ++i) {
      if (o[i] < o[i - 1]) {
        return absl::InvalidArgumentError(absl::StrCat("column buffers: offset ", i, " decreases"));
      }
    }
    return absl::OkStatus();
  };
  switch (buffers.type) {
    case DataType::kBool:
      if (buffers.bools.size() != n) return size_error("bools", buffers.bools.size());
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      if (buffers.ints.size() != n) return size_error("ints", buffers.ints.size());
      break;
    case DataType::kFloat64:
      if (buffers.doubles.size() != n) return size_error("doubles", buffers.doubles.size());
      break;
    case DataType::kString:
      if (absl::Status s = check_offsets(n); !s.ok()) return s;
      break;
    case DataType::kCategory: {
      if (buffers.offsets.empty()) buffers.offsets.push_back(0);
      if (absl::Status s = check_offsets(buffers.offsets.size() - 1); !s.ok()) return s;
      if (buffers.codes.size() != n) return size_error("codes", buffers.codes.size());
      const auto dict = static_cast<int32_t>(buffers.offsets.size() - 1);
      for (size_t i = 0; i < n; ++i) {
        if (buffers.codes[i] < 0 || buffers.codes[i] >= dict) {
          const bool present = buffers.validity.empty() ||
                               ((buffers.validity[i >> 6] >> (i & 63)) & 1) != 0;
          if (present) {
            return absl::InvalidArgumentError(absl::StrCat("column buffers: code ", buffers.codes[i],
                                                           " at row ", i, " outside dictionary of ",
                                                           dict));
          }
          buffers.codes[i] = 0;  // a null slot may hold any code; keep StringAt in bounds
        }
      }
      break;
    }
  }
  if (!buffers.validity.empty() && buffers.validity.size() != (n + 63) / 64) {
    return size_error("validity words", buffers.validity.size());
  }
  auto storage = std::make_shared<ColumnStorage>();
  static_cast<ColumnBuffers&>(*storage) = std::move(buffers);
  if (storage->type == DataType::kCategory && storage->offsets.size() == 1 && rows > 0) {
    // Every row is null and the dictionary is empty: give null slots one entry to point at.
    storage->offsets.push_back(0);
    std::fill(storage->codes.begin(), storage->codes.end(), 0);
  }
  if (!storage->validity.empty()) {
    storage->null_count = rows - CountSetBits(storage->validity, 0, rows);
  }
  return Column(std::move(storage), 0, rows);
}

absl::StatusOr<Column> Column::Concat(absl::Span<const Column> parts) {
  if (parts.empty()) return Column();
  const DataType t = parts[0].type();
  int64_t rows = 0;
  for (const Column& p : parts) {
    if (p.type() != t) {
      return absl::InvalidArgumentError(absl::StrCat("concat: ", AsAbsl(DataTypeName(p.type())),
                                                     " column after ", AsAbsl(DataTypeName(t))));
    }
    rows += p.size();
  }
  ColumnBuilder b(t);
  b.Reserve(rows);
  for (const Column& p : parts) {
    for (int64_t r = 0; r < p.size(); ++r) {
      if (p.IsNull(r)) {
        b.AppendNull();
        continue;
      }
      switch (t) {
        case DataType::kBool:
          b.AppendBool(p.Bools()[r] != 0);
          break;
        case DataType::kInt64:
        case DataType::kTimestamp:
          b.AppendInt64(p.Int64s()[r]);
          break;
        case DataType::kFloat64:
          b.AppendFloat64(p.Float64s()[r]);
          break;
        case DataType::kString:
        case DataType::kCategory:
          b.AppendString(p.StringAt(r));
          break;
      }
    }
  }
  return b.Finish();
}

namespace {

// The values and nulls of a string or category column, rebuilt as `to` (string or category).
Column CopyStringsAs(const Column& c, DataType to) {
  ColumnBuilder b(to);
  b.Reserve(c.size());
  for (int64_t r = 0; r < c.size(); ++r) {
    if (c.IsNull(r)) {
      b.AppendNull();
    } else {
      b.AppendString(c.StringAt(r));
    }
  }
  return b.Finish();
}

}  // namespace

absl::StatusOr<Column> Column::ToCategory() const {
  if (type() == DataType::kCategory) return *this;
  if (type() != DataType::kString) {
    return absl::InvalidArgumentError(
        absl::StrCat("only string columns convert to category, not ", AsAbsl(DataTypeName(type()))));
  }
  return CopyStringsAs(*this, DataType::kCategory);
}

absl::StatusOr<Column> Column::ToStrings() const {
  if (type() == DataType::kString) return *this;
  if (type() != DataType::kCategory) {
    return absl::InvalidArgumentError(
        absl::StrCat("only category columns convert to string, not ", AsAbsl(DataTypeName(type()))));
  }
  return CopyStringsAs(*this, DataType::kString);
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
      case DataType::kCategory:
        b.AppendString(StringAt(r));
        break;
    }
  }
  return b.Finish();
}

struct ColumnBuilder::Interner {
  absl::flat_hash_map<std::string, int32_t> codes;
};

ColumnBuilder::ColumnBuilder(DataType type) : storage_(std::make_unique<ColumnStorage>()) {
  storage_->type = type;
  if (type == DataType::kString || type == DataType::kCategory) storage_->offsets.push_back(0);
  if (type == DataType::kCategory) interner_ = std::make_unique<Interner>();
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
    case DataType::kCategory:
      storage_->codes.reserve(n);
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
    case DataType::kCategory:
      storage_->codes.push_back(0);
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
  if (storage_->type == DataType::kCategory) {
    auto [it, inserted] = interner_->codes.try_emplace(
        std::string(value), static_cast<int32_t>(storage_->offsets.size() - 1));
    if (inserted) {
      storage_->bytes.append(value);
      storage_->offsets.push_back(static_cast<int64_t>(storage_->bytes.size()));
    }
    storage_->codes.push_back(it->second);
    MarkValid(true);
    return;
  }
  if (ABSL_PREDICT_FALSE(storage_->type != DataType::kString)) TypeMismatch();
  storage_->bytes.append(value);
  storage_->offsets.push_back(static_cast<int64_t>(storage_->bytes.size()));
  MarkValid(true);
}

Column ColumnBuilder::Finish() {
  const DataType type = storage_->type;
  const int64_t rows = storage_->rows;
  if (type == DataType::kCategory && storage_->offsets.size() == 1 && rows > 0) {
    // Only nulls so far: give their slots (code 0) an entry to point at.
    storage_->offsets.push_back(0);
  }
  std::shared_ptr<const ColumnStorage> done(std::move(storage_));
  storage_ = std::make_unique<ColumnStorage>();
  storage_->type = type;
  if (type == DataType::kString || type == DataType::kCategory) storage_->offsets.push_back(0);
  if (type == DataType::kCategory) interner_ = std::make_unique<Interner>();
  return Column(std::move(done), 0, rows);
}

}  // namespace strata::table
