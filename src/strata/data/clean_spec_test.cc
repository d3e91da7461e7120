#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/data/clean.h"

namespace strata::data {
namespace {

using ::testing::HasSubstr;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

TEST(CleanSpecTest, ParsesEveryRule) {
  auto spec = ParseCleanSpec(R"(
version: 1
steps:
  - rule: coerce
    name: types
    columns:
      age: int64
      signup: {type: timestamp, format: "%d/%m/%Y", on_error: "null"}
      score: {type: float}
  - rule: drop_nulls
    columns: [id]
  - rule: fill_nulls
    columns:
      age: median
      city: {value: unknown}
      score: {strategy: mean}
  - rule: dedup
    keys: [id]
    keep: last
  - rule: clip_outliers
    columns: [score]
    method: zscore
    threshold: 2.5
    action: quarantine_row
  - rule: strings
    columns: [city]
    trim: true
    collapse_whitespace: true
    case: lower
    replace: {"n.y.": "new york"}
  - rule: range
    columns: [age]
    min: 0
    max: 120
    on_error: "null"
  - rule: allowed
    columns: [city]
    in: [paris, new york]
  - rule: not_empty
    columns: city
  - rule: max_length
    columns: [city]
    max: 20
)");
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->steps.size(), 10u);
  const auto& coerce = std::get<CoerceStep>(spec->steps[0].rule);
  EXPECT_EQ(spec->steps[0].name, "types");
  EXPECT_EQ(spec->steps[0].where.line, 4);
  ASSERT_EQ(coerce.columns.size(), 3u);
  EXPECT_EQ(coerce.columns[0].column, "age");
  EXPECT_EQ(coerce.columns[0].type, table::DataType::kInt64);
  EXPECT_EQ(coerce.columns[0].on_error, OnError::kQuarantineRow);
  EXPECT_EQ(coerce.columns[1].type, table::DataType::kTimestamp);
  EXPECT_EQ(coerce.columns[1].format, "%d/%m/%Y");
  EXPECT_EQ(coerce.columns[1].on_error, OnError::kNull);
  EXPECT_EQ(coerce.columns[2].type, table::DataType::kFloat64);
  EXPECT_EQ(std::get<DropNullsStep>(spec->steps[1].rule).columns, std::vector<std::string>{"id"});
  const auto& fill = std::get<FillNullsStep>(spec->steps[2].rule);
  ASSERT_EQ(fill.columns.size(), 3u);
  EXPECT_EQ(fill.columns[0].strategy, FillStrategy::kMedian);
  EXPECT_EQ(fill.columns[1].strategy, FillStrategy::kValue);
  EXPECT_EQ(fill.columns[1].value, "unknown");
  EXPECT_EQ(fill.columns[2].strategy, FillStrategy::kMean);
  const auto& dedup = std::get<DedupStep>(spec->steps[3].rule);
  EXPECT_EQ(dedup.keys, std::vector<std::string>{"id"});
  EXPECT_EQ(dedup.keep, DedupKeep::kLast);
  const auto& clip = std::get<ClipOutliersStep>(spec->steps[4].rule);
  EXPECT_EQ(clip.method, OutlierMethod::kZScore);
  EXPECT_EQ(clip.threshold, 2.5);
  EXPECT_EQ(clip.action, OutlierAction::kQuarantineRow);
  const auto& strings = std::get<StringsStep>(spec->steps[5].rule);
  EXPECT_TRUE(strings.trim);
  EXPECT_TRUE(strings.collapse_whitespace);
  EXPECT_EQ(strings.fold, CaseFold::kLower);
  ASSERT_EQ(strings.replace.size(), 1u);
  EXPECT_EQ(strings.replace[0].first, "n.y.");
  const auto& range = std::get<RangeStep>(spec->steps[6].rule);
  EXPECT_EQ(range.min, "0");
  EXPECT_EQ(range.max, "120");
  EXPECT_EQ(range.on_error, OnError::kNull);
  EXPECT_EQ(std::get<AllowedStep>(spec->steps[7].rule).values,
            (std::vector<std::string>{"paris", "new york"}));
  EXPECT_EQ(std::get<NotEmptyStep>(spec->steps[8].rule).columns, std::vector<std::string>{"city"});
  EXPECT_EQ(std::get<MaxLengthStep>(spec->steps[9].rule).max, 20);
  EXPECT_EQ(CleanRuleName(spec->steps[4].rule), "clip_outliers");
}

TEST(CleanSpecTest, Defaults) {
  auto spec =
      ParseCleanSpec("steps:\n  - rule: clip_outliers\n    columns: [x]\n  - rule: dedup\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const auto& clip = std::get<ClipOutliersStep>(spec->steps[0].rule);
  EXPECT_EQ(clip.method, OutlierMethod::kIqr);
  EXPECT_EQ(clip.k, 1.5);
  EXPECT_EQ(clip.action, OutlierAction::kClip);
  const auto& dedup = std::get<DedupStep>(spec->steps[1].rule);
  EXPECT_TRUE(dedup.keys.empty());
  EXPECT_EQ(dedup.keep, DedupKeep::kFirst);
}

// Each bad spec and the exact position and words its error must carry.
struct BadSpec {
  const char* yaml;
  const char* message;
};

class CleanSpecErrorTest : public ::testing::TestWithParam<BadSpec> {};

TEST_P(CleanSpecErrorTest, NamesLineColumnAndProblem) {
  auto spec = ParseCleanSpec(GetParam().yaml);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(spec.status()), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CleanSpecErrorTest,
    ::testing::Values(
        BadSpec{"steps:\n  - rule: scrub\n",
                "line 2, column 11: step 1 (scrub): unknown rule 'scrub'"},
        BadSpec{
            "steps:\n  - rule: dedup\n    kep: last\n",
            "line 3, column 5: step 1 (dedup): unknown key 'kep' (known: rule, name, keys, keep)"},
        BadSpec{"steps:\n  - rule: dedup\n    keep: middle\n",
                "line 3, column 11: step 1 (dedup): 'keep' must be one of first, last"},
        BadSpec{"steps:\n  - rule: clip_outliers\n    columns: [x]\n    k: lots\n",
                "line 4, column 8: step 1 (clip_outliers): 'k' must be a finite number"},
        BadSpec{"steps:\n  - rule: clip_outliers\n    columns: [x]\n    method: zscore\n    k: 2\n",
                "line 5, column 8: step 1 (clip_outliers): 'k' applies to method iqr"},
        BadSpec{"steps:\n  - rule: strings\n    columns: [x]\n    trim: maybe\n",
                "line 4, column 11: step 1 (strings): 'trim' must be true or false"},
        BadSpec{"steps:\n  - rule: strings\n    columns: [x]\n",
                "line 2, column 5: step 1 (strings): nothing to do"},
        BadSpec{"steps:\n  - rule: coerce\n    columns:\n      age: integer\n",
                "line 4, column 12: step 1 (coerce): 'type' must be one of bool"},
        BadSpec{"steps:\n  - rule: coerce\n    columns:\n      age: {type: int64, fmt: x}\n",
                "line 4, column 26: step 1 (coerce), column 'age': unknown key 'fmt'"},
        BadSpec{"steps:\n  - rule: coerce\n    columns:\n      age: {type: int64, format: '%Y'}\n",
                "'format' applies only to type timestamp"},
        BadSpec{
            "steps:\n  - rule: coerce\n    columns:\n      t: {type: timestamp, format: '%Q'}\n",
            "line 4, column 36: step 1 (coerce), column 't': 'format' directive '%Q' is not "
            "supported"},
        BadSpec{"steps:\n  - rule: coerce\n    columns: [age]\n",
                "line 3, column 14: step 1 (coerce): 'columns' must be a mapping"},
        BadSpec{
            "steps:\n  - rule: coerce\n    columns:\n      age: {type: int64, on_error: drop}\n",
            "'on_error' must be one of quarantine_row, null"},
        BadSpec{"steps:\n  - rule: fill_nulls\n    columns:\n      city: unknown\n",
                "line 4, column 13: step 1 (fill_nulls): the strategy must be mean, median, mode "
                "or value"},
        BadSpec{
            "steps:\n  - rule: fill_nulls\n    columns:\n      city: {strategy: mean, value: 3}\n",
            "'value' applies only to strategy value"},
        BadSpec{"steps:\n  - rule: range\n    columns: [x]\n",
                "line 2, column 5: step 1 (range): give 'min', 'max'"},
        BadSpec{"steps:\n  - rule: range\n    columns: [x]\n    min: [1]\n",
                "line 4, column 10: step 1 (range): 'min' must be a scalar, not a list"},
        BadSpec{"steps:\n  - rule: allowed\n    columns: [x]\n",
                "step 1 (allowed): 'in' is required"},
        BadSpec{"steps:\n  - rule: max_length\n    columns: [x]\n    max: -1\n",
                "line 4, column 10: step 1 (max_length): 'max' must be a non-negative integer"},
        BadSpec{"steps:\n  - rule: drop_nulls\n    columns: [a, a]\n",
                "line 3, column 18: step 1 (drop_nulls): 'a' listed twice"},
        BadSpec{"steps:\n  - rule: not_empty\n", "step 1 (not_empty): 'columns' is required"},
        BadSpec{"steps:\n  - rule: dedup\n  - just text\n",
                "line 3, column 5: step 2 must be a mapping"},
        BadSpec{"steps:\n  - keys: [a]\n", "line 2, column 5: step 1: 'rule' is required"},
        BadSpec{"steps: []\n", "line 1, column 8: spec: 'steps' must be a non-empty list"},
        BadSpec{"step:\n  - rule: dedup\n",
                "line 1, column 1: spec: unknown key 'step' (known: version, steps)"},
        BadSpec{"version: 2\nsteps:\n  - rule: dedup\n",
                "line 1, column 10: spec: 'version' must be 1"},
        BadSpec{"- rule: dedup\n",
                "line 1, column 1: the spec must be a mapping with 'steps', not a list"},
        BadSpec{"", "the spec must be a mapping with 'steps', not null"},
        BadSpec{"steps:\n  - rule: dedup\n    keys: [a\n", "line 4, column 1: "},
        BadSpec{"steps:\n  - {rule: dedup, keep: first, keep: last}\n", "key 'keep' given twice"}));

TEST(CleanSpecTest, UnquotedNullPolicyMeansNull) {
  auto spec = ParseCleanSpec("steps:\n  - rule: not_empty\n    columns: [a]\n    on_error: null\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(std::get<NotEmptyStep>(spec->steps[0].rule).on_error, OnError::kNull);
}

TEST(CleanSpecTest, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  auto spec = ParseCleanSpec(deep);
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(Msg(spec.status()), HasSubstr("nested too deeply"));
  std::string dashes;
  for (int i = 0; i < 50000; ++i) dashes += "- ";
  EXPECT_FALSE(ParseCleanSpec(dashes).ok());
}

TEST(CleanSpecTest, RefusesHugeAndBinaryInput) {
  auto huge = ParseCleanSpec(std::string((size_t{1} << 20) + 1, '#'));
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(Msg(huge.status()), HasSubstr("over the limit"));
  auto nul = ParseCleanSpec(std::string("steps:\0", 7));
  ASSERT_FALSE(nul.ok());
  EXPECT_THAT(Msg(nul.status()), HasSubstr("NUL byte at offset 6"));
  auto latin1 = ParseCleanSpec("steps:\n  - {rule: not_empty, columns: [caf\xe9]}\n");
  ASSERT_FALSE(latin1.ok());
  EXPECT_THAT(Msg(latin1.status()), HasSubstr("invalid UTF-8 at byte offset 42"));
}

}  // namespace
}  // namespace strata::data
