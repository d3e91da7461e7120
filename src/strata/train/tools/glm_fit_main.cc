// strata_glm_fit: fits one GLM on raw float64 files and prints the result as JSON. It is the
// harness of the scikit-learn comparison test (tests/test_glm_sklearn.py) and the benchmark
// (bench/glm_bench.py), which write the data once with numpy's tofile and time only the fit.
//
// Usage: strata_glm_fit --x FILE --rows N --cols F --y FILE [--w FILE]
//          [--family binomial|multinomial|gaussian] [--penalty l2|l1|none] [--C 1]
//          [--tol 1e-4] [--ftol 2.2e-9] [--max-iter 100] [--threads 0] [--no-intercept]
//          [--repeat 1]
// --x holds rows*cols float64 values row-major; --y and --w hold rows float64 values.
// With --repeat R the fit runs R times; fit_seconds (wall) and fit_cpu_seconds (CPU time of
// all threads) are the fastest of the R runs.
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/train/glm.h"

namespace {

absl::Status ReadDoubles(const std::string& path, size_t count, std::vector<double>& out) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  const std::streamoff size = in.tellg();
  if (size != static_cast<std::streamoff>(count * sizeof(double))) {
    return absl::InvalidArgumentError(absl::StrCat(path, " holds ", size, " bytes; expected ",
                                                   count * sizeof(double), " (", count,
                                                   " float64 values)"));
  }
  out.resize(count);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(size));
  if (!in) return absl::DataLossError(absl::StrCat("short read of ", path));
  return absl::OkStatus();
}

int Usage(const std::string& message) {
  std::cerr << "strata_glm_fit: " << message << "\n"
            << "usage: strata_glm_fit --x FILE --rows N --cols F --y FILE [--w FILE] "
               "[--family binomial|multinomial|gaussian] [--penalty l2|l1|none] [--C C] "
               "[--tol T] [--ftol T] [--max-iter N] [--threads N] [--no-intercept] "
               "[--repeat R]\n";
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "strata_glm_fit: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string x_path, y_path, w_path;
  int64_t rows = 0;
  int cols = 0, repeat = 1;
  strata::train::GlmOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-intercept") {
      options.fit_intercept = false;
      continue;
    }
    if (i + 1 >= argc) return Usage(absl::StrCat(flag, " needs a value"));
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--x") {
      x_path = value;
    } else if (flag == "--y") {
      y_path = value;
    } else if (flag == "--w") {
      w_path = value;
    } else if (flag == "--rows") {
      ok = absl::SimpleAtoi(value, &rows);
    } else if (flag == "--cols") {
      ok = absl::SimpleAtoi(value, &cols);
    } else if (flag == "--C") {
      ok = absl::SimpleAtod(value, &options.C);
    } else if (flag == "--tol") {
      ok = absl::SimpleAtod(value, &options.tol);
    } else if (flag == "--ftol") {
      ok = absl::SimpleAtod(value, &options.ftol);
    } else if (flag == "--max-iter") {
      ok = absl::SimpleAtoi(value, &options.max_iter);
    } else if (flag == "--threads") {
      ok = absl::SimpleAtoi(value, &options.threads);
    } else if (flag == "--repeat") {
      ok = absl::SimpleAtoi(value, &repeat) && repeat >= 1;
    } else if (flag == "--family") {
      auto family = strata::train::ParseGlmFamily(value);
      if (!family.ok()) return Usage(std::string(family.status().message()));
      options.family = *family;
    } else if (flag == "--penalty") {
      auto penalty = strata::train::ParseGlmPenalty(value);
      if (!penalty.ok()) return Usage(std::string(penalty.status().message()));
      options.penalty = *penalty;
    } else {
      return Usage(absl::StrCat("unknown flag ", flag));
    }
    if (!ok) return Usage(absl::StrCat("bad value for ", flag, ": '", value, "'"));
  }
  if (x_path.empty() || y_path.empty() || rows <= 0 || cols <= 0) {
    return Usage("--x, --y, --rows and --cols are required");
  }
  std::vector<double> x, y, w;
  absl::Status status = ReadDoubles(x_path, static_cast<size_t>(rows) * cols, x);
  if (status.ok()) status = ReadDoubles(y_path, static_cast<size_t>(rows), y);
  if (status.ok() && !w_path.empty()) status = ReadDoubles(w_path, static_cast<size_t>(rows), w);
  if (!status.ok()) return Fail(status);

  strata::train::GlmData data;
  data.features = x.data();
  data.rows = rows;
  data.cols = cols;
  data.labels = y.data();
  data.sample_weights = w.empty() ? nullptr : w.data();
  double best_seconds = 0, best_cpu_seconds = 0;
  absl::StatusOr<strata::train::GlmResult> fit;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    fit = strata::train::FitGlm(data, options);
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!fit.ok()) return Fail(fit.status());
    if (r == 0 || seconds < best_seconds) best_seconds = seconds;
    if (r == 0 || cpu_seconds < best_cpu_seconds) best_cpu_seconds = cpu_seconds;
  }
  nlohmann::json out;
  out["family"] = std::string(strata::train::GlmFamilyName(fit->family));
  out["loss"] = fit->loss;
  out["data_loss"] = fit->data_loss;
  out["iterations"] = fit->iterations;
  out["evaluations"] = fit->evaluations;
  out["converged"] = fit->converged;
  out["stop_reason"] = fit->stop_reason;
  out["fit_seconds"] = best_seconds;
  out["fit_cpu_seconds"] = best_cpu_seconds;  // all threads' CPU time (std::clock)
  out["num_outputs"] = fit->num_outputs;
  out["coefficients"] = fit->coefficients;
  out["intercepts"] = fit->intercepts;
  out["loss_history"] = fit->loss_history;
  std::cout << out.dump() << "\n";
  return 0;
}
