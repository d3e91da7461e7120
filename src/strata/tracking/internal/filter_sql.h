// Translates parsed search filters and order_by terms into parameterized SQL fragments over
// the tracking schema. Every value -- including metric/param/tag keys -- is bound as a `?`
// parameter; only fixed column names chosen from a closed set are spliced into the SQL text.
//
// Aliases: runs are `r`, experiments are `e`. Thread-safe (pure functions).
#ifndef STRATA_TRACKING_INTERNAL_FILTER_SQL_H_
#define STRATA_TRACKING_INTERNAL_FILTER_SQL_H_

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
