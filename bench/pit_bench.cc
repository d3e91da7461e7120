// Point-in-time join harness for bench/pit_bench.py: reads the feature and entity Parquet
// files with io::ReadTable, runs features::PointInTimeJoin --repeat times, and prints one JSON
// line with the read time, the best join time, and a checksum of the result (rows whose
// features matched, and the sum of each feature column over its non-null values) for the
// script to compare with DuckDB's and pandas' answers.
// Usage: pit_bench FEATURES.parquet ENTITIES.parquet --key K --ts TS --event-ts ETS
//        --ttl-us N --features f1,f2,... [--threads T] [--repeat R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "strata/features/point_in_time.h"
#include "strata/io/read_table.h"

namespace {

using Clock = std::chrono::steady_clock;

// Process CPU time: on a shared, oversubscribed machine wall time also measures the other
// tenants; CPU seconds measure the work done.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "pit_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Fail("usage: pit_bench FEATURES ENTITIES --key K ... (see the source)");
  std::string key = "entity_id", ts = "ts", event_ts = "event_timestamp", features = "f1";
  long long ttl = 0;
  int threads = 0, repeat = 3;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--key")
      key = value;
    else if (flag == "--ts")
      ts = value;
    else if (flag == "--event-ts")
      event_ts = value;
    else if (flag == "--ttl-us")
      ttl = std::atoll(value);
    else if (flag == "--features")
      features = value;
    else if (flag == "--threads")
      threads = std::atoi(value);
    else if (flag == "--repeat")
      repeat = std::atoi(value);
    else
      return Fail("unknown flag " + flag);
  }
  const auto read_start = Clock::now();
  auto feature_rows = strata::io::ReadTable(argv[1]);
  if (!feature_rows.ok()) return Fail(std::string(feature_rows.status().message()));
  auto entities = strata::io::ReadTable(argv[2]);
  if (!entities.ok()) return Fail(std::string(entities.status().message()));
  const double read_s = Seconds(read_start, Clock::now());

  strata::features::FeatureViewJoin view;
  view.name = "fv";
  view.rows = &*feature_rows;
  view.join_keys = {key};
  view.timestamp_column = ts;
  view.ttl_micros = ttl;
  for (auto f : absl::StrSplit(features, ',')) view.features.emplace_back(f);
  strata::features::PointInTimeOptions options;
  options.threads = threads;

  double best = 1e300, best_cpu = 1e300;
  strata::table::Table result;
  for (int r = 0; r < repeat; ++r) {
    const auto start = Clock::now();
    const double cpu_start = CpuSeconds();
    auto joined = strata::features::PointInTimeJoin(*entities, event_ts, {view}, options);
    const double s = Seconds(start, Clock::now());
    if (!joined.ok()) return Fail(std::string(joined.status().message()));
    best_cpu = std::min(best_cpu, CpuSeconds() - cpu_start);
    if (s < best) best = s;
    result = *std::move(joined);
  }
  const int first_feature = entities->num_columns();
  const strata::table::Column& first = result.column(first_feature);
  long long matched = first.size() - first.null_count();
  std::printf(
      "{\"read_s\": %.6f, \"join_s\": %.6f, \"join_cpu_s\": %.6f, \"rows\": %lld, \"matched\": "
      "%lld, \"sums\": [",
      read_s, best, best_cpu, static_cast<long long>(result.num_rows()), matched);
  for (int c = first_feature; c < result.num_columns(); ++c) {
    const strata::table::Column& column = result.column(c);
    double sum = 0;
    const auto values = column.Float64s();
    for (int64_t i = 0; i < column.size(); ++i) {
      if (!column.IsNull(i)) sum += values[static_cast<size_t>(i)];
    }
    std::printf("%s%.17g", c == first_feature ? "" : ", ", sum);
  }
  std::printf("]}\n");
  return 0;
}
