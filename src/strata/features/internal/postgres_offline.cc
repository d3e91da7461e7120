#include "strata/features/internal/postgres_offline.h"

#include <endian.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libpq-fe.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::features::internal {
namespace {

// PostgreSQL type OIDs (pg_type.dat); stable across versions.
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kNameOid = 19;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kFloat4Oid = 700;
constexpr uint32_t kFloat8Oid = 701;
constexpr uint32_t kBpcharOid = 1042;
constexpr uint32_t kVarcharOid = 1043;
constexpr uint32_t kDateOid = 1082;
constexpr uint32_t kTimestampOid = 1114;
constexpr uint32_t kTimestamptzOid = 1184;
constexpr uint32_t kNumericOid = 1700;

// PostgreSQL's binary timestamps count microseconds from 2000-01-01 UTC.
constexpr int64_t kPgEpochMicros = 946684800LL * 1000000;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

absl::Status ResultError(PGconn* conn, PGresult* res, std::string_view what) {
  const char* message = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return absl::InternalError(absl::StrCat("PostgreSQL ", AsAbsl(what), ": ", text));
}

// The SELECT expression reading `column` in a type DecodeColumn handles.
std::string SelectExpression(std::string_view alias, const PgColumn& column) {
  std::string ref =
      absl::StrCat(AsAbsl(alias), alias.empty() ? "" : ".", QuoteIdentifier(column.name));
  switch (column.oid) {
    case kNumericOid:
    case kFloat4Oid:
      return absl::StrCat(ref, "::float8");
    case kInt2Oid:
    case kInt4Oid:
      return absl::StrCat(ref, "::int8");
    case kDateOid:
      return absl::StrCat(ref, "::timestamp");
    case kNameOid:
    case kBpcharOid:
    case kVarcharOid:
      return absl::StrCat(ref, "::text");
    default:
      return ref;
  }
}

uint64_t ReadBigEndian64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return be64toh(v);
}

// Column `col` of a binary result (after SelectExpression: bool, int8, float8, text,
// timestamp[tz]) as a table column of `type`.
absl::StatusOr<table::Column> DecodeColumn(PGresult* res, int col, table::DataType type,
                                           std::string_view name) {
  const int rows = PQntuples(res);
  table::ColumnBuffers b;
  b.type = type;
  b.rows = rows;
  switch (type) {
    case table::DataType::kBool:
      b.bools.resize(static_cast<size_t>(rows));
      break;
    case table::DataType::kInt64:
    case table::DataType::kTimestamp:
      b.ints.resize(static_cast<size_t>(rows));
      break;
    case table::DataType::kFloat64:
      b.doubles.resize(static_cast<size_t>(rows));
      break;
    default:
      b.offsets.assign(1, 0);
      break;
  }
  auto bad = [&](int row) {
    return absl::InternalError(absl::StrCat("PostgreSQL column '", AsAbsl(name), "' row ", row,
                                            ": unexpected binary value of ",
                                            PQgetlength(res, row, col), " bytes"));
  };
  for (int row = 0; row < rows; ++row) {
    const bool null = PQgetisnull(res, row, col) != 0;
    if (null) {
      if (b.validity.empty()) b.validity.assign(static_cast<size_t>((rows + 63) / 64), ~0ULL);
      b.validity[static_cast<size_t>(row) / 64] &= ~(1ULL << (row % 64));
      if (type == table::DataType::kString)
        b.offsets.push_back(static_cast<int64_t>(b.bytes.size()));
      continue;
    }
    const char* p = PQgetvalue(res, row, col);
    const int len = PQgetlength(res, row, col);
    switch (type) {
      case table::DataType::kBool:
        if (len != 1) return bad(row);
        b.bools[static_cast<size_t>(row)] = p[0] != 0 ? 1 : 0;
        break;
      case table::DataType::kInt64:
        if (len != 8) return bad(row);
        b.ints[static_cast<size_t>(row)] = static_cast<int64_t>(ReadBigEndian64(p));
        break;
      case table::DataType::kTimestamp:
        if (len != 8) return bad(row);
        b.ints[static_cast<size_t>(row)] =
            static_cast<int64_t>(ReadBigEndian64(p)) + kPgEpochMicros;
        break;
      case table::DataType::kFloat64: {
        if (len != 8) return bad(row);
        const uint64_t bits = ReadBigEndian64(p);
        std::memcpy(&b.doubles[static_cast<size_t>(row)], &bits, 8);
        break;
      }
      default:
        b.bytes.append(p, static_cast<size_t>(len));
        b.offsets.push_back(static_cast<int64_t>(b.bytes.size()));
        break;
    }
  }
  return table::Column::FromBuffers(std::move(b));
}

absl::StatusOr<Result> QueryBinary(PgSession& session, const std::string& sql,
                                   std::string_view what) {
  Result res(PQexecParams(session.connection(), sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                          /*resultFormat=*/1));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    return ResultError(session.connection(), res.get(), what);
  }
  return res;
}

const PgColumn* FindColumn(const std::vector<PgColumn>& described, std::string_view name) {
  for (const PgColumn& c : described) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

absl::StatusOr<const PgColumn*> RequireColumn(const std::vector<PgColumn>& described,
                                              const PgRelation& relation, std::string_view name) {
  const PgColumn* c = FindColumn(described, name);
  if (c == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL ", relation.label, " has no column '", AsAbsl(name), "'"));
  }
  if (!c->supported) {
    return absl::InvalidArgumentError(absl::StrCat("PostgreSQL ", relation.label, " column '",
                                                   AsAbsl(name), "' has an unsupported type (oid ",
                                                   c->oid, ")"));
  }
  return c;
}

// 1970-01-01 + days -> (year, month, day), the proleptic Gregorian calendar (H. Hinnant's
// civil_from_days algorithm).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

// A COPY text-format timestamptz literal, exact to the microsecond.
void AppendTimestampLiteral(int64_t micros, std::string* out) {
  int64_t seconds = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[64];
  // Years before 1 are written with PostgreSQL's " BC" suffix (year 0 = 1 BC).
  const bool bc = year <= 0;
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld+00%s",
                static_cast<long long>(bc ? 1 - year : year), month, day,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(frac), bc ? " BC" : "");
  out->append(buf);
}

absl::Status AppendCopyText(std::string_view value, std::string_view column, int64_t row,
                            std::string* out) {
  for (char c : value) {
    switch (c) {
      case '\0':
        return absl::InvalidArgumentError(
            absl::StrCat("entity column '", AsAbsl(column), "' row ", row,
                         ": a NUL byte cannot be sent to PostgreSQL"));
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->push_back(c);
    }
  }
  return absl::OkStatus();
}

// COPYs rows (__row, keys..., __ts) of the entity set into temporary table `name`.
absl::Status UploadEntities(PgSession& session, const std::string& name,
                            const table::Table& entities,
                            const std::vector<std::string>& key_columns,
                            const table::Column& timestamps) {
  std::vector<const table::Column*> keys;
  std::vector<std::string> defs = {"__row bigint"};
  for (size_t i = 0; i < key_columns.size(); ++i) {
    ASSIGN_OR_RETURN(const table::Column* c, entities.ColumnByName(key_columns[i]));
    keys.push_back(c);
    const bool integer = c->type() == table::DataType::kInt64;
    if (!integer && !c->IsStringLike()) {
      return absl::InvalidArgumentError(absl::StrCat("entity column '", key_columns[i], "' is ",
                                                     AsAbsl(table::DataTypeName(c->type())),
                                                     "; join keys are int64 or string"));
    }
    defs.push_back(absl::StrCat("k", i, integer ? " bigint" : " text"));
  }
  defs.push_back("__ts timestamptz");
  RETURN_IF_ERROR(session.Execute(absl::StrCat("DROP TABLE IF EXISTS ", name)));
  RETURN_IF_ERROR(session.Execute(
      absl::StrCat("CREATE TEMPORARY TABLE ", name, " (", absl::StrJoin(defs, ", "), ")")));

  PGconn* conn = session.connection();
  {
    Result res(PQexec(conn, absl::StrCat("COPY ", name, " FROM STDIN").c_str()));
    if (res == nullptr || PQresultStatus(res.get()) != PGRES_COPY_IN) {
      return ResultError(conn, res.get(), "COPY of the entity set");
    }
  }
  std::string buffer;
  constexpr size_t kFlushBytes = 1 << 20;
  absl::Status failure;
  const int64_t rows = entities.num_rows();
  for (int64_t row = 0; row < rows && failure.ok(); ++row) {
    absl::StrAppend(&buffer, row);
    for (size_t i = 0; i < keys.size(); ++i) {
      buffer.push_back('\t');
      const table::Column& c = *keys[i];
      if (c.IsNull(row)) {
        buffer.append("\\N");
      } else if (c.type() == table::DataType::kInt64) {
        absl::StrAppend(&buffer, c.Int64s()[static_cast<size_t>(row)]);
      } else {
        failure = AppendCopyText(c.StringAt(row), key_columns[i], row, &buffer);
      }
    }
    buffer.push_back('\t');
    if (timestamps.IsNull(row)) {
      buffer.append("\\N");
    } else {
      AppendTimestampLiteral(timestamps.Int64s()[static_cast<size_t>(row)], &buffer);
    }
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes || row + 1 == rows) {
      if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
        failure = absl::InternalError(absl::StrCat("PostgreSQL COPY: ", PQerrorMessage(conn)));
      }
      buffer.clear();
    }
  }
  if (PQputCopyEnd(conn, failure.ok() ? nullptr : "aborted by the client") != 1) {
    if (failure.ok()) {
      failure = absl::InternalError(absl::StrCat("PostgreSQL COPY: ", PQerrorMessage(conn)));
    }
  }
  // Drain every result of the COPY (one, or an error).
  while (PGresult* raw = PQgetResult(conn)) {
    Result res(raw);
    if (PQresultStatus(raw) != PGRES_COMMAND_OK && failure.ok()) {
      failure = ResultError(conn, raw, "COPY of the entity set");
    }
  }
  if (!failure.ok()) return failure;
  return session.Execute(absl::StrCat("ANALYZE ", name));
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgSession>> PgSession::Connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    if (conn != nullptr) PQfinish(conn);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    // The URL may carry a password: name only what follows the '@'.
    const size_t at = url.rfind('@');
    const std::string target = at == std::string::npos ? url : url.substr(at + 1);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the PostgreSQL offline store (", target, "): ", message));
  }
  std::unique_ptr<PgSession> session(new PgSession(conn));
  RETURN_IF_ERROR(session->Execute("SET TIME ZONE 'UTC'"));
  // DROP ... IF EXISTS notices would go to stderr.
  RETURN_IF_ERROR(session->Execute("SET client_min_messages = warning"));
  return session;
}

PgSession::~PgSession() { PQfinish(conn_); }

absl::Status PgSession::Execute(const std::string& sql) {
  Result res(PQexec(conn_, sql.c_str()));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return ResultError(conn_, res.get(), sql.substr(0, sql.find(' ')));
  }
  return absl::OkStatus();
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

absl::Status AppendRows(store::Database& db, std::string_view table,
                        const std::vector<std::string>& columns,
                        const std::vector<std::vector<store::Value>>& rows) {
  std::vector<std::string> names;
  std::vector<std::string> marks;
  for (const std::string& column : columns) {
    names.push_back(QuoteIdentifier(column));
    marks.push_back("?");
  }
  const std::string sql =
      absl::StrCat("INSERT INTO ", QuoteIdentifier(table), " (", absl::StrJoin(names, ", "),
                   ") VALUES (", absl::StrJoin(marks, ", "), ")");
  return db.Transaction([&](store::Connection& c) -> absl::Status {
    for (const std::vector<store::Value>& row : rows) {
      RETURN_IF_ERROR(c.Execute(sql, row).status());
    }
    return absl::OkStatus();
  });
}

PgRelation SourceRelation(const DataSource& source) {
  PgRelation r;
  if (!source.table.empty()) {
    std::vector<std::string> parts;
    for (absl::string_view part : absl::StrSplit(source.table, '.')) {
      parts.push_back(QuoteIdentifier(std::string_view(part.data(), part.size())));
    }
    r.sql = absl::StrJoin(parts, ".");
    r.has_ctid = true;
    r.label = absl::StrCat("table ", source.table, " (source '", source.name, "')");
  } else {
    r.sql = absl::StrCat("(", source.query, ")");
    r.label = absl::StrCat("query of source '", source.name, "'");
  }
  return r;
}

absl::StatusOr<std::vector<PgColumn>> DescribeRelation(PgSession& session, PgRelation* relation) {
  ASSIGN_OR_RETURN(
      Result res,
      QueryBinary(session, absl::StrCat("SELECT * FROM ", relation->sql, " AS s LIMIT 0"),
                  relation->label));
  if (relation->has_ctid) {
    // A view has no ctid; its rows then have no defined order (as a query source).
    relation->has_ctid =
        QueryBinary(session, absl::StrCat("SELECT s.ctid FROM ", relation->sql, " AS s LIMIT 0"),
                    relation->label)
            .ok();
  }
  std::vector<PgColumn> columns;
  for (int i = 0; i < PQnfields(res.get()); ++i) {
    PgColumn c;
    c.name = PQfname(res.get(), i);
    c.oid = PQftype(res.get(), i);
    c.supported = true;
    switch (c.oid) {
      case kBoolOid:
        c.type = table::DataType::kBool;
        break;
      case kInt2Oid:
      case kInt4Oid:
      case kInt8Oid:
        c.type = table::DataType::kInt64;
        break;
      case kFloat4Oid:
      case kFloat8Oid:
      case kNumericOid:
        c.type = table::DataType::kFloat64;
        break;
      case kTextOid:
      case kNameOid:
      case kBpcharOid:
      case kVarcharOid:
        c.type = table::DataType::kString;
        break;
      case kDateOid:
      case kTimestampOid:
      case kTimestamptzOid:
        c.type = table::DataType::kTimestamp;
        break;
      default:
        c.supported = false;
    }
    columns.push_back(std::move(c));
  }
  return columns;
}

absl::StatusOr<table::Table> ReadRelation(PgSession& session, const PgRelation& relation,
                                          const std::vector<PgColumn>& described,
                                          const std::vector<std::string>& columns,
                                          const std::vector<std::string>& output_names) {
  std::vector<const PgColumn*> picked;
  std::vector<std::string> exprs;
  for (const std::string& name : columns) {
    ASSIGN_OR_RETURN(const PgColumn* c, RequireColumn(described, relation, name));
    picked.push_back(c);
    exprs.push_back(SelectExpression("s", *c));
  }
  std::string sql = absl::StrCat("SELECT ", absl::StrJoin(exprs, ", "), " FROM ", relation.sql,
                                 " AS s", relation.has_ctid ? " ORDER BY s.ctid" : "");
  ASSIGN_OR_RETURN(Result res, QueryBinary(session, sql, relation.label));
  std::vector<table::Field> fields;
  std::vector<table::Column> out;
  for (size_t i = 0; i < picked.size(); ++i) {
    ASSIGN_OR_RETURN(table::Column c,
                     DecodeColumn(res.get(), static_cast<int>(i), picked[i]->type, columns[i]));
    fields.push_back({output_names[i], picked[i]->type});
    out.push_back(std::move(c));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
}

absl::StatusOr<table::Table> PushdownPointInTime(PgSession& session, const table::Table& entities,
                                                 std::string_view timestamp_column,
                                                 const std::vector<PushdownView>& views) {
  ASSIGN_OR_RETURN(const table::Column* timestamps, entities.ColumnByName(timestamp_column));
  // The entity key columns every view needs, each uploaded once.
  std::vector<std::string> key_columns;
  auto key_index = [&](const std::string& name) {
    for (size_t i = 0; i < key_columns.size(); ++i) {
      if (key_columns[i] == name) return i;
    }
    key_columns.push_back(name);
    return key_columns.size() - 1;
  };
  std::vector<std::vector<size_t>> view_keys;
  for (const PushdownView& v : views) {
    std::vector<size_t> idx;
    for (const std::string& k : v.entity_keys) idx.push_back(key_index(k));
    view_keys.push_back(std::move(idx));
  }
  const std::string temp = "strata_pit_entities";
  RETURN_IF_ERROR(UploadEntities(session, temp, entities, key_columns, *timestamps));

  std::vector<std::string> select = {"e.__row"};
  std::vector<std::string> laterals;
  std::vector<table::DataType> types;
  std::vector<std::string> names;
  for (size_t vi = 0; vi < views.size(); ++vi) {
    const PushdownView& v = views[vi];
    const std::string alias = absl::StrCat("v", vi);
    std::vector<std::string> inner;
    for (size_t fi = 0; fi < v.source_features.size(); ++fi) {
      ASSIGN_OR_RETURN(const PgColumn* c,
                       RequireColumn(v.described, v.relation, v.source_features[fi]));
      const std::string out_name = absl::StrCat("v", vi, "_f", fi);
      inner.push_back(absl::StrCat(SelectExpression("s", *c), " AS ", out_name));
      select.push_back(absl::StrCat(alias, ".", out_name));
      types.push_back(c->type);
      names.push_back(out_name);
    }
    std::vector<std::string> where;
    for (size_t k = 0; k < v.source_keys.size(); ++k) {
      ASSIGN_OR_RETURN(const PgColumn* c, RequireColumn(v.described, v.relation, v.source_keys[k]));
      where.push_back(absl::StrCat(SelectExpression("s", *c), " = e.k", view_keys[vi][k]));
    }
    ASSIGN_OR_RETURN(const PgColumn* ts,
                     RequireColumn(v.described, v.relation, v.timestamp_column));
    const std::string ts_expr = SelectExpression("s", *ts);
    where.push_back(absl::StrCat(ts_expr, " <= e.__ts"));
    if (v.ttl_micros > 0) {
      where.push_back(
          absl::StrCat(ts_expr, " >= e.__ts - INTERVAL '", v.ttl_micros, " microseconds'"));
    }
    std::vector<std::string> order = {absl::StrCat(ts_expr, " DESC")};
    if (!v.created_column.empty()) {
      ASSIGN_OR_RETURN(const PgColumn* cr,
                       RequireColumn(v.described, v.relation, v.created_column));
      order.push_back(absl::StrCat(SelectExpression("s", *cr), " DESC NULLS LAST"));
    }
    if (v.relation.has_ctid) order.push_back("s.ctid DESC");
    laterals.push_back(absl::StrCat(
        " LEFT JOIN LATERAL (SELECT ", inner.empty() ? "1 AS unused" : absl::StrJoin(inner, ", "),
        " FROM ", v.relation.sql, " AS s WHERE ", absl::StrJoin(where, " AND "), " ORDER BY ",
        absl::StrJoin(order, ", "), " LIMIT 1) AS ", alias, " ON true"));
  }
  const std::string sql = absl::StrCat("SELECT ", absl::StrJoin(select, ", "), " FROM ", temp,
                                       " AS e", absl::StrJoin(laterals, ""), " ORDER BY e.__row");
  ASSIGN_OR_RETURN(Result res, QueryBinary(session, sql, "point-in-time query"));
  if (PQntuples(res.get()) != entities.num_rows()) {
    return absl::InternalError(absl::StrCat("PostgreSQL point-in-time query returned ",
                                            PQntuples(res.get()), " rows for ", entities.num_rows(),
                                            " entity rows"));
  }
  std::vector<table::Field> fields;
  std::vector<table::Column> out;
  for (size_t i = 0; i < types.size(); ++i) {
    ASSIGN_OR_RETURN(table::Column c,
                     DecodeColumn(res.get(), static_cast<int>(i + 1), types[i], names[i]));
    fields.push_back({names[i], types[i]});
    out.push_back(std::move(c));
  }
  session.Execute(absl::StrCat("DROP TABLE IF EXISTS ", temp)).IgnoreError();
  return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
}

}  // namespace strata::features::internal
