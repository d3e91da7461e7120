#include "strata/stats/histogram.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "strata/stats/internal/bytes.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "HST1";
constexpr uint8_t kVersion = 1;
constexpr int kMaxBins = 1000000;

absl::Status CheckRange(double lo, double hi, int64_t bins) {
  if (bins < 1 || bins > kMaxBins) {
    return absl::InvalidArgumentError(absl::StrCat("histogram: ", bins, " bins outside [1, ", kMaxBins, "]"));
  }
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
    return absl::InvalidArgumentError(absl::StrCat("histogram: range [", lo, ", ", hi,
                                                   "] is not finite and ordered"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Histogram> Histogram::Make(double lo, double hi, int bins) {
  if (absl::Status s = CheckRange(lo, hi, bins); !s.ok()) return s;
  Histogram h;
  h.lo_ = lo;
  h.hi_ = hi;
  h.counts_.assign(static_cast<size_t>(bins), 0);
  return h;
}

absl::StatusOr<Histogram> Histogram::EstimateFromKll(const KllSketch& sketch, int bins) {
  if (sketch.empty()) return Histogram();
  absl::StatusOr<Histogram> h = Make(sketch.min(), sketch.max(), bins);
  if (!h.ok()) return h.status();
  const double n = static_cast<double>(sketch.n());
  int64_t previous = 0;
  for (int i = 0; i < bins; ++i) {
    // Cumulative counts rounded once per edge, so the bins add up to n exactly.
    const int64_t below = i + 1 == bins ? sketch.n()
                                        : static_cast<int64_t>(std::llround(n * sketch.Rank(h->edge(i + 1), false)));
    h->counts_[static_cast<size_t>(i)] = std::max<int64_t>(0, below - previous);
    previous = std::max(previous, below);
  }
  return h;
}

double Histogram::edge(int i) const {
  if (counts_.empty()) return lo_;
  if (i >= bins()) return hi_;
  return lo_ + (hi_ - lo_) * static_cast<double>(i) / static_cast<double>(bins());
}

void Histogram::Update(double value, int64_t weight) {
  if (std::isnan(value) || counts_.empty()) return;
  if (value < lo_) {
    underflow_ += weight;
    return;
  }
  if (value > hi_) {
    overflow_ += weight;
    return;
  }
  const double width = hi_ - lo_;
  int64_t bin = width > 0 ? static_cast<int64_t>((value - lo_) / width * static_cast<double>(bins())) : 0;
  if (bin >= bins()) bin = bins() - 1;
  // Floating rounding can put a value just below an edge into the next bin; check the edge.
  if (bin > 0 && value < edge(static_cast<int>(bin))) --bin;
  counts_[static_cast<size_t>(bin)] += weight;
}

absl::Status Histogram::Merge(const Histogram& other) {
  if (other.counts_.empty()) return absl::OkStatus();
  if (counts_.empty()) {
    *this = other;
    return absl::OkStatus();
  }
  if (other.lo_ != lo_ || other.hi_ != hi_ || other.counts_.size() != counts_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("histogram merge: [", lo_, ", ", hi_, "] x ", bins(),
                                                   " bins vs [", other.lo_, ", ", other.hi_, "] x ",
                                                   other.bins()));
  }
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  underflow_ += other.underflow_;
  overflow_ += other.overflow_;
  return absl::OkStatus();
}

int64_t Histogram::total() const {
  int64_t total = underflow_ + overflow_;
  for (int64_t c : counts_) total += c;
  return total;
}

std::string Histogram::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<double>(lo_);
  w.Put<double>(hi_);
  w.Put<int64_t>(underflow_);
  w.Put<int64_t>(overflow_);
  w.Put<uint64_t>(counts_.size());
  w.PutRaw(counts_.data(), counts_.size() * sizeof(int64_t));
  return w.Take();
}

absl::StatusOr<Histogram> Histogram::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "histogram");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  Histogram h;
  uint64_t bins = 0;
  absl::Status s = r.Get(&h.lo_);
  if (s.ok()) s = r.Get(&h.hi_);
  if (s.ok()) s = r.Get(&h.underflow_);
  if (s.ok()) s = r.Get(&h.overflow_);
  if (s.ok()) s = r.Get(&bins);
  if (!s.ok()) return s;
  if (bins > 0) {
    if (bins > static_cast<uint64_t>(kMaxBins) || bins * sizeof(int64_t) != r.remaining()) {
      return r.Error(r.offset() - 8, absl::StrCat(bins, " bins do not match the ", r.remaining(), " bytes left"));
    }
    if (s = CheckRange(h.lo_, h.hi_, static_cast<int64_t>(bins)); !s.ok()) return r.Error(5, std::string(s.message()));
    h.counts_.resize(bins);
    if (s = r.GetRaw(h.counts_.data(), bins * sizeof(int64_t)); !s.ok()) return s;
  }
  if (s = r.ExpectEnd(); !s.ok()) return s;
  if (h.underflow_ < 0 || h.overflow_ < 0) return r.Error(21, "negative underflow or overflow");
  for (size_t i = 0; i < h.counts_.size(); ++i) {
    if (h.counts_[i] < 0) return r.Error(45 + i * 8, absl::StrCat("bin ", i, " has a negative count"));
  }
  return h;
}

nlohmann::json Histogram::ToJson() const {
  nlohmann::json out = {{"lo", lo_}, {"hi", hi_}, {"counts", counts_}};
  if (underflow_ != 0) out["underflow"] = underflow_;
  if (overflow_ != 0) out["overflow"] = overflow_;
  return out;
}

absl::StatusOr<Histogram> Histogram::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("histogram JSON: ", std::string(what)));
  };
  if (!json.is_object() || !json.contains("lo") || !json.contains("hi") || !json.contains("counts") ||
      !json["lo"].is_number() || !json["hi"].is_number() || !json["counts"].is_array()) {
    return bad("expected {\"lo\": number, \"hi\": number, \"counts\": [..]}");
  }
  Histogram h;
  h.lo_ = json["lo"].get<double>();
  h.hi_ = json["hi"].get<double>();
  if (!json["counts"].empty()) {
    if (absl::Status s = CheckRange(h.lo_, h.hi_, static_cast<int64_t>(json["counts"].size())); !s.ok()) {
      return bad(std::string(s.message()));
    }
  }
  for (size_t i = 0; i < json["counts"].size(); ++i) {
    const nlohmann::json& c = json["counts"][i];
    if (!c.is_number_integer() || c.get<int64_t>() < 0) return bad(absl::StrCat("counts[", i, "] is not a count"));
    h.counts_.push_back(c.get<int64_t>());
  }
  for (const char* key : {"underflow", "overflow"}) {
    if (!json.contains(key)) continue;
    if (!json[key].is_number_integer() || json[key].get<int64_t>() < 0) {
      return bad(absl::StrCat("'", key, "' is not a count"));
    }
    (std::string_view(key) == "underflow" ? h.underflow_ : h.overflow_) = json[key].get<int64_t>();
  }
  return h;
}

}  // namespace strata::stats
