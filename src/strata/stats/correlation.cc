#include "strata/stats/correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/stats/internal/bytes.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "COR1";
constexpr uint8_t kVersion = 1;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void PearsonAccumulator::Update(double x, double y) {
  ++count_;
  const double n = static_cast<double>(count_);
  const double dx = x - mean_x_;
  mean_x_ += dx / n;
  const double dy = y - mean_y_;
  mean_y_ += dy / n;
  m2_x_ += dx * (x - mean_x_);
  m2_y_ += dy * (y - mean_y_);
  co_moment_ += dx * (y - mean_y_);
}

void PearsonAccumulator::Update(absl::Span<const double> xs, absl::Span<const double> ys) {
  const size_t n = std::min(xs.size(), ys.size());
  if (n == 0) return;
  double sx = 0, sy = 0;
  for (size_t i = 0; i < n; ++i) {
    sx += xs[i];
    sy += ys[i];
  }
  PearsonAccumulator batch;
  batch.count_ = static_cast<int64_t>(n);
  batch.mean_x_ = sx / static_cast<double>(n);
  batch.mean_y_ = sy / static_cast<double>(n);
  double mx = 0, my = 0, c = 0;
  for (size_t i = 0; i < n; ++i) {
    const double dx = xs[i] - batch.mean_x_;
    const double dy = ys[i] - batch.mean_y_;
    mx += dx * dx;
    my += dy * dy;
    c += dx * dy;
  }
  batch.m2_x_ = mx;
  batch.m2_y_ = my;
  batch.co_moment_ = c;
  Merge(batch);
}

void PearsonAccumulator::Merge(const PearsonAccumulator& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    *this = other;
    return;
  }
  const double n_a = static_cast<double>(count_);
  const double n_b = static_cast<double>(other.count_);
  const double n = n_a + n_b;
  const double dx = other.mean_x_ - mean_x_;
  const double dy = other.mean_y_ - mean_y_;
  const double w = n_a * n_b / n;
  m2_x_ += other.m2_x_ + dx * dx * w;
  m2_y_ += other.m2_y_ + dy * dy * w;
  co_moment_ += other.co_moment_ + dx * dy * w;
  mean_x_ += dx * n_b / n;
  mean_y_ += dy * n_b / n;
  count_ += other.count_;
}

double PearsonAccumulator::Correlation() const {
  if (count_ < 2 || m2_x_ <= 0 || m2_y_ <= 0) return kNaN;
  const double r = co_moment_ / std::sqrt(m2_x_ * m2_y_);
  return std::clamp(r, -1.0, 1.0);
}

double PearsonAccumulator::Covariance() const {
  return count_ < 2 ? kNaN : co_moment_ / static_cast<double>(count_ - 1);
}

nlohmann::json PearsonAccumulator::ToJson() const {
  return nlohmann::json::array({count_, mean_x_, mean_y_, m2_x_, m2_y_, co_moment_});
}

absl::StatusOr<PearsonAccumulator> PearsonAccumulator::FromJson(const nlohmann::json& json) {
  if (!json.is_array() || json.size() != 6 || !json[0].is_number_integer()) {
    return absl::InvalidArgumentError("Pearson JSON: expected [count, mean_x, mean_y, m2_x, m2_y, c]");
  }
  for (size_t i = 1; i < 6; ++i) {
    if (!json[i].is_number()) return absl::InvalidArgumentError("Pearson JSON: non-number field");
  }
  PearsonAccumulator a;
  a.count_ = json[0].get<int64_t>();
  a.mean_x_ = json[1].get<double>();
  a.mean_y_ = json[2].get<double>();
  a.m2_x_ = json[3].get<double>();
  a.m2_y_ = json[4].get<double>();
  a.co_moment_ = json[5].get<double>();
  if (a.count_ < 0 || a.m2_x_ < 0 || a.m2_y_ < 0) {
    return absl::InvalidArgumentError("Pearson JSON: negative count or M2");
  }
  return a;
}

CorrelationMatrix::CorrelationMatrix(std::vector<std::string> columns)
    : columns_(std::move(columns)),
      pairs_(columns_.size() * (columns_.size() - (columns_.empty() ? 0 : 1)) / 2),
      diagonal_(columns_.size()) {}

size_t CorrelationMatrix::PairIndex(int i, int j) const {
  if (i > j) std::swap(i, j);
  const size_t n = columns_.size();
  const size_t a = static_cast<size_t>(i), b = static_cast<size_t>(j);
  // Rows 0..a-1 of the upper triangle hold (n-1) + (n-2) + ... + (n-a) pairs.
  return a * n - a * (a + 1) / 2 + (b - a - 1);
}

PearsonAccumulator& CorrelationMatrix::pair(int i, int j) {
  return i == j ? diagonal_[static_cast<size_t>(i)] : pairs_[PairIndex(i, j)];
}
const PearsonAccumulator& CorrelationMatrix::pair(int i, int j) const {
  return i == j ? diagonal_[static_cast<size_t>(i)] : pairs_[PairIndex(i, j)];
}

double CorrelationMatrix::Correlation(int i, int j) const { return pair(i, j).Correlation(); }

absl::Status CorrelationMatrix::Merge(const CorrelationMatrix& other) {
  if (other.columns_ != columns_) {
    return absl::InvalidArgumentError("correlation merge: the column lists differ");
  }
  for (size_t i = 0; i < pairs_.size(); ++i) pairs_[i].Merge(other.pairs_[i]);
  for (size_t i = 0; i < diagonal_.size(); ++i) diagonal_[i].Merge(other.diagonal_[i]);
  return absl::OkStatus();
}

namespace {

void PutAccumulator(internal::ByteWriter& w, const nlohmann::json& a) {
  w.Put<int64_t>(a[0].get<int64_t>());
  for (size_t i = 1; i < 6; ++i) w.Put<double>(a[i].get<double>());
}

}  // namespace

std::string CorrelationMatrix::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<uint64_t>(columns_.size());
  for (const std::string& c : columns_) w.PutBytes(c);
  for (const PearsonAccumulator& a : diagonal_) PutAccumulator(w, a.ToJson());
  for (const PearsonAccumulator& a : pairs_) PutAccumulator(w, a.ToJson());
  return w.Take();
}

absl::StatusOr<CorrelationMatrix> CorrelationMatrix::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "correlation matrix");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  uint64_t n = 0;
  if (absl::Status s = r.Get(&n); !s.ok()) return s;
  if (n > 4096 || n > r.remaining() / 8) return r.Error(5, absl::StrCat(n, " columns: too many"));
  std::vector<std::string> columns(n);
  for (std::string& c : columns) {
    if (absl::Status s = r.GetBytes(&c); !s.ok()) return s;
  }
  // Checked before allocating: the claimed column count must match the bytes present.
  const size_t accumulators = n + n * (n - (n == 0 ? 0 : 1)) / 2;
  if (r.remaining() != accumulators * 48) {
    return r.Error(r.offset(), absl::StrCat("expected ", accumulators * 48, " accumulator bytes, found ",
                                            r.remaining()));
  }
  CorrelationMatrix m(std::move(columns));
  auto read_one = [&r](PearsonAccumulator& a) -> absl::Status {
    const size_t at = r.offset();
    absl::Status s = r.Get(&a.count_);
    for (double* v : {&a.mean_x_, &a.mean_y_, &a.m2_x_, &a.m2_y_, &a.co_moment_}) {
      if (s.ok()) s = r.Get(v);
    }
    if (s.ok() && (a.count_ < 0 || !(a.m2_x_ >= 0) || !(a.m2_y_ >= 0))) {
      return r.Error(at, "negative count or M2");
    }
    return s;
  };
  for (PearsonAccumulator& a : m.diagonal_) {
    if (absl::Status s = read_one(a); !s.ok()) return s;
  }
  for (PearsonAccumulator& a : m.pairs_) {
    if (absl::Status s = read_one(a); !s.ok()) return s;
  }
  return m;
}

nlohmann::json CorrelationMatrix::ToJson() const {
  nlohmann::json diagonal = nlohmann::json::array(), pairs = nlohmann::json::array();
  for (const PearsonAccumulator& a : diagonal_) diagonal.push_back(a.ToJson());
  for (const PearsonAccumulator& a : pairs_) pairs.push_back(a.ToJson());
  return {{"columns", columns_}, {"diagonal", std::move(diagonal)}, {"pairs", std::move(pairs)}};
}

absl::StatusOr<CorrelationMatrix> CorrelationMatrix::FromJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("columns") || !json["columns"].is_array() ||
      !json.contains("pairs") || !json["pairs"].is_array() || !json.contains("diagonal") ||
      !json["diagonal"].is_array()) {
    return absl::InvalidArgumentError("correlation JSON: expected columns, diagonal and pairs arrays");
  }
  std::vector<std::string> columns;
  for (const nlohmann::json& c : json["columns"]) {
    if (!c.is_string()) return absl::InvalidArgumentError("correlation JSON: a column name is not a string");
    columns.push_back(c.get<std::string>());
  }
  CorrelationMatrix m(std::move(columns));
  if (json["pairs"].size() != m.pairs_.size() || json["diagonal"].size() != m.diagonal_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("correlation JSON: expected ", m.pairs_.size(),
                                                   " pairs and ", m.diagonal_.size(), " diagonal entries"));
  }
  for (size_t i = 0; i < m.pairs_.size(); ++i) {
    absl::StatusOr<PearsonAccumulator> a = PearsonAccumulator::FromJson(json["pairs"][i]);
    if (!a.ok()) return a.status();
    m.pairs_[i] = *a;
  }
  for (size_t i = 0; i < m.diagonal_.size(); ++i) {
    absl::StatusOr<PearsonAccumulator> a = PearsonAccumulator::FromJson(json["diagonal"][i]);
    if (!a.ok()) return a.status();
    m.diagonal_[i] = *a;
  }
  return m;
}

}  // namespace strata::stats
