#include "strata/data/transforms.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/data/testing/transform_tables.h"

namespace strata::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FitSpec;
using testing::Floats;
using testing::Ints;
using testing::MakeTable;
using testing::Strings;
using Json = nlohmann::json;

constexpr char kFullSpec[] = R"({"steps": [
  {"kind": "imputer", "columns": ["age"], "strategy": "median"},
  {"kind": "standard_scaler", "columns": ["age", "income"]},
  {"kind": "min_max_scaler", "columns": ["score"], "feature_range": [-1, 1]},
  {"kind": "one_hot", "columns": ["city"], "handle_unknown": "ignore", "nulls": "column"},
  {"kind": "one_hot", "columns": ["tier"], "handle_unknown": "infrequent", "min_frequency": 300},
  {"kind": "ordinal", "columns": ["name"], "unknown_value": -1},
  {"kind": "bucketize", "columns": ["amount"], "strategy": "quantile", "n_bins": 7},
  {"kind": "bucketize", "columns": ["score2"], "boundaries": [-1, 0, 0.5]},
  {"kind": "log", "columns": ["amount2"], "on_invalid": "null"},
  {"kind": "target_encoder", "columns": ["brand"], "smoothing": 3},
  {"kind": "imputer", "columns": ["label"], "strategy": "most_frequent"}
]})";

// `rows` random rows with nulls; from `unknown_from` on, categories unseen before appear.
table::Table RandomTable(int64_t rows, int64_t unknown_from, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> g(40, 12);
  const std::vector<std::string> cities = {"paris", "rome", "oslo", "lima", "kyiv"};
  table::ColumnBuilder age(table::DataType::kFloat64), income(table::DataType::kInt64),
      score(table::DataType::kFloat64), city(table::DataType::kString),
      tier(table::DataType::kCategory), name(table::DataType::kString),
      amount(table::DataType::kFloat64), score2(table::DataType::kFloat64),
      amount2(table::DataType::kFloat64), brand(table::DataType::kInt64),
      label(table::DataType::kString), y(table::DataType::kFloat64);
  for (int64_t r = 0; r < rows; ++r) {
    const bool late = r >= unknown_from;
    u(rng) < 0.1 ? age.AppendNull() : age.AppendFloat64(g(rng));
    u(rng) < 0.05 ? income.AppendNull() : income.AppendInt64(static_cast<int64_t>(u(rng) * 1e6));
    u(rng) < 0.05 ? score.AppendNull() : score.AppendFloat64(u(rng) * 10 - 3);
    if (u(rng) < 0.07) {
      city.AppendNull();
    } else {
      city.AppendString(late && u(rng) < 0.2 ? "atlantis" : cities[rng() % cities.size()]);
    }
    tier.AppendString("t" + std::to_string(static_cast<int>(std::pow(u(rng), 3) * 12)));
    name.AppendString("n" + std::to_string(rng() % (late ? 120 : 100)));
    u(rng) < 0.05 ? amount.AppendNull() : amount.AppendFloat64(std::exp(g(rng) / 10));
    score2.AppendFloat64(u(rng) * 3 - 1.5);
    amount2.AppendFloat64(u(rng) * 100 - 5);  // some negatives -> null
    brand.AppendInt64(static_cast<int64_t>(rng() % (late ? 30 : 25)));
    u(rng) < 0.1 ? label.AppendNull() : label.AppendString(u(rng) < 0.6 ? "yes" : "no");
    y.AppendFloat64(u(rng) < 0.3 ? 1.0 : 0.0);
  }
  return MakeTable({{"age", age.Finish()},       {"income", income.Finish()},
                    {"score", score.Finish()},   {"city", city.Finish()},
                    {"tier", tier.Finish()},     {"name", name.Finish()},
                    {"amount", amount.Finish()}, {"score2", score2.Finish()},
                    {"amount2", amount2.Finish()}, {"brand", brand.Finish()},
                    {"label", label.Finish()},   {"y", y.Finish()}});
}

Value CellValue(const table::Column& c, int64_t r) {
  if (c.IsNull(r)) return Value();
  switch (c.type()) {
    case table::DataType::kBool: return Value(c.Bools()[r] != 0);
    case table::DataType::kInt64:
    case table::DataType::kTimestamp: return Value(c.Int64s()[r]);
    case table::DataType::kFloat64: return Value(c.Float64s()[r]);
    default: return Value(std::string(c.StringAt(r)));
  }
}

Row RowOf(const table::Table& t, int64_t r) {
  Row row;
  for (int c = 0; c < t.num_columns(); ++c) row.emplace_back(t.schema().field(c).name, CellValue(t.column(c), r));
  return row;
}

bool SameBits(const Value& a, const Value& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) {
    const double y = std::get<double>(b);
    return std::memcmp(x, &y, sizeof y) == 0;
  }
  return a == b;
}

TEST(TransformPipelineTest, BatchAndRowAgreeOnTenThousandRows) {
  table::Table train = RandomTable(5000, 5000, 7);
  TransformPipeline p = FitSpec(kFullSpec, train, "y");
  table::Table data = RandomTable(10000, 5000, 8);  // half with unseen categories
  absl::StatusOr<table::Table> batch = p.Transform(data);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->num_rows(), 10000);
  int64_t nulls_out = 0;
  for (int64_t r = 0; r < data.num_rows(); ++r) {
    absl::StatusOr<Row> row = p.TransformRow(RowOf(data, r));
    ASSERT_TRUE(row.ok()) << row.status();
    ASSERT_EQ(row->size(), static_cast<size_t>(batch->num_columns()));
    for (int c = 0; c < batch->num_columns(); ++c) {
      ASSERT_EQ((*row)[c].first, batch->schema().field(c).name);
      const Value want = CellValue(batch->column(c), r);
      nulls_out += want.index() == 0;
      ASSERT_TRUE(SameBits((*row)[c].second, want))
          << "row " << r << " column " << (*row)[c].first;
    }
  }
  EXPECT_GT(nulls_out, 0);  // the null paths were exercised too
}

TEST(TransformPipelineTest, JsonRoundTripIsBitExact) {
  table::Table train = RandomTable(3000, 3000, 1);
  TransformPipeline p = FitSpec(kFullSpec, train, "y");
  const std::string json = p.ToJson();
  absl::StatusOr<TransformPipeline> back = TransformPipeline::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), json);
  table::Table data = RandomTable(4000, 2000, 2);
  absl::StatusOr<table::Table> a = p.Transform(data), b = back->Transform(data);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->schema(), b->schema());
  for (int c = 0; c < a->num_columns(); ++c) {
    for (int64_t r = 0; r < a->num_rows(); ++r) {
      ASSERT_TRUE(SameBits(CellValue(a->column(c), r), CellValue(b->column(c), r)))
          << a->schema().field(c).name << " row " << r;
    }
  }
}

TEST(TransformPipelineTest, StepsSeeEarlierOutputsAndOtherColumnsPassThrough) {
  table::Table t = MakeTable({{"x", Floats({1, std::nullopt, 3})}, {"k", Strings({"a", "b", "a"})}});
  TransformPipeline p = FitSpec(R"({"steps": [
      {"kind": "imputer", "columns": ["x"]},
      {"kind": "min_max_scaler", "columns": ["x"]}]})", t);
  absl::StatusOr<table::Table> out = p.Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->schema().ToString(), "x: float64, k: string");
  EXPECT_THAT(testing::NumbersOf(out->column(0)), ElementsAre(0.0, 0.5, 1.0));
  EXPECT_EQ(out->column(1).StringAt(1), "b");
  EXPECT_TRUE(absl::IsNotFound(p.Transform(MakeTable({{"k", Strings({"a"})}})).status()));
  EXPECT_TRUE(absl::IsNotFound(p.TransformRow({{"k", Value(std::string("a"))}}).status()));
}

TEST(TransformPipelineTest, AConsumedColumnIsGoneForLaterSteps) {
  table::Table t = MakeTable({{"city", Strings({"a", "b"})}, {"x", Floats({1, 2})}});
  auto p = TransformPipeline::FromSpecJson(R"({"steps": [
      {"kind": "one_hot", "columns": ["city"]},
      {"kind": "standard_scaler", "columns": ["x"]},
      {"kind": "ordinal", "columns": ["city"]}]})");
  ASSERT_TRUE(p.ok()) << p.status();
  absl::Status s = p->Fit(t);
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("step 3 (ordinal): column 'city' is not in the input"));
  auto q = TransformPipeline::FromSpecJson(R"({"steps": [
      {"kind": "one_hot", "columns": ["city"]},
      {"kind": "min_max_scaler", "columns": ["city=b"]}]})");
  ASSERT_TRUE(q.ok() && q->Fit(t).ok());
  absl::StatusOr<table::Table> out = q->Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->schema().ToString(), "city=a: float64, city=b: float64, x: float64");
}

TEST(TransformPipelineTest, YamlSpecAndUnfittedUse) {
  absl::StatusOr<TransformPipeline> p = TransformPipeline::FromSpecYaml(
      "steps:\n"
      "  - kind: one_hot\n"
      "    columns: [city]\n"
      "    handle_unknown: ignore\n");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->fitted());
  EXPECT_TRUE(absl::IsFailedPrecondition(p->Transform(table::Table()).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(p->TransformRow({}).status()));
  // The unfitted ToJson is the spec again (no format header, no state).
  absl::StatusOr<TransformPipeline> again = TransformPipeline::FromSpecJson(p->ToJson());
  ASSERT_TRUE(again.ok()) << again.status();
  table::Table t = MakeTable({{"city", Strings({"b", "a"})}});
  ASSERT_TRUE(p->Fit(t).ok());
  absl::StatusOr<Row> row = p->TransformRow({{"city", Value(std::string("b"))}, {"z", Value(int64_t{1})}});
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_EQ(row->size(), 3u);
  EXPECT_EQ((*row)[0].first, "city=a");
  EXPECT_EQ(std::get<double>((*row)[1].second), 1.0);
  EXPECT_EQ(std::get<int64_t>((*row)[2].second), 1);
}

TEST(TransformPipelineTest, SpecErrorsNameStepAndField) {
  struct Case {
    const char* spec;
    const char* message;
  };
  const Case cases[] = {
      {R"([])", "transform spec: expected an object, got an array"},
      {R"({})", "transform spec: field 'steps': missing"},
      {R"({"steps": {}})", "field 'steps': expected an array of steps"},
      {R"({"steps": [3]})", "step 1: expected an object, got a number"},
      {R"({"steps": [{"columns": ["a"]}]})", "step 1: field 'kind': missing"},
      {R"({"steps": [{"kind": "scale", "columns": ["a"]}]})", "step 1 (scale): field 'kind': unknown kind 'scale'"},
      {R"({"steps": [{"kind": "log", "columns": []}]})", "step 1 (log): field 'columns': is empty"},
      {R"({"steps": [{"kind": "log", "columns": ["a", "a"]}]})", "'a' appears twice"},
      {R"({"steps": [{"kind": "log", "columns": ["a"], "bsae": "log"}]})", "step 1 (log): unknown field 'bsae'"},
      {R"({"steps": [{"kind": "log", "columns": ["a"]}, {"kind": "one_hot", "columns": ["b"], "drop": 1}]})",
       "step 2 (one_hot): field 'drop': expected a string, got a number"},
      {R"({"steps": [{"kind": "bucketize", "columns": ["a"], "n_bins": 1}]})", "field 'n_bins': must be at least 2"},
      {R"({"steps": [{"kind": "one_hot", "columns": ["a"], "min_frequency": 5}]})", "needs handle_unknown 'infrequent'"},
      {R"({"steps": [{"kind": "log", "columns": ["a"], "fitted": {}}]})", "unknown field 'fitted'"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<TransformPipeline> p = TransformPipeline::FromSpecJson(c.spec);
    ASSERT_FALSE(p.ok()) << c.spec;
    EXPECT_TRUE(absl::IsInvalidArgument(p.status())) << c.spec;
    EXPECT_THAT(p.status().message(), HasSubstr(c.message)) << c.spec;
  }
}

TEST(TransformPipelineTest, FromJsonRejectsGarbage) {
  table::Table train = RandomTable(500, 500, 3);
  const Json good = Json::parse(FitSpec(kFullSpec, train, "y").ToJson());
  struct Case {
    std::string text;
    const char* message;
  };
  std::vector<Case> cases = {
      {"not json", "invalid JSON"},
      {R"({"steps": []})", "field 'format': missing"},
      {R"({"format": "other", "format_version": 1, "steps": []})", "'other' is not one of"},
      {R"({"format": "strata.transform_pipeline", "format_version": 2, "steps": []})",
       "version 2 is not supported"},
      {R"({"format": "strata.transform_pipeline", "format_version": 1, "steps": [
          {"kind": "log", "columns": ["a"]}]})", "step 1 (log): field 'fitted': missing"},
  };
  auto mutated = [&](auto edit, const char* message) {
    Json j = good;
    edit(j);
    cases.push_back({j.dump(), message});
  };
  mutated([](Json& j) { j["steps"][1]["fitted"]["age"]["mean"] = "x"; },
          "step 2 (standard_scaler) column 'age' fitted: field 'mean': expected a finite number");
  mutated([](Json& j) { j["steps"][1]["fitted"]["age"].erase("scale"); }, "field 'scale': missing");
  mutated([](Json& j) { j["steps"][1]["fitted"]["age"]["scale"] = 0; }, "field 'scale': must be positive");
  mutated([](Json& j) { j["steps"][1]["fitted"].erase("income"); }, "no state for column 'income'");
  mutated([](Json& j) { j["steps"][1]["fitted"]["zz"] = Json::object(); }, "state for 'zz'");
  mutated([](Json& j) { j["steps"][1]["fitted"]["age"]["extra"] = 1; }, "unknown field 'extra'");
  mutated([](Json& j) { j["steps"][3]["fitted"]["city"]["categories"][1] = j["steps"][3]["fitted"]["city"]["categories"][0]; },
          "appears twice");
  mutated([](Json& j) { j["steps"][4]["fitted"]["tier"]["infrequent"].push_back("nope"); },
          "'nope' is not among the categories");
  mutated([](Json& j) { j["steps"][6]["fitted"]["amount"]["inner_edges"] = {3, 2}; },
          "entry 1 is not above the one before");
  mutated([](Json& j) { j["steps"][9]["fitted"]["brand"]["encodings"].erase(0); },
          "encodings': has");
  mutated([](Json& j) { j["steps"][9]["kind"] = "nope"; }, "unknown kind 'nope'");
  mutated([](Json& j) { j["steps"][0]["fitted"]["age"]["type"] = "text"; }, "'text' is not one of");
  mutated([](Json& j) { j["steps"][2]["fitted"]["score"]["data_min"] = nullptr; },
          "field 'data_min': expected a finite number, got null");
  for (const Case& c : cases) {
    absl::StatusOr<TransformPipeline> p = TransformPipeline::FromJson(c.text);
    ASSERT_FALSE(p.ok()) << c.text.substr(0, 300);
    EXPECT_TRUE(absl::IsInvalidArgument(p.status()));
    EXPECT_THAT(p.status().message(), HasSubstr(c.message)) << c.text.substr(0, 300);
  }
  // Fuzz-ish: non-finite numbers anywhere in any state are rejected; so is a wrong type for
  // every state field; neither crashes.
  for (size_t s = 0; s < good["steps"].size(); ++s) {
    for (auto& [column, state] : good["steps"][s]["fitted"].items()) {
      for (auto& [field, value] : state.items()) {
        for (const std::string bad : {"1e999", "\"x\"", "{}", "[[1]]", "true"}) {
          Json j = good;
          std::string text = j.dump();
          j["steps"][s]["fitted"][column][field] = Json::parse(bad == "1e999" ? "0" : bad);
          text = j.dump();
          if (bad == "1e999") {
            // splice the overflowing literal in as text (nlohmann would write a finite 0)
            const std::string key = "\"" + field + "\":0";
            const size_t at = text.find(key);
            if (at == std::string::npos) continue;
            text.replace(at, key.size(), "\"" + field + "\":1e999");
          }
          if (value.is_string() && bad == "\"x\"") continue;  // a string is fine there
          if (value.is_array() && bad == "[[1]]" && value.empty()) continue;
          absl::StatusOr<TransformPipeline> p = TransformPipeline::FromJson(text);
          EXPECT_FALSE(p.ok()) << "step " << s << " " << column << "." << field << " = " << bad;
        }
      }
    }
  }
}

TEST(TransformPipelineTest, SummariesSayWhatWasLearned) {
  table::Table t = MakeTable({{"x", Floats({1, 3})}, {"c", Strings({"b", "a"})}});
  TransformPipeline p = FitSpec(R"({"steps": [
      {"kind": "standard_scaler", "columns": ["x"]},
      {"kind": "one_hot", "columns": ["c"]}]})", t);
  std::vector<StepSummary> s = p.Summaries();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, "standard_scaler");
  EXPECT_EQ(s[0].lines[0], "x: mean=2 scale=1 (n=2)");
  EXPECT_EQ(s[1].lines[0], "c: 2 categories: a, b");
}

}  // namespace
}  // namespace strata::data
