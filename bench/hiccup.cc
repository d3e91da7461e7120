// Platform hiccup gauge: how late does an otherwise idle thread wake up on this machine?
//
// One thread per core sleeps to absolute deadlines every --period-us and records how late
// each wake-up is. On a quiet VM the lateness is tens of microseconds; when the host takes a
// vCPU away without accounting it as steal (seen here: 5-36 ms wake-ups on an idle machine
// with 0 % steal), it shows up here as wake-ups that are milliseconds late. The serving and
// feature-server benchmarks run it just before each open-loop run, so that a p99 measured in
// a window where the machine itself stalled can be told from one where the server did.
//
// Usage: hiccup [--seconds 5] [--period-us 1000] [--threads 2]
// Prints one JSON object: wake-ups, lateness p50/p99/p99.9/max (ms), and the share of
// wake-ups more than 1 ms and 2 ms late.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <thread>
#include <vector>

namespace {

int64_t MonotonicNs() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

std::vector<int64_t> MeasureLateness(double seconds, int64_t period_ns) {
  std::vector<int64_t> late;
  late.reserve(static_cast<size_t>(seconds * 1e9 / static_cast<double>(period_ns)) + 1);
  const int64_t end = MonotonicNs() + static_cast<int64_t>(seconds * 1e9);
  for (int64_t due = MonotonicNs() + period_ns; due < end; due += period_ns) {
    timespec ts{static_cast<time_t>(due / 1'000'000'000), static_cast<long>(due % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    late.push_back(MonotonicNs() - due);
  }
  return late;
}

double At(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1e6;
}

double ShareOver(const std::vector<int64_t>& sorted, int64_t ns) {
  if (sorted.empty()) return 0;
  auto first_over = std::upper_bound(sorted.begin(), sorted.end(), ns);
  return 100.0 * static_cast<double>(sorted.end() - first_over) /
         static_cast<double>(sorted.size());
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  int64_t period_us = 1000;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (flag == "--period-us") {
      period_us = std::atoll(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: hiccup [--seconds S] [--period-us P] [--threads T]\n");
      return 2;
    }
  }
  if (argc % 2 == 0 || seconds <= 0 || period_us < 10 || threads < 1) {
    std::fprintf(stderr, "usage: hiccup [--seconds S] [--period-us P>=10] [--threads T>=1]\n");
    return 2;
  }
  std::vector<std::vector<int64_t>> per_thread(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      per_thread[static_cast<size_t>(t)] = MeasureLateness(seconds, period_us * 1000);
    });
  }
  for (std::thread& w : workers) w.join();
  std::vector<int64_t> all;
  for (const std::vector<int64_t>& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"wakeups\": %zu, \"period_us\": %lld, \"p50_ms\": %.4f, \"p99_ms\": %.4f, "
      "\"p999_ms\": %.4f, \"max_ms\": %.4f, \"over_1ms_pct\": %.3f, \"over_2ms_pct\": %.3f}\n",
      all.size(), static_cast<long long>(period_us), At(all, 50), At(all, 99), At(all, 99.9),
      all.empty() ? 0.0 : static_cast<double>(all.back()) / 1e6, ShareOver(all, 1'000'000),
      ShareOver(all, 2'000'000));
  return 0;
}
