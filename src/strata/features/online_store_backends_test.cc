// Both online store backends through one typed test: LMDB in a temporary directory, Redis at
// STRATA_TEST_REDIS_URL (skipped when unset, a failure with CI=true). Redis-only behaviour
// (a real server stopped and restarted) is at the end.
#include <atomic>
#include <filesystem>
#include <future>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/features/internal/redis_online_store.h"
#include "strata/features/online_store.h"
#include "strata/features/testing/online_records.h"
#include "strata/features/testing/test_redis.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using testing::Key;
using testing::Rec;
using testing::ValueOf;

struct LmdbBackend {
  static constexpr bool kRedis = false;
  static constexpr bool kUnixSocket = false;
};
struct RedisBackend {
  static constexpr bool kRedis = true;
  static constexpr bool kUnixSocket = false;
};
// Redis over a Unix domain socket (unix:///path): a private server of this test binary's own,
// started once for the suite, since the shared one listens on TCP only.
struct RedisUnixBackend {
  static constexpr bool kRedis = true;
  static constexpr bool kUnixSocket = true;
};

// Null when it did not start. Killed at exit by the static's destructor.
testing::PrivateRedis* SuiteRedis() {
  static const std::unique_ptr<testing::PrivateRedis> redis = [] {
    auto r = std::make_unique<testing::PrivateRedis>();
    if (!r->Start()) r.reset();
    return r;
  }();
  return redis.get();
}

template <typename Backend>
class OnlineStoreBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A project of its own, so tests sharing one Redis never see each other's keys.
    project_ = "t" + NewId().substr(0, 12);
    if constexpr (Backend::kUnixSocket) {
      ASSERT_NE(SuiteRedis(), nullptr) << "redis-server did not start";
      config_ = {"redis", SuiteRedis()->unix_url()};
    } else if constexpr (Backend::kRedis) {
      STRATA_SHARED_REDIS_URL_OR_SKIP(url);
      config_ = {"redis", url};
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("strata_online_" + project_);
      config_ = {"lmdb", ""};
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    if (store_) {
      for (const char* v : {"a", "a2", "b"}) {
        absl::Status s = store_->DeleteView(View(v));
        EXPECT_TRUE(s.ok()) << s;
      }
    }
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<OnlineStore> Open() {
    absl::StatusOr<std::unique_ptr<OnlineStore>> s = OpenOnlineStore(config_, dir_.string());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string View(std::string_view name) { return OnlineViewKey(project_, name); }

  std::vector<std::optional<std::string>> ReadAll(std::string_view view,
                                                  std::vector<std::string> keys) {
    std::vector<std::optional<std::string>> out;
    absl::Status s = store_->Read(view, keys, &out);
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(out.size(), keys.size());
    return out;
  }

  std::string project_;
  std::filesystem::path dir_;
  StoreConfig config_;
  std::unique_ptr<OnlineStore> store_;
};

using Backends = ::testing::Types<LmdbBackend, RedisBackend, RedisUnixBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kUnixSocket ? "RedisUnix" : T::kRedis ? "Redis" : "Lmdb";
  }
};
TYPED_TEST_SUITE(OnlineStoreBackendTest, Backends, BackendNames);

TYPED_TEST(OnlineStoreBackendTest, WritesAndReadsBackExactBytes) {
  std::string view = this->View("a");
  std::string str_key;
  AppendEntityKeyString(std::string_view("x\0y", 3), &str_key);
  std::vector<OnlineWrite> rows = {{Key(1), Rec(10, 0, 1.5)}, {Key(-7), Rec(20, 0, 2.5)},
                                   {str_key, Rec(30, 1, 3.5)}};
  absl::StatusOr<OnlineWriteStats> w = this->store_->Write(view, rows);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->written, 3);
  EXPECT_EQ(w->skipped_older, 0);
  auto got = this->ReadAll(view, {Key(-7), Key(2), str_key, Key(1)});
  EXPECT_EQ(got[0], rows[1].record);
  EXPECT_FALSE(got[1].has_value());
  EXPECT_EQ(got[2], rows[2].record);
  EXPECT_EQ(got[3], rows[0].record);
  EXPECT_TRUE(this->ReadAll(view, {}).empty());
}

TYPED_TEST(OnlineStoreBackendTest, NeverReplacesNewerWithOlder) {
  std::string view = this->View("a");
  ASSERT_TRUE(this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(100, 5, 1)}}).ok());
  // Older event: skipped. Same event, lower created: skipped. Equal: rewritten. Newer: written.
  auto older = this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(99, 9, 2)}});
  ASSERT_TRUE(older.ok());
  EXPECT_EQ(older->skipped_older, 1);
  EXPECT_EQ(older->written, 0);
  auto lower_created = this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(100, 4, 3)}});
  ASSERT_TRUE(lower_created.ok());
  EXPECT_EQ(lower_created->skipped_older, 1);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(1)})[0]), 1);
  auto equal = this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(100, 5, 4)}});
  ASSERT_TRUE(equal.ok());
  EXPECT_EQ(equal->written, 1);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(1)})[0]), 4);
  auto newer = this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(101, INT64_MIN, 5)}});
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(newer->written, 1);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(1)})[0]), 5);
  // Negative timestamps order correctly (the sign-flipped encoding).
  ASSERT_TRUE(this->store_->Write(view, std::vector<OnlineWrite>{{Key(2), Rec(-5, 0, 6)}}).ok());
  auto neg = this->store_->Write(view, std::vector<OnlineWrite>{{Key(2), Rec(-6, 0, 7)}});
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(neg->skipped_older, 1);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(2)})[0]), 6);
}

TYPED_TEST(OnlineStoreBackendTest, RepeatedKeysInOneBatchKeepTheNewest) {
  std::string view = this->View("a");
  std::vector<OnlineWrite> rows = {{Key(1), Rec(50, 0, 1)}, {Key(1), Rec(30, 0, 2)},
                                   {Key(1), Rec(50, 0, 3)}, {Key(2), Rec(1, 0, 4)},
                                   {Key(2), Rec(2, 0, 5)}};
  auto w = this->store_->Write(view, rows);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->written, 4);  // 1@50, 1@50 again (equal), 2@1, 2@2
  EXPECT_EQ(w->skipped_older, 1);
  auto got = this->ReadAll(view, {Key(1), Key(2)});
  EXPECT_EQ(ValueOf(got[0]), 3);
  EXPECT_EQ(ValueOf(got[1]), 5);
}

TYPED_TEST(OnlineStoreBackendTest, ViewsAreSeparateAndDeleteViewRemovesOnlyItsOwn) {
  std::string a = this->View("a"), a2 = this->View("a2"), b = this->View("b");
  for (const std::string& v : {a, a2, b}) {
    ASSERT_TRUE(this->store_->Write(v, std::vector<OnlineWrite>{{Key(1), Rec(1, 0, v.size())},
                                                                {Key(2), Rec(1, 0, 9)}})
                    .ok());
  }
  EXPECT_EQ(ValueOf(this->ReadAll(a, {Key(1)})[0]), a.size());
  EXPECT_EQ(ValueOf(this->ReadAll(a2, {Key(1)})[0]), a2.size());
  ASSERT_TRUE(this->store_->DeleteView(a).ok());
  auto gone = this->ReadAll(a, {Key(1), Key(2)});
  EXPECT_FALSE(gone[0].has_value());
  EXPECT_FALSE(gone[1].has_value());
  EXPECT_TRUE(this->ReadAll(a2, {Key(1)})[0].has_value());
  EXPECT_TRUE(this->ReadAll(b, {Key(2)})[0].has_value());
  EXPECT_TRUE(this->store_->DeleteView(a).ok());  // deleting nothing is fine
}

TYPED_TEST(OnlineStoreBackendTest, LargeBatchesAndReopen) {
  std::string view = this->View("a");
  std::vector<OnlineWrite> rows;
  std::mt19937_64 rng(3);
  for (int64_t i = 0; i < 12345; ++i) {
    int64_t id = static_cast<int64_t>(rng() % 100000) - 50000;
    rows.push_back({Key(id), Rec(i, 0, static_cast<double>(i))});
  }
  auto w = this->store_->Write(view, rows);
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->written + w->skipped_older, 12345);
  EXPECT_EQ(w->skipped_older, 0);  // every later row of a key has a larger timestamp
  ASSERT_TRUE(this->store_->Flush().ok());
  // The last row of each key wins; a store opened afresh sees the same data.
  std::map<std::string, double> last;
  for (const OnlineWrite& r : rows) last[r.entity_key] = ValueOf(r.record);
  this->store_ = this->Open();
  ASSERT_NE(this->store_, nullptr);
  std::vector<std::string> keys;
  for (const auto& [k, v] : last) keys.push_back(k);
  auto got = this->ReadAll(view, keys);
  size_t i = 0;
  for (const auto& [k, v] : last) EXPECT_EQ(ValueOf(got[i++]), v);
}

TYPED_TEST(OnlineStoreBackendTest, RejectsRecordsWithoutTimestamps) {
  auto w = this->store_->Write(this->View("a"),
                               std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 1)}, {Key(2), "short"}});
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(w.status().message(), HasSubstr("row 1"));
}

TYPED_TEST(OnlineStoreBackendTest, ConcurrentReadersAndWriters) {
  std::string view = this->View("a");
  std::vector<OnlineWrite> seed;
  for (int64_t i = 0; i < 100; ++i) seed.push_back({Key(i), Rec(0, 0, 0)});
  ASSERT_TRUE(this->store_->Write(view, seed).ok());
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t round = 1; round <= 50; ++round) {
        if (t < 2) {
          std::vector<OnlineWrite> rows;
          for (int64_t i = t; i < 100; i += 2) rows.push_back({Key(i), Rec(round, 0, round)});
          if (!this->store_->Write(view, rows).ok()) failed = true;
        } else {
          std::vector<std::optional<std::string>> out;
          std::vector<std::string> keys = {Key(round % 100), Key(7), Key(1000)};
          if (!this->store_->Read(view, keys, &out).ok() || !out[0] || !out[1] || out[2]) {
            failed = true;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(0)})[0]), 50);
  EXPECT_EQ(ValueOf(this->ReadAll(view, {Key(99)})[0]), 50);
}

// ReadAsync's answer, waited for.
struct AsyncAnswer {
  absl::Status status;
  std::vector<std::optional<std::string>> records;
};
std::future<AsyncAnswer> ReadAsyncFuture(OnlineStore& store, std::string view,
                                         std::vector<std::string> keys) {
  auto promise = std::make_shared<std::promise<AsyncAnswer>>();
  std::future<AsyncAnswer> answer = promise->get_future();
  store.ReadAsync(std::move(view), std::move(keys),
                  [promise](absl::Status status, std::vector<std::optional<std::string>> records) {
                    promise->set_value({std::move(status), std::move(records)});
                  });
  return answer;
}

TYPED_TEST(OnlineStoreBackendTest, ReadAsyncAnswersLikeRead) {
  std::string view = this->View("a");
  ASSERT_TRUE(this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 1.5)},
                                                                 {Key(2), Rec(1, 0, 2.5)}})
                  .ok());
  AsyncAnswer a = ReadAsyncFuture(*this->store_, view, {Key(2), Key(3), Key(1)}).get();
  ASSERT_TRUE(a.status.ok()) << a.status;
  ASSERT_EQ(a.records.size(), 3u);
  EXPECT_EQ(ValueOf(a.records[0]), 2.5);
  EXPECT_FALSE(a.records[1].has_value());
  EXPECT_EQ(ValueOf(a.records[2]), 1.5);
  AsyncAnswer none = ReadAsyncFuture(*this->store_, view, {}).get();
  EXPECT_TRUE(none.status.ok()) << none.status;
  EXPECT_TRUE(none.records.empty());
  // A view that was never written: every key absent, not an error.
  AsyncAnswer empty = ReadAsyncFuture(*this->store_, this->View("b"), {Key(1)}).get();
  ASSERT_TRUE(empty.status.ok()) << empty.status;
  ASSERT_EQ(empty.records.size(), 1u);
  EXPECT_FALSE(empty.records[0].has_value());
}

// Many callers at once (what the HTTP I/O threads do): Redis batches them into pipelines;
// every caller gets its own keys' records back.
TYPED_TEST(OnlineStoreBackendTest, ConcurrentAsyncReadersGetTheirOwnAnswers) {
  std::string view = this->View("a");
  std::vector<OnlineWrite> seed;
  for (int64_t i = 0; i < 500; ++i) seed.push_back({Key(i), Rec(1, 0, static_cast<double>(i))});
  ASSERT_TRUE(this->store_->Write(view, seed).ok());
  std::atomic<int> wrong{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  constexpr int kThreads = 4;
  constexpr int kReadsPerThread = 500;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<AsyncAnswer>> answers;
      std::vector<int64_t> asked;
      for (int i = 0; i < kReadsPerThread; ++i) {
        int64_t id = (t * 131 + i * 7) % 600;  // some past the 500 written
        asked.push_back(id);
        answers.push_back(ReadAsyncFuture(*this->store_, view, {Key(id)}));
      }
      for (size_t i = 0; i < answers.size(); ++i) {
        AsyncAnswer a = answers[i].get();
        ++answered;
        bool ok = a.status.ok() && a.records.size() == 1 &&
                  a.records[0].has_value() == (asked[i] < 500) &&
                  (!a.records[0] || ValueOf(a.records[0]) == static_cast<double>(asked[i]));
        if (!ok) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(answered.load(), kThreads * kReadsPerThread);
  EXPECT_EQ(wrong.load(), 0);
}

// The callback may hold the last reference to the store (the HTTP handler's snapshot does):
// destroying the store from its own read thread must neither deadlock nor crash.
TYPED_TEST(OnlineStoreBackendTest, CallbackMayDropTheLastReference) {
  std::string view = this->View("a");
  ASSERT_TRUE(this->store_->Write(view, std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 1)}}).ok());
  std::shared_ptr<OnlineStore> shared = this->Open();
  ASSERT_NE(shared, nullptr);
  std::promise<bool> done;
  std::future<bool> finished = done.get_future();
  OnlineStore& ref = *shared;
  ref.ReadAsync(view, {Key(1)},
                [keep = std::move(shared), &done](
                    absl::Status status, std::vector<std::optional<std::string>> records) mutable {
                  bool ok = status.ok() && records.size() == 1 && records[0].has_value();
                  keep.reset();  // the store goes away here, possibly on its read thread
                  done.set_value(ok);
                });
  ASSERT_EQ(finished.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(finished.get());
}

TEST(LmdbOnlineStoreTest, TwoStoresOnOneDirectoryShareTheEnvironment) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("strata_online_share_" + NewId().substr(0, 12));
  auto a = OpenOnlineStore({"lmdb", ""}, dir.string());
  auto b = OpenOnlineStore({"lmdb", ""}, (dir / "." ).string());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*a)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 8)}}).ok());
  std::vector<std::optional<std::string>> out;
  ASSERT_TRUE((*b)->Read("p/v", std::vector<std::string>{Key(1)}, &out).ok());
  EXPECT_EQ(ValueOf(out[0]), 8);
  EXPECT_THAT((*a)->Describe(), HasSubstr("lmdb:"));
  a->reset();
  // Reads on this thread cached a transaction of the shared environment; it stays valid.
  ASSERT_TRUE((*b)->Read("p/v", std::vector<std::string>{Key(1)}, &out).ok());
  b->reset();
  // Closed and reopened: the cached transaction of the old environment is not reused.
  auto c = OpenOnlineStore({"lmdb", ""}, dir.string());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->Read("p/v", std::vector<std::string>{Key(1)}, &out).ok());
  EXPECT_EQ(ValueOf(out[0]), 8);
  c->reset();
  std::filesystem::remove_all(dir);
}

TEST(LmdbOnlineStoreTest, OverlongKeysAreErrorsOrAbsent) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("strata_online_long_" + NewId().substr(0, 12));
  auto s = OpenOnlineStore({"lmdb", ""}, dir.string());
  ASSERT_TRUE(s.ok());
  std::string long_key;
  AppendEntityKeyString(std::string(600, 'k'), &long_key);
  auto w = (*s)->Write("p/v", std::vector<OnlineWrite>{{long_key, Rec(1, 0, 1)}});
  EXPECT_EQ(w.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(w.status().message(), HasSubstr("row 0"));
  std::vector<std::optional<std::string>> out;
  ASSERT_TRUE((*s)->Read("p/v", std::vector<std::string>{long_key}, &out).ok());
  EXPECT_FALSE(out[0].has_value());
  s->reset();
  std::filesystem::remove_all(dir);
}

TEST(RedisUrlTest, ParsesTheForms) {
  auto a = internal::ParseRedisUrl("redis://127.0.0.1:6380/3");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 6380);
  EXPECT_EQ(a->db, 3);
  auto b = internal::ParseRedisUrl("redis://:secret@cache");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "cache");
  EXPECT_EQ(b->port, 6379);
  EXPECT_EQ(b->password, "secret");
  EXPECT_EQ(b->db, 0);
  EXPECT_FALSE(internal::ParseRedisUrl("redis://").ok());
  EXPECT_FALSE(internal::ParseRedisUrl("redis://h:0/0").ok());
  EXPECT_FALSE(internal::ParseRedisUrl("redis://h:1/x").ok());
  EXPECT_FALSE(internal::ParseRedisUrl("rediss://h").ok());

  auto u = internal::ParseRedisUrl("unix:///run/redis/redis.sock");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(u->db, 0);
  EXPECT_EQ(u->password, "");
  EXPECT_EQ(internal::RedisWhere(*u), "redis unix:/run/redis/redis.sock");
  auto v = internal::ParseRedisUrl("unix://:secret@/tmp/r.sock?db=2");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->unix_path, "/tmp/r.sock");
  EXPECT_EQ(v->db, 2);
  EXPECT_EQ(v->password, "secret");
  EXPECT_EQ(internal::RedisUrlForMessages(*v), "unix:///tmp/r.sock?db=2");  // no password
  auto w = internal::ParseRedisUrl("unix:///tmp/r.sock?password=pw&db=5");
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->password, "pw");
  EXPECT_EQ(w->db, 5);
  auto at_in_path = internal::ParseRedisUrl("unix://:pw@/tmp/a@b.sock");
  ASSERT_TRUE(at_in_path.ok()) << at_in_path.status();
  EXPECT_EQ(at_in_path->unix_path, "/tmp/a@b.sock");
  EXPECT_EQ(at_in_path->password, "pw");
  auto relative = internal::ParseRedisUrl("unix://redis.sock");
  EXPECT_EQ(relative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(relative.status().message(), HasSubstr("absolute socket path"));
  auto bad_db = internal::ParseRedisUrl("unix:///tmp/r.sock?db=x");
  EXPECT_THAT(bad_db.status().message(), HasSubstr("database 'x'"));
  auto unknown = internal::ParseRedisUrl("unix:///tmp/r.sock?timeout=3");
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown parameter 'timeout'"));
}

// A URL in an error message names where and what, never the password.
TEST(RedisUrlTest, ErrorsHideThePassword) {
  auto tcp = internal::ParseRedisUrl("redis://admin:s3cr@t@cache:99999/0");
  EXPECT_EQ(tcp.status().message(),
            "'redis://admin:***@cache:99999/0': port '99999' is not a number in 1..65535");
  auto bare = internal::ParseRedisUrl("redis://s3cret@cache/x");
  EXPECT_EQ(bare.status().message(),
            "'redis://***@cache/x': database 'x' is not a non-negative number");
  auto socket = internal::ParseRedisUrl("unix://:s3cret@/tmp/r.sock?password=pw2&db=x");
  EXPECT_EQ(socket.status().message(),
            "'unix://:***@/tmp/r.sock?password=***&db=x': database 'x' is not a non-negative "
            "number");
  auto opened = OpenOnlineStore({"redis", "redis://u:pw@h:0"}, "");
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.status().message(),
              HasSubstr("online store redis: connection_string 'redis://u:***@h:0': port '0'"));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("pw")));
}

// A real redis-server of the test's own, killed and restarted under a live store; over
// loopback TCP and over the server's Unix socket (unix:///path).
class RedisRestartTest : public ::testing::TestWithParam<bool> {
 protected:
  bool unix_socket() const { return GetParam(); }
  std::string Url() const { return unix_socket() ? redis_.unix_url() : redis_.url(); }
  // How messages name the server.
  std::string Where() const {
    return unix_socket() ? "unix:" + redis_.socket_path()
                         : absl::StrCat("127.0.0.1:", redis_.port());
  }
  std::string Described() const {
    return unix_socket() ? absl::StrCat("unix://", redis_.socket_path(), "?db=0")
                         : absl::StrCat("redis://127.0.0.1:", redis_.port(), "/0");
  }

  testing::PrivateRedis redis_;
};

INSTANTIATE_TEST_SUITE_P(Transports, RedisRestartTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UnixSocket" : "Tcp";
                         });

TEST_P(RedisRestartTest, UnavailableWhileDownAndReconnectsByItself) {
  testing::PrivateRedis& redis = redis_;
  const std::string where = Where();
  auto closed = OpenOnlineStore({"redis", Url()}, "");
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(closed.status().message(), HasSubstr(where));

  ASSERT_TRUE(redis.Start()) << "redis-server did not start";
  auto store = OpenOnlineStore({"redis", Url()}, "");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), Described());  // without the password
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 1)}}).ok());

  redis.Stop();
  std::vector<std::optional<std::string>> out;
  absl::Status read = (*store)->Read("p/v", std::vector<std::string>{Key(1)}, &out);
  EXPECT_EQ(read.code(), absl::StatusCode::kUnavailable) << read;
  EXPECT_THAT(read.message(), HasSubstr(where));
  auto write = (*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(2, 0, 2)}});
  EXPECT_EQ(write.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(write.status().message(), HasSubstr(where));

  // Back (empty: no persistence, and an empty script cache): the same store object works.
  ASSERT_TRUE(redis.Start());
  auto again = (*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(3, 0, 3)}});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->written, 1);
  for (int i = 0; i < 8; ++i) {  // every pooled connection reconnects
    ASSERT_TRUE((*store)->Read("p/v", std::vector<std::string>{Key(1)}, &out).ok());
    EXPECT_EQ(ValueOf(out[0]), 3);
  }
}

// The asynchronous read path has a connection of its own: it too answers UNAVAILABLE naming
// the server while it is down and reconnects by itself (a stale connection is retried once).
TEST_P(RedisRestartTest, AsyncReadsUnavailableWhileDownAndReconnect) {
  testing::PrivateRedis& redis = redis_;
  const std::string where = Where();
  ASSERT_TRUE(redis.Start()) << "redis-server did not start";
  auto store = OpenOnlineStore({"redis", Url()}, "");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(1, 0, 1)}}).ok());
  AsyncAnswer up = ReadAsyncFuture(**store, "p/v", {Key(1)}).get();
  ASSERT_TRUE(up.status.ok()) << up.status;
  EXPECT_EQ(ValueOf(up.records.at(0)), 1);

  redis.Stop();
  AsyncAnswer down = ReadAsyncFuture(**store, "p/v", {Key(1)}).get();
  EXPECT_EQ(down.status.code(), absl::StatusCode::kUnavailable) << down.status;
  EXPECT_THAT(down.status.message(), HasSubstr(where));
  EXPECT_TRUE(down.records.empty());

  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(3, 0, 3)}}).ok());
  AsyncAnswer back = ReadAsyncFuture(**store, "p/v", {Key(1)}).get();
  ASSERT_TRUE(back.status.ok()) << back.status;
  EXPECT_EQ(ValueOf(back.records.at(0)), 3);

  // Restarted under an open pipeline connection: the first batch finds it stale and retries.
  redis.Stop();
  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(4, 0, 4)}}).ok());
  AsyncAnswer retried = ReadAsyncFuture(**store, "p/v", {Key(1)}).get();
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_EQ(ValueOf(retried.records.at(0)), 4);
}

// Reads still queued when the store is destroyed are answered (UNAVAILABLE or their records),
// never dropped: an HTTP request waiting on one would otherwise hang.
TEST(RedisOnlineStoreTest, DestroyingTheStoreAnswersEveryQueuedRead) {
  STRATA_SHARED_REDIS_URL_OR_SKIP(url);
  auto store = OpenOnlineStore({"redis", url}, "");
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::future<AsyncAnswer>> answers;
  for (int i = 0; i < 2000; ++i) {
    answers.push_back(ReadAsyncFuture(**store, "destroy-test/v", {Key(i)}));
  }
  store->reset();
  int ok = 0, closing = 0;
  for (std::future<AsyncAnswer>& f : answers) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    AsyncAnswer a = f.get();
    if (a.status.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(a.status.code(), absl::StatusCode::kUnavailable) << a.status;
      EXPECT_THAT(a.status.message(), HasSubstr("closing"));
      ++closing;
    }
  }
  EXPECT_EQ(ok + closing, 2000);
}

}  // namespace
}  // namespace strata::features
