#include "strata/table/join.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/table/internal/row_key.h"

namespace strata::table {
namespace {

// Encodes row `r`'s key into `key`; false when a key part is null (it can match nothing).
bool EncodeKey(const std::vector<const Column*>& columns, int64_t r, std::string& key) {
  key.clear();
  for (const Column* c : columns) {
    if (c->IsNull(r)) return false;
    internal::AppendRowKey(*c, r, key);
  }
  return true;
}

}  // namespace

absl::StatusOr<Table> HashJoin(const Table& left, const Table& right, const JoinOptions& options) {
  const std::vector<std::string>& lkeys = options.left_keys;
  const std::vector<std::string>& rkeys =
      options.right_keys.empty() ? options.left_keys : options.right_keys;
  if (lkeys.empty()) return absl::InvalidArgumentError("join needs at least one key column");
  if (lkeys.size() != rkeys.size()) {
    return absl::InvalidArgumentError(absl::StrCat("join has ", lkeys.size(), " left keys but ",
                                                   rkeys.size(), " right keys"));
  }
  std::vector<const Column*> lcols, rcols;
  for (size_t i = 0; i < lkeys.size(); ++i) {
    ASSIGN_OR_RETURN(const Column* l, left.ColumnByName(lkeys[i]));
    ASSIGN_OR_RETURN(const Column* r, right.ColumnByName(rkeys[i]));
    if (l->type() != r->type()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "join key '", lkeys[i], "' is ", AsAbsl(DataTypeName(l->type())), " on the left but '",
          rkeys[i], "' is ", AsAbsl(DataTypeName(r->type())), " on the right"));
    }
    lcols.push_back(l);
    rcols.push_back(r);
  }

  // Right rows by key, chained through `next_match` in right order.
  absl::flat_hash_map<std::string, std::pair<int64_t, int64_t>> first_last;  // key -> rows
  std::vector<int64_t> next_match(static_cast<size_t>(right.num_rows()), -1);
  std::string key;
  for (int64_t r = 0; r < right.num_rows(); ++r) {
    if (!EncodeKey(rcols, r, key)) continue;
    auto [it, inserted] = first_last.try_emplace(key, r, r);
    if (!inserted) {
      next_match[static_cast<size_t>(it->second.second)] = r;
      it->second.second = r;
    }
  }

  std::vector<int64_t> left_rows, right_rows;
  for (int64_t l = 0; l < left.num_rows(); ++l) {
    auto it = EncodeKey(lcols, l, key) ? first_last.find(key) : first_last.end();
    if (it == first_last.end()) {
      if (options.type == JoinType::kLeft) {
        left_rows.push_back(l);
        right_rows.push_back(-1);
      }
      continue;
    }
    for (int64_t r = it->second.first; r >= 0; r = next_match[static_cast<size_t>(r)]) {
      left_rows.push_back(l);
      right_rows.push_back(r);
    }
  }

  std::vector<Field> fields;
  std::vector<Column> columns;
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < left.num_columns(); ++i) {
    fields.push_back(left.schema().field(i));
    names.insert(left.schema().field(i).name);
    columns.push_back(left.column(i).Take(left_rows));
  }
  const absl::flat_hash_set<std::string> right_key_names(rkeys.begin(), rkeys.end());
  for (int i = 0; i < right.num_columns(); ++i) {
    Field f = right.schema().field(i);
    if (right_key_names.contains(f.name)) continue;
    if (names.contains(f.name)) f.name += options.right_suffix;
    if (!names.insert(f.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("join output column '", f.name, "' is taken even with the suffix"));
    }
    fields.push_back(std::move(f));
    columns.push_back(right.column(i).Take(right_rows));
  }
  return Table::Make(Schema(std::move(fields)), std::move(columns));
}

}  // namespace strata::table
