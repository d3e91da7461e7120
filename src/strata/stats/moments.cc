#include "strata/stats/moments.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "strata/stats/internal/bytes.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "MOM1";
constexpr uint8_t kVersion = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void Moments::Update(double value) {
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
  const double delta = value - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (value - mean_);
}

void Moments::Update(absl::Span<const double> values) {
  if (values.empty()) return;
  Moments batch;
  // Sums of offsets from the first value keep the mean's digits when values sit far from 0.
  const double shift = values[0];
  double sum = 0, shifted = 0, lo = values[0], hi = values[0];
  for (double v : values) {
    sum += v;
    shifted += v - shift;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double mean = shift + shifted / static_cast<double>(values.size());
  double m2 = 0;
  for (double v : values) m2 += (v - mean) * (v - mean);
  batch.count_ = static_cast<int64_t>(values.size());
  batch.sum_ = sum;
  batch.mean_ = mean;
  batch.m2_ = m2;
  batch.min_ = lo;
  batch.max_ = hi;
  Merge(batch);
}

void Moments::UpdateRepeated(double value, int64_t count) {
  if (count <= 0) return;
  Moments batch;
  batch.count_ = count;
  batch.sum_ = value * static_cast<double>(count);
  batch.mean_ = value;
  batch.min_ = batch.max_ = value;
  Merge(batch);
}

void Moments::Merge(const Moments& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  const double n_a = static_cast<double>(count_);
  const double n_b = static_cast<double>(other.count_);
  const double n = n_a + n_b;
  const double delta = other.mean_ - mean_;
  mean_ += delta * n_b / n;
  m2_ += other.m2_ + delta * delta * n_a * n_b / n;
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double Moments::mean() const { return count_ == 0 ? kNaN : mean_; }
double Moments::variance_population() const {
  return count_ == 0 ? kNaN : m2_ / static_cast<double>(count_);
}
double Moments::variance_sample() const {
  return count_ < 2 ? kNaN : m2_ / static_cast<double>(count_ - 1);
}
double Moments::stddev() const { return std::sqrt(variance_sample()); }
double Moments::min() const { return count_ == 0 ? kNaN : min_; }
double Moments::max() const { return count_ == 0 ? kNaN : max_; }

absl::Status Moments::Validate() const {
  if (count_ < 0) return absl::InvalidArgumentError(absl::StrCat("negative count ", count_));
  if (count_ > 0 && !(m2_ >= 0)) return absl::InvalidArgumentError("m2 is negative or NaN");
  if (count_ > 0 && min_ > max_) return absl::InvalidArgumentError("min > max");
  return absl::OkStatus();
}

std::string Moments::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<int64_t>(count_);
  for (double v : {sum_, mean_, m2_, min_, max_}) w.Put<double>(v);
  return w.Take();
}

absl::StatusOr<Moments> Moments::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "moments");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  Moments m;
  absl::Status s = r.Get(&m.count_);
  for (double* v : {&m.sum_, &m.mean_, &m.m2_, &m.min_, &m.max_}) {
    if (s.ok()) s = r.Get(v);
  }
  if (s.ok()) s = r.ExpectEnd();
  if (!s.ok()) return s;
  if (s = m.Validate(); !s.ok()) return r.Error(5, std::string(s.message()));
  return m;
}

nlohmann::json Moments::ToJson() const {
  return {{"count", count_}, {"sum", sum_}, {"mean", mean_}, {"m2", m2_}, {"min", min_}, {"max", max_}};
}

absl::StatusOr<Moments> Moments::FromJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("count") || !json["count"].is_number_integer()) {
    return absl::InvalidArgumentError("moments JSON: 'count' must be an integer");
  }
  Moments m;
  m.count_ = json["count"].get<int64_t>();
  for (auto [key, field] : {std::pair<const char*, double*>{"sum", &m.sum_}, {"mean", &m.mean_},
                            {"m2", &m.m2_}, {"min", &m.min_}, {"max", &m.max_}}) {
    if (!json.contains(key) || !json[key].is_number()) {
      return absl::InvalidArgumentError(absl::StrCat("moments JSON: '", key, "' must be a number"));
    }
    *field = json[key].get<double>();
  }
  if (absl::Status s = m.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("moments JSON: ", std::string(s.message())));
  }
  return m;
}

}  // namespace strata::stats
