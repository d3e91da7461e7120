// The SQLite virtual table module behind data/sql.h: one eponymous, read-only virtual table
// per registered table::Table, reading its columns in place.
#ifndef STRATA_DATA_INTERNAL_SQL_VTAB_H_
#define STRATA_DATA_INTERNAL_SQL_VTAB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "strata/data/sql.h"
#include "strata/table/table.h"

struct sqlite3;

namespace strata::data::internal {

// Declared SQL types of the virtual tables' columns. Each names SQLite's affinity it should
// get (INT -> INTEGER, FLOA -> REAL, TEXT -> TEXT) and lets the result typing in sql.cc
// recover the Strata type from sqlite3_column_decltype().
inline constexpr const char kDeclInt64[] = "INT64";
inline constexpr const char kDeclFloat64[] = "FLOAT64";
inline constexpr const char kDeclBool[] = "BOOL_INT";
inline constexpr const char kDeclString[] = "TEXT";
inline constexpr const char kDeclCategory[] = "CATEGORY_TEXT";
inline constexpr const char kDeclTimestamp[] = "TIMESTAMP_TEXT";

const char* DeclaredType(table::DataType type);
// The integer a bool (0/1), int64, timestamp (µs) or category (code) row compares by.
int64_t IntKey(const table::Column& column, int64_t row);
// The Strata type a declared type names; nullopt for anything else (expressions have none).
std::optional<table::DataType> TypeFromDeclared(const char* declared);

// A sorted index of one column: the rows with a value (no nulls, no NaN) ordered by value.
// int64, bool and timestamp keep their keys beside the rows for cache-friendly searches.
struct SortedColumnIndex {
  std::vector<int64_t> rows;
  std::vector<int64_t> int_keys;
  std::vector<double> double_keys;
};

// One registered table as its virtual table sees it. Owned by the SqlSession; the session
// closes the connection before destroying its sources.
class SqlTableSource {
 public:
  // `declaring` counts the virtual table declarations in progress on the connection: SQLite
  // runs the authorizer over sqlite3_declare_vtab's CREATE TABLE, which the session's
  // authorizer lets through only while the count is positive.
  SqlTableSource(std::string name, table::Table table, int* declaring);

  const std::string& name() const { return name_; }
  const table::Table& table() const { return table_; }
  // INVALID_ARGUMENT for a table SQLite cannot declare: no columns, or two column names that
  // differ only in case.
  absl::Status CheckDeclarable() const;
  // "CREATE TABLE x("col" TYPE, ...)" for sqlite3_declare_vtab.
  std::string DeclarationSql() const;
  int* declaring() const { return declaring_; }

  SqlTableStats& stats() { return stats_; }
  const SqlTableStats& stats() const { return stats_; }

  // The column's sorted index if it exists, else nullptr. A filter on `column` that scanned
  // `rows_scanned` rows reports it here; past ~4x the table's rows the index gets built and
  // returned, so repeated probes (the inner side of a join) turn into binary searches.
  const SortedColumnIndex* IndexFor(int column);
  void RecordScan(int column, int64_t rows_scanned);
  // The rows in SQLite's order for ORDER BY `terms` (NULLs and NaN first ascending, last
  // descending; -0.0 equal to 0.0; strings bytewise), ties in row order. Built on first use
  // by a radix sort over dense value ranks and cached.
  struct OrderTerm {
    int column = 0;
    bool descending = false;
  };
  const std::vector<int64_t>& SortedOrder(const std::vector<OrderTerm>& terms);
  // The code of `value` in category column `column`'s dictionary (a hash map built on first
  // use), or nullopt when the dictionary does not hold it.
  std::optional<int32_t> CategoryCode(int column, std::string_view value);

 private:
  void BuildIndex(int column);

  std::string name_;
  table::Table table_;
  int* declaring_ = nullptr;
  SqlTableStats stats_;
  std::vector<int64_t> scan_work_;                          // per column
  std::vector<std::unique_ptr<SortedColumnIndex>> indexes_;  // per column, built on demand
  std::vector<std::unique_ptr<absl::flat_hash_map<std::string, int32_t>>> category_codes_;
  absl::flat_hash_map<std::string, std::unique_ptr<std::vector<int64_t>>> sorted_orders_;
};

// Registers `source` on `db` as an eponymous-only virtual table module named source->name()
// (no CREATE VIRTUAL TABLE needed; `SELECT ... FROM name` finds it).
absl::Status RegisterSqlTableModule(sqlite3* db, SqlTableSource* source);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_SQL_VTAB_H_
