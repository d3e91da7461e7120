#include "strata/registry/internal/search.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/strings.h"

namespace strata::registry::internal {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(std::string_view filter, Dialect d = Dialect::kModelVersions) {
  absl::StatusOr<std::vector<FilterTerm>> r = ParseFilter(filter, d);
  if (r.ok()) return "OK";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(RegistryFilterTest, ParsesEveryFieldAndOperator) {
  auto terms = ParseFilter(
      "name = 'm1' and run_id IN ('a', \"b\") AND source_path LIKE 's3://b/%' AND "
      "version_number >= 2 AND tags.`my key` != 'x''y' AND tags.stage ILIKE '%PROD%' AND "
      "run_id NOT IN ('c')",
      Dialect::kModelVersions);
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 7u);
  EXPECT_EQ((*terms)[0].field, FilterField::kName);
  EXPECT_EQ((*terms)[0].values, std::vector<std::string>{"m1"});
  EXPECT_EQ((*terms)[1].op, FilterOp::kIn);
  EXPECT_EQ((*terms)[1].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*terms)[2].field, FilterField::kSourcePath);
  EXPECT_EQ((*terms)[2].op, FilterOp::kLike);
  EXPECT_EQ((*terms)[3].field, FilterField::kVersionNumber);
  EXPECT_EQ((*terms)[3].op, FilterOp::kGe);
  EXPECT_EQ((*terms)[4].tag_key, "my key");
  EXPECT_EQ((*terms)[4].op, FilterOp::kNe);
  EXPECT_EQ((*terms)[4].values, std::vector<std::string>{"x'y"});
  EXPECT_EQ((*terms)[5].op, FilterOp::kILike);
  EXPECT_EQ((*terms)[6].op, FilterOp::kNotIn);
  EXPECT_EQ((*terms)[1].offset, 16u);
}

TEST(RegistryFilterTest, EmptyFilterHasNoTerms) {
  auto terms = ParseFilter("   ", Dialect::kRegisteredModels);
  ASSERT_TRUE(terms.ok());
  EXPECT_TRUE(terms->empty());
  EXPECT_TRUE(FilterToSql(*terms, Dialect::kRegisteredModels).sql.empty());
}

TEST(RegistryFilterTest, ErrorsCarryTheOffset) {
  EXPECT_THAT(ErrorOf("name = 'a' OR name = 'b'"),
              HasSubstr("expected AND or the end of the filter, found 'OR' at offset 11"));
  EXPECT_THAT(ErrorOf("name = 'unterminated"), HasSubstr("unterminated quoted string at offset 7"));
  EXPECT_THAT(ErrorOf("name = 'a'; DROP TABLE model_versions"),
              HasSubstr("unexpected character ';' at offset 10"));
  EXPECT_THAT(ErrorOf("colour = 'red'"), HasSubstr("invalid attribute 'colour'"));
  EXPECT_THAT(ErrorOf("colour = 'red'"), HasSubstr("at offset 0"));
  EXPECT_THAT(ErrorOf("name 'x'"),
              HasSubstr("expected a comparison operator, found ''x'' at offset 5"));
  EXPECT_THAT(ErrorOf("run_id LIKE 'a%'"),
              HasSubstr("operator 'LIKE' is not supported for 'run_id' at offset 7"));
  EXPECT_THAT(ErrorOf("name = abc"),
              HasSubstr("expected a quoted string value, found 'abc' at offset 7"));
  EXPECT_THAT(ErrorOf("version_number = 'x'"), HasSubstr("expected an integer version number"));
  EXPECT_THAT(ErrorOf("run_id IN 'a'"), HasSubstr("expected '(' after IN"));
  EXPECT_THAT(ErrorOf("run_id IN ('a' 'b')"),
              HasSubstr("expected ',' or ')', found ''b'' at offset 15"));
  EXPECT_THAT(ErrorOf("tags. = 'x'"), HasSubstr("missing tag key"));
  EXPECT_THAT(ErrorOf("name = 'a' AND"), HasSubstr("found 'end of filter' at offset 14"));
  EXPECT_THAT(ErrorOf("name ! 'a'"), HasSubstr("unexpected character '!' at offset 5"));
  // Registered-model searches know only name and tags.
  EXPECT_THAT(ErrorOf("run_id = 'a'", Dialect::kRegisteredModels),
              HasSubstr("invalid attribute 'run_id'"));
  EXPECT_EQ(ErrorOf("name = 'a'", Dialect::kRegisteredModels), "OK");
  EXPECT_THAT(ErrorOf("name = 'a' ,"), HasSubstr("Invalid filter 'name = 'a' ,': "));
}

TEST(RegistryFilterTest, ValuesAreBoundNeverInlined) {
  auto terms =
      ParseFilter("name = 'x'' OR 1=1 --' AND tags.`k'--` = 'v'", Dialect::kRegisteredModels);
  ASSERT_TRUE(terms.ok()) << terms.status();
  SqlFragment sql = FilterToSql(*terms, Dialect::kRegisteredModels);
  EXPECT_EQ(sql.sql.find("OR 1=1"), std::string::npos);
  EXPECT_EQ(sql.sql.find("k'"), std::string::npos);
  ASSERT_EQ(sql.params.size(), 3u);
  EXPECT_EQ(std::get<std::string>(sql.params[0]), "x' OR 1=1 --");
  EXPECT_EQ(std::get<std::string>(sql.params[1]), "k'--");
  EXPECT_EQ(std::get<std::string>(sql.params[2]), "v");
}

TEST(RegistryFilterTest, VersionNumbersBindAsIntegers) {
  auto terms = ParseFilter("version_number IN (1, '2')", Dialect::kModelVersions);
  ASSERT_TRUE(terms.ok()) << terms.status();
  SqlFragment sql = FilterToSql(*terms, Dialect::kModelVersions);
  EXPECT_EQ(sql.sql, " AND v.version IN (?, ?)");
  ASSERT_EQ(sql.params.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(sql.params[1]), 2);
}

TEST(RegistryFilterTest, ILikeLowersBothSides) {
  auto terms = ParseFilter("name ILIKE '%Fraud%'", Dialect::kRegisteredModels);
  ASSERT_TRUE(terms.ok());
  EXPECT_EQ(FilterToSql(*terms, Dialect::kRegisteredModels).sql,
            " AND LOWER(m.name) LIKE LOWER(?)");
}

TEST(RegistryOrderByTest, KeysDirectionsAndTieBreakers) {
  EXPECT_EQ(*OrderByToSql({}, Dialect::kRegisteredModels), "m.name ASC");
  EXPECT_EQ(*OrderByToSql({"last_updated_timestamp DESC"}, Dialect::kRegisteredModels),
            "m.last_updated_timestamp DESC, m.name ASC");
  EXPECT_EQ(*OrderByToSql({"name desc"}, Dialect::kRegisteredModels), "m.name DESC");
  EXPECT_EQ(*OrderByToSql({}, Dialect::kModelVersions),
            "v.last_updated_timestamp DESC, v.name ASC, v.version DESC");
  EXPECT_EQ(*OrderByToSql({"version_number ASC"}, Dialect::kModelVersions),
            "v.version ASC, v.name ASC");
  EXPECT_FALSE(OrderByToSql({"version_number"}, Dialect::kRegisteredModels).ok());
  EXPECT_FALSE(OrderByToSql({"name; DROP TABLE x"}, Dialect::kRegisteredModels).ok());
  EXPECT_FALSE(OrderByToSql({"name SIDEWAYS"}, Dialect::kRegisteredModels).ok());
  EXPECT_FALSE(OrderByToSql({""}, Dialect::kRegisteredModels).ok());
}

TEST(RegistryPageTokenTest, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(*DecodePageToken(EncodePageToken(12345)), 12345);
  EXPECT_EQ(DecodePageToken("not a token!").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodePageToken(EncodePageToken(-1)).ok());
  EXPECT_TRUE(CheckMaxResults(1000, 1000).ok());
  EXPECT_FALSE(CheckMaxResults(1001, 1000).ok());
  EXPECT_FALSE(CheckMaxResults(0, 1000).ok());
}

}  // namespace
}  // namespace strata::registry::internal
