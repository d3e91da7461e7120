// One accepted HTTP/1.1 connection of the server and the state all connections share.
// Internal: includes Boost.Beast, so only server.cc and connection.cc include it.
#ifndef STRATA_HTTP_INTERNAL_CONNECTION_H_
#define STRATA_HTTP_INTERNAL_CONNECTION_H_

#include <atomic>
#include <chrono>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "strata/http/internal/access_log.h"
#include "strata/http/internal/metrics.h"
#include "strata/http/router.h"
#include "strata/http/server.h"

namespace strata::http::internal {

class Connection;

// Read-only after start except for the atomics and the connection registry.
struct ServerContext {
  Router router;
  ServerOptions options;
  std::unique_ptr<HttpMetrics> metrics;
  std::unique_ptr<AccessLog> access_log;  // null when disabled
  bool builtin_metrics = true;            // false when the router has its own GET /metrics
  std::atomic<bool> stopping{false};

  std::mutex mu;
  // Live connections, so Stop() can close idle ones.
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections ABSL_GUARDED_BY(mu);

  // Metrics slot of a matched route.
  int SlotOf(const Router::Route* route) const {
    return static_cast<int>(route - router.routes().data());
  }
};

// Serves requests of one connection strictly one after another (pipelined requests wait in the
// read buffer). Each connection belongs to one single-threaded io_context, so all its methods
// run on that context's thread (no strand needed).
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket`'s executor must be `io_context`'s.
  Connection(ServerContext& ctx, boost::asio::io_context& io_context,
             boost::asio::ip::tcp::socket socket);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Registers with the server and starts reading. Call once, right after construction.
  void Start();
  // Called on stop: closes the connection now if it waits for a request, otherwise after the
  // response in progress is written. Thread-safe (posts to the strand).
  void RequestShutdown();

 private:
  using ErrorCode = boost::beast::error_code;
  friend class AsyncSink;

  void ReadHeader();
  void OnFirstBytes(ErrorCode ec, size_t bytes);
  void OnHeader(ErrorCode ec, size_t bytes);
  void ReadBody();
  void OnBody(ErrorCode ec, size_t bytes);
  void OnReadError(ErrorCode ec);
  void FillRequestHeaders();
  void Dispatch();
  void DispatchAsync();
  // On the strand: the asynchronous handler's answer (or its absence) arrived.
  void OnAsyncResponse(Response&& response, bool abandoned);
  // The connection's io_context is running on the calling thread.
  bool OnOwnThread() const { return io_context_.get_executor().running_in_this_thread(); }
  // The pending read, write or drain must finish by now + `timeout`, or the connection is
  // closed. One timer per connection, re-armed lazily when it fires, so moving the deadline
  // (every request) costs no timer-queue operation.
  void SetDeadline(std::chrono::steady_clock::duration timeout);
  // No deadline while a handler holds the request.
  void ClearDeadline() { deadline_ = std::chrono::steady_clock::time_point::max(); }
  void ArmDeadlineTimer();
  void OnDeadlineTimer(ErrorCode ec);
  void SendError(int status, std::string_view message, bool close);
  void WriteResponse(bool close);
  // Opens response_.file_path; when it cannot be opened, turns response_ into the 404 error
  // and returns false.
  bool OpenResponseFile(boost::beast::http::file_body::value_type& file);
  bool StartFileResponse(bool close);
  void WriteFileChunk(bool close);
  void OnWrite(bool close, ErrorCode ec, size_t bytes);
  void FinishRequest();
  void DrainAndClose();
  void OnDrain(ErrorCode ec, size_t bytes);
  void Close();
  void ResetRequestState();

  ServerContext& ctx_;
  boost::asio::io_context& io_context_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool deadline_timer_armed_ = false;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Request request_;
  Response response_;
  std::string body_spare_;  // keeps the body buffer's capacity between requests
  std::string head_;        // serialized response status line and headers
  std::optional<boost::beast::http::response<boost::beast::http::file_body>> file_response_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::file_body>>
      file_serializer_;
  std::vector<char> drain_buffer_;

  // Per request.
  const Router::Route* route_ = nullptr;
  bool serve_metrics_ = false;
  int unmatched_status_ = 404;
  int slot_ = 0;
  bool head_only_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool in_flight_ = false;
  bool awaiting_async_ = false;  // an asynchronous handler holds the request
  bool drain_on_close_ = false;
  int64_t start_us_ = 0;
  uint64_t bytes_sent_ = 0;
  std::string_view route_label_;  // route name, "/metrics" or "unmatched"

  // Per connection.
  bool reading_ = false;  // a read of a request is pending (safe to close on stop)
  bool timed_out_ = false;  // the deadline cancelled a partly received request: answer 408
  uint64_t body_limit_ = 0;  // the current request's body limit, for the 413 message
  bool closed_ = false;
  size_t drained_ = 0;
};

}  // namespace strata::http::internal

#endif  // STRATA_HTTP_INTERNAL_CONNECTION_H_
