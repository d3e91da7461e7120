#include "strata/table/group_by.h"

#include <cmath>
#include <optional>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/table/internal/row_key.h"

namespace strata::table {
namespace {

std::string_view OpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kMean:
      return "mean";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
  }
  return "?";
}

// Per-group state of one aggregate.
struct Accumulator {
  AggregateOp op;
  const Column* column;  // null for count(*)
  std::vector<int64_t> counts;
  std::vector<uint64_t> int_sums;  // wraps on overflow, by definition for unsigned
  std::vector<double> float_sums;
  std::vector<int64_t> best_row;   // min/max: the row holding the current extreme, -1 none

  bool Present(int64_t r) const {
    if (column->IsNull(r)) return false;
    return column->type() != DataType::kFloat64 || !std::isnan(column->Float64s()[r]);
  }

  // Whether row a is strictly less than row b (both present).
  bool Less(int64_t a, int64_t b) const {
    switch (column->type()) {
      case DataType::kInt64:
      case DataType::kTimestamp:
        return column->Int64s()[a] < column->Int64s()[b];
      case DataType::kFloat64:
        return column->Float64s()[a] < column->Float64s()[b];
      case DataType::kString:
      case DataType::kCategory:
        return column->StringAt(a) < column->StringAt(b);
      case DataType::kBool:
        return column->Bools()[a] < column->Bools()[b];
    }
    return false;
  }

  void Grow(size_t groups) {
    counts.resize(groups, 0);
    if (op == AggregateOp::kSum || op == AggregateOp::kMean) {
      int_sums.resize(groups, 0);
      float_sums.resize(groups, 0.0);
    }
    if (op == AggregateOp::kMin || op == AggregateOp::kMax) best_row.resize(groups, -1);
  }

  void Add(int64_t group, int64_t r) {
    const auto g = static_cast<size_t>(group);
    if (column == nullptr) {
      ++counts[g];
      return;
    }
    if (!Present(r)) return;
    ++counts[g];
    switch (op) {
      case AggregateOp::kCount:
        break;
      case AggregateOp::kSum:
      case AggregateOp::kMean:
        if (column->type() == DataType::kFloat64) {
          float_sums[g] += column->Float64s()[r];
        } else if (column->type() == DataType::kBool) {
          int_sums[g] += column->Bools()[r];
        } else {
          int_sums[g] += static_cast<uint64_t>(column->Int64s()[r]);
        }
        break;
      case AggregateOp::kMin:
        if (best_row[g] < 0 || Less(r, best_row[g])) best_row[g] = r;
        break;
      case AggregateOp::kMax:
        if (best_row[g] < 0 || Less(best_row[g], r)) best_row[g] = r;
        break;
    }
  }

  DataType OutputType() const {
    switch (op) {
      case AggregateOp::kCount:
        return DataType::kInt64;
      case AggregateOp::kSum:
        return column->type() == DataType::kFloat64 ? DataType::kFloat64 : DataType::kInt64;
      case AggregateOp::kMean:
        return DataType::kFloat64;
      case AggregateOp::kMin:
      case AggregateOp::kMax:
        return column->type();
    }
    return DataType::kInt64;
  }

  Column Finish(size_t groups) const {
    ColumnBuilder b(OutputType());
    b.Reserve(static_cast<int64_t>(groups));
    for (size_t g = 0; g < groups; ++g) {
      if (op == AggregateOp::kCount) {
        b.AppendInt64(counts[g]);
        continue;
      }
      if (counts[g] == 0) {
        b.AppendNull();
        continue;
      }
      const bool is_float = column->type() == DataType::kFloat64;
      switch (op) {
        case AggregateOp::kSum:
          if (is_float) {
            b.AppendFloat64(float_sums[g]);
          } else {
            b.AppendInt64(static_cast<int64_t>(int_sums[g]));
          }
          break;
        case AggregateOp::kMean: {
          const double sum = is_float ? float_sums[g]
                                      : static_cast<double>(static_cast<int64_t>(int_sums[g]));
          b.AppendFloat64(sum / static_cast<double>(counts[g]));
          break;
        }
        default: {
          const int64_t r = best_row[g];
          switch (column->type()) {
            case DataType::kInt64:
            case DataType::kTimestamp:
              b.AppendInt64(column->Int64s()[r]);
              break;
            case DataType::kFloat64:
              b.AppendFloat64(column->Float64s()[r]);
              break;
            case DataType::kString:
            case DataType::kCategory:
              b.AppendString(column->StringAt(r));
              break;
            case DataType::kBool:
              b.AppendBool(column->Bools()[r] != 0);
              break;
          }
        }
      }
    }
    return b.Finish();
  }
};

absl::Status CheckApplies(AggregateOp op, const std::string& name, DataType type) {
  bool ok = true;
  switch (op) {
    case AggregateOp::kCount:
      break;
    case AggregateOp::kSum:
    case AggregateOp::kMean:
      ok = type == DataType::kInt64 || type == DataType::kFloat64 || type == DataType::kBool;
      break;
    case AggregateOp::kMin:
    case AggregateOp::kMax:
      ok = type != DataType::kBool;
      break;
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(OpName(op)), " does not apply to column '",
                                                 name, "' of type ", AsAbsl(DataTypeName(type))));
}

}  // namespace

absl::StatusOr<Table> GroupBy(const Table& table, const std::vector<std::string>& keys,
                              const std::vector<Aggregate>& aggregates) {
  if (keys.empty()) return absl::InvalidArgumentError("group-by needs at least one key column");
  std::vector<const Column*> key_columns;
  for (const std::string& k : keys) {
    ASSIGN_OR_RETURN(const Column* c, table.ColumnByName(k));
    key_columns.push_back(c);
  }
  std::vector<Accumulator> accumulators;
  std::vector<Field> fields;
  absl::flat_hash_set<std::string> names;
  for (const std::string& k : keys) {
    const Field& f = table.schema().field(*table.schema().FieldIndex(k));
    if (!names.insert(f.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("key column '", f.name, "' given twice"));
    }
    fields.push_back(f);
  }
  for (const Aggregate& a : aggregates) {
    const Column* c = nullptr;
    if (!a.column.empty()) {
      ASSIGN_OR_RETURN(c, table.ColumnByName(a.column));
      RETURN_IF_ERROR(CheckApplies(a.op, a.column, c->type()));
    } else if (a.op != AggregateOp::kCount) {
      return absl::InvalidArgumentError(
          absl::StrCat(AsAbsl(OpName(a.op)), " needs a column (only count takes *)"));
    }
    Accumulator acc{a.op, c, {}, {}, {}, {}};
    std::string name = a.output_name.empty()
                           ? absl::StrCat(AsAbsl(OpName(a.op)), "(",
                                          a.column.empty() ? "*" : a.column, ")")
                           : a.output_name;
    if (!names.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("output column '", name, "' is repeated"));
    }
    fields.push_back(Field{name, c == nullptr ? DataType::kInt64 : acc.OutputType()});
    accumulators.push_back(std::move(acc));
  }

  absl::flat_hash_map<std::string, int64_t> group_of_key;
  std::vector<int64_t> first_rows;
  std::string key;  // reused: an allocation only when a new group appears
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    key.clear();
    for (const Column* c : key_columns) internal::AppendRowKey(*c, r, key);
    auto it = group_of_key.find(key);
    int64_t group;
    if (it == group_of_key.end()) {
      group = static_cast<int64_t>(first_rows.size());
      group_of_key.emplace(key, group);
      first_rows.push_back(r);
      for (Accumulator& a : accumulators) a.Grow(first_rows.size());
    } else {
      group = it->second;
    }
    for (Accumulator& a : accumulators) a.Add(group, r);
  }

  std::vector<Column> columns;
  for (const Column* c : key_columns) columns.push_back(c->Take(first_rows));
  for (const Accumulator& a : accumulators) columns.push_back(a.Finish(first_rows.size()));
  return Table::Make(Schema(std::move(fields)), std::move(columns));
}

}  // namespace strata::table
