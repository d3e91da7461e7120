// Backend-independent parts of the store interface: Row accessors, Query helpers, Open()
// dispatch and migrations.
#include "strata/store/database.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/store/internal/backends.h"

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

absl::StatusOr<std::unique_ptr<Database>> Database::Open(std::string_view uri,
                                                         const DatabaseOptions& options) {
  if (options.max_connections < 1 || options.lock_timeout_ms < 0) {
    return absl::InvalidArgumentError("max_connections must be >= 1, lock_timeout_ms >= 0");
  }
  constexpr std::string_view kSqlite = "sqlite://";
  if (uri.substr(0, kSqlite.size()) == kSqlite) {
    return internal::OpenSqlite(uri.substr(kSqlite.size()), options);
  }
  if (uri.substr(0, 13) == "postgresql://" || uri.substr(0, 11) == "postgres://") {
    return internal::OpenPostgres(uri, options);
  }
  // Name only the scheme: the rest may hold a password.
  const size_t colon = uri.find(':');
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown database URI scheme '", AsAbsl(uri.substr(0, std::min(colon, size_t{20}))),
      "' (want sqlite:///path, sqlite://:memory: or postgresql://...)"));
}

namespace {

// Any 64-bit constant works; it only has to be the same in every Strata process.
constexpr std::string_view kMigrationLockSql = "SELECT pg_advisory_xact_lock(7319536518170442561)";

// Replaces ${ID_PK}, ${DOUBLE} and ${WITHOUT_ROWID} by the backend's spelling; see database.h.
absl::StatusOr<std::string> SubstituteTokens(std::string_view sql, Backend backend) {
  const bool pg = backend == Backend::kPostgres;
  std::string out;
  size_t i = 0;
  while (i < sql.size()) {
    size_t start = sql.find("${", i);
    if (start == std::string_view::npos) break;
    size_t end = sql.find('}', start);
    if (end == std::string_view::npos) {
      return absl::InvalidArgumentError("migration SQL has an unterminated ${ token");
    }
    out.append(sql.substr(i, start - i));
    std::string_view token = sql.substr(start + 2, end - start - 2);
    if (token == "ID_PK") {
      out += pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
    } else if (token == "DOUBLE") {
      out += pg ? "DOUBLE PRECISION" : "REAL";
    } else if (token == "WITHOUT_ROWID") {
      out += pg ? "" : "WITHOUT ROWID";
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("migration SQL has an unknown token ${", AsAbsl(token), "}"));
    }
    i = end + 1;
  }
  out.append(sql.substr(i));
  return out;
}

absl::Status TakeMigrationLock(Connection& c) {
  if (c.backend() != Backend::kPostgres) return absl::OkStatus();  // BEGIN IMMEDIATE serializes.
  return c.Execute(kMigrationLockSql).status();
}

internal::ScriptConnection* AsScript(Connection& c) {
  return dynamic_cast<internal::ScriptConnection*>(&c);
}

}  // namespace

absl::Status Database::Migrate(std::string_view component, absl::Span<const Migration> migrations) {
  const std::string comp(component);
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(absl::StrCat("migrations of ", comp,
                                                     " must be numbered 1..n in order; entry ", i,
                                                     " has version ", migrations[i].version));
    }
  }
  RETURN_IF_ERROR(Transaction([&](Connection& c) -> absl::Status {
    internal::ScriptConnection* script = AsScript(c);
    if (script == nullptr) return absl::InternalError("Migrate() needs a store/ connection");
    RETURN_IF_ERROR(TakeMigrationLock(c));
    RETURN_IF_ERROR(script->ExecuteScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, "
        "version INTEGER NOT NULL, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL, "
        "PRIMARY KEY (component, version))"));
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     c.QueryOne("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                                {Value(comp)}));
    const int64_t applied = row ? row->GetInt(0) : 0;
    if (applied > static_cast<int64_t>(migrations.size())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "database schema of ", comp, " is at version ", applied, " but this program knows only ",
          migrations.size(), " migrations; upgrade the program"));
    }
    return absl::OkStatus();
  }));
  for (const Migration& m : migrations) {
    RETURN_IF_ERROR(Transaction([&](Connection& c) -> absl::Status {
      RETURN_IF_ERROR(TakeMigrationLock(c));
      // Checked under the lock: another process may have applied it meanwhile.
      ASSIGN_OR_RETURN(
          std::optional<Row> done,
          c.QueryOne("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?",
                     {Value(comp), Value(int64_t{m.version})}));
      if (done) return absl::OkStatus();
      ASSIGN_OR_RETURN(std::string sql, SubstituteTokens(m.sql, backend()));
      absl::Status s = AsScript(c)->ExecuteScript(sql);
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat("migration ", comp, " ", m.version, " (", m.name,
                                                   ") failed: ", s.message()));
      }
      return c
          .Execute(
              "INSERT INTO schema_migrations (component, version, name, applied_at_ms) "
              "VALUES (?, ?, ?, ?)",
              {Value(comp), Value(int64_t{m.version}), Value(m.name), Value(NowMillis())})
          .status();
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> Database::SchemaVersion(std::string_view component) {
  int version = 0;
  const std::string_view exists_sql =
      backend() == Backend::kPostgres
          ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = 'schema_migrations'"
          : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
  RETURN_IF_ERROR(Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Row> exists, c.QueryOne(exists_sql));
    if (!exists) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     c.QueryOne("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                                {Value(std::string(component))}));
    if (row) version = static_cast<int>(row->GetInt(0));
    return absl::OkStatus();
  }));
  return version;
}

absl::Status Database::Ping() {
  return Read([](Connection& c) { return c.QueryOne("SELECT 1").status(); });
}

}  // namespace strata::store
