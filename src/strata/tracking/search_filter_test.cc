#include "strata/tracking/search_filter.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::tracking {
namespace {

using ::testing::HasSubstr;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

TEST(SearchFilterTest, EmptyAndWhitespaceFiltersHaveNoTerms) {
  EXPECT_TRUE(ParseRunFilter("")->empty());
  EXPECT_TRUE(ParseRunFilter("   \t\n")->empty());
}

TEST(SearchFilterTest, ConjunctionOfTypedComparisons) {
  auto terms = ParseRunFilter("metrics.m1 > 0.5 and params.p1 = 'x' AND tags.grp LIKE 'g1%'");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 3u);
  EXPECT_EQ((*terms)[0].entity, FilterEntity::kMetric);
  EXPECT_EQ((*terms)[0].key, "m1");
  EXPECT_EQ((*terms)[0].op, FilterOp::kGt);
  EXPECT_DOUBLE_EQ((*terms)[0].number, 0.5);
  EXPECT_EQ((*terms)[1].entity, FilterEntity::kParam);
  EXPECT_EQ((*terms)[1].text, "x");
  EXPECT_EQ((*terms)[2].entity, FilterEntity::kTag);
  EXPECT_EQ((*terms)[2].op, FilterOp::kLike);
  EXPECT_EQ((*terms)[2].offset, 41u);
}

TEST(SearchFilterTest, QuotedKeysAndEscapes) {
  auto terms = ParseRunFilter(
      "tags.\"my key\" = \"v\" and metrics.`m 1` <= -1e3 and params.`a``b` != 'it''s' and "
      "tags.x = 'back\\'slash'");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 4u);
  EXPECT_EQ((*terms)[0].key, "my key");
  EXPECT_EQ((*terms)[0].text, "v");
  EXPECT_EQ((*terms)[1].key, "m 1");
  EXPECT_DOUBLE_EQ((*terms)[1].number, -1000);
  EXPECT_EQ((*terms)[2].key, "a`b");
  EXPECT_EQ((*terms)[2].text, "it's");
  EXPECT_EQ((*terms)[3].text, "back'slash");
}

TEST(SearchFilterTest, DottedAndSlashedKeys) {
  auto terms = ParseRunFilter("params.model.lr = '0.1' and metrics.train/loss < 2");
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ((*terms)[0].key, "model.lr");
  EXPECT_EQ((*terms)[1].key, "train/loss");
}

TEST(SearchFilterTest, AttributesAreCanonicalized) {
  auto terms = ParseRunFilter(
      "attributes.run_id IN ('a', 'b') and attr.status = 'RUNNING' and run.created >= 5 and "
      "attribute.run_name ILIKE 'r%' and attributes.end_time < 10");
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ((*terms)[0].key, "run_id");
  EXPECT_EQ((*terms)[0].op, FilterOp::kIn);
  EXPECT_EQ((*terms)[0].list, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*terms)[2].key, "start_time");
  EXPECT_EQ((*terms)[3].op, FilterOp::kILike);
  EXPECT_EQ((*terms)[4].key, "end_time");
}

TEST(SearchFilterTest, NullChecksAndNotIn) {
  auto terms = ParseRunFilter(
      "tags.t IS NULL and params.p is not null and attributes.run_id NOT IN ('x') and "
      "datasets.name IN ('iris') and dataset.context = 'training'");
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ((*terms)[0].op, FilterOp::kIsNull);
  EXPECT_EQ((*terms)[1].op, FilterOp::kIsNotNull);
  EXPECT_EQ((*terms)[2].op, FilterOp::kNotIn);
  EXPECT_EQ((*terms)[3].entity, FilterEntity::kDataset);
  EXPECT_EQ((*terms)[4].key, "context");
}

TEST(SearchFilterTest, GrammarErrorsCarryOffsets) {
  struct Case {
    const char* filter;
    const char* want;
  };
  const Case cases[] = {
      {"metrics.m1 >> 3",
       "unexpected token '>' (expected a quoted string or a number) at offset 12"},
      {"metrics.m1 > 1 or params.p = 'x'", "only AND is supported) at offset 15"},
      {"params.p = 'x'; DROP TABLE runs; --", "unexpected character ';' at offset 14"},
      {"tags.`a` = 'b' UNION SELECT * FROM params", "unexpected token 'UNION'"},
      {"params.p = 'unterminated", "unterminated quoted string at offset 11"},
      {"metrics.m1 >", "unexpected end of input"},
      {"metrics. = 1", "expected a key after '.' at offset 8"},
      {"params.p = 'a' and", "unexpected end of input"},
      {"metrics.m1 = 12abc", "malformed number at offset 13"},
      {"params.p IN ()", "expected a quoted string or a number"},
      {"tags.t IS 'x'", "expected NULL"},
  };
  for (const Case& c : cases) {
    auto r = ParseRunFilter(c.filter);
    ASSERT_FALSE(r.ok()) << c.filter;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(Msg(r.status()), HasSubstr(c.want)) << c.filter;
    EXPECT_THAT(Msg(r.status()), HasSubstr("Invalid filter '")) << c.filter;
  }
}

TEST(SearchFilterTest, TypeRulesFollowMlflow) {
  const char* bad[] = {
      "metrics.m1 > 'a'",      // metrics compare numerically
      "metrics.m1 LIKE 'a%'",  // no LIKE on metrics
      "params.p > 'a'",        // params are strings: =, !=, LIKE, ILIKE
      "params.p = 1",          // and need quoted values
      "tags.t IN ('a')",       // IN only for run_id and datasets
      "attributes.status IN ('a')",
      "attributes.start_time = 'x'",
      "attributes.bogus = 'x'",
      "foo.bar = 'x'",   // unknown entity
      "run_name = 'x'",  // runs need a prefix
      "datasets.bogus = 'x'",
      "metrics.m1 IS NULL",
      "attributes.status = RUNNING",  // unquoted word is not a value
  };
  for (const char* f : bad) {
    auto r = ParseRunFilter(f);
    EXPECT_FALSE(r.ok()) << f;
    if (!r.ok()) {
      EXPECT_THAT(Msg(r.status()), HasSubstr("at offset")) << f;
    }
  }
}

TEST(SearchFilterTest, InjectionAttemptsStayLiteral) {
  auto terms = ParseRunFilter("params.p = 'x'' OR 1=1 --'");
  ASSERT_TRUE(terms.ok()) << terms.status();
  ASSERT_EQ(terms->size(), 1u);
  EXPECT_EQ((*terms)[0].text, "x' OR 1=1 --");
  auto key = ParseRunFilter("tags.`k' OR '1'='1` = 'v'");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)[0].key, "k' OR '1'='1");
}

TEST(SearchFilterTest, ExperimentDialect) {
  auto terms = ParseExperimentFilter(
      "name LIKE 'wire%' and attribute.creation_time > 5 and tags.team = 'risk'");
  ASSERT_TRUE(terms.ok()) << terms.status();
  EXPECT_EQ((*terms)[0].key, "name");
  EXPECT_EQ((*terms)[1].key, "creation_time");
  EXPECT_EQ((*terms)[2].entity, FilterEntity::kTag);
  EXPECT_FALSE(ParseExperimentFilter("metrics.m > 1").ok());
  EXPECT_FALSE(ParseExperimentFilter("name > 1").ok());
  EXPECT_FALSE(ParseExperimentFilter("artifact_location = 'x'").ok());
}

TEST(SearchFilterTest, OrderBy) {
  auto o = ParseRunOrderBy("metrics.m1 DESC");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->entity, FilterEntity::kMetric);
  EXPECT_EQ(o->key, "m1");
  EXPECT_FALSE(o->ascending);
  o = ParseRunOrderBy("attributes.start_time");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->entity, FilterEntity::kAttribute);
  EXPECT_TRUE(o->ascending);
  o = ParseRunOrderBy("params.`p 1` asc");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->key, "p 1");
  o = ParseRunOrderBy("start_time desc");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->key, "start_time");
  EXPECT_FALSE(ParseRunOrderBy("metrics.m1 DESC extra").ok());
  EXPECT_FALSE(ParseRunOrderBy("attributes.bogus").ok());
  EXPECT_FALSE(ParseRunOrderBy("datasets.name").ok());
  EXPECT_FALSE(ParseRunOrderBy("").ok());
  auto e = ParseExperimentOrderBy("name ASC");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->key, "name");
  EXPECT_FALSE(ParseExperimentOrderBy("tags.x").ok());
}

TEST(SearchFilterTest, ArbitraryBytesNeverCrash) {
  std::string s;
  for (int i = 0; i < 2000; ++i) {
    s.push_back(static_cast<char>((i * 7919) % 256));
    (void)ParseRunFilter(s);
    (void)ParseExperimentFilter(s.substr(s.size() / 2));
    (void)ParseRunOrderBy(s.substr(s.size() / 3));
  }
}

}  // namespace
}  // namespace strata::tracking
