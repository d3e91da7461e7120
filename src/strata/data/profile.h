// Data profiling: one multi-threaded pass over a table builds mergeable sketches per column
// (moments, KLL quantiles, HyperLogLog distinct count, frequent items, string lengths) and
// pairwise Pearson accumulators over the numeric columns; the summaries (quantiles, top
// values, histogram, correlation matrix) are derived from the sketches, so two profiles
// merge into the profile of the concatenated data (counts exactly, quantiles and distinct
// counts within the sketches' error).
//
// Example:
//   ASSIGN_OR_RETURN(TableProfile profile, ProfileTable(table));
//   std::string json = ProfileToJson(profile).dump(2);
//   std::string html = ProfileToHtml(profile, "train.csv");
//
// What is counted per column: `count` = non-null values (NaN and ±inf included; they are
// also counted in nan_count / inf_count); min/max/mean/stddev/quantiles/histogram are over
// the finite values; `distinct` is over the non-null, non-NaN values (approximate, ~1%).
// Histogram counts come from the KLL sketch (stats/histogram.h: EstimateFromKll), so they
// are approximate by the sketch's rank error; they always add up to the column's count of
// finite values. Category columns are counted exactly per code, so their top values and
// distinct counts are exact.
//
// Thread-safety: ProfileTable may run concurrently on the same table (it only reads it).
#ifndef STRATA_DATA_PROFILE_H_
#define STRATA_DATA_PROFILE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/stats/correlation.h"
#include "strata/stats/frequent_items.h"
#include "strata/stats/histogram.h"
#include "strata/stats/hyperloglog.h"
#include "strata/stats/kll_sketch.h"
#include "strata/stats/moments.h"
#include "strata/table/table.h"

namespace strata::data {

struct ProfileOptions {
  // 0: one per hardware thread.
  int threads = 0;
  int top_k = 10;
  int histogram_bins = 20;
  int kll_k = 200;
  bool correlations = true;
};

// The quantiles every numeric and timestamp column reports, and their JSON keys.
inline constexpr std::array<double, 7> kProfileQuantiles = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};
inline constexpr std::array<const char*, 7> kProfileQuantileKeys = {"p01", "p05", "p25", "p50",
                                                                    "p75", "p95", "p99"};

// The mergeable state behind one column's summary.
struct ColumnSketches {
  // Finite values (bool as 0/1, timestamps as µs).
  stats::Moments moments;
  stats::KllSketch kll;
  stats::HyperLogLog hll;
  // Values of int64/timestamp columns, the bit patterns of float64 values, bools as 0/1.
  stats::FrequentItems<int64_t> top_numbers;
  // Values of string and category columns.
  stats::FrequentItems<std::string> top_strings;
  // Byte lengths of string and category values.
  stats::Moments lengths;
};

struct TopValue {
  std::string value;
  int64_t count = 0;
};

struct ColumnProfile {
  std::string name;
  table::DataType type = table::DataType::kInt64;
  int64_t count = 0;
  int64_t null_count = 0;
  int64_t nan_count = 0;
  int64_t inf_count = 0;
  double distinct = 0;
  // Numeric, bool (mean only: the share of true) and timestamp columns with a finite value.
  bool has_moments = false;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // sample (n - 1); NaN with one value
  // kProfileQuantiles in order; empty when not meaningful.
  std::vector<double> quantiles;
  std::vector<TopValue> top_values;
  stats::Histogram histogram;  // no bins when not meaningful
  // String and category columns with a value.
  bool has_lengths = false;
  int64_t min_length = 0;
  int64_t max_length = 0;
  double mean_length = 0;
  // String and category columns: values that would parse as a number, timestamp or bool.
  int64_t looks_numeric = 0;
  int64_t looks_timestamp = 0;
  int64_t looks_bool = 0;
  // Present in computed profiles and in JSON written with sketches; MergeProfiles needs it.
  std::optional<ColumnSketches> sketches;
};

struct TableProfile {
  int64_t rows = 0;
  std::vector<ColumnProfile> columns;
  // Numeric (int64, float64) columns and their pairwise-complete Pearson correlations
  // (NaN where undefined: fewer than two pairs or a constant side).
  std::vector<std::string> correlation_columns;
  std::vector<std::vector<double>> correlation_matrix;
  std::optional<stats::CorrelationMatrix> correlation_sketch;
  // The options the sketches were built with (top_k and histogram_bins shape the summaries).
  ProfileOptions options;
};

// Errors: INVALID_ARGUMENT for options out of range (top_k < 0, histogram_bins < 1,
// threads < 0).
absl::StatusOr<TableProfile> ProfileTable(const table::Table& table, const ProfileOptions& options = {});

// The JSON shape other tools read (see data/README.md); `include_sketches` adds each
// column's serialized sketches under "sketches" (base64) so the profile can be merged later.
nlohmann::json ProfileToJson(const TableProfile& profile, bool include_sketches);
nlohmann::json ProfileToJson(const TableProfile& profile);
// Errors: INVALID_ARGUMENT naming the column and key for a malformed document.
absl::StatusOr<TableProfile> ProfileFromJson(const nlohmann::json& json);

// One self-contained HTML page (inline CSS and SVG, no scripts, no network); every string
// from the data is escaped.
std::string ProfileToHtml(const TableProfile& profile, std::string_view title);

// Adds `other` (a profile of more rows of the same schema) into `into`.
// Errors: INVALID_ARGUMENT when the columns' names or types differ or the sketches were built
// with different options; FAILED_PRECONDITION when either profile lacks its sketches.
absl::Status MergeProfiles(TableProfile& into, const TableProfile& other);

}  // namespace strata::data

#endif  // STRATA_DATA_PROFILE_H_
