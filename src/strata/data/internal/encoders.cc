#include "strata/data/internal/encoders.h"

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/internal/scalers.h"

namespace strata::data::internal {
namespace {

using CategoryIndex = absl::flat_hash_map<std::string, int32_t>;

CategoryIndex IndexOf(const std::vector<std::string>& categories) {
  CategoryIndex index;
  index.reserve(categories.size());
  for (size_t i = 0; i < categories.size(); ++i) index.emplace(categories[i], static_cast<int32_t>(i));
  return index;
}

std::string UnknownMessage(const table::Column& in, int64_t row) {
  KeyBuffer buf;
  return absl::StrCat("row ", row, ": unknown category '", AsAbsl(CategoryKeyAt(in, row, &buf).key),
                      "'");
}

std::string Preview(const std::vector<std::string>& categories) {
  std::string out;
  for (size_t i = 0; i < categories.size() && i < 8; ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ", ", categories[i]);
  }
  if (categories.size() > 8) absl::StrAppend(&out, ", ... (", categories.size(), " in all)");
  return out;
}

class OneHotEncoder final : public ColumnTransform {
 public:
  static constexpr int32_t kNoColumn = -1;
  static constexpr int32_t kUnknown = -2;

  OneHotEncoder(std::string handle_unknown, int64_t min_frequency, bool drop_first,
                bool null_column)
      : handle_unknown_(std::move(handle_unknown)),
        min_frequency_(min_frequency),
        drop_first_(drop_first),
        null_column_(null_column) {}

  std::string_view kind() const override { return "one_hot"; }

  // The core: the output column that gets the 1 (kNoColumn: all zeros; kUnknown: error).
  int32_t ApplyValue(CategoryCell cell) const {
    if (!cell.present) return null_index_;
    auto it = output_of_.find(AsAbsl(cell.key));
    if (it != output_of_.end()) return it->second;
    return unknown_index_;
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    std::vector<CategoryCount> counts = SortedCategories(input);
    if (counts.empty()) return Invalid(where, "no non-null values to learn from");
    categories_.clear();
    infrequent_.clear();
    for (const CategoryCount& c : counts) {
      categories_.push_back(c.key);
      if (c.count < min_frequency_) infrequent_.push_back(c.key);
    }
    Derive();
    return absl::OkStatus();
  }

  std::vector<table::Field> OutputFields(const std::string& name) const override {
    std::vector<table::Field> out;
    out.reserve(output_suffixes_.size());
    for (const std::string& s : output_suffixes_) {
      out.push_back({absl::StrCat(name, "=", s), table::DataType::kFloat64});
    }
    return out;
  }

  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string& where) const override {
    const size_t rows = static_cast<size_t>(in.size());
    std::vector<std::vector<double>> hot(output_suffixes_.size(), std::vector<double>(rows, 0.0));
    int64_t bad_row = -1;
    ForEachCategory(
        in, [this](CategoryCell cell) { return ApplyValue(cell); },
        [&](int64_t r, int32_t column) {
          if (column >= 0) {
            hot[static_cast<size_t>(column)][static_cast<size_t>(r)] = 1.0;
          } else if (column == kUnknown && bad_row < 0) {
            bad_row = r;
          }
        });
    if (bad_row >= 0) {
      return Invalid(where, absl::StrCat(UnknownMessage(in, bad_row), " (handle_unknown: error)"));
    }
    std::vector<table::Column> out;
    out.reserve(hot.size());
    for (std::vector<double>& values : hot) {
      table::ColumnBuffers b;
      b.type = table::DataType::kFloat64;
      b.rows = static_cast<int64_t>(rows);
      b.doubles = std::move(values);
      ASSIGN_OR_RETURN(table::Column c, table::Column::FromBuffers(std::move(b)));
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::Status ApplyRow(const Value& in, const std::string& where,
                        std::vector<Value>* out) const override {
    KeyBuffer buf;
    const CategoryCell cell = CategoryKeyOf(in, &buf);
    const int32_t column = ApplyValue(cell);
    if (column == kUnknown) {
      return Invalid(where, absl::StrCat("unknown category '", AsAbsl(cell.key),
                                         "' (handle_unknown: error)"));
    }
    for (size_t i = 0; i < output_suffixes_.size(); ++i) {
      out->emplace_back(std::in_place_type<double>, static_cast<int32_t>(i) == column ? 1.0 : 0.0);
    }
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    (*step)["handle_unknown"] = handle_unknown_;
    (*step)["min_frequency"] = min_frequency_;
    (*step)["drop"] = drop_first_ ? "first" : "none";
    (*step)["nulls"] = null_column_ ? "column" : "zeros";
  }
  Json StateJson() const override {
    return {{"categories", categories_}, {"infrequent", infrequent_}};
  }
  absl::Status LoadState(SpecReader& state) override {
    categories_ = state.Strings("categories");
    infrequent_ = state.Strings("infrequent");
    CheckDistinct(categories_, "categories", state);
    if (categories_.empty() && state.Has("categories")) state.Fail("categories", "is empty");
    absl::flat_hash_set<std::string> known(categories_.begin(), categories_.end());
    for (const std::string& c : infrequent_) {
      if (!known.contains(c)) {
        state.Fail("infrequent", absl::StrCat("'", c, "' is not among the categories"));
        break;
      }
    }
    CheckDistinct(infrequent_, "infrequent", state);
    if (!infrequent_.empty() && handle_unknown_ != "infrequent") {
      state.Fail("infrequent", "needs handle_unknown 'infrequent'");
    }
    Derive();
    return absl::OkStatus();
  }
  std::string Summary() const override {
    std::string s = absl::StrCat(categories_.size(), " categories: ", Preview(categories_));
    if (!infrequent_.empty()) absl::StrAppend(&s, "; ", infrequent_.size(), " infrequent");
    return s;
  }

 private:
  // Output columns and the key -> column map from the learned categories and the options.
  void Derive() {
    absl::flat_hash_set<std::string> rare(infrequent_.begin(), infrequent_.end());
    output_of_.clear();
    output_suffixes_.clear();
    bool dropped = false;
    for (const std::string& c : categories_) {
      if (rare.contains(c)) continue;
      if (drop_first_ && !dropped) {
        dropped = true;
        output_of_.emplace(c, kNoColumn);
        continue;
      }
      output_of_.emplace(c, static_cast<int32_t>(output_suffixes_.size()));
      output_suffixes_.push_back(c);
    }
    unknown_index_ = handle_unknown_ == "error" ? kUnknown : kNoColumn;
    if (handle_unknown_ == "infrequent") {
      const auto bucket = static_cast<int32_t>(output_suffixes_.size());
      output_suffixes_.push_back("__infrequent__");
      for (const std::string& c : infrequent_) output_of_.emplace(c, bucket);
      unknown_index_ = bucket;
    }
    null_index_ = kNoColumn;
    if (null_column_) {
      null_index_ = static_cast<int32_t>(output_suffixes_.size());
      output_suffixes_.push_back("__null__");
    }
  }

  std::string handle_unknown_;
  int64_t min_frequency_ = 1;
  bool drop_first_ = false;
  bool null_column_ = false;
  std::vector<std::string> categories_;
  std::vector<std::string> infrequent_;
  CategoryIndex output_of_;
  std::vector<std::string> output_suffixes_;
  int32_t unknown_index_ = kUnknown;
  int32_t null_index_ = kNoColumn;
};

class OrdinalEncoder final : public ColumnTransform {
 public:
  explicit OrdinalEncoder(std::optional<double> unknown_value) : unknown_value_(unknown_value) {}

  std::string_view kind() const override { return "ordinal"; }

  // The core: the category's position in the sorted categories.
  CellOutcome ApplyValue(CategoryCell cell, double* y) const {
    if (!cell.present) return CellOutcome::kNull;
    auto it = index_.find(AsAbsl(cell.key));
    if (it != index_.end()) {
      *y = static_cast<double>(it->second);
      return CellOutcome::kValue;
    }
    if (!unknown_value_) return CellOutcome::kInvalid;
    *y = *unknown_value_;
    return CellOutcome::kValue;
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    std::vector<CategoryCount> counts = SortedCategories(input);
    if (counts.empty()) return Invalid(where, "no non-null values to learn from");
    categories_.clear();
    for (CategoryCount& c : counts) categories_.push_back(std::move(c.key));
    index_ = IndexOf(categories_);
    return absl::OkStatus();
  }

  std::vector<table::Field> OutputFields(const std::string& name) const override {
    return {{name, table::DataType::kFloat64}};
  }

  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string& where) const override {
    struct Result {
      CellOutcome outcome = CellOutcome::kNull;
      double value = 0.0;
    };
    NumberColumnWriter w(table::DataType::kFloat64, in.size());
    int64_t bad_row = -1;
    ForEachCategory(
        in,
        [this](CategoryCell cell) {
          Result r;
          r.outcome = ApplyValue(cell, &r.value);
          return r;
        },
        [&](int64_t row, const Result& r) {
          if (r.outcome == CellOutcome::kValue) {
            w.Set(row, r.value);
            return;
          }
          if (r.outcome == CellOutcome::kInvalid && bad_row < 0) bad_row = row;
          w.SetNull(row);
        });
    if (bad_row >= 0) {
      return Invalid(where, absl::StrCat(UnknownMessage(in, bad_row), " (no unknown_value set)"));
    }
    return w.FinishOne();
  }

  absl::Status ApplyRow(const Value& in, const std::string& where,
                        std::vector<Value>* out) const override {
    KeyBuffer buf;
    const CategoryCell cell = CategoryKeyOf(in, &buf);
    double y = 0.0;
    switch (ApplyValue(cell, &y)) {
      case CellOutcome::kValue: out->emplace_back(std::in_place_type<double>, y); break;
      case CellOutcome::kNull: out->emplace_back(); break;
      case CellOutcome::kInvalid:
        return Invalid(where, absl::StrCat("unknown category '", AsAbsl(cell.key),
                                           "' (no unknown_value set)"));
    }
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    if (unknown_value_) (*step)["unknown_value"] = *unknown_value_;
  }
  Json StateJson() const override { return {{"categories", categories_}}; }
  absl::Status LoadState(SpecReader& state) override {
    categories_ = state.Strings("categories");
    CheckDistinct(categories_, "categories", state);
    if (categories_.empty() && state.Has("categories")) state.Fail("categories", "is empty");
    index_ = IndexOf(categories_);
    return absl::OkStatus();
  }
  std::string Summary() const override {
    return absl::StrCat(categories_.size(), " categories: ", Preview(categories_));
  }

 private:
  std::optional<double> unknown_value_;
  std::vector<std::string> categories_;
  CategoryIndex index_;
};

class TargetEncoder final : public ColumnTransform {
 public:
  explicit TargetEncoder(double smoothing) : smoothing_(smoothing) {}

  std::string_view kind() const override { return "target_encoder"; }
  bool needs_target() const override { return true; }

  // The core: the category's smoothed target mean; unseen and null get the global mean.
  double ApplyValue(CategoryCell cell) const {
    if (!cell.present) return global_mean_;
    auto it = index_.find(AsAbsl(cell.key));
    return it == index_.end() ? global_mean_ : encodings_[static_cast<size_t>(it->second)];
  }

  absl::Status Fit(const table::Column& input, const table::Column* target,
                   const std::string& where) override {
    if (target == nullptr) return Invalid(where, "needs a target column (Fit's target)");
    if (!IsNumericType(target->type())) {
      return Invalid(where, absl::StrCat("the target must be a number column, got ",
                                         AsAbsl(table::DataTypeName(target->type()))));
    }
    std::vector<NumericCell> y(static_cast<size_t>(target->size()));
    ForEachNumeric(*target, [&](int64_t r, NumericCell c) { y[static_cast<size_t>(r)] = c; });
    struct Stats {
      CompensatedSum sum;
      int64_t count = 0;
    };
    absl::flat_hash_map<std::string, Stats> per_category;
    CompensatedSum global_sum;
    int64_t global_count = 0;
    ForEachCategory(
        input, [](CategoryCell cell) { return cell; },
        [&](int64_t r, CategoryCell cell) {
          const NumericCell t = y[static_cast<size_t>(r)];
          if (!t.present) return;
          global_sum.Add(t.value);
          ++global_count;
          if (!cell.present) return;
          Stats& s = per_category[AsAbsl(cell.key)];
          s.sum.Add(t.value);
          ++s.count;
        });
    if (global_count == 0) return Invalid(where, "no rows with a non-null target");
    global_mean_ = global_sum.value() / static_cast<double>(global_count);
    if (!std::isfinite(global_mean_)) return Invalid(where, "non-finite target mean");
    std::vector<std::pair<std::string, double>> encoded;
    for (auto& [key, s] : per_category) {
      const double e = (s.sum.value() + smoothing_ * global_mean_) /
                       (static_cast<double>(s.count) + smoothing_);
      if (!std::isfinite(e)) return Invalid(where, absl::StrCat("non-finite encoding for '", key, "'"));
      encoded.emplace_back(key, e);
    }
    std::sort(encoded.begin(), encoded.end());
    categories_.clear();
    encodings_.clear();
    for (auto& [key, e] : encoded) {
      categories_.push_back(key);
      encodings_.push_back(e);
    }
    index_ = IndexOf(categories_);
    return absl::OkStatus();
  }

  std::vector<table::Field> OutputFields(const std::string& name) const override {
    return {{name, table::DataType::kFloat64}};
  }

  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string&) const override {
    NumberColumnWriter w(table::DataType::kFloat64, in.size());
    ForEachCategory(
        in, [this](CategoryCell cell) { return ApplyValue(cell); },
        [&](int64_t r, double v) { w.Set(r, v); });
    return w.FinishOne();
  }

  absl::Status ApplyRow(const Value& in, const std::string&,
                        std::vector<Value>* out) const override {
    KeyBuffer buf;
    out->emplace_back(std::in_place_type<double>, ApplyValue(CategoryKeyOf(in, &buf)));
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override { (*step)["smoothing"] = smoothing_; }
  Json StateJson() const override {
    return {{"global_mean", global_mean_}, {"categories", categories_}, {"encodings", encodings_}};
  }
  absl::Status LoadState(SpecReader& state) override {
    global_mean_ = state.Number("global_mean", std::nullopt);
    categories_ = state.Strings("categories");
    encodings_ = state.Numbers("encodings");
    CheckDistinct(categories_, "categories", state);
    if (categories_.size() != encodings_.size()) {
      state.Fail("encodings", absl::StrCat("has ", encodings_.size(), " entries for ",
                                           categories_.size(), " categories"));
    }
    index_ = IndexOf(categories_);
    return absl::OkStatus();
  }
  std::string Summary() const override {
    return absl::StrCat(categories_.size(), " categories, global mean ", Num(global_mean_),
                        ", smoothing ", Num(smoothing_));
  }

 private:
  double smoothing_ = 1.0;
  double global_mean_ = 0.0;
  std::vector<std::string> categories_;
  std::vector<double> encodings_;
  CategoryIndex index_;
};

}  // namespace

std::unique_ptr<ColumnTransform> MakeOneHotEncoder(SpecReader& step) {
  std::string handle_unknown =
      step.String("handle_unknown", "error", {"error", "ignore", "infrequent"});
  const int64_t min_frequency = step.Int("min_frequency", 1, 1);
  if (min_frequency > 1 && handle_unknown != "infrequent") {
    step.Fail("min_frequency", "needs handle_unknown 'infrequent' (the bucket it fills)");
  }
  const bool drop_first = step.String("drop", "none", {"none", "first"}) == "first";
  const bool null_column = step.String("nulls", "zeros", {"zeros", "column"}) == "column";
  return std::make_unique<OneHotEncoder>(std::move(handle_unknown), min_frequency, drop_first,
                                         null_column);
}

std::unique_ptr<ColumnTransform> MakeOrdinalEncoder(SpecReader& step) {
  std::optional<double> unknown_value;
  if (step.Has("unknown_value")) unknown_value = step.Number("unknown_value", std::nullopt);
  return std::make_unique<OrdinalEncoder>(unknown_value);
}

std::unique_ptr<ColumnTransform> MakeTargetEncoder(SpecReader& step) {
  const double smoothing = step.Number("smoothing", 1.0);
  if (smoothing < 0) step.Fail("smoothing", "must not be negative");
  return std::make_unique<TargetEncoder>(smoothing);
}

}  // namespace strata::data::internal
