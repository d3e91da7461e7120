// PostgreSQL backend over libpq: a lazily filled connection pool, statements prepared once per
// connection, text-format parameters and results converted by column type.
#include <libpq-fe.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/store/internal/backends.h"
#include "strata/store/internal/connection_pool.h"

namespace strata::store::internal {
namespace {

// Serialization failures and deadlocks are retried this often (and within lock_timeout_ms).
constexpr int kMaxTransactionAttempts = 20;
// Type OIDs from pg_type.dat; stable across PostgreSQL versions.
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700,
              kFloat8Oid = 701, kNumericOid = 1700;

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", d);
  return buf;
}

double ParseDouble(const char* s) {
  if (std::strcmp(s, "NaN") == 0) return std::nan("");
  if (std::strcmp(s, "Infinity") == 0) return HUGE_VAL;
  if (std::strcmp(s, "-Infinity") == 0) return -HUGE_VAL;
  return std::strtod(s, nullptr);
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// One libpq connection and its prepared statements. Used by one thread at a time.
class PgConnection final : public ScriptConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {
    // NOTICEs ("relation already exists, skipping") are not errors; keep stderr quiet.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Backend backend() const override { return Backend::kPostgres; }

  absl::StatusOr<int64_t> Execute(std::string_view sql, absl::Span<const Value> params) override {
    ASSIGN_OR_RETURN(Result res, Run(sql, params));
    int64_t n = 0;
    if (!absl::SimpleAtoi(PQcmdTuples(res.get()), &n)) n = 0;
    return n;
  }

  absl::Status ForEach(std::string_view sql, absl::Span<const Value> params,
                       absl::FunctionRef<bool(const Row&)> fn) override {
    ASSIGN_OR_RETURN(Result res, Run(sql, params));
    PGresult* r = res.get();
    const int nrows = PQntuples(r);
    const int ncols = PQnfields(r);
    std::vector<Oid> types(ncols);
    for (int c = 0; c < ncols; ++c) types[c] = PQftype(r, c);
    for (int row = 0; row < nrows; ++row) {
      std::vector<Value> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) values.push_back(Cell(r, row, c, types[c]));
      if (!fn(Row(std::move(values)))) break;
    }
    return absl::OkStatus();
  }

  absl::Status ExecuteScript(std::string_view sql) override {
    std::string text(sql);
    Result res(PQexec(conn_, text.c_str()));
    const ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(res.get(), sql);
    return absl::OkStatus();
  }

  // Runs a parameterless control statement; returns its command tag ("COMMIT", ...).
  absl::StatusOr<std::string> Exec(const char* sql) {
    Result res(PQexec(conn_, sql));
    const ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(res.get(), sql);
    return std::string(PQcmdStatus(res.get()));
  }

  absl::Status Commit() {
    ASSIGN_OR_RETURN(std::string tag, Exec("COMMIT"));
    // COMMIT of a transaction aborted by an earlier (ignored) error reports ROLLBACK.
    if (tag != "COMMIT") {
      return absl::AbortedError(
          "postgres: transaction rolled back because a statement in it failed");
    }
    return absl::OkStatus();
  }

  bool Broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool Idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  // Whether a retryable failure (serialization, deadlock, stale plan) happened since last call.
  bool TakeRetryable() { return std::exchange(retryable_, false); }

 private:
  struct Prepared {
    std::string name;
    int nparams;
  };

  absl::StatusOr<const Prepared*> Prepare(std::string_view sql) {
    auto it = cache_.find(AsAbsl(sql));
    if (it != cache_.end()) return &it->second;
    if (cache_.size() >= kMaxCachedStatements && Idle()) {
      Result res(PQexec(conn_, "DEALLOCATE ALL"));
      if (PQresultStatus(res.get()) == PGRES_COMMAND_OK) cache_.clear();
    }
    int nparams = 0;
    std::string rewritten = RewritePlaceholders(sql, &nparams);
    std::string name = absl::StrCat("strata_", next_statement_++);
    Result res(PQprepare(conn_, name.c_str(), rewritten.c_str(), 0, nullptr));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) return Error(res.get(), sql);
    auto [pos, inserted] = cache_.emplace(std::string(sql), Prepared{std::move(name), nparams});
    return &pos->second;
  }

  absl::StatusOr<Result> Run(std::string_view sql, absl::Span<const Value> params) {
    ASSIGN_OR_RETURN(const Prepared* p, Prepare(sql));
    if (p->nparams != static_cast<int>(params.size())) {
      return absl::InvalidArgumentError(absl::StrCat("postgres: statement has ", p->nparams,
                                                     " placeholders but ", params.size(),
                                                     " values were bound: ", AbbreviateSql(sql)));
    }
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (const int64_t* n = std::get_if<int64_t>(&v)) {
        storage[i] = absl::StrCat(*n);
      } else if (const double* d = std::get_if<double>(&v)) {
        storage[i] = FormatDouble(*d);
      } else if (const std::string* s = std::get_if<std::string>(&v)) {
        values[i] = s->c_str();
        continue;
      } else {
        continue;  // NULL
      }
      values[i] = storage[i].c_str();
    }
    Result res(PQexecPrepared(conn_, p->name.c_str(), static_cast<int>(params.size()),
                              values.data(), nullptr, nullptr, 0));
    const ExecStatusType st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      absl::Status s = Error(res.get(), sql);
      if (s.code() == absl::StatusCode::kAborted && !retryable_) {
        cache_.erase(AsAbsl(sql));  // Stale plan: prepare again on the retry.
        retryable_ = true;
      }
      return s;
    }
    return res;
  }

  static Value Cell(const PGresult* r, int row, int col, Oid type) {
    if (PQgetisnull(r, row, col)) return std::monostate{};
    const char* text = PQgetvalue(r, row, col);
    switch (type) {
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
        return static_cast<int64_t>(std::strtoll(text, nullptr, 10));
      case kFloat4Oid:
      case kFloat8Oid:
      case kNumericOid:
        return ParseDouble(text);
      case kBoolOid:
        return static_cast<int64_t>(text[0] == 't' ? 1 : 0);
      default:
        return std::string(text, PQgetlength(r, row, col));
    }
  }

  absl::Status Error(const PGresult* res, std::string_view sql) {
    std::string text = res != nullptr ? PQresultErrorMessage(res) : "";
    if (text.empty()) text = PQerrorMessage(conn_);
    std::string msg = absl::StrCat("postgres: ", absl::StripTrailingAsciiWhitespace(text),
                                   " in: ", AbbreviateSql(sql));
    if (Broken()) return absl::UnavailableError(msg);
    const char* state_c = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const std::string state = state_c != nullptr ? state_c : "";
    if (state == "23505") return absl::AlreadyExistsError(msg);
    if (absl::StartsWith(state, "23")) return absl::FailedPreconditionError(msg);
    if (state == "40001" || state == "40P01") {
      retryable_ = true;
      return absl::AbortedError(msg);
    }
    // A prepared statement whose tables changed shape since it was prepared.
    if (state == "0A000" && absl::StrContains(text, "cached plan")) return absl::AbortedError(msg);
    if (state == "25006") return absl::FailedPreconditionError(msg);  // write in READ ONLY
    if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
      return absl::UnavailableError(msg);
    }
    return absl::InternalError(msg);
  }

  PGconn* conn_;
  absl::flat_hash_map<std::string, Prepared> cache_;
  int64_t next_statement_ = 0;
  bool retryable_ = false;
};

// Thread-safe. Connections are created on demand up to max_connections; callers beyond that
// wait for one to be returned. A connection that broke is dropped, not returned.
class PgDatabase final : public Database {
 public:
  PgDatabase(std::string conninfo, const DatabaseOptions& options)
      : conninfo_(std::move(conninfo)), options_(options), pool_(options.max_connections) {}

  Backend backend() const override { return Backend::kPostgres; }

  absl::Status Transaction(absl::FunctionRef<absl::Status(Connection&)> fn) override {
    return Run("BEGIN", fn);
  }

  absl::Status Read(absl::FunctionRef<absl::Status(Connection&)> fn) override {
    return Run("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", fn);
  }

  absl::Status IntegrityCheck() override {
    return Read([](Connection& c) { return c.Execute("SELECT 1").status(); });
  }

  // Opens the first connection so that Open() reports an unreachable server.
  absl::Status Warm() {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, Connect());
    pool_.Adopt(std::move(conn));
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect() const {
    PGconn* raw = PQconnectdb(conninfo_.c_str());
    if (raw == nullptr) return absl::ResourceExhaustedError("postgres: out of memory");
    auto conn = std::make_unique<PgConnection>(raw);
    if (PQstatus(raw) != CONNECTION_OK) {
      return absl::UnavailableError(absl::StrCat(
          "postgres: cannot connect: ", absl::StripTrailingAsciiWhitespace(PQerrorMessage(raw))));
    }
    return conn;
  }

  absl::StatusOr<std::unique_ptr<PgConnection>> Acquire() {
    return pool_.Acquire([this] { return Connect(); });
  }

  void Release(std::unique_ptr<PgConnection> conn) {
    const bool reusable = !conn->Broken() && conn->Idle();
    pool_.Release(std::move(conn), reusable);
  }

  // Runs `fn` between `begin` and COMMIT, retrying transient failures; see Database.
  absl::Status Run(const char* begin, absl::FunctionRef<absl::Status(Connection&)> fn) {
    const int64_t deadline = MonotonicMicros() + int64_t{options_.lock_timeout_ms} * 1000;
    int stale_connections = 0;
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, Acquire());
      conn->TakeRetryable();
      absl::Status s = conn->Exec(begin).status();
      if (!s.ok()) {
        const bool stale = conn->Broken();
        Release(std::move(conn));
        // A pooled connection the server closed while idle: nothing ran, so try a fresh one.
        if (stale && ++stale_connections <= options_.max_connections) continue;
        return s;
      }
      s = fn(*conn);
      if (s.ok()) s = conn->Commit();
      if (!s.ok() && !conn->Broken() && !conn->Idle()) conn->Exec("ROLLBACK").IgnoreError();
      const bool retry = !s.ok() && conn->TakeRetryable();
      Release(std::move(conn));
      if (!retry || attempt + 1 >= kMaxTransactionAttempts || MonotonicMicros() >= deadline) {
        return s;
      }
      SleepBackoff(attempt, 100);
    }
  }

  const std::string conninfo_;
  const DatabaseOptions options_;
  ConnectionPool<PgConnection> pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(std::string_view uri,
                                                       const DatabaseOptions& options) {
  std::string conninfo(uri);
  // Fail fast when the server is unreachable instead of waiting for the TCP timeout.
  if (conninfo.find("connect_timeout=") == std::string::npos) {
    absl::StrAppend(&conninfo, conninfo.find('?') == std::string::npos ? "?" : "&",
                    "connect_timeout=10");
  }
  // Reject what libpq cannot parse as INVALID_ARGUMENT before trying to connect.
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err != nullptr ? err : "malformed URI";
    PQfreemem(err);
    return absl::InvalidArgumentError(
        absl::StrCat("postgres: bad URI: ", absl::StripTrailingAsciiWhitespace(msg)));
  }
  PQconninfoFree(opts);
  auto db = std::make_unique<PgDatabase>(std::move(conninfo), options);
  RETURN_IF_ERROR(db->Warm());
  return db;
}

}  // namespace strata::store::internal
