// In-process online read latency for bench/materialize_bench.py: an LMDB online store holding
// --entities records of --features float64 features (written through OnlineStore::Write, the
// materializer's path), then --reads single-entity lookups of random keys, each timed alone:
// Read (one key) and Read + DecodeOnlineRecord. Prints one JSON line with p50/p99/mean in µs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "strata/features/online_store.h"

namespace {

long Arg(int argc, char** argv, const char* name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return std::atol(argv[i + 1]);
  }
  return fallback;
}
std::string StrArg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return argv[i + 1];
  }
  return fallback;
}

double Percentile(std::vector<double>& v, double p) {
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace strata::features;
  const long entities = Arg(argc, argv, "--entities", 100000);
  const long features = Arg(argc, argv, "--features", 10);
  const long reads = Arg(argc, argv, "--reads", 1000000);
  const std::string dir = StrArg(argc, argv, "--dir", "/tmp/strata-online-read-bench");
  auto store = OpenOnlineStore({"lmdb", ""}, dir);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  const std::string view = OnlineViewKey("bench", "stats");
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> value(0, 1);
  std::vector<OnlineWrite> rows;
  for (long e = 0; e < entities; ++e) {
    OnlineRecord r;
    r.event_ts_micros = 1700000000000000 + e;
    for (long f = 0; f < features; ++f) r.values.emplace_back(value(rng));
    std::string key;
    AppendEntityKeyInt64(e, &key);
    rows.push_back({std::move(key), EncodeOnlineRecord(r)});
  }
  auto written = (*store)->Write(view, rows);
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", std::string(written.status().message()).c_str());
    return 1;
  }
  std::vector<std::string> keys(1);
  std::vector<std::optional<std::string>> out;
  std::uniform_int_distribution<long> pick(0, entities - 1);
  std::vector<double> read_us, decode_us;
  read_us.reserve(static_cast<size_t>(reads));
  decode_us.reserve(static_cast<size_t>(reads));
  double checksum = 0;
  for (long i = 0; i < reads + 10000; ++i) {  // the first 10,000 warm the caches
    keys[0].clear();
    AppendEntityKeyInt64(pick(rng), &keys[0]);
    auto t0 = std::chrono::steady_clock::now();
    if (!(*store)->Read(view, keys, &out).ok() || !out[0]) return 1;
    auto t1 = std::chrono::steady_clock::now();
    auto record = DecodeOnlineRecord(*out[0]);
    auto t2 = std::chrono::steady_clock::now();
    if (!record.ok()) return 1;
    checksum += std::get<double>(record->values[0]);
    if (i < 10000) continue;
    read_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    decode_us.push_back(std::chrono::duration<double, std::micro>(t2 - t0).count());
  }
  double mean = 0;
  for (double d : decode_us) mean += d;
  mean /= static_cast<double>(decode_us.size());
  std::printf(
      "{\"entities\": %ld, \"features\": %ld, \"reads\": %ld, \"read_p50_us\": %.3f, "
      "\"read_p99_us\": %.3f, \"read_decode_p50_us\": %.3f, \"read_decode_p99_us\": %.3f, "
      "\"read_decode_mean_us\": %.3f, \"checksum\": %.3f}\n",
      entities, features, reads, Percentile(read_us, 0.5), Percentile(read_us, 0.99),
      Percentile(decode_us, 0.5), Percentile(decode_us, 0.99), mean, checksum);
  return 0;
}
