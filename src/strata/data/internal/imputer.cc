#include "strata/data/internal/imputer.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/internal/scalers.h"

namespace strata::data::internal {
namespace {

class Imputer final : public ColumnTransform {
 public:
  Imputer(std::string strategy, std::optional<Json> fill_value)
      : strategy_(std::move(strategy)), fill_value_(std::move(fill_value)) {}

  std::string_view kind() const override { return "imputer"; }

  // The cores: a present value stays, a missing one becomes the learned fill.
  double ApplyValue(NumericCell cell) const { return cell.present ? cell.value : fill_number_; }
  std::string_view ApplyValue(CategoryCell cell) const {
    return cell.present ? cell.key : std::string_view(fill_text_);
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    text_ = input.IsStringLike();
    if (text_) return FitText(input, where);
    if (absl::Status s = RequireNumeric(input, where); !s.ok()) return s;
    if (strategy_ == "constant") {
      if (fill_value_ && !fill_value_->is_number()) {
        return Invalid(where, "fill_value must be a number for a number column");
      }
      fill_number_ = fill_value_ ? fill_value_->get<double>() : 0.0;
      return absl::OkStatus();
    }
    std::vector<double> values;
    values.reserve(static_cast<size_t>(input.size() - input.null_count()));
    ForEachNumeric(input, [&](int64_t, NumericCell c) {
      if (c.present) values.push_back(c.value);
    });
    if (values.empty()) return Invalid(where, "no non-null values to learn from");
    if (strategy_ == "mean") {
      CompensatedSum sum;
      for (double v : values) sum.Add(v);
      fill_number_ = sum.value() / static_cast<double>(values.size());
    } else if (strategy_ == "median") {
      const size_t mid = values.size() / 2;
      std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(mid), values.end());
      const double upper = values[mid];
      if (values.size() % 2 == 1) {
        fill_number_ = upper;
      } else {
        const double lower = *std::max_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(mid));
        fill_number_ = (lower + upper) / 2.0;  // numpy.median: the mean of the middle two
      }
    } else {  // most_frequent: the smallest of the most common values, as scikit-learn
      std::sort(values.begin(), values.end());
      size_t best_count = 0;
      for (size_t i = 0; i < values.size();) {
        size_t j = i;
        while (j < values.size() && values[j] == values[i]) ++j;
        if (j - i > best_count) {
          best_count = j - i;
          fill_number_ = values[i];
        }
        i = j;
      }
    }
    if (!std::isfinite(fill_number_)) {
      return Invalid(where, absl::StrCat("non-finite fill value ", Num(fill_number_)));
    }
    return absl::OkStatus();
  }

  std::vector<table::Field> OutputFields(const std::string& name) const override {
    return {{name, text_ ? table::DataType::kString : table::DataType::kFloat64}};
  }

  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string& where) const override {
    std::vector<table::Column> out;
    if (text_) {
      table::ColumnBuffers b;
      b.type = table::DataType::kString;
      b.rows = in.size();
      b.offsets.reserve(static_cast<size_t>(in.size()) + 1);
      b.offsets.push_back(0);
      ForEachCategory(
          in, [this](CategoryCell cell) { return ApplyValue(cell); },
          [&](int64_t, std::string_view v) {
            b.bytes.append(v.data(), v.size());
            b.offsets.push_back(static_cast<int64_t>(b.bytes.size()));
          });
      ASSIGN_OR_RETURN(table::Column c, table::Column::FromBuffers(std::move(b)));
      out.push_back(std::move(c));
      return out;
    }
    if (absl::Status s = RequireNumeric(in, where); !s.ok()) return s;
    NumberColumnWriter w(table::DataType::kFloat64, in.size());
    ForEachNumeric(in, [&](int64_t r, NumericCell cell) { w.Set(r, ApplyValue(cell)); });
    return w.FinishOne();
  }

  absl::Status ApplyRow(const Value& in, const std::string& where,
                        std::vector<Value>* out) const override {
    if (text_) {
      KeyBuffer buf;
      out->emplace_back(std::in_place_type<std::string>, ApplyValue(CategoryKeyOf(in, &buf)));
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(NumericCell cell, NumericOf(in, where));
    out->emplace_back(std::in_place_type<double>, ApplyValue(cell));
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    (*step)["strategy"] = strategy_;
    if (fill_value_) (*step)["fill_value"] = *fill_value_;
  }
  Json StateJson() const override {
    return {{"type", text_ ? "string" : "number"},
            {"fill", text_ ? Json(fill_text_) : Json(fill_number_)}};
  }
  absl::Status LoadState(SpecReader& state) override {
    text_ = state.String("type", std::nullopt, {"number", "string"}) == "string";
    if (text_) {
      fill_text_ = state.String("fill", std::nullopt);
    } else {
      fill_number_ = state.Number("fill", std::nullopt);
    }
    return absl::OkStatus();
  }
  std::string Summary() const override {
    return absl::StrCat(strategy_, " fill=", text_ ? absl::StrCat("'", fill_text_, "'") : Num(fill_number_));
  }

 private:
  absl::Status FitText(const table::Column& input, const std::string& where) {
    if (strategy_ == "constant") {
      if (fill_value_ && !fill_value_->is_string()) {
        return Invalid(where, "fill_value must be a string for a string column");
      }
      fill_text_ = fill_value_ ? fill_value_->get<std::string>() : "missing_value";
      return absl::OkStatus();
    }
    if (strategy_ != "most_frequent") {
      return Invalid(where, absl::StrCat("strategy '", strategy_,
                                         "' needs a number column; string columns take "
                                         "most_frequent or constant"));
    }
    std::vector<CategoryCount> counts = SortedCategories(input);
    if (counts.empty()) return Invalid(where, "no non-null values to learn from");
    int64_t best = 0;
    for (const CategoryCount& c : counts) {
      if (c.count > best) {  // sorted, so ties keep the smallest
        best = c.count;
        fill_text_ = c.key;
      }
    }
    return absl::OkStatus();
  }

  std::string strategy_;
  std::optional<Json> fill_value_;
  bool text_ = false;
  double fill_number_ = 0.0;
  std::string fill_text_;
};

}  // namespace

std::unique_ptr<ColumnTransform> MakeImputer(SpecReader& step) {
  std::string strategy =
      step.String("strategy", "mean", {"mean", "median", "most_frequent", "constant"});
  std::optional<Json> fill;
  if (const Json* f = step.Raw("fill_value", /*optional=*/true)) {
    if (strategy != "constant") {
      step.Fail("fill_value", "only applies to strategy 'constant'");
    } else if (f->is_string() || (f->is_number() && std::isfinite(f->get<double>()))) {
      fill = *f;
    } else {
      step.Fail("fill_value", "expected a finite number or a string");
    }
  }
  return std::make_unique<Imputer>(std::move(strategy), std::move(fill));
}

}  // namespace strata::data::internal
