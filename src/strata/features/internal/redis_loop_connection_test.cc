// The Redis online store's reads on an event loop thread (what an HTTP I/O thread does),
// through the public store API against real redis-servers: the loop's own connection answers
// on the loop thread, survives a server restart, fails clearly while the server is down and
// closes on shutdown so the loop can run out of work.
#include "strata/features/internal/redis_loop_connection.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/event_loop.h"
#include "strata/features/online_store.h"
#include "strata/features/testing/online_records.h"
#include "strata/features/testing/test_redis.h"

namespace strata::features {
namespace {

using ::testing::HasSubstr;

using testing::Key;
using testing::ValueOf;

std::string Rec(int64_t event, double value) { return testing::Rec(event, 0, value); }

struct Answer {
  absl::Status status;
  std::vector<std::optional<std::string>> records;
  bool on_loop_thread = false;
};

// An event loop on a thread of its own, like one HTTP I/O thread.
class LoopThread {
 public:
  LoopThread() : loop_(context_), guard_(context_.get_executor()) {
    thread_ = std::thread([this] {
      EventLoop::Scope scope(loop_);
      loop_thread_id_ = std::this_thread::get_id();
      context_.run();
    });
  }
  // Shuts the loop down the way the HTTP server does and waits for run() to return: it only
  // returns once every connection on the loop has closed.
  ~LoopThread() { Finish(); }
  void Finish() {
    if (!thread_.joinable()) return;
    boost::asio::post(context_, [this] { loop_.Shutdown(); });
    guard_.reset();
    thread_.join();
  }

  // Runs ReadAsync on the loop thread and waits for its answer.
  Answer Read(OnlineStore& store, std::string view, std::vector<std::string> keys) {
    auto promise = std::make_shared<std::promise<Answer>>();
    std::future<Answer> answer = promise->get_future();
    boost::asio::post(context_, [&, promise, view = std::move(view),
                                 keys = std::move(keys)]() mutable {
      store.ReadAsync(std::move(view), std::move(keys),
                      [this, promise](absl::Status status,
                                      std::vector<std::optional<std::string>> records) {
                        promise->set_value({std::move(status), std::move(records),
                                            std::this_thread::get_id() == loop_thread_id_});
                      });
    });
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    return answer.get();
  }

  boost::asio::io_context& context() { return context_; }
  std::thread::id loop_thread_id() const { return loop_thread_id_; }

 private:
  boost::asio::io_context context_{1};
  EventLoop loop_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread::id loop_thread_id_;
  std::thread thread_;
};

TEST(RedisLoopConnectionTest, ReadsAnswerOnTheLoopThreadAndShutdownLetsTheLoopEnd) {
  STRATA_SHARED_REDIS_URL_OR_SKIP(url);
  auto store = OpenOnlineStore({"redis", url}, "");
  ASSERT_TRUE(store.ok()) << store.status();
  const std::string view = "loop-test/v";
  std::vector<OnlineWrite> rows;
  for (int64_t i = 0; i < 300; ++i) rows.push_back({Key(i), Rec(1, static_cast<double>(i))});
  ASSERT_TRUE((*store)->Write(view, rows).ok());

  LoopThread loop;
  Answer one = loop.Read(**store, view, {Key(7), Key(999), Key(8)});
  ASSERT_TRUE(one.status.ok()) << one.status;
  EXPECT_TRUE(one.on_loop_thread);
  ASSERT_EQ(one.records.size(), 3u);
  EXPECT_EQ(ValueOf(one.records[0]), 7);
  EXPECT_FALSE(one.records[1].has_value());
  EXPECT_EQ(ValueOf(one.records[2]), 8);

  // Many reads issued in one go from the loop (one HTTP I/O thread's burst): they share the
  // connection's writes and come back in order, each with its own keys.
  std::promise<int> all_done;
  std::future<int> wrong = all_done.get_future();
  boost::asio::post(loop.context(), [&] {
    auto remaining = std::make_shared<int>(300);
    auto mistakes = std::make_shared<int>(0);
    for (int64_t i = 0; i < 300; ++i) {
      (*store)->ReadAsync(view, {Key(i)},
                          [&, i, remaining, mistakes](
                              absl::Status status, std::vector<std::optional<std::string>> r) {
                            if (!status.ok() || r.size() != 1 ||
                                ValueOf(r[0]) != static_cast<double>(i) ||
                                std::this_thread::get_id() != loop.loop_thread_id()) {
                              ++*mistakes;
                            }
                            if (--*remaining == 0) all_done.set_value(*mistakes);
                          });
    }
  });
  ASSERT_EQ(wrong.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(wrong.get(), 0);
  ASSERT_TRUE((*store)->DeleteView(view).ok());
  loop.Finish();  // hangs (test timeout) if the connection kept the loop busy
}

// Over loopback TCP and over the server's Unix socket (unix:///path).
class RedisLoopConnectionRestartTest : public ::testing::TestWithParam<bool> {};

TEST_P(RedisLoopConnectionRestartTest, UnavailableWhileDownAndRestartUnderAnOpenConnectionIsRetried) {
  const bool unix_socket = GetParam();
  testing::PrivateRedis redis;
  ASSERT_TRUE(redis.Start()) << "redis-server did not start";
  std::string where = unix_socket ? "unix:" + redis.socket_path()
                                  : absl::StrCat("127.0.0.1:", redis.port());
  auto store = OpenOnlineStore({"redis", unix_socket ? redis.unix_url() : redis.url()}, "");
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(1, 1)}}).ok());
  LoopThread loop;
  Answer up = loop.Read(**store, "p/v", {Key(1)});
  ASSERT_TRUE(up.status.ok()) << up.status;
  EXPECT_TRUE(up.on_loop_thread);
  EXPECT_EQ(ValueOf(up.records.at(0)), 1);

  // Restarted under the loop's connection: the next read reconnects (or, when it was written
  // before the loss was noticed, is sent once more on a new connection) and succeeds.
  redis.Stop();
  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(2, 2)}}).ok());
  Answer retried = loop.Read(**store, "p/v", {Key(1)});
  ASSERT_TRUE(retried.status.ok()) << retried.status;
  EXPECT_EQ(ValueOf(retried.records.at(0)), 2);

  // Down: UNAVAILABLE naming the server, from the loop thread.
  redis.Stop();
  Answer down = loop.Read(**store, "p/v", {Key(1)});
  EXPECT_EQ(down.status.code(), absl::StatusCode::kUnavailable) << down.status;
  EXPECT_THAT(down.status.message(), HasSubstr(where));
  EXPECT_TRUE(down.on_loop_thread);
  Answer still_down = loop.Read(**store, "p/v", {Key(1)});
  EXPECT_EQ(still_down.status.code(), absl::StatusCode::kUnavailable) << still_down.status;

  // Back: the same store and loop read again without being told.
  ASSERT_TRUE(redis.Start());
  ASSERT_TRUE((*store)->Write("p/v", std::vector<OnlineWrite>{{Key(1), Rec(3, 3)}}).ok());
  Answer back = loop.Read(**store, "p/v", {Key(1)});
  ASSERT_TRUE(back.status.ok()) << back.status;
  EXPECT_EQ(ValueOf(back.records.at(0)), 3);
}

INSTANTIATE_TEST_SUITE_P(Transports, RedisLoopConnectionRestartTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UnixSocket" : "Tcp";
                         });

TEST(RedisLoopConnectionTest, StoreDestroyedWithReadsInFlightAnswersEveryOne) {
  STRATA_SHARED_REDIS_URL_OR_SKIP(url);
  auto opened = OpenOnlineStore({"redis", url}, "");
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::shared_ptr<OnlineStore> store = std::move(*opened);
  LoopThread loop;
  std::promise<std::pair<int, int>> finished;
  std::future<std::pair<int, int>> counts = finished.get_future();
  boost::asio::post(loop.context(), [&] {
    auto answered = std::make_shared<std::pair<int, int>>(0, 0);  // ok, closing
    auto remaining = std::make_shared<int>(500);
    for (int i = 0; i < 500; ++i) {
      store->ReadAsync("destroy-loop/v", {Key(i)},
                       [&, answered, remaining](absl::Status status,
                                                std::vector<std::optional<std::string>>) {
                         if (status.ok()) {
                           ++answered->first;
                         } else if (absl::IsUnavailable(status) &&
                                    absl::StrContains(status.message(), "closing")) {
                           ++answered->second;
                         }
                         if (--*remaining == 0) finished.set_value(*answered);
                       });
    }
    store.reset();  // the last reference, on the loop thread, with 500 reads in flight
  });
  ASSERT_EQ(counts.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  std::pair<int, int> c = counts.get();
  EXPECT_EQ(c.first + c.second, 500) << c.first << " ok, " << c.second << " closing";
  loop.Finish();
}

}  // namespace
}  // namespace strata::features
