// TrackingStore::SearchRuns. One indexed query selects the page of runs (LIMIT max_results+1
// tells whether another page exists): it walks the experiment's runs in the requested order
// and probes the filter per run, or, when an equality on a param/tag value matches few runs,
// starts from that value index (see ChooseDriver); metrics/params/tags/inputs are then loaded for just
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
namespace {

// A driver term must match at most this many runs: the driven plan reads each match once and
// sorts them, while the default plan walks the experiment's runs in order and probes each
// filter until the page is full, which is cheap exactly when matches are common.
constexpr int64_t kMaxDriverMatches = 5000;

// The indexed term with the fewest matches, if it has at most kMaxDriverMatches, else null.
// SQLite only: PostgreSQL's planner turns EXISTS into semi-joins and picks its own order.
absl::StatusOr<const internal::IndexedTerm*> ChooseDriver(
    store::Connection& c, const std::vector<internal::IndexedTerm>& indexed) {
  if (c.backend() != store::Backend::kSqlite) return nullptr;
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
  return best;
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
  // The WHERE conditions, ORDER BY and LIMIT; the FROM clause depends on the driver choice.
  internal::SqlPart conditions;
  if (exp_ids.size() == 1) {
    conditions.sql = "r.experiment_id = ?";
  } else {
    conditions.sql =
        absl::StrCat("r.experiment_id IN (", internal::Placeholders(exp_ids.size()), ")");
  }
  conditions.params.insert(conditions.params.end(), exp_ids.begin(), exp_ids.end());
  if (request.run_view_type != ViewType::kAll) {
    conditions.sql += " AND r.lifecycle_stage = ?";
    conditions.params.emplace_back(std::string(
        request.run_view_type == ViewType::kActiveOnly ? kLifecycleActive : kLifecycleDeleted));
  }
  conditions.Append(internal::RunFilterSql(terms));
  absl::StrAppend(&conditions.sql, " ORDER BY ", order_sql.order, " LIMIT ? OFFSET ?");
  conditions.params.emplace_back(request.max_results + 1);
  conditions.params.emplace_back(offset);
  const std::vector<internal::IndexedTerm> indexed = internal::IndexedEqualityTerms(terms);

  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.runs.clear();
    ASSIGN_OR_RETURN(const internal::IndexedTerm* driver, ChooseDriver(c, indexed));
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
