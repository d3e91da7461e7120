// Backend-independent parts of the store interface: Row accessors, Query helpers, Open()
// dispatch and migrations.
#include "strata/store/database.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace strata::store {

bool Row::IsNull(size_t col) const {
  return col >= values_.size() || std::holds_alternative<std::monostate>(values_[col]);
}

int64_t Row::GetInt(size_t col) const {
  if (col >= values_.size()) return 0;
  const Value& v = values_[col];
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    if (absl::SimpleAtoi(*s, &out)) return out;
  }
  return 0;
}

double Row::GetDouble(size_t col) const {
  if (col >= values_.size()) return 0;
  const Value& v = values_[col];
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const std::string* s = std::get_if<std::string>(&v)) {
    double out = 0;
    if (absl::SimpleAtod(*s, &out)) return out;
  }
  return 0;
}

std::string Row::GetString(size_t col) const {
  if (col >= values_.size()) return "";
  const Value& v = values_[col];
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return absl::StrCat(*i);
  if (const double* d = std::get_if<double>(&v)) return absl::StrCat(*d);
  return "";
}

std::optional<int64_t> Row::GetOptionalInt(size_t col) const {
  if (IsNull(col)) return std::nullopt;
  return GetInt(col);
}

std::optional<std::string> Row::GetOptionalString(size_t col) const {
  if (IsNull(col)) return std::nullopt;
  return GetString(col);
}

absl::StatusOr<std::vector<Row>> Connection::Query(std::string_view sql,
                                                   absl::Span<const Value> params) {
  std::vector<Row> rows;
  absl::Status s = ForEach(sql, params, [&](const Row& r) {
    rows.push_back(r);
    return true;
  });
  if (!s.ok()) return s;
  return rows;
}

absl::StatusOr<std::optional<Row>> Connection::QueryOne(std::string_view sql,
                                                        absl::Span<const Value> params) {
  std::optional<Row> row;
  absl::Status s = ForEach(sql, params, [&](const Row& r) {
    row = r;
    return false;
  });
  if (!s.ok()) return s;
  return row;
}

}  // namespace strata::store
