// One small SQL interface over two backends: SQLite (embedded default) and PostgreSQL (libpq).
//
// Domain stores (tracking/tracking_store.h, registry/model_registry.h, ...) are the only users;
// SQL text lives in those store classes and here, nowhere else.
//
// SQL dialect contract for callers:
//   * Placeholders are `?` in both backends (the PostgreSQL backend rewrites them to $1..$n,
//     leaving `?` inside quoted literals alone).
//   * Write portable SQL: INSERT ... ON CONFLICT (...) DO NOTHING/UPDATE, RETURNING, LIMIT/OFFSET,
//     CASE, COALESCE, LOWER(), LIKE. SQLite's LIKE is made case-sensitive (as in PostgreSQL and
//     MLflow); for case-insensitive matching use LOWER(x) LIKE LOWER(?).
//   * PostgreSQL infers each parameter's type from its context; a bare `? IS NULL` cannot be
//     inferred, so write `CAST(? AS TEXT) IS NULL` or avoid it.
//   * Migration SQL may use exactly three tokens, which Migrate() substitutes per backend:
//       ${ID_PK}   auto-increment 64-bit primary key column type
//                  (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: BIGSERIAL PRIMARY KEY)
//       ${DOUBLE}  64-bit float (SQLite: REAL; PostgreSQL: DOUBLE PRECISION)
//       ${WITHOUT_ROWID}  after a CREATE TABLE's closing parenthesis: SQLite stores the table
//                  in its primary-key B-tree only (one tree to update per insert instead of
//                  two); nothing on PostgreSQL

//     Any other ${...} is an INVALID_ARGUMENT error. Everything else is written in types both
//     accept as they are: TEXT, INTEGER, BIGINT, plus CHECK/UNIQUE/REFERENCES constraints.
//   * Store NaN as a separate flag column: SQLite turns NaN into NULL. +-Infinity round-trips
//     in both.
//   * PostgreSQL's `?`-operators (jsonb `?`, `?|`, `?&`) cannot be used: every `?` outside a
//     quoted literal, quoted identifier or comment is a placeholder.
//   * Result cells: integer columns read as int64, floating/numeric as double, booleans as
//     int64 0/1, everything else as text; SQL NULL as std::monostate.
//
// Thread-safety: Database is thread-safe. A Connection is lent to exactly one callback at a
// time and must not escape it. Do not call Transaction()/Read() from inside a callback: the
// nested call may wait for the connection the outer one holds (SQLite :memory: shares one).
#ifndef STRATA_STORE_DATABASE_H_
#define STRATA_STORE_DATABASE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace strata::store {

enum class Backend { kSqlite, kPostgres };

// A bound parameter or a result cell. std::monostate is SQL NULL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;

inline Value Null() { return std::monostate{}; }

// One result row. Column access is by position in the SELECT list.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  bool IsNull(size_t col) const;
  // Typed getters convert between int64/double/text where lossless-ish
  // (an integer column read as double, a numeric text read as int). NULL reads as 0 / "".
  int64_t GetInt(size_t col) const;
  double GetDouble(size_t col) const;
  std::string GetString(size_t col) const;
  std::optional<int64_t> GetOptionalInt(size_t col) const;
  std::optional<std::string> GetOptionalString(size_t col) const;
  const Value& value(size_t col) const { return values_[col]; }

 private:
  std::vector<Value> values_;
};

// A connection lent to a Transaction/Read callback.
class Connection {
 public:
  virtual ~Connection() = default;

  virtual Backend backend() const = 0;

  // Executes one statement (prepared and cached per connection) and returns the number of rows
  // it changed. Errors: ALREADY_EXISTS on a unique/primary-key violation, FAILED_PRECONDITION on
  // other constraint violations, INTERNAL otherwise (message includes the database's text).
  // IMPORTANT: after an error inside a PostgreSQL transaction the transaction is aborted; return
  // the error from the callback instead of issuing more statements.
  virtual absl::StatusOr<int64_t> Execute(std::string_view sql,
                                          absl::Span<const Value> params = {}) = 0;

  // Runs a query and calls `fn` for each row in order; `fn` returns false to stop early.
  virtual absl::Status ForEach(std::string_view sql, absl::Span<const Value> params,
                               absl::FunctionRef<bool(const Row&)> fn) = 0;

  // All rows of a query.
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                         absl::Span<const Value> params = {});
  // The first row of a query, or nullopt when it returns none.
  absl::StatusOr<std::optional<Row>> QueryOne(std::string_view sql,
                                              absl::Span<const Value> params = {});
};

// A numbered schema change for one component ("tracking", "registry", ...). Versions start at
// 1 and increase by one; each migration runs in its own transaction and is recorded in the
// `schema_migrations` table. `sql` may hold several statements separated by ';'.
struct Migration {
  int version;
  std::string name;
  std::string sql;
};

struct DatabaseOptions {
  // PostgreSQL: connections kept in the pool. SQLite: reader connections (one writer always).
  int max_connections = 8;
  // How long a writer waits for a lock before giving up (SQLite busy timeout; also bounds
  // retries of transient PostgreSQL serialization failures).
  int lock_timeout_ms = 30000;
};

class Database {
 public:
  virtual ~Database() = default;

  // Opens `uri`: "sqlite:///abs/path/strata.db", "sqlite://:memory:" (tests) or
  // "postgresql://user:pass@host:port/db" (also "postgres://"). SQLite runs in WAL mode with
  // synchronous=NORMAL, which is durable against a killed process. Errors: INVALID_ARGUMENT for
  // an unknown scheme or malformed URI, UNAVAILABLE when the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<Database>> Open(std::string_view uri,
                                                        const DatabaseOptions& options = {});

  virtual Backend backend() const = 0;

  // Runs `fn` inside a read-write transaction and commits when it returns OK, rolls back
  // otherwise. Transient conflicts (SQLITE_BUSY, PostgreSQL serialization failure/deadlock)
  // are retried by re-running `fn`, so `fn` must not have effects outside the database.
  // SQLite writers are serialized in-process, so "database is locked" never reaches callers.
  virtual absl::Status Transaction(absl::FunctionRef<absl::Status(Connection&)> fn) = 0;

  // Runs `fn` on a connection for reads, inside a read transaction (consistent snapshot).
  virtual absl::Status Read(absl::FunctionRef<absl::Status(Connection&)> fn) = 0;

  // Applies every migration of `component` newer than the recorded version, in order.
  absl::Status Migrate(std::string_view component, absl::Span<const Migration> migrations);

  // Whether the database answers a trivial query now (health checks).
  absl::Status Ping();

  // The highest applied migration version of `component` (0 when none).
  absl::StatusOr<int> SchemaVersion(std::string_view component);

  // Runs the backend's integrity check (SQLite: PRAGMA integrity_check; PostgreSQL: a query
  // round trip). Errors: DATA_LOSS with the database's report.
  virtual absl::Status IntegrityCheck() = 0;
};

}  // namespace strata::store

#endif  // STRATA_STORE_DATABASE_H_
