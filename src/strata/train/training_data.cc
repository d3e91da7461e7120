#include "strata/train/training_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::train {
namespace {

constexpr int kMaxIntegerClasses = 20;

std::string FormatNumber(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", v);
  return buffer;
}

absl::Status NullTarget(const std::string& target, int64_t row) {
  return absl::InvalidArgumentError(
      absl::StrCat("target '", target, "' row ", row, ": value is missing"));
}

}  // namespace

absl::StatusOr<EncodedTarget> EncodeTarget(const table::Table& table, const std::string& target,
                                           std::optional<models::Task> task) {
  ASSIGN_OR_RETURN(const table::Column* column, table.ColumnByName(target));
  const table::DataType type = column->type();
  const int64_t rows = column->size();
  for (int64_t r = 0; r < rows; ++r) {
    if (column->IsNull(r)) return NullTarget(target, r);
  }
  EncodedTarget out;
  // Numeric view of the target (strings have none).
  std::vector<double> numeric;
  if (type == table::DataType::kFloat64) {
    auto v = column->Float64s();
    numeric.assign(v.begin(), v.end());
    for (int64_t r = 0; r < rows; ++r) {
      if (!std::isfinite(numeric[static_cast<size_t>(r)])) return NullTarget(target, r);
    }
  } else if (type == table::DataType::kInt64 || type == table::DataType::kTimestamp) {
    for (int64_t v : column->Int64s()) numeric.push_back(static_cast<double>(v));
  } else if (type == table::DataType::kBool) {
    for (uint8_t v : column->Bools()) numeric.push_back(v != 0 ? 1 : 0);
  }
  const bool string_like = column->IsStringLike();
  if (!task.has_value()) {
    if (type == table::DataType::kFloat64 || type == table::DataType::kTimestamp) {
      task = models::Task::kRegression;
    } else if (type == table::DataType::kInt64) {
      std::set<double> distinct(numeric.begin(), numeric.end());
      task = distinct.size() <= static_cast<size_t>(kMaxIntegerClasses)
                 ? models::Task::kMulticlass
                 : models::Task::kRegression;
    } else {
      task = models::Task::kMulticlass;
    }
  }
  if (*task == models::Task::kRegression) {
    if (string_like) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target '", target, "' is a ", AsAbsl(table::DataTypeName(type)), " column; regression needs numbers"));
    }
    out.task = models::Task::kRegression;
    out.values = std::move(numeric);
    return out;
  }
  // Classification: sorted distinct values are the classes.
  std::vector<std::string> labels;
  if (string_like) {
    std::map<std::string, int> index;
    for (int64_t r = 0; r < rows; ++r) index.emplace(std::string(column->StringAt(r)), 0);
    int next = 0;
    for (auto& [label, id] : index) {
      id = next++;
      labels.push_back(label);
    }
    for (int64_t r = 0; r < rows; ++r) {
      out.values.push_back(index.at(std::string(column->StringAt(r))));
    }
  } else {
    std::map<double, int> index;
    for (double v : numeric) index.emplace(v, 0);
    int next = 0;
    for (auto& [value, id] : index) {
      id = next++;
      labels.push_back(type == table::DataType::kBool ? (value != 0 ? "true" : "false")
                                                      : FormatNumber(value));
    }
    for (double v : numeric) out.values.push_back(index.at(v));
  }
  if (labels.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "' has ", labels.size(),
                                                   " distinct value(s); classification needs 2"));
  }
  if (*task == models::Task::kBinary && labels.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("target '", target, "' has ", labels.size(),
                                                   " classes; binary needs exactly 2"));
  }
  out.task = labels.size() == 2 ? models::Task::kBinary : models::Task::kMulticlass;
  out.class_labels = std::move(labels);
  return out;
}

absl::StatusOr<FeatureMatrix> BuildFeatureMatrix(const table::Table& table,
                                                 const std::string& exclude) {
  FeatureMatrix m;
  m.rows = table.num_rows();
  std::vector<int> columns;
  for (int c = 0; c < table.num_columns(); ++c) {
    const table::Field& field = table.schema().field(c);
    if (field.name == exclude) continue;
    if (field.type == table::DataType::kString || field.type == table::DataType::kCategory) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature column '", field.name, "' is ", AsAbsl(table::DataTypeName(field.type)),
          "; encode it with a transforms spec (one_hot, ordinal, target encoding) first"));
    }
    columns.push_back(c);
    m.names.push_back(field.name);
  }
  if (columns.empty()) return absl::InvalidArgumentError("no feature columns besides the target");
  const size_t width = columns.size();
  m.values.assign(static_cast<size_t>(m.rows) * width, 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t j = 0; j < width; ++j) {
    const table::Column& col = table.column(columns[j]);
    for (int64_t r = 0; r < m.rows; ++r) {
      float v;
      if (col.IsNull(r)) {
        v = nan;
      } else if (col.type() == table::DataType::kFloat64) {
        v = static_cast<float>(col.Float64s()[static_cast<size_t>(r)]);
      } else if (col.type() == table::DataType::kBool) {
        v = col.Bools()[static_cast<size_t>(r)] != 0 ? 1.0f : 0.0f;
      } else {
        v = static_cast<float>(col.Int64s()[static_cast<size_t>(r)]);
      }
      m.values[static_cast<size_t>(r) * width + j] = v;
    }
  }
  return m;
}

FeatureMatrix TakeRows(const FeatureMatrix& matrix, absl::Span<const int64_t> rows) {
  FeatureMatrix out;
  out.names = matrix.names;
  out.rows = static_cast<int64_t>(rows.size());
  const size_t width = matrix.names.size();
  out.values.reserve(rows.size() * width);
  for (int64_t r : rows) {
    const float* start = matrix.values.data() + static_cast<size_t>(r) * width;
    out.values.insert(out.values.end(), start, start + width);
  }
  return out;
}

std::vector<double> TakeValues(absl::Span<const double> values, absl::Span<const int64_t> rows) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(values[static_cast<size_t>(r)]);
  return out;
}

RowSplit SplitRows(int64_t rows, double fraction, uint64_t seed,
                   absl::Span<const double> class_labels) {
  RowSplit split;
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int64_t>> groups(1);
  if (!class_labels.empty()) {
    std::map<double, size_t> group_of;
    groups.clear();
    for (int64_t r = 0; r < rows; ++r) {
      auto [it, added] = group_of.emplace(class_labels[static_cast<size_t>(r)], groups.size());
      if (added) groups.emplace_back();
      groups[it->second].push_back(r);
    }
  } else {
    groups[0].resize(static_cast<size_t>(rows));
    std::iota(groups[0].begin(), groups[0].end(), 0);
  }
  for (auto& group : groups) {
    std::shuffle(group.begin(), group.end(), rng);
    size_t take = static_cast<size_t>(std::llround(fraction * static_cast<double>(group.size())));
    if (fraction > 0 && take == 0 && group.size() > 1) take = 1;
    if (take >= group.size() && group.size() > 1) take = group.size() - 1;
    split.second.insert(split.second.end(), group.begin(), group.begin() + static_cast<ptrdiff_t>(take));
    split.first.insert(split.first.end(), group.begin() + static_cast<ptrdiff_t>(take), group.end());
  }
  std::sort(split.first.begin(), split.first.end());
  std::sort(split.second.begin(), split.second.end());
  return split;
}

}  // namespace strata::train
