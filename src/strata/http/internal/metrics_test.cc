#include "strata/http/internal/metrics.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::http::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HttpMetricsTest, CountsCodesAndBuckets) {
  HttpMetrics m(std::vector<HttpMetrics::Label>{{"/a", "GET"}, {"/b\"x", "POST"}});
  m.Record(0, 200, 50);        // first bucket
  m.Record(0, 200, 3000);      // le=0.005
  m.Record(0, 500, 20000000);  // only +Inf
  m.Record(m.UnmatchedSlot("GET"), 404, 10);
  m.Record(m.UnmatchedSlot("BREW"), 405, 10);
  std::string text = m.Render();
  EXPECT_THAT(
      text, HasSubstr("strata_http_requests_total{route=\"/a\",method=\"GET\",code=\"200\"} 2\n"));
  EXPECT_THAT(
      text, HasSubstr("strata_http_requests_total{route=\"/a\",method=\"GET\",code=\"500\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("{route=\"unmatched\",method=\"OTHER\",code=\"405\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{route=\"/a\",method=\"GET\",le=\"0.0001\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{route=\"/a\",method=\"GET\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{route=\"/a\",method=\"GET\",le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{route=\"/a\",method=\"GET\",le=\"10\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("_bucket{route=\"/a\",method=\"GET\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("_count{route=\"/a\",method=\"GET\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("_sum{route=\"/a\",method=\"GET\"} 20.003050\n"));
  // The unused route is not exported; its label would be escaped.
  EXPECT_THAT(text, Not(HasSubstr("/b")));
  EXPECT_THAT(text, HasSubstr("# TYPE strata_http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("strata_process_resident_memory_bytes "));
}

TEST(HttpMetricsTest, EscapesLabelsAndCountsConcurrently) {
  HttpMetrics m(std::vector<HttpMetrics::Label>{{"/b\"x", "POST"}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 10000; ++i) m.Record(0, 200 + (i + t) % 3, 5);
    });
  }
  for (auto& t : threads) t.join();
  std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("route=\"/b\\\"x\""));
  EXPECT_THAT(text, HasSubstr("_count{route=\"/b\\\"x\",method=\"POST\"} 40000\n"));
  uint64_t total = 0;
  for (int code = 200; code <= 202; ++code) {
    std::string key = "code=\"" + std::to_string(code) + "\"} ";
    size_t at = text.find(key);
    ASSERT_NE(at, std::string::npos) << code;
    total += std::stoull(text.substr(at + key.size()));
  }
  EXPECT_EQ(total, 40000u);
}

TEST(HttpMetricsTest, ResidentMemoryIsPositive) { EXPECT_GT(ResidentMemoryBytes(), 0); }

}  // namespace
}  // namespace strata::http::internal
