#include "strata/stats/kll_sketch.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "strata/stats/internal/bytes.h"
#include "strata/stats/radix_sort.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "KLL1";
constexpr uint8_t kVersion = 1;
// 2^61 values is beyond any data set, and keeps weights (1 << level) inside uint64.
constexpr int kMaxLevels = 61;

}  // namespace

KllSketch::KllSketch(int k, uint64_t seed)
    : k_(std::clamp(k, kMinK, kMaxK)), rng_(seed == 0 ? 1 : seed), levels_(1) {
  RefreshCapacities();
  levels_[0].reserve(static_cast<size_t>(k_));
}

void KllSketch::RefreshCapacities() {
  level_capacities_.resize(levels_.size());
  for (int h = 0; h < NumLevels(); ++h) level_capacities_[static_cast<size_t>(h)] = LevelCapacity(h);
  capacity_ = TotalCapacity();
}

int64_t KllSketch::LevelCapacity(int level) const {
  const int depth = NumLevels() - 1 - level;
  const double cap = std::ceil(static_cast<double>(k_) * std::pow(2.0 / 3.0, depth));
  return std::max<int64_t>(2, static_cast<int64_t>(cap));
}

int64_t KllSketch::TotalCapacity() const {
  int64_t total = 0;
  for (int h = 0; h < NumLevels(); ++h) total += LevelCapacity(h);
  return total;
}

uint64_t KllSketch::NextRandom() {
  // xorshift64*: cheap, and good enough for a fair coin per compaction.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1DULL;
}

void KllSketch::Update(double value) {
  if (std::isnan(value)) return;
  if (n_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++n_;
  levels_[0].push_back(value);
  if (++size_ >= capacity_) CompressWhileFull();
}

void KllSketch::Update(absl::Span<const double> values) {
  // Runs too short to reach past level 0 gain nothing from the sort.
  if (static_cast<int64_t>(values.size()) <= level_capacities_[0]) {
    for (double v : values) Update(v);
    return;
  }
  thread_local std::vector<double> run;
  thread_local std::vector<uint64_t> scratch;
  run.clear();
  for (double v : values) {
    if (!std::isnan(v)) run.push_back(v);
  }
  RadixSort(absl::MakeSpan(run), scratch);
  UpdateSorted(run);
}

void KllSketch::UpdateSorted(absl::Span<const double> sorted) {
  if (sorted.empty()) return;
  assert(std::is_sorted(sorted.begin(), sorted.end()));
  if (n_ == 0) {
    min_ = sorted.front();
    max_ = sorted.back();
  } else {
    min_ = std::min(min_, sorted.front());
    max_ = std::max(max_, sorted.back());
  }
  n_ += static_cast<int64_t>(sorted.size());
  thread_local std::vector<double> run;
  run.assign(sorted.begin(), sorted.end());
  size_t m = run.size();
  int level = 0;
  while (static_cast<int64_t>(m) > level_capacities_[static_cast<size_t>(level)]) {
    if (level == NumLevels() - 1) {
      if (NumLevels() >= kMaxLevels) break;  // 2^61 values: unreachable in practice
      levels_.emplace_back();
      RefreshCapacities();
      continue;  // the capacities shrank; look at this level again
    }
    if (m % 2 == 1) {
      // The odd item out keeps its weight at this level.
      levels_[static_cast<size_t>(level)].push_back(run[m - 1]);
      ++size_;
      --m;
    }
    const size_t offset = NextRandom() >> 63;
    const size_t half = m / 2;
    for (size_t i = 0; i < half; ++i) run[i] = run[2 * i + offset];
    m = half;
    ++level;
  }
  std::vector<double>& to = levels_[static_cast<size_t>(level)];
  to.insert(to.end(), run.begin(), run.begin() + static_cast<std::ptrdiff_t>(m));
  size_ += static_cast<int64_t>(m);
  if (size_ >= capacity_) CompressWhileFull();
}

void KllSketch::CompressWhileFull() {
  while (size_ >= capacity_) {
    int level = 0;
    while (level < NumLevels() && static_cast<int64_t>(levels_[static_cast<size_t>(level)].size()) <
                                      level_capacities_[static_cast<size_t>(level)]) {
      ++level;
    }
    if (level >= NumLevels()) return;  // unreachable: some level is full when the total is
    if (level == NumLevels() - 1) {
      if (NumLevels() >= kMaxLevels) return;
      levels_.emplace_back();
      RefreshCapacities();
    }
    CompactLevel(level);
  }
}

void KllSketch::CompactLevel(int level) {
  std::vector<double>& items = levels_[static_cast<size_t>(level)];
  std::sort(items.begin(), items.end());
  // An odd item out stays behind so the compacted pair count is even and weight is kept.
  const size_t start = items.size() % 2;
  const size_t offset = NextRandom() >> 63;
  std::vector<double>& up = levels_[static_cast<size_t>(level) + 1];
  const size_t moved = (items.size() - start) / 2;
  for (size_t i = start + offset; i < items.size(); i += 2) up.push_back(items[i]);
  items.resize(start);
  size_ -= static_cast<int64_t>(moved);
}

absl::Status KllSketch::Merge(const KllSketch& other) {
  if (other.k_ != k_) {
    return absl::InvalidArgumentError(
        absl::StrCat("KLL sketch merge: k differs (", k_, " vs ", other.k_, ")"));
  }
  if (other.n_ == 0) return absl::OkStatus();
  if (n_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  while (NumLevels() < other.NumLevels()) levels_.emplace_back();
  for (int h = 0; h < other.NumLevels(); ++h) {
    const std::vector<double>& from = other.levels_[static_cast<size_t>(h)];
    std::vector<double>& to = levels_[static_cast<size_t>(h)];
    to.insert(to.end(), from.begin(), from.end());
  }
  n_ += other.n_;
  size_ += other.size_;
  RefreshCapacities();
  CompressWhileFull();
  return absl::OkStatus();
}

double KllSketch::min() const { return n_ == 0 ? std::numeric_limits<double>::quiet_NaN() : min_; }
double KllSketch::max() const { return n_ == 0 ? std::numeric_limits<double>::quiet_NaN() : max_; }

int64_t KllSketch::retained() const { return size_; }

std::vector<std::pair<double, uint64_t>> KllSketch::SortedView() const {
  std::vector<std::pair<double, uint64_t>> view;
  view.reserve(static_cast<size_t>(size_));
  for (int h = 0; h < NumLevels(); ++h) {
    for (double v : levels_[static_cast<size_t>(h)]) view.emplace_back(v, uint64_t{1} << h);
  }
  std::sort(view.begin(), view.end());
  return view;
}

double KllSketch::Quantile(double q) const {
  const double qs[1] = {q};
  return Quantiles(qs)[0];
}

std::vector<double> KllSketch::Quantiles(absl::Span<const double> qs) const {
  std::vector<double> out(qs.size(), std::numeric_limits<double>::quiet_NaN());
  if (n_ == 0) return out;
  const std::vector<std::pair<double, uint64_t>> view = SortedView();
  std::vector<double> cumulative(view.size());
  double running = 0;
  for (size_t i = 0; i < view.size(); ++i) {
    running += static_cast<double>(view[i].second);
    cumulative[i] = running;
  }
  for (size_t i = 0; i < qs.size(); ++i) {
    const double q = std::isnan(qs[i]) ? 0.5 : qs[i];
    if (q <= 0) {
      out[i] = min_;
      continue;
    }
    if (q >= 1) {
      out[i] = max_;
      continue;
    }
    const double target = q * static_cast<double>(n_);
    const size_t pos = static_cast<size_t>(
        std::lower_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin());
    out[i] = view[std::min(pos, view.size() - 1)].first;
  }
  return out;
}

double KllSketch::Rank(double x, bool inclusive) const {
  if (n_ == 0) return 0;
  uint64_t below = 0;
  for (int h = 0; h < NumLevels(); ++h) {
    for (double v : levels_[static_cast<size_t>(h)]) {
      if (v < x || (inclusive && v == x)) below += uint64_t{1} << h;
    }
  }
  return static_cast<double>(below) / static_cast<double>(n_);
}

absl::Status KllSketch::Validate() const {
  if (k_ < kMinK || k_ > kMaxK) {
    return absl::InvalidArgumentError(absl::StrCat("k ", k_, " outside [", kMinK, ", ", kMaxK, "]"));
  }
  if (n_ < 0) return absl::InvalidArgumentError(absl::StrCat("negative n ", n_));
  if (levels_.empty() || NumLevels() > kMaxLevels) {
    return absl::InvalidArgumentError(absl::StrCat(NumLevels(), " levels outside [1, ", kMaxLevels, "]"));
  }
  if (n_ > 0 && (std::isnan(min_) || std::isnan(max_) || min_ > max_)) {
    return absl::InvalidArgumentError("min/max are NaN or min > max");
  }
  unsigned __int128 weight = 0;
  for (int h = 0; h < NumLevels(); ++h) {
    const std::vector<double>& items = levels_[static_cast<size_t>(h)];
    for (size_t i = 0; i < items.size(); ++i) {
      if (std::isnan(items[i]) || items[i] < min_ || items[i] > max_) {
        return absl::InvalidArgumentError(
            absl::StrCat("level ", h, " item ", i, " is NaN or outside [min, max]"));
      }
    }
    weight += static_cast<unsigned __int128>(items.size()) << h;
  }
  if (weight != static_cast<unsigned __int128>(n_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("retained weight does not equal n ", n_));
  }
  return absl::OkStatus();
}

std::string KllSketch::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<uint32_t>(static_cast<uint32_t>(k_));
  w.Put<int64_t>(n_);
  w.Put<double>(min_);
  w.Put<double>(max_);
  w.Put<uint64_t>(rng_);
  w.Put<uint32_t>(static_cast<uint32_t>(NumLevels()));
  for (const std::vector<double>& level : levels_) w.Put<uint64_t>(level.size());
  for (const std::vector<double>& level : levels_) {
    w.PutRaw(level.data(), level.size() * sizeof(double));
  }
  return w.Take();
}

absl::StatusOr<KllSketch> KllSketch::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "KLL sketch");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  uint32_t k = 0, levels = 0;
  KllSketch sketch;
  absl::Status s = r.Get(&k);
  if (s.ok()) s = r.Get(&sketch.n_);
  if (s.ok()) s = r.Get(&sketch.min_);
  if (s.ok()) s = r.Get(&sketch.max_);
  if (s.ok()) s = r.Get(&sketch.rng_);
  if (s.ok()) s = r.Get(&levels);
  if (!s.ok()) return s;
  if (k < static_cast<uint32_t>(kMinK) || k > static_cast<uint32_t>(kMaxK)) {
    return r.Error(5, absl::StrCat("k ", k, " outside [", kMinK, ", ", kMaxK, "]"));
  }
  if (levels == 0 || levels > static_cast<uint32_t>(kMaxLevels)) {
    return r.Error(r.offset() - 4, absl::StrCat(levels, " levels outside [1, ", kMaxLevels, "]"));
  }
  sketch.k_ = static_cast<int>(k);
  sketch.levels_.assign(levels, {});
  std::vector<uint64_t> sizes(levels);
  uint64_t total = 0;
  for (uint32_t h = 0; h < levels; ++h) {
    if (s = r.Get(&sizes[h]); !s.ok()) return s;
    if (sizes[h] > r.remaining() / sizeof(double)) {
      return r.Error(r.offset() - 8, absl::StrCat("level ", h, " claims ", sizes[h],
                                                  " items, more than the bytes left"));
    }
    total += sizes[h];
  }
  if (total > r.remaining() / sizeof(double)) {
    return r.Error(r.offset(), "level sizes exceed the bytes left");
  }
  for (uint32_t h = 0; h < levels; ++h) {
    sketch.levels_[h].resize(sizes[h]);
    if (s = r.GetRaw(sketch.levels_[h].data(), sizes[h] * sizeof(double)); !s.ok()) return s;
  }
  if (s = r.ExpectEnd(); !s.ok()) return s;
  if (s = sketch.Validate(); !s.ok()) return r.Error(0, std::string(s.message()));
  sketch.size_ = static_cast<int64_t>(total);
  sketch.RefreshCapacities();
  if (sketch.rng_ == 0) sketch.rng_ = 1;
  return sketch;
}

nlohmann::json KllSketch::ToJson() const {
  nlohmann::json levels = nlohmann::json::array();
  for (const std::vector<double>& level : levels_) levels.push_back(level);
  return {{"k", k_}, {"n", n_}, {"min", n_ == 0 ? 0.0 : min_}, {"max", n_ == 0 ? 0.0 : max_},
          {"seed", rng_}, {"levels", std::move(levels)}};
}

absl::StatusOr<KllSketch> KllSketch::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("KLL sketch JSON: ", std::string(what)));
  };
  if (!json.is_object()) return bad("not an object");
  for (const char* key : {"k", "n", "min", "max", "levels"}) {
    if (!json.contains(key)) return bad(absl::StrCat("missing '", key, "'"));
  }
  if (!json["k"].is_number_integer() || !json["n"].is_number_integer()) {
    return bad("'k' and 'n' must be integers");
  }
  if (!json["min"].is_number() || !json["max"].is_number()) return bad("'min'/'max' must be numbers");
  if (!json["levels"].is_array()) return bad("'levels' must be an array");
  const int64_t k = json["k"].get<int64_t>();
  if (k < kMinK || k > kMaxK) return bad(absl::StrCat("'k' ", k, " outside [", kMinK, ", ", kMaxK, "]"));
  KllSketch sketch(static_cast<int>(k));
  sketch.n_ = json["n"].get<int64_t>();
  sketch.min_ = json["min"].get<double>();
  sketch.max_ = json["max"].get<double>();
  if (json.contains("seed") && json["seed"].is_number_unsigned()) sketch.rng_ = json["seed"].get<uint64_t>();
  if (sketch.rng_ == 0) sketch.rng_ = 1;
  const nlohmann::json& levels = json["levels"];
  if (levels.empty() || levels.size() > static_cast<size_t>(kMaxLevels)) {
    return bad(absl::StrCat("'levels' has ", levels.size(), " entries, outside [1, ", kMaxLevels, "]"));
  }
  sketch.levels_.assign(levels.size(), {});
  int64_t total = 0;
  for (size_t h = 0; h < levels.size(); ++h) {
    if (!levels[h].is_array()) return bad(absl::StrCat("levels[", h, "] is not an array"));
    for (const nlohmann::json& item : levels[h]) {
      if (!item.is_number()) return bad(absl::StrCat("levels[", h, "] holds a non-number"));
      sketch.levels_[h].push_back(item.get<double>());
    }
    total += static_cast<int64_t>(levels[h].size());
  }
  if (absl::Status s = sketch.Validate(); !s.ok()) return bad(std::string(s.message()));
  sketch.size_ = total;
  sketch.RefreshCapacities();
  return sketch;
}

}  // namespace strata::stats
