#include "strata/data/clean.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/data/internal/clean_steps.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parse_value.h"

namespace strata::data {
namespace {

using table::DataType;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// A table from CSV text; `text_columns` are read as strings, the rest inferred.
table::Table Csv(const std::string& text, std::vector<std::string> text_columns = {}) {
  io::CsvOptions options;
  for (const std::string& c : text_columns) options.column_types[c] = DataType::kString;
  auto t = io::ReadCsv(text, options);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

CleanResult Clean(const table::Table& t, const std::string& yaml) {
  auto spec = ParseCleanSpec(yaml);
  EXPECT_TRUE(spec.ok()) << spec.status();
  auto result = ApplyCleanSpec(t, *spec);
  EXPECT_TRUE(result.ok()) << result.status();
  return std::move(*result);
}

// A column as text cells, "null" for nulls.
std::vector<std::string> Cells(const table::Table& t, const std::string& name) {
  auto c = t.ColumnByName(name);
  EXPECT_TRUE(c.ok()) << c.status();
  std::vector<std::string> out;
  for (int64_t r = 0; r < (*c)->size(); ++r)
    out.push_back((*c)->IsNull(r) ? "null" : io::FormatCell(**c, r));
  return out;
}

// Quarantine rows as "row|column|rule|reason|value".
std::vector<std::string> Quarantine(const CleanResult& r) {
  std::vector<std::string> out;
  const table::Table& q = r.quarantine;
  for (int64_t i = 0; i < q.num_rows(); ++i) {
    std::string line = io::FormatCell(q.column(0), i);
    for (int c = 1; c < 5; ++c)
      line += "|" + (q.column(c).IsNull(i) ? "null" : io::FormatCell(q.column(c), i));
    out.push_back(line);
  }
  return out;
}

TEST(CleanTest, CoerceQuarantinesRowsThatDoNotParse) {
  auto t = Csv("id,age\n1,1\n2,x\n3,3\n4, 4 \n5,\n6,5.5\n", {"age"});
  auto r = Clean(t, "steps:\n  - rule: coerce\n    columns: {age: int64}\n");
  EXPECT_EQ(r.cleaned.schema().ToString(), "id: int64, age: int64");
  EXPECT_THAT(Cells(r.cleaned, "id"), ElementsAre("1", "3", "4", "5"));
  EXPECT_THAT(Cells(r.cleaned, "age"), ElementsAre("1", "3", "4", "null"));
  EXPECT_THAT(Quarantine(r), ElementsAre("2|age|coerce|'x' is not an int64|x",
                                         "6|age|coerce|'5.5' is not an int64|5.5"));
  EXPECT_EQ(r.quarantine.schema().ToString(),
            "row: int64, column: string, rule: string, reason: string, value: string");
  const StepReport& s = r.report.steps[0];
  EXPECT_EQ(s.rows_in, 6);
  EXPECT_EQ(s.rows_out, 4);
  EXPECT_EQ(s.rows_quarantined, 2);
  EXPECT_EQ(s.values_coerced, 3);
  EXPECT_EQ(s.quarantine_entries, 2);
  EXPECT_EQ(r.report.output_rows, 4);
}

TEST(CleanTest, CoerceOnErrorNullKeepsTheRowAndStillRecordsIt) {
  auto t = Csv("id,score,ok\n1,2.5,true\n2,abc,maybe\n3,1e3,FALSE\n", {"score", "ok"});
  auto r = Clean(t, R"(steps:
  - rule: coerce
    on_error: "null"
    columns:
      score: float64
      ok: {type: bool, on_error: quarantine_row}
)");
  EXPECT_THAT(Cells(r.cleaned, "id"), ElementsAre("1", "3"));
  EXPECT_THAT(Cells(r.cleaned, "score"), ElementsAre("2.5", "1000"));
  EXPECT_THAT(Cells(r.cleaned, "ok"), ElementsAre("true", "false"));
  EXPECT_THAT(Quarantine(r), ElementsAre("2|score|coerce|'abc' is not a float64|abc",
                                         "2|ok|coerce|'maybe' is not a bool (true/false)|maybe"));
  const StepReport& s = r.report.steps[0];
  EXPECT_EQ(s.values_nulled, 1);
  EXPECT_EQ(s.rows_quarantined, 1);
  EXPECT_EQ(s.values_coerced, 4);  // two per kept row
}

TEST(CleanTest, CoerceFromTypedColumnsNeverTruncates) {
  auto t = Csv("x\n3.0\n3.5\n-2\n");  // inferred float64
  auto r =
      Clean(t, "steps:\n  - rule: coerce\n    columns: {x: {type: int64, on_error: \"null\"}}\n");
  EXPECT_THAT(Cells(r.cleaned, "x"), ElementsAre("3", "null", "-2"));
  EXPECT_THAT(Quarantine(r), ElementsAre("2|x|coerce|'3.5' is not an int64|3.5"));
  auto s = Clean(Csv("n\n7\n"), "steps:\n  - rule: coerce\n    columns: {n: string}\n");
  EXPECT_EQ(s.cleaned.schema().ToString(), "n: string");
  EXPECT_EQ(s.report.steps[0].values_coerced, 1);
  auto c = Clean(Csv("n\nb\na\nb\n"), "steps:\n  - rule: coerce\n    columns: {n: category}\n");
  EXPECT_EQ(c.cleaned.column(0).type(), DataType::kCategory);
  EXPECT_EQ(c.cleaned.column(0).DictionarySize(), 2);
}

TEST(CleanTest, CoerceTimestampsIsoAndFormat) {
  auto t =
      Csv("a,b\n2024-03-01,01/03/2024 10:30\n2024-02-30,31/02/2024 00:00\nsoon,1/3/2024 7:05\n",
          {"a", "b"});
  auto r = Clean(t, R"(steps:
  - rule: coerce
    on_error: "null"
    columns:
      a: timestamp
      b: {type: timestamp, format: "%d/%m/%Y %H:%M"}
)");
  EXPECT_THAT(Cells(r.cleaned, "a"), ElementsAre("2024-03-01 00:00:00", "null", "null"));
  EXPECT_THAT(Cells(r.cleaned, "b"),
              ElementsAre("2024-03-01 10:30:00", "null", "2024-03-01 07:05:00"));
  EXPECT_THAT(
      Quarantine(r),
      ElementsAre("2|a|coerce|'2024-02-30' is not a timestamp (ISO 8601)|2024-02-30",
                  "3|a|coerce|'soon' is not a timestamp (ISO 8601)|soon",
                  "2|b|coerce|'31/02/2024 00:00' does not match the timestamp format '%d/%m/%Y "
                  "%H:%M'|31/02/2024 00:00"));
  int64_t us = 0;
  ASSERT_TRUE(internal::ParseTimestampWithFormat("2024-03-01T10:00:00.5+02:00",
                                                 "%Y-%m-%dT%H:%M:%S.%f%z", &us));
  EXPECT_EQ(io::FormatTimestampMicros(us), "2024-03-01 08:00:00.500000");
  EXPECT_FALSE(internal::ParseTimestampWithFormat("2024-03-01x", "%Y-%m-%d", &us));
  EXPECT_TRUE(internal::ParseTimestampWithFormat("100%", "%d%%", &us) == false);
}

TEST(CleanTest, DropNullsBySubsetOrAnyColumn) {
  auto t = Csv("a,b\n1,x\n,y\n3,\nnan,z\n");
  auto r = Clean(t, "steps:\n  - rule: drop_nulls\n    columns: [a]\n");
  EXPECT_THAT(Cells(r.cleaned, "b"), ElementsAre("x", "null"));  // NaN counts as missing
  EXPECT_EQ(r.report.steps[0].rows_dropped, 2);
  EXPECT_EQ(r.quarantine.num_rows(), 0);
  auto all = Clean(t, "steps:\n  - rule: drop_nulls\n");
  EXPECT_THAT(Cells(all.cleaned, "b"), ElementsAre("x"));
}

TEST(CleanTest, FillMeanMedianModeAndConstant) {
  auto t = Csv(
      "f,i,s,b,t\n1,1,b,true,2024-01-01\n2,2,a,,\n,3,b,false,2024-01-03\n10,10,a,false,\n,,,,\n");
  auto r = Clean(t, R"(steps:
  - rule: fill_nulls
    columns:
      f: median
      i: median
      s: mode
      b: mode
      t: {value: "2000-01-01"}
)");
  // f: [1, 2, 10] -> median 2; i: [1, 2, 3, 10] -> 2.5, rounded half to even -> 2.
  EXPECT_THAT(Cells(r.cleaned, "f"), ElementsAre("1", "2", "2", "10", "2"));
  EXPECT_THAT(Cells(r.cleaned, "i"), ElementsAre("1", "2", "3", "10", "2"));
  // s: a and b twice each -> the smaller, "a" (pandas' mode()[0]).
  EXPECT_THAT(Cells(r.cleaned, "s"), ElementsAre("b", "a", "b", "a", "a"));
  EXPECT_THAT(Cells(r.cleaned, "b"), ElementsAre("true", "false", "false", "false", "false"));
  EXPECT_THAT(Cells(r.cleaned, "t"),
              ElementsAre("2024-01-01 00:00:00", "2000-01-01 00:00:00", "2024-01-03 00:00:00",
                          "2000-01-01 00:00:00", "2000-01-01 00:00:00"));
  EXPECT_EQ(r.report.steps[0].values_filled, 2 + 1 + 1 + 2 + 3);
  EXPECT_THAT(r.report.steps[0].notes[1],
              HasSubstr("i: 1 filled with the median 2.5 rounded to 2"));

  auto mean = Clean(Csv("f,i\n1.5,1\n2,2\n,\n4,4\n"),
                    "steps:\n  - rule: fill_nulls\n    columns: {f: mean, i: mean}\n");
  EXPECT_THAT(Cells(mean.cleaned, "f"), ElementsAre("1.5", "2", "2.5", "4"));
  EXPECT_THAT(Cells(mean.cleaned, "i"), ElementsAre("1", "2", "2", "4"));
  auto mode = Clean(Csv("x,y\n3,a\n1,b\n3,c\n1,d\n,e\n"),
                    "steps:\n  - rule: fill_nulls\n    columns: {x: mode}\n");
  EXPECT_THAT(Cells(mode.cleaned, "x"), ElementsAre("3", "1", "3", "1", "1"));
}

TEST(CleanTest, FillWithoutValuesLeavesNullsAndSaysSo) {
  auto t = Csv("x,y\n,1\n,2\n", {"x"});
  auto r = Clean(t, "steps:\n  - rule: fill_nulls\n    columns: {x: mode}\n");
  EXPECT_THAT(Cells(r.cleaned, "x"), ElementsAre("null", "null"));
  EXPECT_THAT(r.report.steps[0].notes[0], HasSubstr("no values"));
}

TEST(CleanTest, DedupKeepsFirstOrLastInOriginalOrder) {
  auto t = Csv("k,v\na,1\nb,2\na,3\nb,2\n,4\n,5\n");
  auto first = Clean(t, "steps:\n  - rule: dedup\n    keys: [k]\n");
  EXPECT_THAT(Cells(first.cleaned, "v"), ElementsAre("1", "2", "4"));
  EXPECT_EQ(first.report.steps[0].rows_dropped, 3);
  auto last = Clean(t, "steps:\n  - rule: dedup\n    keys: [k]\n    keep: last\n");
  EXPECT_THAT(Cells(last.cleaned, "v"), ElementsAre("3", "2", "5"));
  auto whole = Clean(t, "steps:\n  - rule: dedup\n");
  EXPECT_THAT(Cells(whole.cleaned, "v"), ElementsAre("1", "2", "3", "4", "5"));
}

TEST(CleanTest, QuantilesInterpolateLinearlyAsPandas) {
  // Values checked against pandas: pd.Series([1, 2, 3, 4]).quantile(0.25) == 1.75, etc.
  std::vector<double> v = {4, 1, 3, 2};
  EXPECT_EQ(internal::LinearQuantile(v, 0.25), 1.75);
  EXPECT_EQ(internal::LinearQuantile(v, 0.5), 2.5);
  EXPECT_EQ(internal::LinearQuantile(v, 0.75), 3.25);
  std::vector<double> w = {30, 10, 20};
  EXPECT_DOUBLE_EQ(internal::LinearQuantile(w, 0.1), 12.0);
  std::vector<double> one = {7};
  EXPECT_EQ(internal::LinearQuantile(one, 0.75), 7);
}

TEST(CleanTest, IqrClipsToBoundsAndKeepsIntColumnsInt) {
  // Sorted [1..10, 100]: Q1 = 3.5, Q3 = 8.5, IQR 5, bounds [-4, 16].
  auto t = Csv("f,i\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n10,10\n100.5,-100\n");
  auto r = Clean(t, "steps:\n  - rule: clip_outliers\n    columns: [f, i]\n");
  EXPECT_EQ(Cells(r.cleaned, "f").back(), "16");
  // i sorted [-100, 1..10]: Q1 = 2.5, Q3 = 7.5, bounds [-5, 15] -> -100 clipped to -5.
  EXPECT_EQ(Cells(r.cleaned, "i").back(), "-5");
  EXPECT_EQ(r.report.steps[0].values_clipped, 2);
  EXPECT_THAT(r.report.steps[0].notes[0], HasSubstr("IQR bounds [-4, 16] (Q1 3.5, Q3 8.5, k 1.5)"));
  auto k = Clean(Csv("x\n1\n2\n3\n4\n"),
                 "steps:\n  - rule: clip_outliers\n    columns: [x]\n    k: 0\n");
  EXPECT_THAT(Cells(k.cleaned, "x"),
              ElementsAre("2", "2", "3", "3"));  // bounds [1.75, 3.25] inward
}

TEST(CleanTest, InfiniteValuesAndHugeBoundsDoNotBreakClipping) {
  auto inf = Clean(Csv("x\n-inf\n1\n2\ninf\n"),
                   "steps:\n  - rule: clip_outliers\n    columns: [x]\n    k: 0\n");
  EXPECT_EQ(inf.cleaned.num_rows(), 4);
  auto huge = Clean(Csv("i\n1\n2\n100\n"),
                    "steps:\n  - rule: clip_outliers\n    columns: [i]\n    k: 1e300\n");
  EXPECT_THAT(Cells(huge.cleaned, "i"), ElementsAre("1", "2", "100"));
  EXPECT_EQ(huge.report.steps[0].values_clipped, 0);
}

TEST(CleanTest, ZScoreQuarantinesOutlierRows) {
  // [1, 2, 3, 4, 100]: mean 22, std (ddof 1) sqrt(1902.5); threshold 1.5 -> upper 87.43...
  auto t = Csv("id,x\n1,1\n2,2\n3,3\n4,4\n5,100\n6,\n");
  auto r = Clean(t, R"(steps:
  - rule: clip_outliers
    columns: [x]
    method: zscore
    threshold: 1.5
    action: quarantine_row
)");
  EXPECT_THAT(Cells(r.cleaned, "id"), ElementsAre("1", "2", "3", "4", "6"));
  const double sd = std::sqrt(1902.5);
  const std::string bounds =
      internal::FormatDouble(22 - 1.5 * sd) + ", " + internal::FormatDouble(22 + 1.5 * sd);
  ASSERT_EQ(r.quarantine.num_rows(), 1);
  EXPECT_THAT(Quarantine(r)[0],
              HasSubstr("5|x|clip_outliers|100 is above the z-score bounds [" + bounds +
                        "] (mean 22, std " + internal::FormatDouble(sd)));
  EXPECT_EQ(r.report.steps[0].rows_quarantined, 1);
  EXPECT_EQ(r.report.steps[0].values_clipped, 0);
}

TEST(CleanTest, StringsTrimCollapseFoldReplace) {
  auto t = Csv("s\n\"  Hello   World \"\nN.Y.\n\"\tok\"\n\n");
  auto r = Clean(t, R"(steps:
  - rule: strings
    columns: [s]
    trim: true
    collapse_whitespace: true
    case: lower
    replace: {"n.y.": new york}
)");
  EXPECT_THAT(Cells(r.cleaned, "s"), ElementsAre("hello world", "new york", "ok"));
  EXPECT_EQ(r.report.steps[0].values_changed, 3);
  auto upper =
      Clean(Csv("s\nabc\nABC\n"), "steps:\n  - rule: strings\n    columns: [s]\n    case: upper\n");
  EXPECT_THAT(Cells(upper.cleaned, "s"), ElementsAre("ABC", "ABC"));
  EXPECT_EQ(upper.report.steps[0].values_changed, 1);
}

TEST(CleanTest, ValidationRulesQuarantineOrNull) {
  auto t = Csv(
      "id,age,city,code\n1,30,paris,ab\n2,-1,rome,abc\n3,130,paris,\n4,,\" \",x\n5,50,lyon,ééé\n");
  auto r = Clean(t, R"(steps:
  - rule: range
    columns: [age]
    min: 0
    max: 120
    on_error: "null"
  - rule: allowed
    columns: [city]
    in: [paris, lyon, " "]
  - rule: not_empty
    columns: [city, code]
  - rule: max_length
    columns: [code]
    max: 2
)");
  EXPECT_THAT(Cells(r.cleaned, "id"), ElementsAre("1"));
  EXPECT_THAT(Quarantine(r),
              ElementsAre("2|age|range|-1 is outside [0, 120]|-1",
                          "3|age|range|130 is outside [0, 120]|130",
                          "2|city|allowed|'rome' is not one of [paris, lyon,  ]|rome",
                          "4|city|not_empty|empty or blank string| ", "3|code|not_empty|null|null",
                          "5|code|max_length|3 characters, more than 2|ééé"));
  ASSERT_EQ(r.report.steps.size(), 4u);
  EXPECT_EQ(r.report.steps[0].values_nulled, 2);
  EXPECT_EQ(r.report.steps[0].rows_quarantined, 0);
  EXPECT_EQ(r.report.steps[1].rows_quarantined, 1);
  EXPECT_EQ(r.report.steps[2].rows_quarantined, 2);
  EXPECT_EQ(r.report.steps[3].rows_quarantined, 1);
  EXPECT_EQ(r.report.totals.rows_quarantined, 4);
  EXPECT_EQ(r.report.totals.quarantine_entries, 6);
  auto nums = Clean(Csv("x\n1.0\n2\n3.5\n"),
                    "steps:\n  - rule: allowed\n    columns: [x]\n    in: [1, 2]\n");
  EXPECT_THAT(Cells(nums.cleaned, "x"), ElementsAre("1", "2"));
}

TEST(CleanTest, RowNumbersStayOriginalAcrossSteps) {
  auto t = Csv("k,x\na,1\na,2\nb,oops\n", {"x"});
  auto spec = ParseCleanSpec(
      "steps:\n  - rule: dedup\n    keys: [k]\n  - rule: coerce\n    columns: {x: int64}\n");
  ASSERT_TRUE(spec.ok());
  CleanOptions options;
  options.first_row_number = 101;
  auto r = ApplyCleanSpec(t, *spec, options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(Quarantine(*r), ElementsAre("103|x|coerce|'oops' is not an int64|oops"));
}

TEST(CleanTest, StepsThatDoNotFitTheTableNameStepLineAndColumn) {
  auto t = Csv("a,s\n1,x\n");
  auto apply = [&](const std::string& yaml) {
    auto spec = ParseCleanSpec(yaml);
    EXPECT_TRUE(spec.ok()) << spec.status();
    return ApplyCleanSpec(t, *spec).status();
  };
  EXPECT_THAT(
      Msg(apply("steps:\n  - rule: dedup\n  - rule: drop_nulls\n    columns: [zz]\n")),
      HasSubstr("step 2 (drop_nulls) at spec line 3: no column 'zz' (the table has: a, s)"));
  EXPECT_THAT(
      Msg(apply("steps:\n  - rule: fill_nulls\n    columns: {s: mean}\n")),
      HasSubstr("step 1 (fill_nulls) at spec line 2: column 's': a mean fill needs an int64"));
  EXPECT_THAT(
      Msg(apply("steps:\n  - rule: fill_nulls\n    name: ages\n    columns: {a: {value: old}}\n")),
      HasSubstr("step 1 (fill_nulls 'ages') at spec line 2: column 'a': the fill value 'old' (spec "
                "line 4) "
                "is not an int64"));
  EXPECT_THAT(Msg(apply("steps:\n  - rule: strings\n    columns: [a]\n    trim: true\n")),
              HasSubstr("column 'a': string rules need a string or category column, not int64"));
  EXPECT_THAT(Msg(apply("steps:\n  - rule: range\n    columns: [a]\n    min: low\n")),
              HasSubstr("column 'a': min 'low' is not a int64 bound"));
  EXPECT_THAT(Msg(apply("steps:\n  - rule: clip_outliers\n    columns: [s]\n")),
              HasSubstr("outliers need an int64 or float64 column, not string"));
  EXPECT_THAT(Msg(apply("steps:\n  - rule: allowed\n    columns: [a]\n    in: [x]\n")),
              HasSubstr("the allowed value 'x' is not a int64"));
}

TEST(CleanTest, ReportJsonHasTotalsAndSteps) {
  auto t = Csv("k,x\na,1\na,2\nb,oops\nc,\n", {"x"});
  auto r = Clean(t, R"(steps:
  - rule: coerce
    columns: {x: int64}
  - rule: dedup
    name: one per key
    keys: [k]
  - rule: fill_nulls
    columns: {x: {value: 0}}
)");
  const nlohmann::json j = CleanReportToJson(r.report);
  EXPECT_EQ(j["input_rows"], 4);
  EXPECT_EQ(j["output_rows"], 2);
  EXPECT_EQ(j["totals"]["rows_quarantined"], 1);
  EXPECT_EQ(j["totals"]["rows_dropped"], 1);
  EXPECT_EQ(j["totals"]["values_filled"], 1);
  EXPECT_EQ(j["totals"]["values_coerced"], 2);
  ASSERT_EQ(j["steps"].size(), 3u);
  EXPECT_EQ(j["steps"][1]["name"], "one per key");
  EXPECT_EQ(j["steps"][1]["rule"], "dedup");
  EXPECT_EQ(j["steps"][1]["rows_in"], 3);
  EXPECT_EQ(j["steps"][1]["rows_out"], 2);
  const std::string text = CleanReportToText(r.report);
  EXPECT_THAT(text, HasSubstr("clean: 4 rows in, 2 rows out"));
  EXPECT_THAT(text, HasSubstr("step 2 dedup 'one per key': 3 -> 2 rows; 1 rows dropped"));
}

}  // namespace
}  // namespace strata::data
