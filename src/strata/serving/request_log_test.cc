#include "strata/serving/request_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::serving {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class RequestLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = std::filesystem::temp_directory_path() / "request_log_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Every line must parse as a JSON object on its own.
std::vector<Json> ParseLines(const std::vector<std::string>& lines) {
  std::vector<Json> parsed;
  for (const std::string& line : lines) {
    Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    parsed.push_back(std::move(j));
  }
  return parsed;
}

table::Table TwoColumns(int64_t rows) {
  table::ColumnBuilder a(table::DataType::kFloat64);
  table::ColumnBuilder s(table::DataType::kString);
  for (int64_t r = 0; r < rows; ++r) {
    if (r == 1) {
      a.AppendNull();
    } else {
      a.AppendFloat64(0.5 + static_cast<double>(r));
    }
    s.AppendString(absl::StrCat("s", r));
  }
  auto t = table::Table::Make(
      table::Schema({{"a", table::DataType::kFloat64}, {"s", table::DataType::kString}}),
      {a.Finish(), s.Finish()});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

RequestLogEntry SuccessEntry(std::string id, int64_t rows) {
  RequestLogEntry e;
  e.request_id = std::move(id);
  e.model = "m";
  e.version = 3;
  e.protocol = "v2";
  e.http_status = 200;
  e.latency_us = 42;
  e.inputs = TwoColumns(rows);
  models::Model::Predictions p;
  p.rows = rows;
  p.num_outputs = 2;
  for (int64_t r = 0; r < rows; ++r) {
    p.values.push_back(static_cast<double>(r));
    p.values.push_back(static_cast<double>(10 * r));
  }
  e.outputs = std::move(p);
  e.output_names = {"c0", "c1"};
  return e;
}

TEST(RequestLogSampling, FollowsTheDocumentedHash) {
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector); fmix64 of that is
  // 0x82a2a958a9bece5b, so its sampling point is (0x82a2a958a9bece5b >> 11) / 2^53 = 0.51029...
  EXPECT_TRUE(RequestLog::KeepsRequest("a", 0.5103));
  EXPECT_FALSE(RequestLog::KeepsRequest("a", 0.5102));
  // FNV-1a 64 of "" is the offset basis 0xcbf29ce484222325 -> 0xefd01f60ba992926: 0.93676...
  EXPECT_TRUE(RequestLog::KeepsRequest("", 0.9368));
  EXPECT_FALSE(RequestLog::KeepsRequest("", 0.9367));
  EXPECT_TRUE(RequestLog::KeepsRequest("anything", 1.0));
  EXPECT_FALSE(RequestLog::KeepsRequest("anything", 0.0));
}

TEST(RequestLogSampling, RateIsRespectedAndNested) {
  int kept_half = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string id = absl::StrCat("req-", i);
    const bool low = RequestLog::KeepsRequest(id, 0.2);
    const bool half = RequestLog::KeepsRequest(id, 0.5);
    kept_half += half ? 1 : 0;
    // A request kept at a lower rate is kept at every higher one.
    if (low) {
      EXPECT_TRUE(half) << id;
    }
    EXPECT_EQ(half, RequestLog::KeepsRequest(id, 0.5));
  }
  EXPECT_GT(kept_half, 9700);
  EXPECT_LT(kept_half, 10300);
}

TEST_F(RequestLogTest, OpenRejectsBadOptions) {
  RequestLogOptions o;
  EXPECT_EQ(RequestLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.path = PathOf("x.log");
  o.sample_rate = 1.5;
  EXPECT_EQ(RequestLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.sample_rate = 0.5;
  o.max_pending = 0;
  EXPECT_EQ(RequestLog::Open(o).status().code(), absl::StatusCode::kInvalidArgument);
  o.max_pending = 10;
  o.path = PathOf("no/such/dir/x.log");
  auto missing = RequestLog::Open(o);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no/such/dir/x.log"));
}

TEST_F(RequestLogTest, WritesOneJsonObjectPerEntry) {
  RequestLogOptions o;
  o.path = PathOf("r.log");
  {
    auto log = RequestLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    RequestLogEntry ok = SuccessEntry("id-1", 3);
    ok.timestamp_us = 1796180645123456;  // 2026-12-02T03:04:05.123456Z
    EXPECT_TRUE((*log)->Log(std::move(ok)));
    RequestLogEntry bad;
    bad.request_id = "id-2";
    bad.model = "m";
    bad.protocol = "mlflow";
    bad.role = "shadow";
    bad.http_status = 400;
    bad.error = "column 'a': expected float64, got \"x\"\n";
    EXPECT_TRUE((*log)->Log(std::move(bad)));
  }  // the destructor flushes
  std::vector<Json> lines = ParseLines(ReadLines(o.path));
  ASSERT_EQ(lines.size(), 2u);
  const Json& ok = lines[0];
  EXPECT_EQ(ok["request_id"], "id-1");
  EXPECT_EQ(ok["timestamp"], "2026-12-02T03:04:05.123456Z");
  EXPECT_EQ(ok["model"], "m");
  EXPECT_EQ(ok["version"], 3);
  EXPECT_EQ(ok["protocol"], "v2");
  EXPECT_EQ(ok["role"], "primary");
  EXPECT_EQ(ok["status"], 200);
  EXPECT_EQ(ok["latency_us"], 42);
  EXPECT_EQ(ok["rows"], 3);
  EXPECT_EQ(ok["inputs"]["a"], Json::parse("[0.5, null, 2.5]"));
  EXPECT_EQ(ok["inputs"]["s"], Json::parse(R"(["s0", "s1", "s2"])"));
  EXPECT_EQ(ok["outputs"]["c0"], Json::parse("[0, 1, 2]"));
  EXPECT_EQ(ok["outputs"]["c1"], Json::parse("[0, 10, 20]"));
  EXPECT_FALSE(ok.contains("truncated"));
  EXPECT_FALSE(ok.contains("error"));
  const Json& bad = lines[1];
  EXPECT_EQ(bad["role"], "shadow");
  EXPECT_EQ(bad["status"], 400);
  EXPECT_EQ(bad["error"], "column 'a': expected float64, got \"x\"\n");
  EXPECT_FALSE(bad.contains("outputs"));
  EXPECT_FALSE(bad.contains("inputs"));
  // Timestamps default to now.
  EXPECT_THAT(bad["timestamp"].get<std::string>(), ::testing::StartsWith("20"));
}

TEST_F(RequestLogTest, LargeBatchesAreTruncated) {
  RequestLogOptions o;
  o.path = PathOf("r.log");
  o.max_rows = 2;
  {
    auto log = RequestLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    (*log)->Log(SuccessEntry("big", 50));
  }
  std::vector<Json> lines = ParseLines(ReadLines(o.path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["rows"], 50);
  EXPECT_EQ(lines[0]["truncated"], true);
  EXPECT_EQ(lines[0]["inputs"]["s"].size(), 2u);
  EXPECT_EQ(lines[0]["outputs"]["c1"], Json::parse("[0, 10]"));
}

TEST(RequestLogRender, OneCombinedOutputHasAnArrayPerRow) {
  RequestLogEntry e = SuccessEntry("p", 2);
  e.output_names = {"probabilities"};
  Json line = Json::parse(RequestLog::RenderEntry(e, 100));
  EXPECT_EQ(line["outputs"], Json::parse(R"({"probabilities":[[0,0],[1,10]]})"));
  // One name per output: a key per output.
  e.output_names = {"x", "y", "z"};
  e.outputs->num_outputs = 3;
  e.outputs->rows = 1;
  line = Json::parse(RequestLog::RenderEntry(e, 100));
  EXPECT_EQ(line["outputs"], Json::parse(R"({"x":[0],"y":[0],"z":[1]})"));
  e.output_names = {"x"};
  e.outputs->num_outputs = 1;
  e.outputs->values.clear();  // malformed: no values at all
  line = Json::parse(RequestLog::RenderEntry(e, 100));
  EXPECT_EQ(line["outputs"], Json::parse(R"({"x":[null]})"));
}

TEST_F(RequestLogTest, BadUtf8AndNanStillGiveValidJson) {
  RequestLogOptions o;
  o.path = PathOf("r.log");
  {
    auto log = RequestLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    RequestLogEntry e = SuccessEntry("bytes\xff\xfe", 1);
    e.outputs->values[0] = std::nan("");
    e.error = "";
    (*log)->Log(std::move(e));
  }
  std::vector<Json> lines = ParseLines(ReadLines(o.path));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["outputs"]["c0"][0].is_null());
}

TEST_F(RequestLogTest, RotatesToDotOne) {
  RequestLogOptions o;
  o.path = PathOf("r.log");
  o.max_file_bytes = 2000;
  o.flush_interval_ms = 1;
  constexpr int kEntries = 60;
  {
    auto log = RequestLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < kEntries; ++i) {
      ASSERT_TRUE((*log)->Log(SuccessEntry(absl::StrCat("r", i), 1)));
      // Spread over several batches so rotation happens between and within them.
      if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  }
  std::vector<std::string> current = ReadLines(o.path);
  std::vector<std::string> old = ReadLines(o.path + ".1");
  ASSERT_FALSE(current.empty());
  ASSERT_FALSE(old.empty());
  EXPECT_LE(std::filesystem::file_size(o.path), 2000u);
  EXPECT_LE(std::filesystem::file_size(o.path + ".1"), 2000u);
  // Only one old file is kept: PATH.1 then PATH hold the most recent entries, in order.
  EXPECT_FALSE(std::filesystem::exists(o.path + ".2"));
  std::vector<Json> all = ParseLines(old);
  for (Json& j : ParseLines(current)) all.push_back(std::move(j));
  ASSERT_LT(all.size(), static_cast<size_t>(kEntries));
  const size_t first = kEntries - all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i]["request_id"], absl::StrCat("r", first + i));
  }
}

TEST_F(RequestLogTest, FullQueueDropsWithoutBlocking) {
  // A FIFO nobody reads: the writer blocks in write() once the pipe buffer is full, which is
  // what a stalled disk looks like to the request path.
  const std::string fifo = PathOf("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  RequestLogOptions o;
  o.path = fifo;
  o.max_pending = 4;
  o.flush_interval_ms = 5;
  o.max_file_bytes = 0;
  auto log = RequestLog::Open(o);
  ASSERT_TRUE(log.ok()) << log.status();

  RequestLogEntry huge = SuccessEntry("huge", 1);
  table::ColumnBuilder s(table::DataType::kString);
  s.AppendString(std::string(512 * 1024, 'x'));  // far more than a pipe buffer
  huge.inputs = *table::Table::Make(table::Schema({{"s", table::DataType::kString}}), {s.Finish()});
  ASSERT_TRUE((*log)->Log(std::move(huge)));
  for (int i = 0; i < 200 && (*log)->counters().pending > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ((*log)->counters().pending, 0);  // the writer took it and is now stuck writing

  const auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 100; ++i) accepted += (*log)->Log(SuccessEntry(absl::StrCat("q", i), 1));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(500));
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ((*log)->counters().dropped, 96);
  EXPECT_THAT((*log)->RenderMetrics(),
              HasSubstr("strata_request_log_entries_total{outcome=\"dropped\"} 96\n"));

  // Drain the pipe; the destructor then writes the queued entries and closes it.
  ASSERT_EQ(::fcntl(reader, F_SETFL, 0), 0);
  std::string received;
  std::thread drain([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(reader, buf, sizeof buf)) > 0;) received.append(buf, n);
  });
  log->reset();
  drain.join();
  ::close(reader);
  std::vector<std::string> lines;
  std::istringstream in(received);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<Json> parsed = ParseLines(lines);
  ASSERT_EQ(parsed.size(), 5u);
  EXPECT_EQ(parsed[0]["request_id"], "huge");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(parsed[i + 1]["request_id"], absl::StrCat("q", i));
}

TEST_F(RequestLogTest, WriteErrorsAreCountedNotFatal) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  RequestLogOptions o;
  o.path = "/dev/full";  // every write fails with ENOSPC
  o.flush_interval_ms = 1;
  auto log = RequestLog::Open(o);
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 20; ++i) (*log)->Log(SuccessEntry(absl::StrCat("e", i), 1));
  for (int i = 0; i < 400 && (*log)->counters().write_errors < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  RequestLogCounters c = (*log)->counters();
  EXPECT_EQ(c.write_errors, 20);
  EXPECT_EQ(c.logged, 0);
  EXPECT_THAT((*log)->RenderMetrics(),
              HasSubstr("strata_request_log_entries_total{outcome=\"write_error\"} 20\n"));
}

TEST_F(RequestLogTest, ManyThreadsLogConcurrently) {
  RequestLogOptions o;
  o.path = PathOf("r.log");
  o.max_pending = 100000;
  o.sample_rate = 0.5;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  std::atomic<int> expected{0};
  {
    auto log = RequestLog::Open(o);
    ASSERT_TRUE(log.ok()) << log.status();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          std::string id = absl::StrCat("t", t, "-", i);
          if (!(*log)->Sample(id)) continue;
          expected.fetch_add(1);
          EXPECT_TRUE((*log)->Log(SuccessEntry(std::move(id), 2)));
        }
      });
    }
    // Read the counters while writing, as /metrics does.
    for (int i = 0; i < 20; ++i) (void)(*log)->RenderMetrics();
    for (std::thread& th : threads) th.join();
    RequestLogCounters c = (*log)->counters();
    EXPECT_EQ(c.sampled_out + expected.load(), kThreads * kPerThread);
    log->reset();
  }
  std::vector<Json> lines = ParseLines(ReadLines(o.path));
  EXPECT_EQ(lines.size(), static_cast<size_t>(expected.load()));
  std::set<std::string> ids;
  for (const Json& j : lines) {
    const std::string id = j["request_id"];
    EXPECT_TRUE(RequestLog::KeepsRequest(id, 0.5)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), lines.size());
}

}  // namespace
}  // namespace strata::serving
