#include "strata/http/client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/http/server.h"

namespace strata::http {
namespace {

TEST(ClientTest, RejectsMalformedUrls) {
  for (std::string_view url : {"", "127.0.0.1:5000", "https://x:1", "http://", "http://:5000",
                               "http://h:0", "http://h:99999", "http://h:abc", "http://[::1"}) {
    EXPECT_EQ(Client::Create(url).status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
  EXPECT_TRUE(Client::Create("http://localhost").ok());
  EXPECT_TRUE(Client::Create("HTTP://[::1]:8080/prefix/").ok());
}

TEST(ClientTest, UrlEncode) {
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
}

TEST(ClientTest, UnreachableServerIsUnavailable) {
  // Bind a port, then close it so nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  auto client = Client::Create(absl::StrCat("http://127.0.0.1:", port));
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Send("GET", "/").status().code(), absl::StatusCode::kUnavailable);
}

TEST(ClientTest, PrefixAndReconnectAfterServerClosedIdleConnection) {
  Router router;
  router.Add("GET", "/base/ping", [](const Request& req, Response& res) {
    res.body = absl::StrCat("pong ", req.raw_target);
  });
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.request_timeout_ms = 100;  // closes idle keep-alive connections quickly
  auto server = Server::Start(std::move(router), options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = Client::Create(absl::StrCat("http://127.0.0.1:", (*server)->port(), "/base/"));
  ASSERT_TRUE(client.ok());
  auto first = (*client)->Send("GET", "/ping?x=1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->body, "pong /base/ping?x=1");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto second = (*client)->Send("GET", "ping");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "pong /base/ping");
}

// A one-shot server that answers with a chunked body, which Strata's server never sends.
TEST(ClientTest, ReadsChunkedResponses) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread peer([listener] {
    int fd = ::accept(listener, nullptr, nullptr);
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    std::string_view reply =
        "HTTP/1.1 201 Created\r\nX-Thing: Yes\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  auto client = Client::Create(absl::StrCat("http://127.0.0.1:", ntohs(addr.sin_port)));
  ASSERT_TRUE(client.ok());
  auto res = (*client)->Send("POST", "/x", "{}");
  peer.join();
  ::close(listener);
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "hello world");
  EXPECT_THAT(res->headers,
              ::testing::Contains(std::pair<std::string, std::string>("x-thing", "Yes")));
}

}  // namespace
}  // namespace strata::http
