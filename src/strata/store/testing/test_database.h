// Test databases for the store tests of every module: a fresh SQLite file per test, and one
// PostgreSQL database per test binary (created from STRATA_TEST_POSTGRES_URL, dropped at exit
// by DropPgDatabase) whose tables the tests empty with ClearTables before each test.
#ifndef STRATA_STORE_TESTING_TEST_DATABASE_H_
#define STRATA_STORE_TESTING_TEST_DATABASE_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libpq-fe.h"
#include "strata/base/clock.h"
#include "strata/store/database.h"

namespace strata::store::testing {

// Runs one statement outside a transaction (CREATE/DROP DATABASE).
inline bool PgAdmin(const std::string& url, const std::string& sql, std::string* error) {
  PGconn* conn = PQconnectdb(url.c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, sql.c_str());
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok && error) *error = PQresultErrorMessage(res);
    PQclear(res);
  } else if (error) {
    *error = PQerrorMessage(conn);
  }
  PQfinish(conn);
  return ok;
}

class PgDatabase {
 public:
  static PgDatabase& Get() {
    static PgDatabase* db = new PgDatabase();
    return *db;
  }
  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }
  void Drop() {
    if (url_.empty()) return;
    PgAdmin(admin_url_, absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"), nullptr);
    url_.clear();
  }

 private:
  PgDatabase() {
    const char* admin = std::getenv("STRATA_TEST_POSTGRES_URL");
    if (admin == nullptr || *admin == '\0') {
      error_ = "STRATA_TEST_POSTGRES_URL not set";
      return;
    }
    admin_url_ = admin;
    name_ = absl::StrCat("strata_test_", getpid(), "_", NowMillis() % 1000000);
    if (!PgAdmin(admin_url_, absl::StrCat("CREATE DATABASE ", name_), &error_)) return;
    const size_t scheme = admin_url_.find("://");
    const size_t slash = admin_url_.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    const size_t query = admin_url_.find('?');
    std::string base = slash == std::string::npos ? admin_url_.substr(0, query)
                                                  : admin_url_.substr(0, slash);
    url_ = absl::StrCat(base, "/", name_, query == std::string::npos ? "" : admin_url_.substr(query));
  }
  std::string admin_url_;
  std::string name_;
  std::string url_;
  std::string error_;
};

// Opens a database of `backend` for the running test. SQLite: `*sqlite_path` is set to the
// file to delete afterwards. PostgreSQL: skips the test when no server is configured (fails
// under CI=true): returns nullptr with `*skip_reason` set, and the caller calls GTEST_SKIP().
// Returns nullptr after a GTest failure.
inline std::unique_ptr<store::Database> OpenTestDatabase(store::Backend backend,
                                                         std::string* sqlite_path,
                                                         std::string* skip_reason) {
  std::string uri;
  if (backend == store::Backend::kSqlite) {
    static int counter = 0;
    *sqlite_path = absl::StrCat(::testing::TempDir(), "/store_test_", getpid(), "_", counter++,
                                ".db");
    std::filesystem::remove(*sqlite_path);
    uri = absl::StrCat("sqlite://", *sqlite_path);
  } else {
    PgDatabase& pg = PgDatabase::Get();
    if (pg.url().empty()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string(ci) == "true") {
        ADD_FAILURE() << "PostgreSQL unavailable under CI=true: " << pg.error();
        return nullptr;
      }
      *skip_reason = absl::StrCat("PostgreSQL unavailable (", pg.error(),
                                  "); run eval \"$(bash scripts/test-services.sh start)\"");
      return nullptr;
    }
    uri = pg.url();
  }
  absl::StatusOr<std::unique_ptr<store::Database>> db = store::Database::Open(uri);
  if (!db.ok()) {
    ADD_FAILURE() << db.status();
    return nullptr;
  }
  return std::move(*db);
}

// Empties `tables`, in order (children before parents): the PostgreSQL database is shared by
// the tests of one binary.
inline absl::Status ClearTables(store::Database& db, std::initializer_list<const char*> tables) {
  return db.Transaction([&](store::Connection& c) -> absl::Status {
    for (const char* t : tables) {
      absl::Status s = c.Execute(absl::StrCat("DELETE FROM ", t)).status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  });
}

inline void RemoveSqliteFiles(const std::string& path) {
  if (path.empty()) return;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

class DropPgDatabase : public ::testing::Environment {
 public:
  void TearDown() override { PgDatabase::Get().Drop(); }
};

}  // namespace strata::store::testing

#endif  // STRATA_STORE_TESTING_TEST_DATABASE_H_
