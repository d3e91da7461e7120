#include "strata/http/server.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/http/client.h"
#include "strata/http/internal/scheduler_slice.h"
#include "strata/http/testing/raw_socket.h"

namespace strata::http {
namespace {

using ::testing::HasSubstr;
using testing::RawSocket;
using ::testing::StartsWith;

std::unique_ptr<Server> StartOrDie(Router router, ServerOptions options = {}) {
  options.port = 0;
  if (options.threads == 0) options.threads = 2;
  auto server = Server::Start(std::move(router), std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

std::unique_ptr<Client> ClientFor(const Server& server) {
  auto client = Client::Create(absl::StrCat("http://127.0.0.1:", server.port()));
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

ClientResponse SendOk(Client& client, std::string_view method, std::string_view target,
                      std::string_view body = "") {
  auto res = client.Send(method, target, body);
  EXPECT_TRUE(res.ok()) << res.status();
  return res.ok() ? std::move(*res) : ClientResponse{};
}

std::string HeaderOf(const ClientResponse& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "";
}

Router EchoRouter() {
  Router router;
  router.Add("GET", "/hello", [](const Request&, Response& res) {
    res.content_type = "text/plain";
    res.body = "hi";
  });
  router.Add("POST", "/echo", [](const Request& req, Response& res) {
    res.content_type = std::string(req.Header("content-type"));
    res.body = req.body;
    res.headers.emplace_back("X-Method", req.method);
  });
  router.Add("GET", "/query", [](const Request& req, Response& res) {
    std::string out = absl::StrCat("path=", req.path, "\n");
    for (const auto& [k, v] : req.query) absl::StrAppend(&out, k, "=", v, "\n");
    res.body = out;
  });
  router.Add("GET", "/files/*", [](const Request& req, Response& res) {
    res.body = absl::StrCat("wildcard=", req.wildcard);
  });
  router.Add(
      "POST", "/small", [](const Request& req, Response& res) { res.body = "ok"; },
      /*max_body_bytes=*/1024);
  router.Add("GET", "/throw",
             [](const Request&, Response&) -> void { throw std::runtime_error("boom"); });
  return router;
}

TEST(ServerTest, RoutesAndErrorStatuses) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  EXPECT_GT(server->port(), 0);
  auto client = ClientFor(*server);

  ClientResponse ok = SendOk(*client, "GET", "/hello");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "hi");
  EXPECT_EQ(HeaderOf(ok, "content-type"), "text/plain");

  ClientResponse missing = SendOk(*client, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("\"error_code\":\"ENDPOINT_NOT_FOUND\""));
  EXPECT_EQ(HeaderOf(missing, "content-type"), "application/json");

  ClientResponse wrong_method = SendOk(*client, "DELETE", "/hello");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_THAT(wrong_method.body, HasSubstr("\"message\":"));

  ClientResponse head = SendOk(*client, "HEAD", "/hello");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(HeaderOf(head, "content-length"), "2");
}

TEST(ServerTest, CustomErrorResponder) {
  ServerOptions options;
  options.error_responder = [](int status, std::string_view message, Response& res) {
    res.status = status;
    res.content_type = "text/plain";
    res.body = absl::StrCat("custom ", status);
  };
  auto server = StartOrDie(EchoRouter(), options);
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  ClientResponse res = SendOk(*client, "GET", "/nope");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.body, "custom 404");
}

TEST(ServerTest, DecodesPathAndRepeatedQueryKeys) {
  Router router;
  router.Add("GET", "/a b/c", [](const Request& req, Response& res) {
    res.body = absl::StrCat(req.path, "|", req.raw_target, "|", req.QueryParams("k").size());
    for (const auto& v : req.QueryParams("k")) absl::StrAppend(&res.body, "|", v);
    absl::StrAppend(&res.body, "|", *req.QueryParam("name"));
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  ClientResponse res = SendOk(*client, "GET", "/a%20b/c?k=1&k=2&k=x%2By&name=a+b%26c");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "/a b/c|/a%20b/c?k=1&k=2&k=x%2By&name=a+b%26c|3|1|2|x+y|a b&c");
}

TEST(ServerTest, BadPercentEscapeInPathIs400) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("GET /files/%zz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(s.ReadResponse(), StartsWith("HTTP/1.1 400"));
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "GET", "/hello").status, 200);
}

TEST(ServerTest, WildcardRoutes) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "GET", "/files/dir/a%2Fb.txt").body, "wildcard=dir/a/b.txt");
  EXPECT_EQ(SendOk(*client, "GET", "/files").body, "wildcard=");
  EXPECT_EQ(SendOk(*client, "POST", "/files/x").status, 405);
}

TEST(ServerTest, EchoesBodiesOfManySizes) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  std::mt19937 rng(7);
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{100000}, size_t{3} << 20}) {
    std::string body(size, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    auto res = client->Send("POST", "/echo", body, "application/octet-stream");
    ASSERT_TRUE(res.ok()) << res.status();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, body) << size;
    EXPECT_EQ(HeaderOf(*res, "x-method"), "POST");
    EXPECT_EQ(HeaderOf(*res, "content-type"), "application/octet-stream");
  }
}

TEST(ServerTest, OversizedContentLengthIs413AndCloses) {
  ServerOptions options;
  options.max_body_bytes = 1 << 20;
  auto server = StartOrDie(EchoRouter(), options);
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n"));
  ASSERT_TRUE(s.Send(std::string(65536, '{')));
  std::string res = s.ReadResponse();
  EXPECT_THAT(res, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(res, HasSubstr("Connection: close"));
  EXPECT_TRUE(s.WaitClosed());
  // A body within the limit still works.
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "POST", "/echo", std::string(1000, 'x')).status, 200);
}

TEST(ServerTest, ChunkedBodyOverLimitIs413) {
  ServerOptions options;
  options.max_body_bytes = 100;
  auto server = StartOrDie(EchoRouter(), options);
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  std::string chunk(200, 'a');
  ASSERT_TRUE(
      s.Send(absl::StrCat("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                          "c8\r\n", chunk, "\r\n0\r\n\r\n")));
  EXPECT_THAT(s.ReadResponse(), StartsWith("HTTP/1.1 413"));
}

TEST(ServerTest, PerRouteBodyLimit) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "POST", "/small", std::string(1024, 'x')).status, 200);
  ClientResponse big = SendOk(*client, "POST", "/small", std::string(1025, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_THAT(big.body, HasSubstr("RESOURCE_EXHAUSTED"));
  // The client reconnects after the server closed; other routes keep the global limit.
  EXPECT_EQ(SendOk(*client, "POST", "/echo", std::string(4096, 'x')).status, 200);
}

TEST(ServerTest, MalformedRequestsGet400AndServerStaysUp) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  for (std::string_view raw :
       {std::string_view("GARBAGE\r\n\r\n"), std::string_view("GET / HTTP/9.9\r\n\r\n"),
        std::string_view("GET /hello HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string_view("\x01\x02\x03 / HTTP/1.1\r\n\r\n")}) {
    RawSocket s(server->port());
    ASSERT_TRUE(s.Send(raw));
    EXPECT_THAT(s.ReadResponse(), StartsWith("HTTP/1.1 400")) << raw;
  }
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "GET", "/hello").status, 200);
}

TEST(ServerTest, KeepAliveAndPipelining) {
  std::atomic<int> calls{0};
  Router router;
  router.Add("GET", "/n", [&calls](const Request& req, Response& res) {
    res.body = absl::StrCat(++calls, ":", *req.QueryParam("i"));
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(s.Send(absl::StrCat("GET /n?i=", i, " HTTP/1.1\r\nHost: x\r\n\r\n")));
    std::string res = s.ReadResponse();
    ASSERT_THAT(res, StartsWith("HTTP/1.1 200")) << i;
    EXPECT_THAT(res, HasSubstr(absl::StrCat(":", i)));
  }
  // Three requests in one write come back in order on the same connection.
  ASSERT_TRUE(
      s.Send("GET /n?i=a HTTP/1.1\r\n\r\nGET /n?i=b HTTP/1.1\r\n\r\nGET /n?i=c HTTP/1.1\r\n\r\n"));
  EXPECT_THAT(s.ReadResponse(), HasSubstr(":a"));
  EXPECT_THAT(s.ReadResponse(), HasSubstr(":b"));
  EXPECT_THAT(s.ReadResponse(), HasSubstr(":c"));
  EXPECT_EQ(calls.load(), 103);

  // Only one connection was ever opened for all of the above.
  auto client = ClientFor(*server);
  ClientResponse metrics = SendOk(*client, "GET", "/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("strata_http_connections_open 2\n"));
}

TEST(ServerTest, Http10ClosesUnlessKeepAlive) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_THAT(s.ReadResponse(), HasSubstr("Connection: keep-alive"));
  ASSERT_TRUE(s.Send("GET /hello HTTP/1.0\r\n\r\n"));
  EXPECT_THAT(s.ReadResponse(), HasSubstr("Connection: close"));
  EXPECT_TRUE(s.WaitClosed());
}

TEST(ServerTest, ExpectContinue) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  EXPECT_THAT(s.ReadResponse(), StartsWith("HTTP/1.1 100 Continue"));
  ASSERT_TRUE(s.Send("hello"));
  std::string res = s.ReadResponse();
  EXPECT_THAT(res, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(res, ::testing::EndsWith("hello"));
}

TEST(ServerTest, ConcurrentClients) {
  std::atomic<int> calls{0};
  Router router;
  router.Add("POST", "/count", [&calls](const Request& req, Response& res) {
    ++calls;
    res.body = req.body;
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client::Create(absl::StrCat("http://127.0.0.1:", server->port()));
      if (!client.ok()) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string body = absl::StrCat("{\"t\":", t, ",\"i\":", i, "}");
        auto res = (*client)->Send("POST", "/count", body);
        if (res.ok() && res->status == 200 && res->body == body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
  EXPECT_EQ(calls.load(), kThreads * kRequests);
}

TEST(ServerTest, HandlerExceptionIs500AndServerStaysUp) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  ClientResponse res = SendOk(*client, "GET", "/throw");
  EXPECT_EQ(res.status, 500);
  EXPECT_THAT(res.body, HasSubstr("INTERNAL_ERROR"));
  EXPECT_EQ(SendOk(*client, "GET", "/hello").status, 200);
}

TEST(ServerTest, MetricsCountRoutes) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  for (int i = 0; i < 3; ++i) SendOk(*client, "GET", "/hello");
  for (int i = 0; i < 2; ++i) SendOk(*client, "GET", "/files/x");
  SendOk(*client, "GET", "/nope");
  SendOk(*client, "DELETE", "/hello");
  SendOk(*client, "GET", "/throw");
  ClientResponse res = SendOk(*client, "GET", "/metrics");
  EXPECT_EQ(res.status, 200);
  EXPECT_THAT(HeaderOf(res, "content-type"), StartsWith("text/plain; version=0.0.4"));
  const std::string& m = res.body;
  EXPECT_THAT(
      m, HasSubstr("strata_http_requests_total{route=\"/hello\",method=\"GET\",code=\"200\"} 3\n"));
  EXPECT_THAT(
      m,
      HasSubstr("strata_http_requests_total{route=\"/files/*\",method=\"GET\",code=\"200\"} 2\n"));
  EXPECT_THAT(
      m,
      HasSubstr("strata_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"));
  EXPECT_THAT(
      m, HasSubstr(
             "strata_http_requests_total{route=\"unmatched\",method=\"DELETE\",code=\"405\"} 1\n"));
  EXPECT_THAT(
      m, HasSubstr("strata_http_requests_total{route=\"/throw\",method=\"GET\",code=\"500\"} 1\n"));
  EXPECT_THAT(
      m,
      HasSubstr("strata_http_request_duration_seconds_count{route=\"/hello\",method=\"GET\"} 3\n"));
  EXPECT_THAT(m, HasSubstr("strata_http_request_duration_seconds_bucket{route=\"/"
                           "hello\",method=\"GET\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(
      m, HasSubstr("strata_http_request_duration_seconds_sum{route=\"/hello\",method=\"GET\"} "));
  // This very request is in flight while the page renders.
  EXPECT_THAT(m, HasSubstr("strata_http_requests_in_flight 1\n"));
  EXPECT_THAT(m, HasSubstr("strata_process_resident_memory_bytes "));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("route=\"/echo\"")));
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            absl::StrCat("strata_http_test_", ::getpid(), "_", counter_++);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(std::string_view name) const { return (path_ / name).string(); }

 private:
  static inline std::atomic<int> counter_{0};
  std::filesystem::path path_;
};

TEST(ServerTest, StreamsFiles) {
  TempDir dir;
  std::string content(5 << 20, '\0');
  std::mt19937 rng(3);
  for (char& c : content) c = static_cast<char>(rng());
  {
    std::ofstream out(dir.File("blob.bin"), std::ios::binary);
    out << content;
  }
  Router router;
  router.Add("GET", "/download/*", [&dir](const Request& req, Response& res) {
    res.content_type = "application/octet-stream";
    res.file_path = dir.File(req.wildcard);
    res.headers.emplace_back("Content-Disposition", "attachment");
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  ClientResponse res = SendOk(*client, "GET", "/download/blob.bin");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(HeaderOf(res, "content-length"), std::to_string(content.size()));
  EXPECT_EQ(HeaderOf(res, "content-disposition"), "attachment");
  EXPECT_TRUE(res.body == content);
  ClientResponse missing = SendOk(*client, "GET", "/download/missing.bin");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("error_code"));
  ClientResponse head = SendOk(*client, "HEAD", "/download/blob.bin");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(HeaderOf(head, "content-length"), std::to_string(content.size()));
  // The connection is still usable after the streamed file.
  EXPECT_EQ(SendOk(*client, "GET", "/download/blob.bin").body.size(), content.size());
}

TEST(ServerTest, SlowClientIsDisconnected) {
  ServerOptions options;
  options.request_timeout_ms = 200;
  auto server = StartOrDie(EchoRouter(), options);
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port(), /*recv_timeout_ms=*/3000);
  ASSERT_TRUE(s.Send("GET /hello HTTP/1.1\r\nHost"));
  auto start = std::chrono::steady_clock::now();
  // Part of a request, then nothing: 408 naming the limit, then the connection closes.
  std::string answer = s.ReadResponse();
  EXPECT_THAT(answer, HasSubstr("408"));
  EXPECT_THAT(answer, HasSubstr("within 200 ms"));
  EXPECT_TRUE(s.WaitClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));

  // A slow body too.
  RawSocket body(server->port(), /*recv_timeout_ms=*/3000);
  ASSERT_TRUE(body.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_THAT(body.ReadResponse(), HasSubstr("408"));
  EXPECT_TRUE(body.WaitClosed());

  RawSocket idle(server->port(), /*recv_timeout_ms=*/3000);
  EXPECT_TRUE(idle.WaitClosed());
}

TEST(ServerTest, StopWithOpenKeepAliveConnectionsIsPrompt) {
  auto server = StartOrDie(EchoRouter());
  ASSERT_NE(server, nullptr);
  int port = server->port();
  auto client = ClientFor(*server);
  EXPECT_EQ(SendOk(*client, "GET", "/hello").status, 200);
  RawSocket idle(port);
  RawSocket partial(port);
  ASSERT_TRUE(partial.Send("POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"));
  std::thread waiter([&server] { server->Wait(); });
  auto start = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  waiter.join();
  server->Stop();  // idempotent
  EXPECT_TRUE(idle.WaitClosed());
  EXPECT_TRUE(partial.WaitClosed());
  EXPECT_FALSE(client->Send("GET", "/hello").ok());
  RawSocket after(port);
  EXPECT_FALSE(after.connected());
}

TEST(ServerTest, StopLetsInFlightRequestFinish) {
  std::atomic<bool> entered{false};
  Router router;
  router.Add("GET", "/slow", [&entered](const Request&, Response& res) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    res.body = "done";
  });
  auto server = StartOrDie(std::move(router));
  ASSERT_NE(server, nullptr);
  absl::StatusOr<ClientResponse> res;
  std::thread t([&] { res = ClientFor(*server)->Send("GET", "/slow"); });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server->Stop();
  t.join();
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->body, "done");
  EXPECT_EQ(HeaderOf(*res, "connection"), "close");
}

TEST(ServerTest, BindConflictIsUnavailable) {
  auto first = StartOrDie(EchoRouter());
  ASSERT_NE(first, nullptr);
  ServerOptions options;
  options.port = first->port();
  auto second = Server::Start(EchoRouter(), options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(ServerTest, WritesAccessLog) {
  TempDir dir;
  ServerOptions options;
  options.access_log_path = dir.File("access.log");
  auto server = StartOrDie(EchoRouter(), options);
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  SendOk(*client, "GET", "/hello");
  SendOk(*client, "GET", "/nope%22x");
  server->Stop();
  std::ifstream in(options.access_log_path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("\"remote\":\"127.0.0.1\",\"method\":\"GET\",\"path\":\"/hello\","
                                  "\"status\":200,\"bytes\":2,\"duration_us\":"));
  EXPECT_THAT(lines[0], HasSubstr("\"route\":\"/hello\"}"));
  EXPECT_THAT(lines[0], StartsWith("{\"ts\":\"20"));
  EXPECT_THAT(lines[1], HasSubstr("\"path\":\"/nope\\\"x\",\"status\":404"));
  EXPECT_THAT(lines[1], HasSubstr("\"route\":\"unmatched\""));
}

// The I/O threads run with ServerOptions::scheduler_slice_us (0 = the kernel's default).
TEST(ServerTest, IoThreadsRunWithTheConfiguredSchedulerSlice) {
  Router router;
  router.Add("GET", "/slice", [](const Request&, Response& res) {
    absl::StatusOr<int64_t> slice = internal::SchedulerSliceOfThisThread();
    res.body = slice.ok() ? absl::StrCat(*slice) : slice.status().ToString();
  });
  ServerOptions options;
  options.scheduler_slice_us = 300;
  auto server = StartOrDie(router, options);
  ASSERT_NE(server, nullptr);
  auto client = ClientFor(*server);
  const std::string configured = SendOk(*client, "GET", "/slice").body;
  server->Stop();

  options.scheduler_slice_us = 0;
  server = StartOrDie(router, options);
  ASSERT_NE(server, nullptr);
  client = ClientFor(*server);
  const std::string kernel_default = SendOk(*client, "GET", "/slice").body;
  // Before Linux 6.12 the kernel ignores the slice (and the server serves all the same).
  if (internal::KernelHonoursSchedulerSlices()) {
    EXPECT_EQ(configured, "300");
    EXPECT_NE(kernel_default, "300");
  }
}

TEST(ServerTest, RefusesASchedulerSliceOutsideTheKernelsRange) {
  for (int bad : {-1, 50, 100001}) {
    ServerOptions options;
    options.port = 0;
    options.scheduler_slice_us = bad;
    auto server = Server::Start(EchoRouter(), options);
    EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(server.status().message(), HasSubstr("scheduler_slice_us")) << bad;
  }
}

}  // namespace
}  // namespace strata::http
