// TrackingStore::SearchRuns. One indexed query selects the page of runs (LIMIT max_results+1
// tells whether another page exists): it walks the experiment's runs in the requested order
// and probes the filter per run, or, when an equality on a param/tag value matches few runs,
// starts from that value index (see ChooseDriver). Metrics/params/tags/inputs are then loaded
// for just those ids with one IN query per table, so cost follows the page size.
#include <algorithm>
#include <optional>

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
namespace {

// Choosing the plan. With N runs matching the most selective indexed term, R runs in scope
// and a page of P, the driven plan reads and sorts N runs, while the default plan probes
// about P * R / N runs before its page is full. The driven plan wins when N * N < P * R.
// Both counts are taken with bounded probes, so choosing costs at most ~kMaxDriverMatches
// index entries plus kMaxDriverMatches^2 / P scope entries, and only when a driver is plausible.
constexpr int64_t kMaxDriverMatches = 3000;

// The indexed term to drive the search from, or null for the default plan.
// SQLite only: PostgreSQL's planner turns EXISTS into semi-joins and picks its own order.
absl::StatusOr<const internal::IndexedTerm*> ChooseDriver(
    store::Connection& c, const std::vector<internal::IndexedTerm>& indexed,
    const internal::SqlPart& scope, int64_t page_rows) {
  if (c.backend() != store::Backend::kSqlite || indexed.empty()) return nullptr;
  const internal::IndexedTerm* best = nullptr;
  int64_t best_count = kMaxDriverMatches + 1;
  for (const internal::IndexedTerm& t : indexed) {
    internal::SqlPart count = internal::IndexedTermCountSql(t, best_count);
    ASSIGN_OR_RETURN(std::optional<store::Row> row, c.QueryOne(count.sql, count.params));
    const int64_t n = row ? row->GetInt(0) : 0;
    if (n < best_count) {
      best = &t;
      best_count = n;
    }
  }
  if (best == nullptr) return nullptr;
  const int64_t break_even = best_count * best_count / std::max<int64_t>(page_rows, 1);
  if (break_even == 0) return best;
  internal::SqlPart runs;
  runs.sql = absl::StrCat("SELECT COUNT(*) FROM (SELECT 1 FROM runs r WHERE ", scope.sql,
                          " LIMIT ?) in_scope");
  runs.params = scope.params;
  runs.params.emplace_back(break_even + 1);
  ASSIGN_OR_RETURN(std::optional<store::Row> row, c.QueryOne(runs.sql, runs.params));
  const int64_t in_scope = row ? row->GetInt(0) : 0;
  return in_scope > break_even ? best : nullptr;
}

}  // namespace

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
  // Which runs are in scope (experiments, lifecycle), then the filter, ORDER BY and LIMIT;
  // the FROM clause depends on the driver choice.
  internal::SqlPart scope;
  if (exp_ids.size() == 1) {
    scope.sql = "r.experiment_id = ?";
  } else {
    scope.sql = absl::StrCat("r.experiment_id IN (", internal::Placeholders(exp_ids.size()), ")");
  }
  scope.params.insert(scope.params.end(), exp_ids.begin(), exp_ids.end());
  if (request.run_view_type != ViewType::kAll) {
    scope.sql += " AND r.lifecycle_stage = ?";
    scope.params.emplace_back(std::string(
        request.run_view_type == ViewType::kActiveOnly ? kLifecycleActive : kLifecycleDeleted));
  }
  internal::SqlPart conditions = scope;
  conditions.Append(internal::RunFilterSql(terms));
  absl::StrAppend(&conditions.sql, " ORDER BY ", order_sql.order, " LIMIT ? OFFSET ?");
  conditions.params.emplace_back(request.max_results + 1);
  conditions.params.emplace_back(offset);
  const std::vector<internal::IndexedTerm> indexed = internal::IndexedEqualityTerms(terms);

  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.runs.clear();
    ASSIGN_OR_RETURN(const internal::IndexedTerm* driver,
                     ChooseDriver(c, indexed, scope, offset + request.max_results + 1));
    internal::SqlPart q;
    q.sql = absl::StrCat("SELECT ", internal::kRunInfoColumns);
    if (driver != nullptr) {
      q.Append(internal::DrivenRunsFromSql(*driver));
    } else {
      q.sql += " FROM runs r";
    }
    q.Append(order_sql.joins);
    q.sql += " WHERE ";
    if (driver != nullptr) q.sql += internal::kRunDriverJoinCondition;
    q.Append(conditions);
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
