#include "strata/data/internal/bucketizer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace strata::data::internal {

// numpy.linspace(start, stop, n + 1): i * step + start, the last exactly stop.
std::vector<double> UniformEdges(double min, double max, int64_t n_bins) {
  std::vector<double> edges(static_cast<size_t>(n_bins) + 1);
  const double step = (max - min) / static_cast<double>(n_bins);
  for (int64_t i = 0; i <= n_bins; ++i) edges[static_cast<size_t>(i)] = static_cast<double>(i) * step + min;
  edges.back() = max;
  return edges;
}

// numpy.percentile(sorted, linspace(0, 100, n + 1)) with its default 'linear' method,
// including numpy's two-sided lerp so edges match bit for bit.
std::vector<double> QuantileEdges(const std::vector<double>& sorted, int64_t n_bins) {
  std::vector<double> percents = UniformEdges(0.0, 100.0, n_bins);
  std::vector<double> edges;
  edges.reserve(percents.size());
  const double n = static_cast<double>(sorted.size());
  for (double p : percents) {
    const double q = p / 100.0;
    const double virtual_index = (n - 1) * q;
    double previous = std::floor(virtual_index);
    const double gamma = virtual_index - previous;
    previous = std::min(std::max(previous, 0.0), n - 1);
    const double next = std::min(previous + 1, n - 1);
    const double a = sorted[static_cast<size_t>(previous)];
    const double b = sorted[static_cast<size_t>(next)];
    const double diff = b - a;
    edges.push_back(gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma);
  }
  return edges;
}

namespace {

class Bucketizer final : public ColumnTransform {
 public:
  Bucketizer(std::string strategy, int64_t n_bins, std::vector<double> boundaries)
      : strategy_(std::move(strategy)), n_bins_(n_bins), inner_edges_(std::move(boundaries)) {}

  std::string_view kind() const override { return "bucketize"; }

  // The core: searchsorted(inner_edges, x, side='right').
  int64_t ApplyValue(double x) const {
    return std::upper_bound(inner_edges_.begin(), inner_edges_.end(), x) - inner_edges_.begin();
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    if (absl::Status s = RequireNumeric(input, where); !s.ok()) return s;
    if (strategy_ == "boundaries") return absl::OkStatus();
    std::vector<double> values;
    ForEachNumeric(input, [&](int64_t, NumericCell c) {
      if (c.present) values.push_back(c.value);
    });
    if (values.empty()) return Invalid(where, "no non-null values to learn from");
    std::sort(values.begin(), values.end());
    if (!std::isfinite(values.front()) || !std::isfinite(values.back())) {
      return Invalid(where, "non-finite values; bins need finite min and max");
    }
    inner_edges_.clear();
    if (values.front() == values.back()) return absl::OkStatus();  // one bin, as scikit-learn
    std::vector<double> edges = strategy_ == "uniform"
                                    ? UniformEdges(values.front(), values.back(), n_bins_)
                                    : QuantileEdges(values, n_bins_);
    if (strategy_ == "quantile") {
      // KBinsDiscretizer drops an edge closer than 1e-8 to the one before it.
      std::vector<double> kept = {edges[0]};
      for (size_t i = 1; i < edges.size(); ++i) {
        if (edges[i] - edges[i - 1] > 1e-8) kept.push_back(edges[i]);
      }
      edges = std::move(kept);
    }
    if (edges.size() > 2) inner_edges_.assign(edges.begin() + 1, edges.end() - 1);
    return absl::OkStatus();
  }

  std::vector<table::Field> OutputFields(const std::string& name) const override {
    return {{name, table::DataType::kInt64}};
  }

  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string& where) const override {
    if (absl::Status s = RequireNumeric(in, where); !s.ok()) return s;
    NumberColumnWriter w(table::DataType::kInt64, in.size());
    ForEachNumeric(in, [&](int64_t r, NumericCell c) {
      if (c.present) {
        w.SetInt(r, ApplyValue(c.value));
      } else {
        w.SetNull(r);
      }
    });
    return w.FinishOne();
  }

  absl::Status ApplyRow(const Value& in, const std::string& where,
                        std::vector<Value>* out) const override {
    ASSIGN_OR_RETURN(NumericCell c, NumericOf(in, where));
    if (c.present) {
      out->emplace_back(std::in_place_type<int64_t>, ApplyValue(c.value));
    } else {
      out->emplace_back();
    }
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    if (strategy_ == "boundaries") {
      (*step)["boundaries"] = inner_edges_;
    } else {
      (*step)["strategy"] = strategy_;
      (*step)["n_bins"] = n_bins_;
    }
  }
  Json StateJson() const override { return {{"inner_edges", inner_edges_}}; }
  absl::Status LoadState(SpecReader& state) override {
    std::vector<double> edges = state.Numbers("inner_edges");
    for (size_t i = 1; i < edges.size(); ++i) {
      if (!(edges[i - 1] < edges[i])) {
        state.Fail("inner_edges", absl::StrCat("entry ", i, " is not above the one before"));
        break;
      }
    }
    if (strategy_ == "boundaries" && edges != inner_edges_) {
      state.Fail("inner_edges", "differ from the step's boundaries");
    }
    inner_edges_ = std::move(edges);
    return absl::OkStatus();
  }
  std::string Summary() const override {
    std::vector<std::string> text;
    for (double e : inner_edges_) text.push_back(Num(e));
    return absl::StrCat(inner_edges_.size() + 1, " bins, inner edges [",
                        absl::StrJoin(text, ", "), "]");
  }

 private:
  std::string strategy_;
  int64_t n_bins_ = 5;
  std::vector<double> inner_edges_;
};

}  // namespace

std::unique_ptr<ColumnTransform> MakeBucketizer(SpecReader& step) {
  if (step.Has("boundaries")) {
    std::vector<double> b = step.Numbers("boundaries");
    if (b.empty() && step.Has("boundaries")) step.Fail("boundaries", "is empty");
    for (size_t i = 1; i < b.size(); ++i) {
      if (!(b[i - 1] < b[i])) {
        step.Fail("boundaries", "must be strictly increasing");
        break;
      }
    }
    if (step.Has("strategy")) step.Fail("strategy", "does not go with boundaries");
    if (step.Has("n_bins")) step.Fail("n_bins", "does not go with boundaries");
    return std::make_unique<Bucketizer>("boundaries", 0, std::move(b));
  }
  std::string strategy = step.String("strategy", "quantile", {"uniform", "quantile"});
  const int64_t n_bins = step.Int("n_bins", 5, 2);
  if (n_bins > 100000) step.Fail("n_bins", "must be at most 100000");
  return std::make_unique<Bucketizer>(std::move(strategy), n_bins, std::vector<double>{});
}

}  // namespace strata::data::internal
