#include "strata/data/sql.h"

#include <sqlite3.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/data/internal/sql_vtab.h"
#include "strata/io/csv_reader.h"

namespace strata::data {
namespace internal {

// What the authorizer and the progress handler share with Query().
struct SqlConnectionState {
  int64_t deadline_micros = 0;  // 0: no deadline
  bool timed_out = false;
  // > 0 while a virtual table declares its columns (see SqlTableSource).
  int declaring = 0;
  // Why the authorizer refused the statement being prepared (empty: it did not).
  std::string refused;
};

}  // namespace internal

namespace {

using internal::SqlConnectionState;
using internal::SqlTableSource;
using table::Column;
using table::DataType;

constexpr int kMaxTableNameLength = 128;
// How many VM instructions pass between deadline checks.
constexpr int kProgressPeriod = 1000;

// Only reading statements get through; everything else is refused while the statement is
// prepared, before it can run, with a reason Query() reports.
int Authorize(void* user, int action, const char* arg1, const char* arg2, const char* /*db*/,
              const char* /*trigger*/) {
  auto* state = static_cast<SqlConnectionState*>(user);
  if (state->declaring > 0) return SQLITE_OK;  // our own sqlite3_declare_vtab, not a query
  auto refuse = [&](std::string reason) {
    if (state->refused.empty()) state->refused = std::move(reason);
    return SQLITE_DENY;
  };
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      if (arg2 != nullptr && absl::EqualsIgnoreCase(arg2, "load_extension")) {
        return refuse("load_extension() is not allowed: SQL over tables cannot load extensions");
      }
      return SQLITE_OK;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return refuse("ATTACH and DETACH are not allowed: SQL over tables cannot open database files");
    case SQLITE_UPDATE:
      // SQLite's first use of a built-in table-valued function (json_each, json_tree) asks
      // to update the schema table while it declares the table. A real UPDATE of it is still
      // refused: SQLITE_DBCONFIG_DEFENSIVE forbids it and Query() runs read-only statements
      // only (sqlite3_stmt_readonly).
      if (arg1 != nullptr && (absl::EqualsIgnoreCase(arg1, "sqlite_master") ||
                              absl::EqualsIgnoreCase(arg1, "sqlite_temp_master"))) {
        return SQLITE_OK;
      }
      [[fallthrough]];
    case SQLITE_INSERT:
    case SQLITE_DELETE:
      return refuse(absl::StrCat("writes are not allowed: the tables are read-only (",
                                 action == SQLITE_INSERT   ? "INSERT into"
                                 : action == SQLITE_UPDATE ? "UPDATE of"
                                                           : "DELETE from",
                                 " '", arg1 == nullptr ? "" : arg1, "')"));
    case SQLITE_PRAGMA:
      return refuse(absl::StrCat("PRAGMA is not allowed (", arg1 == nullptr ? "" : arg1, ")"));
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
      return refuse("transactions are not allowed: queries are read-only");
    default:
      // CREATE/DROP/ALTER of tables, indexes, views and triggers, ANALYZE, REINDEX, ...
      return refuse("only SELECT statements are allowed: SQL over tables is read-only");
  }
}

int OnProgress(void* user) {
  auto* state = static_cast<SqlConnectionState*>(user);
  if (state->deadline_micros != 0 && MonotonicMicros() > state->deadline_micros) {
    state->timed_out = true;
    return 1;  // interrupts the statement
  }
  return 0;
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// The values of one result column as SQLite produced them; Finish() picks the Strata type.
class ResultColumn {
 public:
  void Add(sqlite3_stmt* stmt, int i) {
    const int type = sqlite3_column_type(stmt, i);
    kinds_.push_back(static_cast<uint8_t>(type));
    switch (type) {
      case SQLITE_INTEGER:
        payload_.push_back(sqlite3_column_int64(stmt, i));
        ++ints_;
        break;
      case SQLITE_FLOAT: {
        const double d = sqlite3_column_double(stmt, i);
        int64_t bits = 0;
        std::memcpy(&bits, &d, sizeof(bits));
        payload_.push_back(bits);
        ++reals_;
        break;
      }
      case SQLITE_TEXT:
      case SQLITE_BLOB: {
        // sqlite3_column_blob reads TEXT without forcing a NUL-terminated copy.
        const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
        const int n = sqlite3_column_bytes(stmt, i);
        payload_.push_back(static_cast<int64_t>(spans_.size()));
        spans_.emplace_back(static_cast<int64_t>(bytes_.size()), n);
        if (n > 0) bytes_.append(p, static_cast<size_t>(n));
        ++texts_;
        break;
      }
      default:
        payload_.push_back(0);
        ++nulls_;
        break;
    }
  }

  absl::StatusOr<Column> Finish(std::optional<DataType> declared) {
    const DataType type = ChooseType(declared);
    table::ColumnBuffers b;
    b.type = type;
    b.rows = static_cast<int64_t>(kinds_.size());
    if (nulls_ > 0) {
      b.validity.assign(static_cast<size_t>((b.rows + 63) / 64), 0);
      for (size_t r = 0; r < kinds_.size(); ++r) {
        if (kinds_[r] != SQLITE_NULL) b.validity[r / 64] |= uint64_t{1} << (r % 64);
      }
    }
    switch (type) {
      case DataType::kInt64:
      case DataType::kBool:
        if (type == DataType::kInt64) b.ints.resize(kinds_.size());
        if (type == DataType::kBool) b.bools.resize(kinds_.size());
        for (size_t r = 0; r < kinds_.size(); ++r) {
          const int64_t v = kinds_[r] == SQLITE_INTEGER ? payload_[r] : 0;
          if (type == DataType::kInt64) {
            b.ints[r] = v;
          } else {
            b.bools[r] = v != 0 ? 1 : 0;
          }
        }
        break;
      case DataType::kFloat64:
        b.doubles.resize(kinds_.size());
        for (size_t r = 0; r < kinds_.size(); ++r) b.doubles[r] = AsDouble(r);
        break;
      case DataType::kTimestamp:
        b.ints.resize(kinds_.size());
        for (size_t r = 0; r < kinds_.size(); ++r) {
          if (kinds_[r] == SQLITE_NULL) continue;
          // ChooseType checked that every value parses.
          io::ParseTimestampMicros(Text(r), &b.ints[r]);
        }
        break;
      case DataType::kString:
      case DataType::kCategory:
        b.type = DataType::kString;
        b.offsets.reserve(kinds_.size() + 1);
        b.offsets.push_back(0);
        if (ints_ == 0 && reals_ == 0) {
          b.bytes = std::move(bytes_);  // spans are in row order: reuse the bytes as they are
          for (size_t r = 0; r < kinds_.size(); ++r) {
            if (kinds_[r] != SQLITE_NULL) {
              const auto& span = spans_[static_cast<size_t>(payload_[r])];
              b.offsets.push_back(span.first + span.second);
            } else {
              b.offsets.push_back(b.offsets.back());
            }
          }
        } else {
          for (size_t r = 0; r < kinds_.size(); ++r) {
            switch (kinds_[r]) {
              case SQLITE_INTEGER:
                absl::StrAppend(&b.bytes, payload_[r]);
                break;
              case SQLITE_FLOAT:
                AppendReal(AsDouble(r), &b.bytes);
                break;
              case SQLITE_TEXT:
              case SQLITE_BLOB:
                b.bytes.append(Text(r));
                break;
              default:
                break;
            }
            b.offsets.push_back(static_cast<int64_t>(b.bytes.size()));
          }
        }
        break;
    }
    return Column::FromBuffers(std::move(b));
  }

 private:
  DataType ChooseType(std::optional<DataType> declared) const {
    if (declared.has_value()) {
      switch (*declared) {
        case DataType::kInt64:
          if (reals_ == 0 && texts_ == 0) return DataType::kInt64;
          break;
        case DataType::kBool:
          if (reals_ == 0 && texts_ == 0 && AllZeroOrOne()) return DataType::kBool;
          break;
        case DataType::kFloat64:
          if (texts_ == 0) return DataType::kFloat64;
          break;
        case DataType::kTimestamp:
          if (ints_ == 0 && reals_ == 0 && AllTimestamps()) return DataType::kTimestamp;
          break;
        case DataType::kString:
        case DataType::kCategory:
          if (ints_ == 0 && reals_ == 0) return DataType::kString;
          break;
      }
    }
    if (texts_ > 0) return DataType::kString;
    if (reals_ > 0) return DataType::kFloat64;
    if (ints_ > 0) return DataType::kInt64;
    return DataType::kString;  // only NULLs, or no rows: as the CSV reader types them
  }

  bool AllZeroOrOne() const {
    for (size_t r = 0; r < kinds_.size(); ++r) {
      if (kinds_[r] == SQLITE_INTEGER && payload_[r] != 0 && payload_[r] != 1) return false;
    }
    return true;
  }

  bool AllTimestamps() const {
    int64_t micros = 0;
    for (size_t r = 0; r < kinds_.size(); ++r) {
      if (kinds_[r] == SQLITE_TEXT && !io::ParseTimestampMicros(Text(r), &micros)) return false;
      if (kinds_[r] == SQLITE_BLOB) return false;
    }
    return true;
  }

  double AsDouble(size_t r) const {
    if (kinds_[r] == SQLITE_INTEGER) return static_cast<double>(payload_[r]);
    if (kinds_[r] != SQLITE_FLOAT) return 0.0;
    double d = 0;
    std::memcpy(&d, &payload_[r], sizeof(d));
    return d;
  }

  std::string_view Text(size_t r) const {
    const auto& span = spans_[static_cast<size_t>(payload_[r])];
    return std::string_view(bytes_).substr(static_cast<size_t>(span.first),
                                           static_cast<size_t>(span.second));
  }

  // Shortest text that reads back as the same double; integral values keep a ".0" as
  // SQLite writes them.
  static void AppendReal(double d, std::string* out) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
    std::string_view text(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
    out->append(text);
    if (std::isfinite(d) && text.find_first_of(".e") == std::string_view::npos) out->append(".0");
  }

  std::vector<uint8_t> kinds_;
  std::vector<int64_t> payload_;  // INTEGER value, REAL bits, or index into spans_
  std::vector<std::pair<int64_t, int>> spans_;
  std::string bytes_;
  int64_t ints_ = 0;
  int64_t reals_ = 0;
  int64_t texts_ = 0;
  int64_t nulls_ = 0;
};

// SQLite's message for the last error, with where in the SQL it happened when SQLite knows.
std::string SqliteMessage(sqlite3* db) {
  std::string message = sqlite3_errmsg(db);
  const int offset = sqlite3_error_offset(db);
  if (offset >= 0) absl::StrAppend(&message, " (at character ", offset + 1, ")");
  return message;
}

bool IsBlank(const char* sql) {
  while (*sql != '\0' && absl::ascii_isspace(static_cast<unsigned char>(*sql))) ++sql;
  return *sql == '\0';
}

}  // namespace

absl::Status ValidateSqlTableName(std::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("table name is empty");
  if (name.size() > kMaxTableNameLength) {
    return absl::InvalidArgumentError(absl::StrCat("table name '", AsAbsl(name.substr(0, 40)),
                                                   "...' is longer than ", kMaxTableNameLength,
                                                   " characters"));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(name[i]);
    const bool ok = ch == '_' || absl::ascii_isalpha(ch) || (i > 0 && absl::ascii_isdigit(ch));
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table name '", AsAbsl(name), "' is not a plain SQL identifier: character ", i + 1,
          " is not a letter, digit or '_' (names are [A-Za-z_][A-Za-z0-9_]*)"));
    }
  }
  if (sqlite3_keyword_check(name.data(), static_cast<int>(name.size())) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("table name '", AsAbsl(name), "' is an SQL keyword"));
  }
  if (absl::StartsWithIgnoreCase(AsAbsl(name), "sqlite_")) {
    return absl::InvalidArgumentError(
        absl::StrCat("table name '", AsAbsl(name), "' is reserved: names starting with sqlite_ are SQLite's"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SqlSession>> SqlSession::Create() {
  std::unique_ptr<SqlSession> session(new SqlSession());
  session->state_ = std::make_unique<SqlConnectionState>();
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(":memory:", &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY |
                                     SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  session->db_ = db;  // closed by the destructor, also when opening failed
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("cannot open an in-memory SQLite connection: ",
                                            db == nullptr ? "out of memory" : sqlite3_errmsg(db)));
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, nullptr);
  // Sorters and materialized CTEs would otherwise spill to temporary files.
  char* error = nullptr;
  if (sqlite3_exec(db, "PRAGMA temp_store = MEMORY", nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error == nullptr ? "" : error;
    sqlite3_free(error);
    return absl::InternalError(absl::StrCat("cannot keep SQLite's temporary data in memory: ", message));
  }
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 256 << 20);       // one value (a cell) at most 256 MiB
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 16 << 20);    // the statement's text
  sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 2000);
  sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, 0);
  sqlite3_set_authorizer(db, Authorize, session->state_.get());
  return session;
}

SqlSession::~SqlSession() {
  // Closing disconnects the virtual tables, which borrow from sources_: close first.
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

absl::Status SqlSession::RegisterTable(std::string name, table::Table table) {
  RETURN_IF_ERROR(ValidateSqlTableName(name));
  for (const auto& source : sources_) {
    if (absl::EqualsIgnoreCase(source->name(), name)) {
      return absl::AlreadyExistsError(absl::StrCat("table '", name, "' is already registered"));
    }
  }
  // A built-in table-valued function (json_each, pragma_table_info, ...) would be shadowed.
  {
    sqlite3_stmt* raw = nullptr;
    state_->refused.clear();
    const std::string probe = absl::StrCat("SELECT 1 FROM \"", name, "\"");
    const int rc = sqlite3_prepare_v2(db_, probe.c_str(), -1, &raw, nullptr);
    Statement stmt(raw);
    const bool free_name = rc != SQLITE_OK && state_->refused.empty() &&
                           absl::StartsWith(sqlite3_errmsg(db_), "no such table");
    state_->refused.clear();
    if (!free_name) {
      return absl::AlreadyExistsError(
          absl::StrCat("table name '", name, "' is taken by a SQLite built-in"));
    }
  }
  auto source = std::make_unique<SqlTableSource>(name, std::move(table), &state_->declaring);
  RETURN_IF_ERROR(source->CheckDeclarable());
  RETURN_IF_ERROR(internal::RegisterSqlTableModule(db_, source.get()));
  // Connect once now so a declaration SQLite rejects fails here, not in the first query.
  sqlite3_stmt* raw = nullptr;
  const std::string probe = absl::StrCat("SELECT * FROM \"", name, "\" LIMIT 0");
  const int rc = sqlite3_prepare_v2(db_, probe.c_str(), -1, &raw, nullptr);
  Statement stmt(raw);
  if (rc != SQLITE_OK) {
    std::string message = sqlite3_errmsg(db_);
    stmt.reset();
    sqlite3_create_module_v2(db_, name.c_str(), nullptr, nullptr, nullptr);  // removes it
    return absl::InvalidArgumentError(
        absl::StrCat("table '", name, "' cannot be declared to SQLite: ", message));
  }
  sources_.push_back(std::move(source));
  return absl::OkStatus();
}

absl::StatusOr<SqlTableStats> SqlSession::TableStats(std::string_view name) const {
  for (const auto& source : sources_) {
    if (absl::EqualsIgnoreCase(source->name(), AsAbsl(name))) return source->stats();
  }
  return absl::NotFoundError(absl::StrCat("no table '", AsAbsl(name), "' is registered"));
}

absl::StatusOr<table::Table> SqlSession::Query(std::string_view sql,
                                               const SqlQueryOptions& options) {
  const std::string text(sql);
  state_->refused.clear();
  state_->timed_out = false;
  state_->deadline_micros = 0;
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int prepared = sqlite3_prepare_v2(db_, text.c_str(), static_cast<int>(text.size() + 1),
                                          &raw, &tail);
  Statement stmt(raw);
  if (prepared != SQLITE_OK) {
    std::string refused = std::move(state_->refused);
    state_->refused.clear();
    if (!refused.empty()) return absl::InvalidArgumentError(refused);
    return absl::InvalidArgumentError(absl::StrCat("SQL error: ", SqliteMessage(db_)));
  }
  if (stmt == nullptr) return absl::InvalidArgumentError("SQL error: no statement to run");
  if (tail != nullptr && !IsBlank(tail)) {
    // Anything but comments after the first statement is a second statement.
    sqlite3_stmt* next = nullptr;
    const int rc = sqlite3_prepare_v2(db_, tail, -1, &next, nullptr);
    Statement second(next);
    state_->refused.clear();
    if (rc != SQLITE_OK || second != nullptr) {
      return absl::InvalidArgumentError(
          "SQL error: only one statement can run per query (found more after the first ';')");
    }
  }
  if (sqlite3_stmt_readonly(stmt.get()) == 0) {
    return absl::InvalidArgumentError(
        "only read-only statements are allowed: SQL over tables cannot change anything");
  }

  const int columns = sqlite3_column_count(stmt.get());
  std::vector<ResultColumn> results(static_cast<size_t>(columns));
  if (options.timeout_ms > 0) {
    state_->deadline_micros = MonotonicMicros() + options.timeout_ms * 1000;
    sqlite3_progress_handler(db_, kProgressPeriod, OnProgress, state_.get());
  }
  int64_t rows = 0;
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    if (options.max_result_rows > 0 && rows >= options.max_result_rows) {
      sqlite3_progress_handler(db_, 0, nullptr, nullptr);
      return absl::ResourceExhaustedError(
          absl::StrCat("the result has more than ", options.max_result_rows, " rows"));
    }
    for (int i = 0; i < columns; ++i) results[static_cast<size_t>(i)].Add(stmt.get(), i);
    ++rows;
  }
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);
  if (rc != SQLITE_DONE) {
    if (state_->timed_out) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the query ran longer than its timeout of ", options.timeout_ms, " ms and was stopped"));
    }
    std::string message = sqlite3_errmsg(db_);
    if ((rc & 0xff) == SQLITE_NOMEM) {
      return absl::ResourceExhaustedError(absl::StrCat("SQL error: ", message));
    }
    return absl::InvalidArgumentError(absl::StrCat("SQL error: ", message));
  }

  std::vector<table::Field> fields;
  std::vector<Column> out;
  absl::flat_hash_set<std::string> used;
  for (int i = 0; i < columns; ++i) {
    const char* raw_name = sqlite3_column_name(stmt.get(), i);
    std::string base = raw_name == nullptr || *raw_name == '\0' ? absl::StrCat("column", i)
                                                                : std::string(raw_name);
    std::string name = base;
    for (int k = 1; used.contains(name); ++k) name = absl::StrCat(base, "_", k);
    used.insert(name);
    ASSIGN_OR_RETURN(Column column,
                     results[static_cast<size_t>(i)].Finish(
                         internal::TypeFromDeclared(sqlite3_column_decltype(stmt.get(), i))));
    fields.push_back({.name = std::move(name), .type = column.type()});
    out.push_back(std::move(column));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
}

}  // namespace strata::data
