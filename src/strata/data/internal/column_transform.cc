#include "strata/data/internal/column_transform.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/internal/bucketizer.h"
#include "strata/data/internal/encoders.h"
#include "strata/data/internal/imputer.h"
#include "strata/data/internal/scalers.h"

namespace strata::data::internal {

absl::StatusOr<std::unique_ptr<ColumnTransform>> MakeColumnTransform(std::string_view kind,
                                                                     SpecReader& step) {
  std::unique_ptr<ColumnTransform> t;
  if (kind == "standard_scaler") {
    t = MakeStandardScaler(step);
  } else if (kind == "min_max_scaler") {
    t = MakeMinMaxScaler(step);
  } else if (kind == "log") {
    t = MakeLogTransform(step);
  } else if (kind == "imputer") {
    t = MakeImputer(step);
  } else if (kind == "one_hot") {
    t = MakeOneHotEncoder(step);
  } else if (kind == "ordinal") {
    t = MakeOrdinalEncoder(step);
  } else if (kind == "target_encoder") {
    t = MakeTargetEncoder(step);
  } else if (kind == "bucketize") {
    t = MakeBucketizer(step);
  } else {
    step.Fail("kind", absl::StrCat("unknown kind '", AsAbsl(kind), "' (known: ", KnownKinds(), ")"));
  }
  // Unknown fields are checked by the caller once it has read its own ("kind", "columns").
  return t;
}

std::string KnownKinds() {
  return "standard_scaler, min_max_scaler, imputer, one_hot, ordinal, bucketize, log, "
         "target_encoder";
}

absl::StatusOr<NumericCell> NumericOf(const Value& v, const std::string& where) {
  switch (v.index()) {
    case 0: return NumericCell{};
    case 1: return NumericCell{true, std::get<bool>(v) ? 1.0 : 0.0};
    case 2: return NumericCell{true, static_cast<double>(std::get<int64_t>(v))};
    case 3: {
      const double d = std::get<double>(v);
      return NumericCell{!std::isnan(d), d};
    }
    default:
      return Invalid(where, absl::StrCat("expected a number, got the string '",
                                         std::get<std::string>(v), "'"));
  }
}

std::string_view Int64Key(int64_t v, KeyBuffer* buf) {
  auto [end, ec] = std::to_chars(buf->text, buf->text + sizeof(buf->text), v);
  return std::string_view(buf->text, static_cast<size_t>(end - buf->text));
}

std::string_view DoubleKey(double v, KeyBuffer* buf) {
  auto [end, ec] = std::to_chars(buf->text, buf->text + sizeof(buf->text), v);
  return std::string_view(buf->text, static_cast<size_t>(end - buf->text));
}

CategoryCell CategoryKeyOf(const Value& v, KeyBuffer* buf) {
  switch (v.index()) {
    case 0: return CategoryCell{};
    case 1: return CategoryCell{true, BoolKey(std::get<bool>(v))};
    case 2: return CategoryCell{true, Int64Key(std::get<int64_t>(v), buf)};
    case 3: {
      const double d = std::get<double>(v);
      if (std::isnan(d)) return CategoryCell{};
      return CategoryCell{true, DoubleKey(d, buf)};
    }
    default: return CategoryCell{true, std::get<std::string>(v)};
  }
}

CategoryCell CategoryKeyAt(const table::Column& c, int64_t row, KeyBuffer* buf) {
  if (c.IsNull(row)) return CategoryCell{};
  switch (c.type()) {
    case table::DataType::kString:
    case table::DataType::kCategory: return CategoryCell{true, c.StringAt(row)};
    case table::DataType::kInt64:
    case table::DataType::kTimestamp: return CategoryCell{true, Int64Key(c.Int64s()[row], buf)};
    case table::DataType::kFloat64: {
      const double d = c.Float64s()[row];
      if (std::isnan(d)) return CategoryCell{};
      return CategoryCell{true, DoubleKey(d, buf)};
    }
    case table::DataType::kBool: return CategoryCell{true, BoolKey(c.Bools()[row] != 0)};
  }
  return CategoryCell{};
}

absl::Status RequireNumeric(const table::Column& c, const std::string& where) {
  if (IsNumericType(c.type())) return absl::OkStatus();
  return Invalid(where, absl::StrCat("needs a number column (bool, int64, float64), got ",
                                     AsAbsl(table::DataTypeName(c.type()))));
}

NumberColumnWriter::NumberColumnWriter(table::DataType type, int64_t rows)
    : type_(type), rows_(rows) {
  if (type_ == table::DataType::kFloat64) {
    doubles_.assign(static_cast<size_t>(rows), 0.0);
  } else {
    ints_.assign(static_cast<size_t>(rows), 0);
  }
}

void NumberColumnWriter::SetNull(int64_t row) {
  if (validity_.empty()) validity_.assign(static_cast<size_t>((rows_ + 63) / 64), ~uint64_t{0});
  validity_[static_cast<size_t>(row >> 6)] &= ~(uint64_t{1} << (row & 63));
  if (type_ == table::DataType::kFloat64) {
    doubles_[static_cast<size_t>(row)] = 0.0;
  } else {
    ints_[static_cast<size_t>(row)] = 0;
  }
}

absl::StatusOr<table::Column> NumberColumnWriter::Finish() {
  table::ColumnBuffers b;
  b.type = type_;
  b.rows = rows_;
  b.doubles = std::move(doubles_);
  b.ints = std::move(ints_);
  b.validity = std::move(validity_);
  return table::Column::FromBuffers(std::move(b));
}

absl::StatusOr<std::vector<table::Column>> NumberColumnWriter::FinishOne() {
  ASSIGN_OR_RETURN(table::Column c, Finish());
  std::vector<table::Column> out;
  out.push_back(std::move(c));
  return out;
}

namespace {

template <typename T>
std::vector<CategoryCount> SortedNumbers(const absl::flat_hash_map<T, int64_t>& counts) {
  std::vector<std::pair<T, int64_t>> v(counts.begin(), counts.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<CategoryCount> out;
  out.reserve(v.size());
  KeyBuffer buf;
  for (const auto& [value, count] : v) {
    if constexpr (std::is_same_v<T, int64_t>) {
      out.push_back({std::string(Int64Key(value, &buf)), count});
    } else {
      out.push_back({std::string(DoubleKey(value, &buf)), count});
    }
  }
  return out;
}

}  // namespace

std::vector<CategoryCount> SortedCategories(const table::Column& c) {
  const int64_t n = c.size();
  switch (c.type()) {
    case table::DataType::kInt64:
    case table::DataType::kTimestamp: {
      absl::flat_hash_map<int64_t, int64_t> counts;
      absl::Span<const int64_t> v = c.Int64s();
      for (int64_t r = 0; r < n; ++r) {
        if (!c.IsNull(r)) ++counts[v[r]];
      }
      return SortedNumbers(counts);
    }
    case table::DataType::kFloat64: {
      absl::flat_hash_map<double, int64_t> counts;
      absl::Span<const double> v = c.Float64s();
      for (int64_t r = 0; r < n; ++r) {
        if (!c.IsNull(r) && !std::isnan(v[r])) ++counts[v[r] == 0.0 ? 0.0 : v[r]];
      }
      return SortedNumbers(counts);
    }
    case table::DataType::kBool: {
      int64_t counts[2] = {0, 0};
      absl::Span<const uint8_t> v = c.Bools();
      for (int64_t r = 0; r < n; ++r) {
        if (!c.IsNull(r)) ++counts[v[r] != 0 ? 1 : 0];
      }
      std::vector<CategoryCount> out;
      if (counts[0] > 0) out.push_back({"false", counts[0]});
      if (counts[1] > 0) out.push_back({"true", counts[1]});
      return out;
    }
    case table::DataType::kString:
    case table::DataType::kCategory: {
      absl::flat_hash_map<std::string, int64_t> counts;
      if (c.type() == table::DataType::kCategory) {
        std::vector<int64_t> per_code(static_cast<size_t>(c.DictionarySize()), 0);
        absl::Span<const int32_t> codes = c.CategoryCodes();
        for (int64_t r = 0; r < n; ++r) {
          if (!c.IsNull(r)) ++per_code[static_cast<size_t>(codes[r])];
        }
        for (int32_t code = 0; code < c.DictionarySize(); ++code) {
          if (per_code[static_cast<size_t>(code)] > 0) {
            counts[AsAbsl(c.DictionaryAt(code))] += per_code[static_cast<size_t>(code)];
          }
        }
      } else {
        for (int64_t r = 0; r < n; ++r) {
          if (!c.IsNull(r)) ++counts[AsAbsl(c.StringAt(r))];
        }
      }
      std::vector<CategoryCount> out;
      out.reserve(counts.size());
      for (auto& [key, count] : counts) out.push_back({key, count});
      std::sort(out.begin(), out.end(),
                [](const CategoryCount& a, const CategoryCount& b) { return a.key < b.key; });
      return out;
    }
  }
  return {};
}

void CheckDistinct(const std::vector<std::string>& categories, std::string_view field,
                   SpecReader& state) {
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& c : categories) {
    if (!seen.insert(c).second) {
      state.Fail(field, absl::StrCat("category '", c, "' appears twice"));
      return;
    }
  }
}

absl::Status Invalid(const std::string& where, std::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", AsAbsl(message)));
}

std::string Num(double v) {
  KeyBuffer buf;
  return std::string(DoubleKey(v, &buf));
}

}  // namespace strata::data::internal
