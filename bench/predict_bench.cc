// Tree-ensemble prediction, Strata's TreePredictor beside XGBoost's own C API, in one process
// on the same model file and the same float32 rows:
//   - agreement: the largest |strata - xgboost| over every row and output;
//   - single-row latency: XGBoosterPredictFromDense (XGBoost's in-place predict) on one row vs
//     TreePredictor::Predict on one row, mean over --single-rows calls;
//   - batch throughput: every row at once with --threads threads (XGBoost nthread, Strata
//     PredictParallel), best of --repeat.
// Usage: predict_bench --model m.json --rows-file X.f32 --features F [--threads 2]
//        [--single-rows 20000] [--repeat 5]
// X.f32 is raw little-endian float32, row-major, NaN = missing.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/models/predictor.h"
#include "strata/models/xgboost_import.h"
#include "xgboost/c_api.h"

namespace {

using Clock = std::chrono::steady_clock;

// Process CPU time: on a shared, oversubscribed machine wall time mostly measures the other
// tenants; CPU seconds spent measure the work each side does.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(int rc, const char* what) {
  if (rc != 0) {
    std::fprintf(stderr, "xgboost %s: %s\n", what, XGBGetLastError());
    std::exit(1);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ArrayInterface(const float* data, int64_t rows, int64_t cols) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "{\"data\": [%llu, true], \"shape\": [%lld, %lld], \"typestr\": \"<f4\", "
                "\"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(data)),
                static_cast<long long>(rows), static_cast<long long>(cols));
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, rows_path;
  int64_t features = 0, single_rows = 20000;
  int threads = 2, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* v = argv[i + 1];
    if (flag == "--model") model_path = v;
    else if (flag == "--rows-file") rows_path = v;
    else if (flag == "--features") features = std::atoll(v);
    else if (flag == "--threads") threads = std::atoi(v);
    else if (flag == "--single-rows") single_rows = std::atoll(v);
    else if (flag == "--repeat") repeat = std::atoi(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (model_path.empty() || rows_path.empty() || features <= 0) {
    std::fprintf(stderr, "usage: predict_bench --model M --rows-file X.f32 --features F\n");
    return 2;
  }
  const std::string raw = ReadFile(rows_path);
  const int64_t rows = static_cast<int64_t>(raw.size() / sizeof(float)) / features;
  std::vector<float> x(static_cast<size_t>(rows * features));
  std::memcpy(x.data(), raw.data(), x.size() * sizeof(float));

  // Strata.
  const std::string model_bytes = ReadFile(model_path);
  auto t0 = Clock::now();
  auto imported = strata::models::ImportXgboostModel(model_bytes);
  auto t1 = Clock::now();
  if (!imported.ok()) {
    std::fprintf(stderr, "strata import: %s\n", imported.status().ToString().c_str());
    return 1;
  }
  const strata::models::TreePredictor& predictor = *imported->predictor;
  const int64_t outputs = predictor.num_outputs();
  if (predictor.num_features() != features) {
    std::fprintf(stderr, "model has %d features, rows have %lld\n", predictor.num_features(),
                 static_cast<long long>(features));
    return 1;
  }

  // XGBoost.
  BoosterHandle booster = nullptr;
  Check(XGBoosterCreate(nullptr, 0, &booster), "create");
  Check(XGBoosterLoadModel(booster, model_path.c_str()), "load");
  Check(XGBoosterSetParam(booster, "nthread", std::to_string(threads).c_str()), "nthread");
  const std::string batch_config =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";

  // Agreement over every row.
  std::vector<double> strata_out(static_cast<size_t>(rows * outputs));
  strata::models::PredictParallel(predictor, x.data(), rows, strata_out.data(), threads);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* xgb_out = nullptr;
  Check(XGBoosterPredictFromDense(booster, ArrayInterface(x.data(), rows, features).c_str(),
                                  batch_config.c_str(), nullptr, &shape, &dim, &xgb_out),
        "predict");
  double max_diff = 0;
  for (int64_t i = 0; i < rows * outputs; ++i) {
    max_diff = std::max(max_diff, std::fabs(strata_out[i] - static_cast<double>(xgb_out[i])));
  }

  // Single-row latency.
  single_rows = std::min(single_rows, rows);
  Check(XGBoosterSetParam(booster, "nthread", "1"), "nthread");
  double sink = 0;
  auto s0 = Clock::now();
  for (int64_t r = 0; r < single_rows; ++r) {
    Check(XGBoosterPredictFromDense(booster,
                                    ArrayInterface(x.data() + r * features, 1, features).c_str(),
                                    batch_config.c_str(), nullptr, &shape, &dim, &xgb_out),
          "predict row");
    sink += xgb_out[0];
  }
  auto s1 = Clock::now();
  std::vector<double> one(static_cast<size_t>(outputs));
  for (int64_t r = 0; r < single_rows; ++r) {
    predictor.Predict(x.data() + r * features, 1, one.data());
    sink += one[0];
  }
  auto s2 = Clock::now();
  const double xgb_row_us = Seconds(s0, s1) / static_cast<double>(single_rows) * 1e6;
  const double strata_row_us = Seconds(s1, s2) / static_cast<double>(single_rows) * 1e6;

  // Batch throughput, best of `repeat` each, alternating.
  Check(XGBoosterSetParam(booster, "nthread", std::to_string(threads).c_str()), "nthread");
  double xgb_best = 1e30, strata_best = 1e30, xgb_cpu = 1e30, strata_cpu = 1e30;
  const std::string all = ArrayInterface(x.data(), rows, features);
  for (int k = 0; k < repeat; ++k) {
    const double c0 = CpuSeconds();
    auto b0 = Clock::now();
    Check(XGBoosterPredictFromDense(booster, all.c_str(), batch_config.c_str(), nullptr, &shape,
                                    &dim, &xgb_out),
          "predict batch");
    auto b1 = Clock::now();
    const double c1 = CpuSeconds();
    strata::models::PredictParallel(predictor, x.data(), rows, strata_out.data(), threads);
    auto b2 = Clock::now();
    const double c2 = CpuSeconds();
    xgb_cpu = std::min(xgb_cpu, c1 - c0);
    strata_cpu = std::min(strata_cpu, c2 - c1);
    xgb_best = std::min(xgb_best, Seconds(b0, b1));
    strata_best = std::min(strata_best, Seconds(b1, b2));
    sink += xgb_out[0] + strata_out[0];
  }

  std::printf("model: %s (%d trees, %lld features, %lld outputs); rows: %lld; import %.1f ms\n",
              model_path.c_str(), imported->num_trees, static_cast<long long>(features),
              static_cast<long long>(outputs), static_cast<long long>(rows),
              Seconds(t0, t1) * 1e3);
  std::printf("agreement: max |strata - xgboost| = %.3g over %lld values\n", max_diff,
              static_cast<long long>(rows * outputs));
  std::printf("single row: xgboost PredictFromDense %.2f us, strata %.2f us, ratio %.3f "
              "(strata/xgboost; goal <= 0.333)\n",
              xgb_row_us, strata_row_us, strata_row_us / xgb_row_us);
  std::printf("batch %lld rows, %d threads: xgboost %.1f ms (%.2f Mrows/s), strata %.1f ms "
              "(%.2f Mrows/s), throughput ratio %.2fx (goal >= 2)\n",
              static_cast<long long>(rows), threads, xgb_best * 1e3,
              static_cast<double>(rows) / xgb_best / 1e6, strata_best * 1e3,
              static_cast<double>(rows) / strata_best / 1e6, xgb_best / strata_best);
  std::printf("batch CPU seconds (all threads): xgboost %.1f ms, strata %.1f ms, ratio %.2fx\n",
              xgb_cpu * 1e3, strata_cpu * 1e3, xgb_cpu / strata_cpu);
  if (sink == 12345.678) std::printf("\n");
  XGBoosterFree(booster);
  return max_diff <= 1e-6 ? 0 : 3;
}
