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

PearsonAccumulator PearsonAccumulator::FromShiftedSums(int64_t count, double shift_x, double shift_y,
                                                       double sum_x, double sum_y, double sum_xx, double sum_yy,
                                                       double sum_xy) {
  PearsonAccumulator a;
  if (count <= 0) return a;
  const double n = static_cast<double>(count);
  a.count_ = count;
  a.mean_x_ = shift_x + sum_x / n;
  a.mean_y_ = shift_y + sum_y / n;
  // Rounding can leave a hair below zero for a constant side.
  a.m2_x_ = std::max(0.0, sum_xx - sum_x * sum_x / n);
  a.m2_y_ = std::max(0.0, sum_yy - sum_y * sum_y / n);
  a.co_moment_ = sum_xy - sum_x * sum_y / n;
  return a;
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

namespace {

double Dot(const double* a, const double* b, size_t n) {
  // Four chains so the adds overlap (the compiler keeps FP order without -ffast-math).
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

// One column of a block: values shifted by the mean of the present ones (0 where missing),
// the rows where it is missing, and its sums.
struct ShiftedColumn {
  std::vector<double> values;
  std::vector<uint8_t> present;
  std::vector<uint32_t> missing;
  double shift = 0;
  double sum = 0;
  double sum_squares = 0;
};

void ShiftColumn(const double* in, size_t rows, ShiftedColumn& out) {
  out.values.resize(rows);
  out.present.resize(rows);
  out.missing.clear();
  double sum = 0;
  for (size_t i = 0; i < rows; ++i) {
    const bool ok = std::isfinite(in[i]);
    out.present[i] = ok ? 1 : 0;
    if (ok) {
      sum += in[i];
    } else {
      out.missing.push_back(static_cast<uint32_t>(i));
    }
  }
  const size_t n = rows - out.missing.size();
  out.shift = n == 0 ? 0 : sum / static_cast<double>(n);
  double s = 0, ss = 0;
  for (size_t i = 0; i < rows; ++i) {
    const double x = out.present[i] != 0 ? in[i] - out.shift : 0.0;
    out.values[i] = x;
    s += x;
    ss += x * x;
  }
  out.sum = s;
  out.sum_squares = ss;
}

}  // namespace

void CorrelationMatrix::UpdateColumns(absl::Span<const double* const> columns, size_t rows) {
  const size_t k = columns_.size();
  if (columns.size() != k || rows == 0) return;
  thread_local std::vector<ShiftedColumn> shifted;
  if (shifted.size() < k) shifted.resize(k);
  for (size_t c = 0; c < k; ++c) {
    ShiftedColumn& col = shifted[c];
    ShiftColumn(columns[c], rows, col);
    const int64_t n = static_cast<int64_t>(rows - col.missing.size());
    diagonal_[c].Merge(PearsonAccumulator::FromShiftedSums(n, col.shift, col.shift, col.sum, col.sum,
                                                           col.sum_squares, col.sum_squares, col.sum_squares));
  }
  for (size_t a = 0; a < k; ++a) {
    const ShiftedColumn& x = shifted[a];
    for (size_t b = a + 1; b < k; ++b) {
      const ShiftedColumn& y = shifted[b];
      // Missing values are 0, so the dot product already skips every dropped row.
      const double sum_xy = Dot(x.values.data(), y.values.data(), rows);
      double sum_x = x.sum, sum_xx = x.sum_squares, sum_y = y.sum, sum_yy = y.sum_squares;
      size_t both_missing = 0;
      for (uint32_t i : y.missing) {
        if (x.present[i] != 0) {
          sum_x -= x.values[i];
          sum_xx -= x.values[i] * x.values[i];
        } else {
          ++both_missing;
        }
      }
      for (uint32_t i : x.missing) {
        if (y.present[i] != 0) {
          sum_y -= y.values[i];
          sum_yy -= y.values[i] * y.values[i];
        }
      }
      const int64_t n = static_cast<int64_t>(rows - x.missing.size() - y.missing.size() + both_missing);
      pairs_[PairIndex(static_cast<int>(a), static_cast<int>(b))].Merge(
          PearsonAccumulator::FromShiftedSums(n, x.shift, y.shift, sum_x, sum_y, sum_xx, sum_yy, sum_xy));
    }
  }
}

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
