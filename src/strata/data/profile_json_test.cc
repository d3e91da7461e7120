#include <cmath>
#include <string>

#include "gtest/gtest.h"
#include "strata/data/profile.h"

namespace strata::data {
namespace {

using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Schema;
using table::Table;

Table SmallTable() {
  ColumnBuilder x(DataType::kFloat64), s(DataType::kString), t(DataType::kTimestamp);
  for (int i = 0; i < 1000; ++i) {
    if (i == 3) {
      x.AppendNull();
    } else {
      x.AppendFloat64(i * 0.5);
    }
    s.AppendString(i % 3 == 0 ? "a" : "bb");
    t.AppendInt64(1709251200000000 + i * 1000000LL);  // 2024-03-01T00:00:00Z + i s
  }
  return *Table::Make(Schema({Field{"x", DataType::kFloat64}, Field{"s", DataType::kString},
                              Field{"t", DataType::kTimestamp}}),
                      {x.Finish(), s.Finish(), t.Finish()});
}

TEST(ProfileJsonTest, HasTheDocumentedShape) {
  absl::StatusOr<TableProfile> p = ProfileTable(SmallTable());
  ASSERT_TRUE(p.ok());
  const nlohmann::json j = ProfileToJson(*p);
  EXPECT_EQ(j["rows"], 1000);
  const nlohmann::json& x = j["columns"][0];
  EXPECT_EQ(x["name"], "x");
  EXPECT_EQ(x["type"], "float64");
  EXPECT_EQ(x["count"], 999);
  EXPECT_EQ(x["null_count"], 1);
  EXPECT_EQ(x["nan_count"], 0);
  EXPECT_EQ(x["min"], 0.0);
  EXPECT_EQ(x["max"], 499.5);
  for (const char* key : {"mean", "stddev", "distinct"}) EXPECT_TRUE(x[key].is_number()) << key;
  for (const char* key : {"p01", "p05", "p25", "p50", "p75", "p95", "p99"}) {
    EXPECT_TRUE(x["quantiles"][key].is_number()) << key;
  }
  EXPECT_EQ(x["histogram"]["counts"].size(), 20u);
  EXPECT_FALSE(x.contains("min_length"));
  const nlohmann::json& s = j["columns"][1];
  EXPECT_EQ(s["type"], "string");
  EXPECT_EQ(s["min_length"], 1);
  EXPECT_EQ(s["max_length"], 2);
  EXPECT_FALSE(s.contains("quantiles"));
  EXPECT_FALSE(s.contains("mean"));
  EXPECT_EQ(s["top_values"][0]["value"], "bb");
  EXPECT_EQ(s["top_values"][0]["count"], 666);
  const nlohmann::json& t = j["columns"][2];
  EXPECT_EQ(t["min"], "2024-03-01T00:00:00Z");
  EXPECT_EQ(t["min_micros"], 1709251200000000);
  EXPECT_EQ(t["max"], "2024-03-01T00:16:39Z");
  EXPECT_TRUE(t["quantiles"]["p50"].is_string());
  EXPECT_EQ(j["correlations"]["columns"], nlohmann::json::array({"x"}));
  EXPECT_FALSE(x.contains("sketches"));
}

TEST(ProfileJsonTest, RoundTripsWithAndWithoutSketches) {
  absl::StatusOr<TableProfile> p = ProfileTable(SmallTable());
  ASSERT_TRUE(p.ok());
  for (bool sketches : {false, true}) {
    const nlohmann::json j = ProfileToJson(*p, sketches);
    absl::StatusOr<TableProfile> back = ProfileFromJson(nlohmann::json::parse(j.dump()));
    ASSERT_TRUE(back.ok()) << back.status();
    const nlohmann::json patch = nlohmann::json::diff(j, ProfileToJson(*back, sketches));
    EXPECT_TRUE(patch.empty()) << patch.dump().substr(0, 2000);
    EXPECT_EQ(back->columns[0].sketches.has_value(), sketches);
  }
  // A profile read back with its sketches merges like the original.
  absl::StatusOr<TableProfile> back = ProfileFromJson(ProfileToJson(*p, true));
  ASSERT_TRUE(MergeProfiles(*back, *p).ok());
  EXPECT_EQ(back->rows, 2000);
  EXPECT_EQ(back->columns[1].top_values[0].count, 1332);
  absl::StatusOr<TableProfile> plain = ProfileFromJson(ProfileToJson(*p));
  EXPECT_EQ(MergeProfiles(*plain, *p).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ProfileJsonTest, MalformedDocumentsNameTheColumnAndKey) {
  absl::StatusOr<TableProfile> p = ProfileTable(SmallTable());
  nlohmann::json j = ProfileToJson(*p, true);
  j["columns"][1]["count"] = "many";
  absl::Status s = ProfileFromJson(j).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("columns[1] 's': 'count'"), std::string::npos) << s;
  j = ProfileToJson(*p, true);
  j["columns"][0]["sketches"]["kll"] = "AAAA";
  s = ProfileFromJson(j).status();
  EXPECT_NE(s.message().find("'kll'"), std::string::npos) << s;
  j = ProfileToJson(*p);
  j["columns"][2]["type"] = "decimal";
  EXPECT_FALSE(ProfileFromJson(j).ok());
  j = ProfileToJson(*p);
  j["options"]["correlations"] = "yes";  // ignored: correlations come from the "correlations" key
  EXPECT_TRUE(ProfileFromJson(j).ok());
  j["options"]["top_k"] = -3;
  EXPECT_FALSE(ProfileFromJson(j).ok());
  EXPECT_FALSE(ProfileFromJson(nlohmann::json::array()).ok());
  EXPECT_FALSE(ProfileFromJson({{"rows", 1}}).ok());
}

}  // namespace
}  // namespace strata::data
