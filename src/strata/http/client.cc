#include "strata/http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/http/internal/url.h"

namespace strata::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto kTimeout = std::chrono::seconds(60);

std::string_view Sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

// Blocking calls are async operations run to completion on a private io_context, because only
// the async operations of beast::tcp_stream honour a deadline.
class ClientImpl : public Client {
 public:
  ClientImpl(std::string host, std::string port, std::string prefix)
      : host_(std::move(host)), port_(std::move(port)), prefix_(std::move(prefix)) {
    host_header_ = port_ == "80" ? host_ : absl::StrCat(host_, ":", port_);
    if (absl::StrContains(host_, ':')) host_header_ = absl::StrCat("[", host_, "]:", port_);
  }

  absl::StatusOr<ClientResponse> Send(std::string_view method, std::string_view target,
                                      std::string_view body,
                                      std::string_view content_type) override {
    std::string full_target = prefix_;
    if (target.empty() || target.front() != '/') full_target += '/';
    full_target.append(target.data(), target.size());

    bhttp::request<bhttp::string_body> req;
    bhttp::verb verb = bhttp::string_to_verb(beast::string_view(method.data(), method.size()));
    if (verb == bhttp::verb::unknown) {
      req.method_string(beast::string_view(method.data(), method.size()));
    } else {
      req.method(verb);
    }
    req.target(full_target);
    req.version(11);
    req.set(bhttp::field::host, host_header_);
    req.set(bhttp::field::user_agent, "strata-client");
    if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
        verb == bhttp::verb::patch) {
      req.set(bhttp::field::content_type,
              beast::string_view(content_type.data(), content_type.size()));
      req.body().assign(body.data(), body.size());
      req.prepare_payload();
    }

    for (int attempt = 0;; ++attempt) {
      bool reused = stream_.has_value();
      if (!reused) {
        absl::Status connected = Connect();
        if (!connected.ok()) return connected;
      }
      beast::error_code ec;
      std::optional<ClientResponse> response = RoundTrip(req, ec);
      if (response.has_value()) return std::move(*response);
      Disconnect();
      // A kept-alive connection the server closed in the meantime fails on first use: retry
      // once on a fresh connection. A timeout is not retried.
      if (!reused || attempt > 0 || ec == beast::error::timeout) {
        return absl::UnavailableError(absl::StrCat(AsAbsl(method), " ", full_target, " to ", host_,
                                                   ":", port_, " failed: ", ec.message()));
      }
    }
  }

 private:
  template <typename Initiate>
  beast::error_code RunToCompletion(Initiate initiate) {
    beast::error_code result = net::error::would_block;
    initiate([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  absl::Status Connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("cannot resolve ", host_, ":", port_, ": ", ec.message()));
    }
    stream_.emplace(ioc_);
    stream_->expires_after(kTimeout);
    ec = RunToCompletion([&](auto handler) { stream_->async_connect(endpoints, handler); });
    if (ec) {
      Disconnect();
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", host_, ":", port_, ": ", ec.message()));
    }
    beast::error_code ignored;
    stream_->socket().set_option(tcp::no_delay(true), ignored);
    buffer_.clear();
    return absl::OkStatus();
  }

  void Disconnect() {
    if (!stream_.has_value()) return;
    beast::error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_->close();
    stream_.reset();
    buffer_.clear();
  }

  std::optional<ClientResponse> RoundTrip(bhttp::request<bhttp::string_body>& req,
                                          beast::error_code& ec) {
    stream_->expires_after(kTimeout);
    ec = RunToCompletion([&](auto handler) { bhttp::async_write(*stream_, req, handler); });
    if (ec) return std::nullopt;
    bhttp::response_parser<bhttp::string_body> parser;
    // Downloads (artifacts) may be large. Not boost::none: Beast 1.74 compares the length
    // against the optional and treats "none" as a zero limit.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.skip(req.method() == bhttp::verb::head);  // no body follows a HEAD response
    parser.header_limit(1 << 20);
    stream_->expires_after(kTimeout);
    ec = RunToCompletion(
        [&](auto handler) { bhttp::async_read(*stream_, buffer_, parser, handler); });
    if (ec) return std::nullopt;
    auto& res = parser.get();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& field : res) {
      std::string name(Sv(field.name_string()));
      absl::AsciiStrToLower(&name);
      out.headers.emplace_back(std::move(name), std::string(Sv(field.value())));
    }
    if (!parser.keep_alive()) Disconnect();
    return out;
  }

  std::string host_;
  std::string port_;
  std::string prefix_;  // path prefix of the base URL, without a trailing '/'
  std::string host_header_;
  net::io_context ioc_{1};
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Create(std::string_view base_url) {
  std::string_view rest = base_url;
  constexpr std::string_view kScheme = "http://";
  if (rest.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(AsAbsl(rest.substr(0, kScheme.size())), AsAbsl(kScheme))) {
    return absl::InvalidArgumentError(
        absl::StrCat("base URL must start with http:// : ", AsAbsl(base_url)));
  }
  rest.remove_prefix(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string prefix(slash == std::string_view::npos ? std::string_view() : rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();

  std::string host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:5000
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("malformed host in ", AsAbsl(base_url)));
    }
    host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("malformed host in ", AsAbsl(base_url)));
      }
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no host in ", AsAbsl(base_url)));
  }
  int port = 80;
  if (!port_text.empty() &&
      (!absl::SimpleAtoi(AsAbsl(port_text), &port) || port <= 0 || port > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in ", AsAbsl(base_url)));
  }
  return std::unique_ptr<Client>(
      new ClientImpl(std::move(host), std::to_string(port), std::move(prefix)));
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  internal::AppendUrlEncoded(s, out);
  return out;
}

}  // namespace strata::http
