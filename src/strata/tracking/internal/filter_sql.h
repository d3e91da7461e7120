// Translates parsed search filters and order_by terms into parameterized SQL fragments over
// the tracking schema. Every value -- including metric/param/tag keys -- is bound as a `?`
// parameter; only fixed column names chosen from a closed set are spliced into the SQL text.
//
// Aliases: runs are `r`, experiments are `e`. Thread-safe (pure functions).
#ifndef STRATA_TRACKING_INTERNAL_FILTER_SQL_H_
#define STRATA_TRACKING_INTERNAL_FILTER_SQL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "strata/store/database.h"
#include "strata/tracking/search_filter.h"

namespace strata::tracking::internal {

// SQL text and its parameters, in text order.
struct SqlPart {
  std::string sql;
  std::vector<store::Value> params;

  void Append(const SqlPart& other);
};

// " AND <condition>" per term of a validated runs filter (ParseRunFilter).
SqlPart RunFilterSql(const std::vector<FilterTerm>& terms);

// " AND <condition>" per term of a validated experiments filter (ParseExperimentFilter).
SqlPart ExperimentFilterSql(const std::vector<FilterTerm>& terms);

// A filter term that an index can answer by itself: equality on a param or tag value, served
// by the (key, value) indexes. A search whose filter has one that matches few runs is driven
// from that index (the page query joins the matching run ids to `runs`) instead of probing the
// filter for every run of the experiment, which costs a probe per run when matches are rare.
struct IndexedTerm {
  const char* table;  // "params" or "tags"
  const FilterTerm* term;
};
std::vector<IndexedTerm> IndexedEqualityTerms(const std::vector<FilterTerm>& terms);

// "SELECT COUNT(*) ..." of the term's matching rows, counting at most `limit`.
SqlPart IndexedTermCountSql(const IndexedTerm& t, int64_t limit);

// " FROM (<matching run ids>) d CROSS JOIN runs r": the page query's FROM clause when `t`
// drives it; the WHERE clause must then start with RunDriverJoinCondition(). CROSS JOIN
// fixes the join order in SQLite (the matching ids are the outer loop).
SqlPart DrivenRunsFromSql(const IndexedTerm& t);
inline constexpr char kRunDriverJoinCondition[] = "r.run_uuid = d.run_uuid AND ";

// LEFT JOINs (in `joins`) and the ORDER BY list (in `order`, without the keywords) for runs.
// Missing metric/param/tag values sort last; ties break on start_time DESC, run_uuid ASC.
struct RunOrderSql {
  SqlPart joins;
  std::string order;
};
RunOrderSql RunOrderBySql(const std::vector<OrderByTerm>& terms);

// ORDER BY list for experiments; default creation_time DESC, experiment_id ASC.
std::string ExperimentOrderBySql(const std::vector<OrderByTerm>& terms);

// "?, ?, ?" with n placeholders.
std::string Placeholders(size_t n);

}  // namespace strata::tracking::internal

#endif  // STRATA_TRACKING_INTERNAL_FILTER_SQL_H_
