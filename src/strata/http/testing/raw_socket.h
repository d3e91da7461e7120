// A blocking loopback TCP client for tests that need bytes the http::Client would never send
// (malformed requests, pipelining, slow senders).
#ifndef STRATA_HTTP_TESTING_RAW_SOCKET_H_
#define STRATA_HTTP_TESTING_RAW_SOCKET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"

namespace strata::http::testing {

// Not thread-safe.
class RawSocket {
 public:
  explicit RawSocket(int port, int recv_timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval tv{recv_timeout_ms / 1000, (recv_timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }

  // False when the peer has closed the connection.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response with a Content-Length body (or none); empty on close or timeout.
  std::string ReadResponse() {
    size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return "";
    }
    size_t body_start = header_end + 4;
    std::string lower = absl::AsciiStrToLower(pending_.substr(0, body_start));
    size_t length = 0;
    size_t at = lower.find("\r\ncontent-length:");
    if (at != std::string::npos) {
      size_t end = lower.find("\r\n", at + 2);
      std::string value(absl::StripAsciiWhitespace(lower.substr(at + 17, end - at - 17)));
      if (!absl::SimpleAtoi(value, &length)) return "";
    }
    while (pending_.size() < body_start + length) {
      if (!Fill()) return "";
    }
    std::string response = pending_.substr(0, body_start + length);
    pending_.erase(0, body_start + length);
    return response;
  }

  // True when the peer closes (EOF or reset) before the receive timeout.
  bool WaitClosed() {
    for (;;) {
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

 private:
  bool Fill() {
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

}  // namespace strata::http::testing

#endif  // STRATA_HTTP_TESTING_RAW_SOCKET_H_
