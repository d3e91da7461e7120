// The PostgreSQL side of historical retrieval (historical.h): reading a postgres source's
// columns into a table (memory engine) and the pushdown point-in-time join (postgres engine).
// libpq directly, not store::Database: the pushdown needs COPY and binary results on one
// session (the temporary entity table lives only there). Also the offline half of a push
// (online_push.h), which goes through store::Database like the rest of the writes.
#ifndef STRATA_FEATURES_INTERNAL_POSTGRES_OFFLINE_H_
#define STRATA_FEATURES_INTERNAL_POSTGRES_OFFLINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/store/database.h"
#include "strata/table/table.h"

struct pg_conn;

namespace strata::features::internal {

// One libpq session with TimeZone UTC (so `timestamp without time zone` columns read and
// compare as UTC).
class PgSession {
 public:
  // Errors: UNAVAILABLE naming the (password-free) target and libpq's message.
  static absl::StatusOr<std::unique_ptr<PgSession>> Connect(const std::string& url);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // A statement without results. Errors: INTERNAL with PostgreSQL's message.
  absl::Status Execute(const std::string& sql);
  pg_conn* connection() { return conn_; }

 private:
  explicit PgSession(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_;
};

// "name" with embedded quotes doubled.
std::string QuoteIdentifier(std::string_view name);

// Appends `rows` (values in `columns` order) to `table` in one transaction of `db`, one
// INSERT per row. Identifiers are quoted, values are bound parameters.
absl::Status AppendRows(store::Database& db, std::string_view table,
                        const std::vector<std::string>& columns,
                        const std::vector<std::vector<store::Value>>& rows);

// A postgres source as something to SELECT FROM.
struct PgRelation {
  std::string sql;        // "\"schema\".\"table\"" or "(SELECT ...)"
  bool has_ctid = false;  // a table: full ties resolve by physical order
  std::string label;      // for messages: "table user_features" / "query"
};
PgRelation SourceRelation(const DataSource& source);

struct PgColumn {
  std::string name;
  uint32_t oid = 0;
  bool supported = false;  // maps to a table::DataType below
  table::DataType type = table::DataType::kString;
};

// The relation's columns (a zero-row query); clears relation->has_ctid when the table is a
// view (no physical order). Errors: INTERNAL with PostgreSQL's message (unknown table, bad
// query).
absl::StatusOr<std::vector<PgColumn>> DescribeRelation(PgSession& session, PgRelation* relation);

// SELECT of `columns` (by source name; each must be a supported column of `described`)
// FROM the relation, in physical order for tables, into a table whose columns are named
// `output_names`.
absl::StatusOr<table::Table> ReadRelation(PgSession& session, const PgRelation& relation,
                                          const std::vector<PgColumn>& described,
                                          const std::vector<std::string>& columns,
                                          const std::vector<std::string>& output_names);

struct PushdownView {
  PgRelation relation;
  std::vector<PgColumn> described;
  std::vector<std::string> source_keys;  // source column names
  std::vector<std::string> entity_keys;  // entity-table columns, same order
  std::string timestamp_column;          // source column
  std::string created_column;            // source column; "" = none
  int64_t ttl_micros = 0;
  std::vector<std::string> source_features;  // source column names
};

// The point-in-time join in the database: the entity keys and timestamps are COPYed into a
// temporary table with a row number and one query joins every view. Returns one column per
// (view, feature), in order, named "v<view>_f<feature>", with a row per entity row in input
// order, in the type the source column decodes to.
absl::StatusOr<table::Table> PushdownPointInTime(PgSession& session, const table::Table& entities,
                                                 std::string_view timestamp_column,
                                                 const std::vector<PushdownView>& views);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_POSTGRES_OFFLINE_H_
