// Request bodies of the row- and column-oriented inference protocols (TF Serving REST, MLflow
// /invocations) as tables with a model signature's input columns, and predictions as JSON.
// Values are checked against the signature's column types here, naming the column and row;
// nulls and NaN are left for Model's own signature check (it knows which columns are nullable).
#ifndef STRATA_API_INTERNAL_JSON_TABLE_H_
#define STRATA_API_INTERNAL_JSON_TABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::api::internal {

// [{"age": 3, "city": "x"}, ...]: one object per row; a missing key is null, an unknown key
// an error.
absl::StatusOr<table::Table> TableFromRecords(const nlohmann::json& records,
                                              const models::Signature& signature,
                                              int64_t max_rows);

// [[3, "x"], ...] with `columns` naming the positions (the signature's input order when
// `columns` is empty).
absl::StatusOr<table::Table> TableFromRowLists(const nlohmann::json& rows,
                                               const std::vector<std::string>& columns,
                                               const models::Signature& signature,
                                               int64_t max_rows);

// {"age": [3, 4], "city": ["x", "y"]}: one array per column, all of one length.
absl::StatusOr<table::Table> TableFromColumnArrays(const nlohmann::json& columns,
                                                   const models::Signature& signature,
                                                   int64_t max_rows);

// One entry per row: the value itself for one-output models, else an array of the outputs.
nlohmann::json PredictionsToJson(const models::Model::Predictions& predictions);

}  // namespace strata::api::internal

#endif  // STRATA_API_INTERNAL_JSON_TABLE_H_
