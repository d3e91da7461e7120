// One suite over every backend: SQLite on a file, SQLite in memory and PostgreSQL (from
// STRATA_TEST_POSTGRES_URL; each test gets its own freshly created database).
#include "strata/store/database.h"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/store/internal/backends.h"

namespace strata::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

enum class Kind { kSqliteFile, kSqliteMemory, kPostgres };

std::string KindName(Kind k) {
  switch (k) {
    case Kind::kSqliteFile:
      return "SqliteFile";
    case Kind::kSqliteMemory:
      return "SqliteMemory";
    case Kind::kPostgres:
      return "Postgres";
  }
  return "";
}

// Runs one statement on a libpq connection outside any transaction (CREATE/DROP DATABASE).
std::string PgAdmin(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return err;
}

// The admin URL with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& db) {
  size_t host = url.find("://");
  size_t slash = url.find('/', host + 3);
  size_t query = url.find('?', host + 3);
  std::string base = url.substr(0, std::min(slash, query));
  return absl::StrCat(base, "/", db, query == std::string::npos ? "" : url.substr(query));
}

class DatabaseTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Kind::kSqliteFile:
        dir_ = std::filesystem::temp_directory_path() / ("strata_store_test_" + NewId());
        uri_ = "sqlite://" + (dir_ / "sub" / "test.db").string();
        break;
      case Kind::kSqliteMemory:
        uri_ = "sqlite://:memory:";
        break;
      case Kind::kPostgres: {
        const char* admin = std::getenv("STRATA_TEST_POSTGRES_URL");
        if (admin == nullptr || *admin == '\0') {
          const char* ci = std::getenv("CI");
          if (ci != nullptr && std::string(ci) == "true") {
            FAIL() << "STRATA_TEST_POSTGRES_URL is not set and CI=true; run "
                      "eval \"$(bash scripts/test-services.sh start)\"";
          }
          GTEST_SKIP() << "STRATA_TEST_POSTGRES_URL not set; run "
                          "eval \"$(bash scripts/test-services.sh start)\" to test PostgreSQL";
        }
        admin_url_ = admin;
        pg_db_ = "strata_test_" + NewId().substr(0, 16);
        std::string err = PgAdmin(admin_url_, "CREATE DATABASE " + pg_db_);
        ASSERT_EQ(err, "") << "cannot create test database";
        uri_ = WithDatabase(admin_url_, pg_db_);
        break;
      }
    }
    auto db = Database::Open(uri_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  void TearDown() override {
    db_.reset();
    if (!pg_db_.empty()) {
      EXPECT_EQ(PgAdmin(admin_url_, "DROP DATABASE IF EXISTS " + pg_db_ + " WITH (FORCE)"), "");
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool IsPostgres() const { return GetParam() == Kind::kPostgres; }
  // Whether a second Open() of uri_ reaches the same data.
  bool Reopenable() const { return GetParam() != Kind::kSqliteMemory; }

  void CreateTable(const std::string& sql) {
    ASSERT_TRUE(db_->Migrate("test", {Migration{1, "create", sql}}).ok());
  }

  int64_t Count(const std::string& table) {
    int64_t n = -1;
    absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
      auto row = c.QueryOne("SELECT COUNT(*) FROM " + table);
      if (!row.ok()) return row.status();
      n = (*row)->GetInt(0);
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return n;
  }

  std::filesystem::path dir_;
  std::string uri_;
  std::string admin_url_;
  std::string pg_db_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, RoundTripsEveryValueKind) {
  CreateTable("CREATE TABLE vals (id ${ID_PK}, i BIGINT, d ${DOUBLE}, s TEXT)");
  std::string large(1 << 20, 'x');
  for (size_t k = 0; k < large.size(); k += 997) large[k] = static_cast<char>('a' + k % 26);
  const std::string unicode = "h\xC3\xA9llo \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80";
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    Value i, d, s;
  };
  const std::vector<Case> cases = {
      {int64_t{std::numeric_limits<int64_t>::max()}, inf, large},
      {int64_t{std::numeric_limits<int64_t>::min()}, -inf, unicode},
      {Null(), Null(), Null()},
      {int64_t{0}, 0.1, std::string("")},
      {int64_t{-1}, 1.5e-300, std::string("it's \"quoted\"")},
  };
  std::vector<int64_t> ids;
  ASSERT_TRUE(db_->Transaction([&](Connection& c) -> absl::Status {
                   for (const Case& k : cases) {
                     auto row =
                         c.QueryOne("INSERT INTO vals (i, d, s) VALUES (?, ?, ?) RETURNING id",
                                    {k.i, k.d, k.s});
                     if (!row.ok()) return row.status();
                     ids.push_back((*row)->GetInt(0));
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  ASSERT_EQ(ids.size(), cases.size());
  EXPECT_LT(ids[0], ids[1]);
  ASSERT_TRUE(db_->Read([&](Connection& c) -> absl::Status {
                   for (size_t n = 0; n < cases.size(); ++n) {
                     auto row = c.QueryOne("SELECT i, d, s FROM vals WHERE id = ?", {ids[n]});
                     EXPECT_TRUE(row.ok() && row->has_value()) << n;
                     if (!row.ok() || !row->has_value()) continue;
                     const Row& r = **row;
                     EXPECT_EQ(r.value(0), cases[n].i) << n;
                     EXPECT_EQ(r.value(1), cases[n].d) << n;
                     EXPECT_EQ(r.value(2), cases[n].s) << n;
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  // Booleans read as integers in both backends.
  ASSERT_TRUE(db_->Read([&](Connection& c) -> absl::Status {
                   auto row = c.QueryOne("SELECT 1 = 1, 1 = 2");
                   EXPECT_TRUE(row.ok());
                   EXPECT_EQ((*row)->value(0), Value(int64_t{1}));
                   EXPECT_EQ((*row)->value(1), Value(int64_t{0}));
                   return absl::OkStatus();
                 })
                  .ok());
}

// NaN is not portable: PostgreSQL keeps it, SQLite stores NULL (documented in database.h;
// callers keep a flag column).
TEST_P(DatabaseTest, NanIsKeptByPostgresAndNullInSqlite) {
  CreateTable("CREATE TABLE vals (id ${ID_PK}, d ${DOUBLE})");
  ASSERT_TRUE(db_->Transaction([&](Connection& c) {
                   return c.Execute("INSERT INTO vals (d) VALUES (?)", {std::nan("")}).status();
                 })
                  .ok());
  ASSERT_TRUE(db_->Read([&](Connection& c) -> absl::Status {
                   auto row = c.QueryOne("SELECT d FROM vals");
                   EXPECT_TRUE(row.ok() && row->has_value());
                   const Value& v = (*row)->value(0);
                   if (IsPostgres()) {
                     EXPECT_TRUE(std::holds_alternative<double>(v) &&
                                 std::isnan(std::get<double>(v)));
                   } else {
                     EXPECT_TRUE(std::holds_alternative<std::monostate>(v));
                   }
                   return absl::OkStatus();
                 })
                  .ok());
}

TEST_P(DatabaseTest, QuestionMarksInLiteralsAndCommentsAreNotPlaceholders) {
  CreateTable("CREATE TABLE t (id ${ID_PK}, s TEXT)");
  ASSERT_TRUE(
      db_->Transaction([&](Connection& c) {
           return c.Execute("INSERT INTO t (s) VALUES ('what?'), (?) -- or ?", {std::string("b?")})
               .status();
         })
          .ok());
  absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
    auto rows = c.Query(
        "SELECT s, ? AS \"odd?name\" FROM t /* a ? here */ WHERE s = 'what?' OR s = ? "
        "ORDER BY id",
        {int64_t{7}, std::string("b?")});
    if (!rows.ok()) return rows.status();
    EXPECT_EQ(rows->size(), 2u);
    if (rows->size() == 2) {
      EXPECT_EQ((*rows)[0].GetString(0), "what?");
      EXPECT_EQ((*rows)[0].GetInt(1), 7);
      EXPECT_EQ((*rows)[1].GetString(0), "b?");
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST(RewritePlaceholdersTest, SkipsQuotedTextAndComments) {
  int n = 0;
  EXPECT_EQ(internal::RewritePlaceholders(
                "SELECT ?, '?''?', \"a?\", $$?$$, $t$ ? $t$ -- ?\n, ? /* ? */ , ?", &n),
            "SELECT $1, '?''?', \"a?\", $$?$$, $t$ ? $t$ -- ?\n, $2 /* ? */ , $3");
  EXPECT_EQ(n, 3);
  EXPECT_EQ(internal::RewritePlaceholders("SELECT 1", &n), "SELECT 1");
  EXPECT_EQ(n, 0);
}

TEST_P(DatabaseTest, TransactionCommitsOrRollsBack) {
  CreateTable("CREATE TABLE t (id ${ID_PK}, s TEXT)");
  absl::Status s = db_->Transaction([&](Connection& c) -> absl::Status {
    auto n = c.Execute("INSERT INTO t (s) VALUES (?), (?)", {std::string("a"), std::string("b")});
    if (!n.ok()) return n.status();
    EXPECT_EQ(*n, 2);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  s = db_->Transaction([&](Connection& c) -> absl::Status {
    auto n = c.Execute("INSERT INTO t (s) VALUES ('c')");
    EXPECT_TRUE(n.ok());
    return absl::CancelledError("changed my mind");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Count("t"), 2);
  // Execute() counts changed rows.
  s = db_->Transaction([&](Connection& c) -> absl::Status {
    auto n = c.Execute("UPDATE t SET s = 'z' WHERE s <> 'nothing'");
    EXPECT_TRUE(n.ok());
    EXPECT_EQ(*n, 2);
    return n.status();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_P(DatabaseTest, ConstraintViolationsMapToStatusCodes) {
  CreateTable(
      "CREATE TABLE t (name TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0));"
      "CREATE TABLE u (k TEXT UNIQUE)");
  auto insert = [&](const std::string& sql, std::vector<Value> params) {
    return db_->Transaction([&](Connection& c) { return c.Execute(sql, params).status(); });
  };
  ASSERT_TRUE(insert("INSERT INTO t (name, n) VALUES (?, ?)", {std::string("a"), int64_t{1}}).ok());
  absl::Status s = insert("INSERT INTO t (name, n) VALUES (?, ?)", {std::string("a"), int64_t{2}});
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  ASSERT_TRUE(insert("INSERT INTO u (k) VALUES ('x')", {}).ok());
  s = insert("INSERT INTO u (k) VALUES ('x')", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  s = insert("INSERT INTO t (name, n) VALUES (?, ?)", {std::string("b"), int64_t{-1}});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  s = insert("INSERT INTO t (name, n) VALUES (?, ?)", {std::string("c"), Null()});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  // Wrong parameter count and bad SQL.
  s = insert("INSERT INTO t (name, n) VALUES (?, ?)", {std::string("d")});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  s = insert("INSERT INTO no_such_table VALUES (1)", {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_EQ(Count("t"), 1);
  // The connection is healthy after all of that.
  EXPECT_TRUE(insert("INSERT INTO t (name, n) VALUES ('e', 5)", {}).ok());
  EXPECT_EQ(Count("t"), 2);
}

TEST_P(DatabaseTest, ReadIsReadOnly) {
  CreateTable("CREATE TABLE t (id ${ID_PK}, s TEXT)");
  absl::Status s = db_->Read(
      [&](Connection& c) { return c.Execute("INSERT INTO t (s) VALUES ('x')").status(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(Count("t"), 0);
  // And writes still work afterwards.
  EXPECT_TRUE(db_->Transaction([&](Connection& c) {
                   return c.Execute("INSERT INTO t (s) VALUES ('y')").status();
                 })
                  .ok());
  EXPECT_EQ(Count("t"), 1);
}

TEST_P(DatabaseTest, ForEachStopsEarly) {
  CreateTable("CREATE TABLE t (id ${ID_PK}, n INTEGER)");
  ASSERT_TRUE(db_->Transaction([&](Connection& c) -> absl::Status {
                   for (int64_t i = 0; i < 100; ++i) {
                     auto n = c.Execute("INSERT INTO t (n) VALUES (?)", {i});
                     if (!n.ok()) return n.status();
                   }
                   return absl::OkStatus();
                 })
                  .ok());
  std::vector<int64_t> seen;
  absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
    absl::Status st = c.ForEach("SELECT n FROM t ORDER BY n", {}, [&](const Row& r) {
      seen.push_back(r.GetInt(0));
      return seen.size() < 3;
    });
    if (!st.ok()) return st;
    // The same statement runs again from the start after an early stop.
    auto again = c.Query("SELECT n FROM t ORDER BY n");
    if (!again.ok()) return again.status();
    EXPECT_EQ(again->size(), 100u);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2}));
}

TEST_P(DatabaseTest, MigrationsApplyOnceInOrder) {
  std::vector<Migration> migrations = {
      {1, "create", "CREATE TABLE a (id ${ID_PK}, x ${DOUBLE}); CREATE INDEX a_x ON a (x)"},
      {2, "seed", "INSERT INTO a (x) VALUES (1.5); INSERT INTO a (x) VALUES (2.5)"},
  };
  EXPECT_EQ(*db_->SchemaVersion("comp"), 0);
  ASSERT_TRUE(db_->Migrate("comp", migrations).ok());
  EXPECT_EQ(*db_->SchemaVersion("comp"), 2);
  EXPECT_EQ(*db_->SchemaVersion("other"), 0);
  EXPECT_EQ(Count("a"), 2);
  // Idempotent on the same handle and after reopening.
  ASSERT_TRUE(db_->Migrate("comp", migrations).ok());
  if (Reopenable()) {
    db_.reset();
    auto db = Database::Open(uri_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate("comp", migrations).ok());
  }
  EXPECT_EQ(Count("a"), 2);
  // A new migration applies alone.
  migrations.push_back({3, "more", "INSERT INTO a (x) VALUES (3.5)"});
  ASSERT_TRUE(db_->Migrate("comp", migrations).ok());
  EXPECT_EQ(Count("a"), 3);
  absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
    auto rows = c.Query(
        "SELECT version, name, applied_at_ms FROM schema_migrations WHERE component = ? "
        "ORDER BY version",
        {std::string("comp")});
    if (!rows.ok()) return rows.status();
    EXPECT_EQ(rows->size(), 3u);
    for (size_t i = 0; i < rows->size(); ++i) {
      EXPECT_EQ((*rows)[i].GetInt(0), static_cast<int64_t>(i) + 1);
      EXPECT_EQ((*rows)[i].GetString(1), migrations[i].name);
      EXPECT_GT((*rows)[i].GetInt(2), 0);
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  // A database newer than the program is refused.
  migrations.pop_back();
  EXPECT_EQ(db_->Migrate("comp", migrations).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(DatabaseTest, MigrationErrors) {
  EXPECT_EQ(db_->Migrate("c", {Migration{1, "a", "CREATE TABLE a (x INTEGER)"},
                               Migration{3, "b", "CREATE TABLE b (x INTEGER)"}})
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->Migrate("c", {Migration{2, "a", "CREATE TABLE a (x INTEGER)"}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db_->Migrate("c", {Migration{1, "a", "CREATE TABLE a (x ${NOPE})"}}).code(),
            absl::StatusCode::kInvalidArgument);
  // A failing migration leaves nothing behind: its transaction rolls back as a whole.
  absl::Status s = db_->Migrate(
      "c", {Migration{1, "a", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER)"}});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("migration c 1"));
  EXPECT_EQ(*db_->SchemaVersion("c"), 0);
  EXPECT_TRUE(db_->Migrate("c", {Migration{1, "a", "CREATE TABLE a (x INTEGER)"}}).ok());
  EXPECT_EQ(*db_->SchemaVersion("c"), 1);
}

TEST_P(DatabaseTest, ConcurrentMigrateAppliesOnce) {
  const std::vector<Migration> migrations = {
      {1, "create", "CREATE TABLE m (id ${ID_PK}, v INTEGER)"},
      {2, "seed", "INSERT INTO m (v) VALUES (1)"},
  };
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < 4; ++i) {
    if (!Reopenable()) break;
    auto db = Database::Open(uri_);
    ASSERT_TRUE(db.ok()) << db.status();
    dbs.push_back(std::move(*db));
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    Database* db = dbs.empty() ? db_.get() : dbs[i].get();
    threads.emplace_back([&, db] {
      absl::Status s = db->Migrate("conc", migrations);
      if (!s.ok()) {
        ++failures;
        ADD_FAILURE() << s;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(Count("m"), 1);
}

// 16 writer threads x 500 transactions with readers running alongside: nothing fails, nothing
// is lost, and "database is locked" never escapes. Writers share two Database handles on the
// same data where the backend allows it (two processes' worth of connections).
TEST_P(DatabaseTest, ConcurrentWritersAndReaders) {
  CreateTable("CREATE TABLE w (id ${ID_PK}, thread INTEGER, seq INTEGER, UNIQUE (thread, seq))");
  std::unique_ptr<Database> second;
  if (Reopenable()) {
    auto db = Database::Open(uri_);
    ASSERT_TRUE(db.ok()) << db.status();
    second = std::move(*db);
  }
  constexpr int kWriters = 16, kPerWriter = 500, kReaders = 4;
  std::atomic<int> writers_left{kWriters};
  std::atomic<int> errors{0};
  std::vector<std::string> messages(kWriters + kReaders);
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    Database* db = (second != nullptr && t % 2 == 1) ? second.get() : db_.get();
    threads.emplace_back([&, t, db] {
      for (int i = 0; i < kPerWriter; ++i) {
        absl::Status s = db->Transaction([&](Connection& c) -> absl::Status {
          auto n = c.Execute("INSERT INTO w (thread, seq) VALUES (?, ?)", {int64_t{t}, int64_t{i}});
          if (!n.ok()) return n.status();
          auto row = c.QueryOne("SELECT COUNT(*) FROM w WHERE thread = ?", {int64_t{t}});
          if (!row.ok()) return row.status();
          if ((*row)->GetInt(0) != i + 1) return absl::InternalError("own writes not visible");
          return absl::OkStatus();
        });
        if (!s.ok()) {
          ++errors;
          messages[t] = std::string(s.message());
          break;
        }
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    Database* db = (second != nullptr && r % 2 == 1) ? second.get() : db_.get();
    threads.emplace_back([&, r, db] {
      int64_t last = 0;
      while (writers_left > 0) {
        int64_t n = 0;
        absl::Status s = db->Read([&](Connection& c) -> absl::Status {
          auto row = c.QueryOne("SELECT COUNT(*) FROM w");
          if (!row.ok()) return row.status();
          n = (*row)->GetInt(0);
          return absl::OkStatus();
        });
        if (!s.ok()) {
          ++errors;
          messages[kWriters + r] = std::string(s.message());
          break;
        }
        if (n < last) {
          ++errors;
          messages[kWriters + r] = "row count went backwards";
          break;
        }
        last = n;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  for (const std::string& m : messages) {
    EXPECT_EQ(m, "");
    EXPECT_THAT(m, Not(HasSubstr("locked")));
  }
  EXPECT_EQ(Count("w"), kWriters * kPerWriter);
  EXPECT_TRUE(db_->IntegrityCheck().ok());
}

// SQLite commits concurrent transactions in groups: a caller whose callback fails must lose
// exactly its own writes, never a neighbour's, and see its own error.
TEST_P(DatabaseTest, ConcurrentFailuresRollBackOnlyTheirOwnWrites) {
  CreateTable("CREATE TABLE g (thread INTEGER NOT NULL, seq INTEGER NOT NULL, "
              "PRIMARY KEY (thread, seq)) ${WITHOUT_ROWID}");
  constexpr int kThreads = 12, kPerThread = 300;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const bool fail = (t + i) % 3 == 0;
        absl::Status s = db_->Transaction([&](Connection& c) -> absl::Status {
          auto n = c.Execute("INSERT INTO g (thread, seq) VALUES (?, ?)", {int64_t{t}, int64_t{i}});
          if (!n.ok()) return n.status();
          if (fail) return absl::AbortedError("callback gave up");
          // A second statement that violates the key rolls back only this caller.
          if (i % 7 == 0) {
            auto dup =
                c.Execute("INSERT INTO g (thread, seq) VALUES (?, ?)", {int64_t{t}, int64_t{i}});
            if (dup.ok()) return absl::InternalError("duplicate key accepted");
            return dup.status();
          }
          return absl::OkStatus();
        });
        const absl::StatusCode want = fail              ? absl::StatusCode::kAborted
                                      : i % 7 == 0      ? absl::StatusCode::kAlreadyExists
                                                        : absl::StatusCode::kOk;
        if (s.code() != want) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  int64_t expected = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) expected += ((t + i) % 3 != 0 && i % 7 != 0) ? 1 : 0;
  }
  EXPECT_EQ(Count("g"), expected);
  int64_t bad_rows = -1;
  ASSERT_TRUE(db_->Read([&](Connection& c) -> absl::Status {
                   auto row = c.QueryOne(
                       "SELECT COUNT(*) FROM g WHERE (thread + seq) % 3 = 0 OR seq % 7 = 0");
                   if (!row.ok()) return row.status();
                   bad_rows = (*row)->GetInt(0);
                   return absl::OkStatus();
                 }).ok());
  EXPECT_EQ(bad_rows, 0);
  EXPECT_TRUE(db_->IntegrityCheck().ok());
}

// Two transactions that lock rows in opposite order deadlock in PostgreSQL; the server aborts
// one and Transaction() re-runs it, so both succeed. (SQLite serializes writers: no deadlock.)
TEST_P(DatabaseTest, DeadlockIsRetried) {
  CreateTable("CREATE TABLE r (id INTEGER PRIMARY KEY, n INTEGER)");
  ASSERT_TRUE(db_->Transaction([&](Connection& c) {
                   return c.Execute("INSERT INTO r (id, n) VALUES (1, 0), (2, 0)").status();
                 })
                  .ok());
  std::atomic<int> arrived{0};
  auto worker = [&](int64_t first, int64_t second) {
    bool first_attempt = true;
    return db_->Transaction([&](Connection& c) -> absl::Status {
      auto n = c.Execute("UPDATE r SET n = n + 1 WHERE id = ?", {first});
      if (!n.ok()) return n.status();
      if (first_attempt && IsPostgres()) {
        first_attempt = false;
        ++arrived;
        // Wait (bounded) until the other transaction holds its first row.
        for (int i = 0; i < 200 && arrived < 2; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      n = c.Execute("UPDATE r SET n = n + 1 WHERE id = ?", {second});
      return n.status();
    });
  };
  absl::Status s1, s2;
  std::thread a([&] { s1 = worker(1, 2); });
  std::thread b([&] { s2 = worker(2, 1); });
  a.join();
  b.join();
  EXPECT_TRUE(s1.ok()) << s1;
  EXPECT_TRUE(s2.ok()) << s2;
  absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
    auto rows = c.Query("SELECT n FROM r ORDER BY id");
    if (!rows.ok()) return rows.status();
    EXPECT_EQ(rows->size(), 2u);
    for (const Row& row : *rows) EXPECT_EQ(row.GetInt(0), 2);
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

// Commits acknowledged by a process that is then killed with SIGKILL survive (WAL,
// synchronous=NORMAL), and the file passes integrity_check.
TEST_P(DatabaseTest, SqliteCommitsSurviveKilledProcess) {
  if (GetParam() != Kind::kSqliteFile) GTEST_SKIP() << "file durability is SQLite-file only";
  CreateTable("CREATE TABLE d (id INTEGER PRIMARY KEY, payload TEXT)");
  db_.reset();
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    auto db = Database::Open(uri_);
    if (!db.ok()) _exit(2);
    for (int64_t i = 1;; ++i) {
      absl::Status s = (*db)->Transaction([&](Connection& c) {
        return c.Execute("INSERT INTO d (id, payload) VALUES (?, ?)", {i, std::string(100, 'p')})
            .status();
      });
      if (!s.ok()) _exit(3);
      char b = 1;
      if (write(acks[1], &b, 1) != 1) _exit(4);
    }
  }
  close(acks[1]);
  constexpr int kAcked = 300;
  int acked = 0;
  char buf[64];
  while (acked < kAcked) {
    ssize_t n = read(acks[0], buf, sizeof(buf));
    if (n <= 0) break;
    acked += static_cast<int>(n);
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  close(acks[0]);
  ASSERT_GE(acked, kAcked) << "child stopped early, status " << status;
  ASSERT_TRUE(WIFSIGNALED(status));

  auto db = Database::Open(uri_);
  ASSERT_TRUE(db.ok()) << db.status();
  db_ = std::move(*db);
  EXPECT_TRUE(db_->IntegrityCheck().ok());
  absl::Status s = db_->Read([&](Connection& c) -> absl::Status {
    auto row = c.QueryOne("SELECT COUNT(*), MIN(id), MAX(id) FROM d");
    if (!row.ok()) return row.status();
    const int64_t count = (*row)->GetInt(0);
    EXPECT_GE(count, acked);
    EXPECT_EQ((*row)->GetInt(1), 1);
    EXPECT_EQ((*row)->GetInt(2), count);  // No gaps.
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
}

TEST_P(DatabaseTest, IntegrityCheckPasses) { EXPECT_TRUE(db_->IntegrityCheck().ok()); }

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Kind::kSqliteFile, Kind::kSqliteMemory, Kind::kPostgres),
                         [](const auto& info) { return KindName(info.param); });

TEST(DatabaseOpenTest, RejectsBadUris) {
  for (const char* uri : {"", "mysql://x/y", "sqlite:", "sqlite://", "file:///tmp/x.db",
                          "sqlite:///tmp/x.db?mode=ro"}) {
    auto db = Database::Open(uri);
    EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << uri;
  }
  EXPECT_EQ(Database::Open("postgresql://u:secret@h/db?no_such_option=1").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto unknown = Database::Open("mysql://root:hunter2@h/db");
  EXPECT_THAT(std::string(unknown.status().message()), Not(HasSubstr("hunter2")));
}

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailableQuickly) {
  const auto start = std::chrono::steady_clock::now();
  // Port 1 on loopback: connection refused at once.
  auto db = Database::Open("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2");
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DatabaseOpenTest, SqliteFileThatIsNotADatabase) {
  auto dir = std::filesystem::temp_directory_path() / ("strata_store_test_" + NewId());
  std::filesystem::create_directories(dir);
  {
    FILE* f = std::fopen((dir / "junk.db").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an sqlite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  auto db = Database::Open("sqlite://" + (dir / "junk.db").string());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata::store
