// Redis for the feature store tests: the shared server of scripts/test-services.sh
// (STRATA_TEST_REDIS_URL; with CI=true its absence is a failure, not a skip), and a private
// redis-server a test starts, stops and restarts on a free port (and a Unix socket) of its own.
#ifndef STRATA_FEATURES_TESTING_TEST_REDIS_H_
#define STRATA_FEATURES_TESTING_TEST_REDIS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"

namespace strata::features::testing {

// The shared server's URL, or "" with `*skip_reason` set (tests then GTEST_SKIP) or
// `*fail_reason` set when CI=true (tests then FAIL).
inline std::string SharedRedisUrl(std::string* skip_reason, std::string* fail_reason) {
  const char* url = std::getenv("STRATA_TEST_REDIS_URL");
  if (url != nullptr && *url != '\0') return url;
  const char* ci = std::getenv("CI");
  std::string why =
      "STRATA_TEST_REDIS_URL is not set; run eval \"$(bash scripts/test-services.sh start)\"";
  if (ci != nullptr && std::string(ci) == "true") {
    *fail_reason = why + " (CI=true requires Redis)";
  } else {
    *skip_reason = why;
  }
  return "";
}

// True when something accepts TCP connections on 127.0.0.1:port.
// In a test body or SetUp: declares `url` as the shared server's URL, or skips the test (a
// failure with CI=true: a missing service is never skipped silently there).
#define STRATA_SHARED_REDIS_URL_OR_SKIP(url)                                  \
  std::string url;                                                            \
  {                                                                           \
    std::string redis_skip_, redis_fail_;                                     \
    url = ::strata::features::testing::SharedRedisUrl(&redis_skip_, &redis_fail_); \
    if (!redis_fail_.empty()) FAIL() << redis_fail_;                          \
    if (!redis_skip_.empty()) GTEST_SKIP() << redis_skip_;                    \
  }

inline bool PortAccepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// True when something accepts connections on the Unix socket at `path`.
inline bool UnixSocketAccepts(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    close(fd);
    return false;
  }
  path.copy(addr.sun_path, path.size());
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

// A port the kernel just handed out (bound to 0, then released).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A redis-server of the test's own (no persistence), stopped by the destructor.
class PrivateRedis {
 public:
  PrivateRedis()
      : port_(FreePort()),
        dir_(std::filesystem::temp_directory_path() /
             absl::StrCat("strata_redis_", getpid(), "_", port_)) {
    std::filesystem::create_directories(dir_);
  }
  ~PrivateRedis() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  int port() const { return port_; }
  std::string url() const { return absl::StrCat("redis://127.0.0.1:", port_, "/0"); }
  // The same server over its Unix domain socket.
  std::string socket_path() const { return (dir_ / "redis.sock").string(); }
  std::string unix_url() const { return absl::StrCat("unix://", socket_path()); }

  // Starts the server and waits until it accepts connections on its port and its socket (up
  // to 10 s).
  bool Start() {
    std::string command = absl::StrCat(
        "redis-server --port ", port_, " --bind 127.0.0.1 --daemonize yes --save '' ",
        "--appendonly no --dir ", dir_.string(), " --pidfile ", (dir_ / "redis.pid").string(),
        " --unixsocket ", socket_path(), " --unixsocketperm 700",
        " --logfile ", (dir_ / "redis.log").string());
    if (std::system(command.c_str()) != 0) return false;
    // Both listeners: redis-server opens the port a moment before the socket.
    for (int i = 0; i < 1000; ++i) {
      if (PortAccepts(port_) && UnixSocketAccepts(socket_path())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Kills the server (SIGKILL: a crash, not a shutdown) and waits until the port is closed.
  void Stop() {
    std::ifstream in(dir_ / "redis.pid");
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) return;
    kill(pid, SIGKILL);
    // Not our child (daemonized), so no waitpid: the closed port says it is gone.
    for (int i = 0; i < 1000 && PortAccepts(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::error_code ec;
    std::filesystem::remove(dir_ / "redis.pid", ec);
  }

 private:
  int port_;
  std::filesystem::path dir_;
};

}  // namespace strata::features::testing

#endif  // STRATA_FEATURES_TESTING_TEST_REDIS_H_
