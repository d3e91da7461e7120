#include "strata/tracking/internal/run_rows.h"

#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/tracking/internal/filter_sql.h"

namespace strata::tracking::internal {

RunInfo RunInfoFromRow(const store::Row& row) {
  RunInfo info;
  info.run_id = row.GetString(0);
  info.experiment_id = absl::StrCat(row.GetInt(1));
  info.run_name = row.GetString(2);
  info.user_id = row.GetString(3);
  info.status = row.GetString(4);
  info.start_time = row.GetInt(5);
  info.end_time = row.GetOptionalInt(6);
  info.artifact_uri = row.GetString(7);
  info.lifecycle_stage = row.GetString(8);
  return info;
}

double MetricValueFromRow(const store::Row& row, size_t value_col, size_t is_nan_col) {
  if (row.GetInt(is_nan_col) != 0) return std::numeric_limits<double>::quiet_NaN();
  return row.GetDouble(value_col);
}

absl::Status LoadRunDetails(store::Connection& c, std::vector<Run>& runs) {
  if (runs.empty()) return absl::OkStatus();
  absl::flat_hash_map<std::string, Run*> by_id;
  std::vector<store::Value> ids;
  ids.reserve(runs.size());
  for (Run& run : runs) {
    by_id[run.info.run_id] = &run;
    ids.emplace_back(run.info.run_id);
  }
  const std::string in = absl::StrCat(" IN (", Placeholders(ids.size()), ")");

  RETURN_IF_ERROR(c.ForEach(
      absl::StrCat("SELECT run_uuid, key, value, is_nan, timestamp, step FROM latest_metrics "
                   "WHERE run_uuid",
                   in, " ORDER BY run_uuid, key"),
      ids, [&](const store::Row& row) {
        auto it = by_id.find(row.GetString(0));
        if (it != by_id.end()) {
          it->second->data.metrics.push_back(Metric{row.GetString(1), MetricValueFromRow(row, 2, 3),
                                                    row.GetInt(4), row.GetInt(5)});
        }
        return true;
      }));
  RETURN_IF_ERROR(
      c.ForEach(absl::StrCat("SELECT run_uuid, key, value FROM params WHERE run_uuid", in,
                             " ORDER BY run_uuid, key"),
                ids, [&](const store::Row& row) {
                  auto it = by_id.find(row.GetString(0));
                  if (it != by_id.end()) {
                    it->second->data.params.push_back(Param{row.GetString(1), row.GetString(2)});
                  }
                  return true;
                }));
  RETURN_IF_ERROR(
      c.ForEach(absl::StrCat("SELECT run_uuid, key, value FROM tags WHERE run_uuid", in,
                             " ORDER BY run_uuid, key"),
                ids, [&](const store::Row& row) {
                  auto it = by_id.find(row.GetString(0));
                  if (it != by_id.end()) {
                    it->second->data.tags.push_back(Tag{row.GetString(1), row.GetString(2)});
                  }
                  return true;
                }));

  // Dataset inputs, then their tags keyed by input id.
  absl::flat_hash_map<std::string, DatasetInput*> inputs;
  std::vector<store::Value> input_ids;
  std::vector<std::pair<std::string, std::string>> order;  // (run_uuid, input_id)
  RETURN_IF_ERROR(c.ForEach(
      absl::StrCat("SELECT i.run_uuid, i.input_id, d.name, d.digest, d.dataset_source_type, "
                   "d.dataset_source, d.dataset_schema, d.dataset_profile FROM inputs i JOIN "
                   "datasets d ON d.dataset_uuid = i.dataset_uuid WHERE i.run_uuid",
                   in, " ORDER BY i.run_uuid, i.input_id"),
      ids, [&](const store::Row& row) {
        auto it = by_id.find(row.GetString(0));
        if (it == by_id.end()) return true;
        DatasetInput in_row;
        in_row.dataset = Dataset{row.GetString(2), row.GetString(3), row.GetString(4),
                                 row.GetString(5), row.GetString(6), row.GetString(7)};
        it->second->inputs.dataset_inputs.push_back(std::move(in_row));
        order.emplace_back(row.GetString(0), row.GetString(1));
        input_ids.emplace_back(row.GetInt(1));
        return true;
      }));
  if (input_ids.empty()) return absl::OkStatus();
  // Pointers are taken after all push_backs so vector growth cannot invalidate them.
  absl::flat_hash_map<std::string, size_t> next_index;
  for (const auto& [run_id, input_id] : order) {
    Run* run = by_id[run_id];
    inputs[input_id] = &run->inputs.dataset_inputs[next_index[run_id]++];
  }
  return c.ForEach(absl::StrCat("SELECT input_id, name, value FROM input_tags WHERE input_id IN (",
                                Placeholders(input_ids.size()), ") ORDER BY input_id, name"),
                   input_ids, [&](const store::Row& row) {
                     auto it = inputs.find(row.GetString(0));
                     if (it != inputs.end())
                       it->second->tags.push_back(Tag{row.GetString(1), row.GetString(2)});
                     return true;
                   });
}

absl::StatusOr<RunInfo> LoadRunInfo(store::Connection& c, std::string_view run_id) {
  ASSIGN_OR_RETURN(
      std::optional<store::Row> row,
      c.QueryOne(absl::StrCat("SELECT ", kRunInfoColumns, " FROM runs r WHERE r.run_uuid = ?"),
                 {store::Value(std::string(run_id))}));
  if (!row) {
    return absl::NotFoundError(absl::StrCat("Run with id=", AsAbsl(run_id), " not found"));
  }
  return RunInfoFromRow(*row);
}

absl::Status CheckRunActive(store::Connection& c, std::string_view run_id) {
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne("SELECT lifecycle_stage FROM runs WHERE run_uuid = ?",
                              {store::Value(std::string(run_id))}));
  if (!row) {
    return absl::NotFoundError(absl::StrCat("Run with id=", AsAbsl(run_id), " not found"));
  }
  std::string stage = row->GetString(0);
  if (stage != kLifecycleActive) {
    return absl::InvalidArgumentError(absl::StrCat("The run ", AsAbsl(run_id),
                                                   " must be in the 'active' state. Current "
                                                   "state is ",
                                                   stage, "."));
  }
  return absl::OkStatus();
}

}  // namespace strata::tracking::internal
