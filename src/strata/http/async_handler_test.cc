// Asynchronous handlers (Router::AddAsync + Responder): answers from other threads, in order
// per connection, abandoned responders, exceptions, Stop() waiting for pending answers.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/http/client.h"
#include "strata/http/server.h"
#include "strata/http/testing/raw_socket.h"

namespace strata::http {
namespace {

using ::testing::HasSubstr;
using testing::RawSocket;
using ::testing::StartsWith;

// A worker thread that answers queued requests after a delay given in the "ms" query
// parameter, the way a batching queue answers from its own thread.
class DelayedWorker {
 public:
  DelayedWorker() : thread_([this] { Run(); }) {}
  ~DelayedWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void Enqueue(Request&& req, Responder responder) {
    int ms = 0;
    if (const std::string* v = req.QueryParam("ms")) ms = std::stoi(*v);
    Item item{std::chrono::steady_clock::now() + std::chrono::milliseconds(ms), std::move(req),
              std::move(responder)};
    {
      std::lock_guard<std::mutex> lock(mu_);
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
  }

 private:
  struct Item {
    std::chrono::steady_clock::time_point due;
    Request request;
    Responder responder;
  };

  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (done_ && items_.empty()) return;
      if (items_.empty()) {
        cv_.wait(lock);
        continue;
      }
      // Answer the earliest due item first, so a slow request does not hold up a fast one.
      auto earliest = items_.begin();
      for (auto it = items_.begin(); it != items_.end(); ++it) {
        if (it->due < earliest->due) earliest = it;
      }
      if (std::chrono::steady_clock::now() < earliest->due && !done_) {
        cv_.wait_until(lock, earliest->due);
        continue;
      }
      Item item = std::move(*earliest);
      items_.erase(earliest);
      lock.unlock();
      Response res;
      res.content_type = "text/plain";
      res.body = absl::StrCat("async:", item.request.path, ":", item.request.body);
      item.responder.Send(std::move(res));
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> items_;
  bool done_ = false;
  std::thread thread_;
};

std::unique_ptr<Server> StartOrDie(Router router) {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  auto server = Server::Start(std::move(router), std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<Client> ClientFor(const Server& server) {
  auto client = Client::Create(absl::StrCat("http://127.0.0.1:", server.port()));
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

TEST(AsyncHandlerTest, AnswersFromAnotherThread) {
  DelayedWorker worker;
  Router router;
  router.AddAsync("POST", "/work", [&worker](Request&& req, Responder responder) {
    worker.Enqueue(std::move(req), std::move(responder));
  });
  router.Add("GET", "/sync", [](const Request&, Response& res) { res.body = "sync"; });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  auto res = client->Send("POST", "/work?ms=20", "payload");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "async:/work:payload");
  // Sync and async routes share the connection.
  auto sync = client->Send("GET", "/sync");
  ASSERT_TRUE(sync.ok());
  EXPECT_EQ(sync->body, "sync");
}

TEST(AsyncHandlerTest, SlowRequestDoesNotBlockOtherConnections) {
  DelayedWorker worker;
  Router router;
  router.AddAsync("POST", "/work", [&worker](Request&& req, Responder responder) {
    worker.Enqueue(std::move(req), std::move(responder));
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 1;  // one I/O thread: a blocking handler would serialize everything
  auto started = Server::Start(std::move(router), options);
  ASSERT_TRUE(started.ok());
  auto server = std::move(*started);
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    auto res = ClientFor(*server)->Send("POST", "/work?ms=800", "slow");
    EXPECT_TRUE(res.ok());
    slow_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto client = ClientFor(*server);
  for (int i = 0; i < 20; ++i) {
    auto res = client->Send("POST", "/work?ms=0", absl::StrCat(i));
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->body, absl::StrCat("async:/work:", i));
  }
  EXPECT_FALSE(slow_done.load()) << "fast requests should finish while the slow one waits";
  slow.join();
}

TEST(AsyncHandlerTest, PipelinedRequestsAnswerInOrder) {
  DelayedWorker worker;
  Router router;
  router.AddAsync("GET", "/work", [&worker](Request&& req, Responder responder) {
    worker.Enqueue(std::move(req), std::move(responder));
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  // The first is slowest; answers must still come back in request order.
  ASSERT_TRUE(s.Send(
      "GET /work?ms=200 HTTP/1.1\r\n\r\nGET /work?ms=0 HTTP/1.1\r\n\r\n"
      "GET /work?ms=50 HTTP/1.1\r\nContent-Length: 1\r\n\r\nc"));
  std::string a = s.ReadResponse();
  std::string b = s.ReadResponse();
  std::string c = s.ReadResponse();
  EXPECT_THAT(a, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(a, HasSubstr("async:/work:"));
  EXPECT_THAT(b, HasSubstr("async:/work:"));
  EXPECT_THAT(c, HasSubstr("async:/work:c"));
}

TEST(AsyncHandlerTest, ImmediateAnswerInsideHandler) {
  Router router;
  router.AddAsync("GET", "/now", [](Request&& req, Responder responder) {
    Response res;
    res.status = 201;
    res.body = req.path;
    responder.Send(std::move(res));
    responder.Send(Response());  // a second Send is ignored
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  for (int i = 0; i < 50; ++i) {
    auto res = client->Send("GET", "/now");
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->status, 201);
    EXPECT_EQ(res->body, "/now");
  }
}

TEST(AsyncHandlerTest, DroppedResponderAndExceptionAre500AndConnectionSurvives) {
  Router router;
  router.AddAsync("GET", "/drop", [](Request&&, Responder) {});
  router.AddAsync("GET", "/throw", [](Request&&, Responder) -> void {
    throw std::runtime_error("boom");
  });
  std::vector<Responder> kept;
  std::mutex kept_mu;
  router.AddAsync("GET", "/later-drop", [&](Request&&, Responder responder) {
    std::lock_guard<std::mutex> lock(kept_mu);
    kept.push_back(std::move(responder));
  });
  router.AddAsync("GET", "/ok", [](Request&&, Responder responder) {
    Response res;
    res.body = "ok";
    responder.Send(std::move(res));
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  for (const char* path : {"/drop", "/throw"}) {
    auto res = client->Send("GET", path);
    ASSERT_TRUE(res.ok()) << path;
    EXPECT_EQ(res->status, 500) << path;
    EXPECT_THAT(res->body, HasSubstr("error_code")) << path;
    auto ok = client->Send("GET", "/ok");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->body, "ok");
  }
  // A responder dropped later, from another thread, also answers 500.
  std::thread dropper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard<std::mutex> lock(kept_mu);
    kept.clear();
  });
  auto res = client->Send("GET", "/later-drop");
  dropper.join();
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 500);
}

TEST(AsyncHandlerTest, StopWaitsForPendingAnswer) {
  std::atomic<bool> entered{false};
  std::vector<std::thread> threads;
  Router router;
  router.AddAsync("GET", "/slow", [&](Request&&, Responder responder) {
    entered = true;
    threads.emplace_back([r = std::move(responder)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      Response res;
      res.body = "done";
      r.Send(std::move(res));
    });
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  absl::StatusOr<ClientResponse> res;
  std::thread t([&] { res = ClientFor(*server)->Send("GET", "/slow"); });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server->Stop();
  t.join();
  for (std::thread& w : threads) w.join();
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->body, "done");
}

TEST(AsyncHandlerTest, ManyConcurrentAsyncRequests) {
  DelayedWorker worker;
  Router router;
  router.AddAsync("POST", "/work", [&worker](Request&& req, Responder responder) {
    worker.Enqueue(std::move(req), std::move(responder));
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      auto client = ClientFor(*server);
      for (int i = 0; i < 100; ++i) {
        std::string body = absl::StrCat(c, "-", i);
        auto res = client->Send("POST", "/work?ms=0", body);
        if (res.ok() && res->body == "async:/work:" + body) ++ok;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 800);
}

}  // namespace
}  // namespace strata::http
