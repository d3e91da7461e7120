// SQL over Strata tables: SQLite's engine reading table::Table columns in place.
//
// Each registered table is an eponymous SQLite virtual table on a private in-memory
// connection; nothing is copied into a database. Joins, GROUP BY, window functions, CTEs and
// everything else SQLite's SELECT supports work.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SqlSession> session, SqlSession::Create());
//   RETURN_IF_ERROR(session->RegisterTable("events", std::move(events)));
//   ASSIGN_OR_RETURN(table::Table top, session->Query(
//       "SELECT city, count(*) AS n FROM events GROUP BY city ORDER BY n DESC LIMIT 5"));
//
// How column values look to SQL:
//   int64     INTEGER
//   float64   REAL; NaN is NULL (SQLite has no NaN: it turns NaN into NULL itself)
//   string    TEXT, handed to SQLite as a pointer into the column's bytes (SQLITE_STATIC, no
//   category  copy per value); category gives its dictionary entry the same way
//   bool      INTEGER 0 / 1 (write `WHERE active` or `active = 1`, not `active = 'true'`)
//   timestamp TEXT 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC), SQLite's own date-time format, so
//             date(), strftime(), julianday() work and comparisons with ISO literals in that
//             canonical form order correctly ('2024-03-01 00:00:00' > '2024-03-01' as text:
//             compare with full 'YYYY-MM-DD HH:MM:SS' literals or wrap in date()). Chosen over
//             INTEGER µs because date functions then work without conversions; the value is
//             formatted per read, the one type that is not zero-copy.
//   null      NULL
//
// Result typing: a result column that comes straight from a table column (SQLite's declared
// type) keeps that column's type (bool, timestamp, int64, float64; category comes back as
// string) as long as every value fits it. Other columns take the type of their values: all
// INTEGER -> int64, INTEGER and REAL -> float64, any TEXT or BLOB -> string (numbers in it
// written as text; BLOB bytes as they are); no values at all (only NULLs, or no rows) ->
// string, as the CSV reader does. NULLs stay nulls. Repeated result names get "_1", "_2", ...
//
// Safety: a query cannot touch the filesystem or change anything. An authorizer allows only
// reading SELECTs (with CTEs, recursive CTEs, subqueries, window functions); ATTACH, DETACH,
// PRAGMA, VACUUM, writes, CREATE/DROP/ALTER, transactions and load_extension() are refused
// before they run; extension loading is never enabled; temporary b-trees are kept in memory
// (temp_store=MEMORY); one statement per Query(). A timeout stops a runaway query.
//
// Pushdown: equality and range constraints (=, <, <=, >, >=; IN as repeated equality) on
// int64, float64, bool and timestamp columns, and equality on string/category columns, are
// evaluated by the virtual table before rows reach SQLite's VM. The first few calls on a
// column scan it in C++; once the scans on a column have read ~4x its rows (the inner side
// of a join probes it per outer row) a sorted index of the column is built and used for
// binary searches. SQLite still re-checks every returned row, so a pushdown is only ever an
// optimisation. ORDER BY / GROUP BY on plain (non-timestamp) columns of an unconstrained scan
// is served in SQLite's order by the virtual table (a radix sort over value ranks, cached),
// so SQLite needs no sorter and aggregates GROUP BY as a stream.
//
// Thread-safety: a SqlSession is not thread-safe; use one per thread. Registered tables are
// immutable and may be shared with other sessions.
#ifndef STRATA_DATA_SQL_H_
#define STRATA_DATA_SQL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/table/table.h"

struct sqlite3;

namespace strata::data {

struct SqlQueryOptions {
  // Stop the query with DEADLINE_EXCEEDED after this many milliseconds; 0 = no limit.
  int64_t timeout_ms = 0;
  // Fail with RESOURCE_EXHAUSTED when the result has more rows than this; 0 = no limit.
  int64_t max_result_rows = 0;
};

// What the virtual table of one registered table did, summed over the session's queries:
// how often SQLite started a scan of it (xFilter), how many rows it handed to SQLite, how
// many rows it read to find them, and how many sorted column indexes it built.
struct SqlTableStats {
  int64_t scans = 0;
  int64_t rows_returned = 0;
  int64_t rows_examined = 0;
  int64_t indexes_built = 0;
};

// Errors: INVALID_ARGUMENT unless `name` is a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*,
// at most 128 characters), not an SQL keyword and not starting with "sqlite_".
absl::Status ValidateSqlTableName(std::string_view name);

namespace internal {
class SqlTableSource;
struct SqlConnectionState;
}  // namespace internal

class SqlSession {
 public:
  // Errors: INTERNAL when SQLite cannot open an in-memory connection.
  static absl::StatusOr<std::unique_ptr<SqlSession>> Create();
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  // Makes `table` queryable as `name` (case-insensitive in SQL, as SQLite's names are).
  // Errors: INVALID_ARGUMENT for a bad name (see ValidateSqlTableName), a table without
  // columns, or column names SQLite cannot declare (two that differ only in case);
  // ALREADY_EXISTS when the name is registered or is a SQLite built-in (json_each, ...).
  absl::Status RegisterTable(std::string name, table::Table table);

  // Runs one read-only SQL statement and returns its result as a typed table.
  // Errors: INVALID_ARGUMENT with SQLite's message for syntax errors, unknown tables or
  // columns and runtime errors; INVALID_ARGUMENT naming the rule for refused statements
  // (writes, ATTACH, PRAGMA, load_extension, more than one statement); DEADLINE_EXCEEDED
  // after options.timeout_ms; RESOURCE_EXHAUSTED past options.max_result_rows or when SQLite
  // runs out of memory.
  absl::StatusOr<table::Table> Query(std::string_view sql, const SqlQueryOptions& options = {});

  // Errors: NOT_FOUND for a name that was not registered.
  absl::StatusOr<SqlTableStats> TableStats(std::string_view name) const;

  // The underlying connection, for tests that inspect what SQLite sees (e.g. register a
  // function that checks a TEXT value's address). Not for production use.
  sqlite3* connection_for_testing() const { return db_; }

 private:
  SqlSession() = default;

  sqlite3* db_ = nullptr;
  std::unique_ptr<internal::SqlConnectionState> state_;
  std::vector<std::unique_ptr<internal::SqlTableSource>> sources_;
};

}  // namespace strata::data

#endif  // STRATA_DATA_SQL_H_
