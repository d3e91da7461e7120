// TrackingStore::SearchRuns. One indexed query selects the page of runs (LIMIT max_results+1
// tells whether another page exists); metrics/params/tags/inputs are then loaded for just
// those ids with one IN query per table, so cost follows the page size, not the experiment.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/tracking/internal/filter_sql.h"
#include "strata/tracking/internal/run_rows.h"
#include "strata/tracking/internal/validation.h"
#include "strata/tracking/search_filter.h"
#include "strata/tracking/tracking_store.h"

namespace strata::tracking {

absl::StatusOr<RunPage> TrackingStore::SearchRuns(const SearchRunsRequest& request) {
  RETURN_IF_ERROR(internal::ValidateMaxResults(request.max_results, kMaxResultsLimit));
  std::vector<store::Value> exp_ids;
  for (const std::string& id : request.experiment_ids) {
    int64_t v = 0;
    if (id.empty() || !absl::SimpleAtoi(id, &v) || v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid experiment id '", id, "' in experiment_ids"));
    }
    exp_ids.emplace_back(v);
  }
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseRunFilter(request.filter));
  std::vector<OrderByTerm> order;
  for (const std::string& o : request.order_by) {
    ASSIGN_OR_RETURN(OrderByTerm t, ParseRunOrderBy(o));
    order.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(int64_t offset, internal::DecodePageToken(request.page_token));

  RunPage page;
  if (exp_ids.empty()) return page;  // MLflow: no experiments, no runs

  internal::RunOrderSql order_sql = internal::RunOrderBySql(order);
  internal::SqlPart q;
  q.sql = absl::StrCat("SELECT ", internal::kRunInfoColumns, " FROM runs r");
  q.Append(order_sql.joins);
  if (exp_ids.size() == 1) {
    q.sql += " WHERE r.experiment_id = ?";
  } else {
    absl::StrAppend(&q.sql, " WHERE r.experiment_id IN (", internal::Placeholders(exp_ids.size()),
                    ")");
  }
  q.params.insert(q.params.end(), exp_ids.begin(), exp_ids.end());
  if (request.run_view_type != ViewType::kAll) {
    q.sql += " AND r.lifecycle_stage = ?";
    q.params.emplace_back(std::string(
        request.run_view_type == ViewType::kActiveOnly ? kLifecycleActive : kLifecycleDeleted));
  }
  q.Append(internal::RunFilterSql(terms));
  absl::StrAppend(&q.sql, " ORDER BY ", order_sql.order, " LIMIT ? OFFSET ?");
  q.params.emplace_back(request.max_results + 1);
  q.params.emplace_back(offset);

  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.runs.clear();
    RETURN_IF_ERROR(c.ForEach(q.sql, q.params, [&](const store::Row& row) {
      Run run;
      run.info = internal::RunInfoFromRow(row);
      page.runs.push_back(std::move(run));
      return true;
    }));
    if (static_cast<int64_t>(page.runs.size()) > request.max_results) {
      page.runs.resize(request.max_results);
      page.next_page_token = internal::EncodePageToken(offset + request.max_results);
    }
    return internal::LoadRunDetails(c, page.runs);
  }));
  return page;
}

}  // namespace strata::tracking
