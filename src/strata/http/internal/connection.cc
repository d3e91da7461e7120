#include "strata/http/internal/connection.h"

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <exception>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "strata/base/clock.h"
#include "strata/base/strings.h"
#include "strata/http/internal/url.h"

namespace strata::http::internal {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

constexpr uint32_t kHeaderLimit = 64 << 10;
// After an error response that closes the connection, unread request bytes are drained (up to
// this much, within kDrainTimeout) so the client sees the response instead of a reset.
constexpr size_t kMaxDrainBytes = 8 << 20;
constexpr auto kDrainTimeout = std::chrono::seconds(2);
// A body buffer larger than this is not kept for the next request on the connection.
constexpr size_t kMaxSpareBodyCapacity = 1 << 20;
// What the first read of a request asks for (the buffer keeps this capacity afterwards).
constexpr size_t kFirstReadBytes = 16 << 10;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view Sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool IsHttpParseError(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category();
}

// Response header names the server writes itself.
bool IsReservedHeader(std::string_view name) {
  return absl::EqualsIgnoreCase(AsAbsl(name), "content-length") ||
         absl::EqualsIgnoreCase(AsAbsl(name), "transfer-encoding") ||
         absl::EqualsIgnoreCase(AsAbsl(name), "connection");
}

// Header values from handlers must not be able to inject lines.
void AppendHeaderValue(std::string_view v, std::string& out) {
  for (char c : v) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
}

}  // namespace

// Bridges a Responder to its connection. Holds the connection and, through a work-tracking
// executor, the io_context's outstanding work: the server's threads (and Stop()) wait for an
// answer that is still being computed elsewhere instead of running out of work.
class AsyncSink final : public Responder::Sink {
 public:
  explicit AsyncSink(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)),
        work_(net::prefer(connection_->io_context_.get_executor(),
                          net::execution::outstanding_work.tracked)) {}

  void Complete(Response&& response) override { Deliver(std::move(response), false); }
  void Abandon() override { Deliver(Response(), true); }

 private:
  using TrackedExecutor = decltype(net::prefer(std::declval<net::io_context::executor_type>(),
                                               net::execution::outstanding_work.tracked));

  void Deliver(Response&& response, bool abandoned) {
    if (connection_->OnOwnThread()) {
      // Answered on the connection's own thread (no batching: the handler predicted inline):
      // no hop through the event queue. OnAsyncResponse only starts the write.
      std::shared_ptr<Connection> connection = std::move(connection_);
      work_.reset();
      connection->OnAsyncResponse(std::move(response), abandoned);
      return;
    }
    net::post(*work_, [connection = std::move(connection_), response = std::move(response),
                       abandoned]() mutable {
      connection->OnAsyncResponse(std::move(response), abandoned);
    });
    work_.reset();  // the posted completion now keeps the context busy
  }

  std::shared_ptr<Connection> connection_;
  std::optional<TrackedExecutor> work_;
};

Connection::Connection(ServerContext& ctx, net::io_context& io_context,
                       net::ip::tcp::socket socket)
    : ctx_(ctx),
      io_context_(io_context),
      socket_(std::move(socket)),
      deadline_timer_(io_context) {
  ctx_.metrics->AddConnections(1);
}

Connection::~Connection() {
  if (in_flight_) ctx_.metrics->AddInFlight(-1);
  ctx_.metrics->AddConnections(-1);
  std::lock_guard<std::mutex> lock(ctx_.mu);
  ctx_.connections.erase(this);
}

void Connection::Start() {
  {
    std::lock_guard<std::mutex> lock(ctx_.mu);
    ctx_.connections.emplace(this, weak_from_this());
  }
  beast::error_code ec;
  socket_.set_option(net::ip::tcp::no_delay(true), ec);
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) request_.remote_address = remote.address().to_string();
  // Registered before this check, so a concurrent Stop() either sees this connection or this
  // sees `stopping`.
  if (ctx_.stopping.load()) {
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
    return;
  }
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void Connection::RequestShutdown() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->reading_ || self->drained_ > 0) self->Close();
    // Otherwise a response is being written; OnWrite sees `stopping` and closes.
  });
}

void Connection::ReadHeader() {
  if (closed_) return;
  if (ctx_.stopping.load(std::memory_order_relaxed)) {
    Close();
    return;
  }
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(ctx_.options.max_body_bytes);
  parser_->get().body() = std::move(body_spare_);
  reading_ = true;
  SetDeadline(std::chrono::milliseconds(ctx_.options.request_timeout_ms));
  if (buffer_.size() == 0) {
    // Beast reads at most 512 bytes at a time into a small buffer, which splits a typical
    // inference request (header + a ~1 KB body) over two or three receive calls. One large
    // read first usually brings the whole request; Beast then parses it from the buffer.
    socket_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            beast::bind_front_handler(&Connection::OnFirstBytes,
                                                      shared_from_this()));
    return;
  }
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
}

void Connection::OnFirstBytes(ErrorCode ec, size_t bytes) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  buffer_.commit(bytes);
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           beast::bind_front_handler(&Connection::OnHeader, shared_from_this()));
}

void Connection::ResetRequestState() {
  route_ = nullptr;
  serve_metrics_ = false;
  unmatched_status_ = 404;
  head_only_ = false;
  drain_on_close_ = false;
  bytes_sent_ = 0;
  route_label_ = "unmatched";
  start_us_ = MonotonicMicros();
  if (!in_flight_) {
    in_flight_ = true;
    ctx_.metrics->AddInFlight(1);
  }
}

void Connection::FillRequestHeaders() {
  auto& req = parser_->get();
  std::string_view method = Sv(req.method_string());
  request_.method.assign(method.data(), method.size());
  absl::AsciiStrToUpper(&request_.method);
  std::string_view target = Sv(req.target());
  request_.raw_target.assign(target.data(), target.size());
  size_t n = 0;
  for (const auto& field : req) {
    // Reuse existing elements (and their string buffers) before growing.
    if (n == request_.headers.size()) request_.headers.emplace_back();
    auto& [name, value] = request_.headers[n++];
    std::string_view fname = Sv(field.name_string());
    std::string_view fvalue = Sv(field.value());
    name.assign(fname.data(), fname.size());
    absl::AsciiStrToLower(&name);
    value.assign(fvalue.data(), fvalue.size());
  }
  request_.headers.resize(n);
  request_.wildcard.clear();
  request_.body.clear();
}

void Connection::OnHeader(ErrorCode ec, size_t) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  ResetRequestState();
  FillRequestHeaders();
  auto& req = parser_->get();
  keep_alive_ = parser_->keep_alive();
  http10_ = req.version() < 11;
  slot_ = ctx_.metrics->UnmatchedSlot(request_.method);

  if (!ParseTarget(request_.raw_target, request_.path, request_.query)) {
    request_.path = request_.raw_target;  // for the access log
    SendError(400, "malformed percent-encoding in request path", /*close=*/true);
    return;
  }

  Router::Match match = ctx_.router.Find(request_.method, request_.path);
  if (match.route == nullptr && request_.method == "HEAD") {
    Router::Match get = ctx_.router.Find("GET", request_.path);
    if (get.route != nullptr) {
      match = std::move(get);
      head_only_ = true;
    }
  }
  if (match.route != nullptr) {
    route_ = match.route;
    request_.wildcard = std::move(match.wildcard);
    slot_ = ctx_.SlotOf(route_);
    route_label_ = route_->name;
  } else if (ctx_.builtin_metrics && request_.path == "/metrics" &&
             (request_.method == "GET" || request_.method == "HEAD")) {
    serve_metrics_ = true;
    head_only_ = request_.method == "HEAD";
    slot_ = ctx_.metrics->metrics_slot();
    route_label_ = "/metrics";
  } else {
    unmatched_status_ = match.path_known ? 405 : 404;
  }

  uint64_t limit = ctx_.options.max_body_bytes;
  if (route_ != nullptr && route_->max_body_bytes.has_value()) limit = *route_->max_body_bytes;
  if (parser_->content_length().has_value() && *parser_->content_length() > limit) {
    SendError(413, absl::StrCat("request body exceeds the limit of ", limit, " bytes"),
              /*close=*/true);
    return;
  }
  parser_->body_limit(limit);
  body_limit_ = limit;
  if (parser_->is_done()) {
    OnBody({}, 0);
    return;
  }
  if (!http10_ && absl::EqualsIgnoreCase(AsAbsl(request_.Header("expect")), "100-continue")) {
    reading_ = false;
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     [self = shared_from_this()](ErrorCode ec, size_t) {
                       if (ec) {
                         self->Close();
                         return;
                       }
                       self->ReadBody();
                     });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  if (closed_) return;
  reading_ = true;
  // The body gets its own request_timeout_ms, so a large upload is not cut by the header's.
  SetDeadline(std::chrono::milliseconds(ctx_.options.request_timeout_ms));
  bhttp::async_read(socket_, buffer_, *parser_,
                    beast::bind_front_handler(&Connection::OnBody, shared_from_this()));
}

void Connection::OnBody(ErrorCode ec, size_t) {
  if (ec) {
    OnReadError(ec);
    return;
  }
  reading_ = false;
  request_.body = std::move(parser_->get().body());
  Dispatch();
}

void Connection::OnReadError(ErrorCode ec) {
  reading_ = false;
  if (ec == bhttp::error::body_limit) {
    SendError(413, absl::StrCat("request body exceeds the limit of ", body_limit_, " bytes"),
              /*close=*/true);
    return;
  }
  if (timed_out_) {
    SendError(408, absl::StrCat("the request did not arrive within ",
                                ctx_.options.request_timeout_ms, " ms"),
              /*close=*/true);
    return;
  }
  if (ec == bhttp::error::header_limit) {
    if (!in_flight_) ResetRequestState();
    SendError(431, "request header too large", /*close=*/true);
    return;
  }
  if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
      ec != bhttp::error::partial_message) {
    if (!in_flight_) {
      ResetRequestState();
      request_.method.clear();
      request_.path.clear();
      slot_ = ctx_.metrics->UnmatchedSlot("");
    }
    SendError(400, absl::StrCat("malformed HTTP request: ", ec.message()), /*close=*/true);
    return;
  }
  // Client went away, timed out (slow or idle) or the server is stopping.
  Close();
}

void Connection::Dispatch() {
  ClearDeadline();
  response_.status = 200;
  response_.content_type = "application/json";
  response_.body.clear();
  response_.headers.clear();
  response_.file_path.clear();
  if (route_ != nullptr && route_->async_handler) {
    DispatchAsync();
    return;
  }
  if (route_ != nullptr) {
    try {
      route_->handler(request_, response_);
    } catch (const std::exception& e) {
      spdlog::error("http handler {} {} threw: {}", request_.method, request_.path, e.what());
      SendError(500, "internal server error", /*close=*/!keep_alive_);
      return;
    } catch (...) {
      spdlog::error("http handler {} {} threw a non-standard exception", request_.method,
                    request_.path);
      SendError(500, "internal server error", /*close=*/!keep_alive_);
      return;
    }
  } else if (serve_metrics_) {
    response_.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response_.body = ctx_.metrics->Render();
    if (ctx_.options.extra_metrics) response_.body += ctx_.options.extra_metrics();
  } else {
    SendError(unmatched_status_,
              unmatched_status_ == 405
                  ? absl::StrCat("method ", request_.method, " not allowed for ", request_.path)
                  : absl::StrCat("no endpoint ", request_.method, " ", request_.path),
              /*close=*/!keep_alive_);
    return;
  }
  WriteResponse(/*close=*/!keep_alive_);
}

void Connection::DispatchAsync() {
  awaiting_async_ = true;
  Request handed = std::move(request_);
  // What the access log and metrics still need after the handler took the request.
  request_.method = handed.method;
  request_.path = handed.path;
  request_.remote_address = handed.remote_address;
  try {
    route_->async_handler(std::move(handed), Responder(std::make_shared<AsyncSink>(
                                                 shared_from_this())));
  } catch (const std::exception& e) {
    // The unwound Responder (if the handler still held it) answers 500 through Abandon().
    spdlog::error("http async handler {} {} threw: {}", request_.method, request_.path, e.what());
  } catch (...) {
    spdlog::error("http async handler {} {} threw a non-standard exception", request_.method,
                  request_.path);
  }
  // Whatever the handler left in the request is ours again: its buffers serve the next
  // request on this connection (the body's through body_spare_ after the write).
  request_.headers = std::move(handed.headers);
  request_.query = std::move(handed.query);
  request_.raw_target = std::move(handed.raw_target);
  request_.wildcard = std::move(handed.wildcard);
  if (request_.body.capacity() < handed.body.capacity()) request_.body = std::move(handed.body);
}

void Connection::OnAsyncResponse(Response&& response, bool abandoned) {
  if (!awaiting_async_) return;
  awaiting_async_ = false;
  if (closed_) return;
  if (abandoned) {
    SendError(500, "internal server error: the handler did not answer", /*close=*/!keep_alive_);
    return;
  }
  response_ = std::move(response);
  WriteResponse(/*close=*/!keep_alive_);
}

void Connection::SendError(int status, std::string_view message, bool close) {
  response_ = Response();
  response_.status = status;
  ctx_.options.error_responder(status, message, response_);
  if (close) drain_on_close_ = true;
  WriteResponse(close);
}

void Connection::WriteResponse(bool close) {
  reading_ = false;
  if (ctx_.stopping.load(std::memory_order_relaxed)) close = true;
  if (response_.status < 100 || response_.status > 999) response_.status = 500;
  if (!response_.file_path.empty() && !head_only_ && StartFileResponse(close)) return;

  uint64_t content_length = response_.body.size();
  if (!response_.file_path.empty()) {
    // HEAD for a file: the size without the bytes. A missing file was turned into a 404 above
    // for GET; for HEAD report it here.
    bhttp::file_body::value_type file;
    content_length = OpenResponseFile(file) ? file.size() : response_.body.size();
  }

  head_.clear();
  std::string_view reason =
      Sv(bhttp::obsolete_reason(static_cast<bhttp::status>(response_.status)));
  absl::StrAppend(&head_, "HTTP/1.1 ", response_.status, " ", AsAbsl(reason),
                  "\r\nServer: strata\r\n");
  if (!response_.content_type.empty()) {
    head_ += "Content-Type: ";
    AppendHeaderValue(response_.content_type, head_);
    head_ += "\r\n";
  }
  absl::StrAppend(&head_, "Content-Length: ", content_length, "\r\n");
  if (close) {
    head_ += "Connection: close\r\n";
  } else if (http10_) {
    head_ += "Connection: keep-alive\r\n";
  }
  for (const auto& [name, value] : response_.headers) {
    if (IsReservedHeader(name) || name.find_first_of("\r\n:") != std::string::npos) continue;
    head_ += name;
    head_ += ": ";
    AppendHeaderValue(value, head_);
    head_ += "\r\n";
  }
  head_ += "\r\n";
  bytes_sent_ = head_only_ ? 0 : response_.body.size();
  std::array<net::const_buffer, 2> buffers = {
      net::buffer(head_), head_only_ ? net::const_buffer() : net::buffer(response_.body)};
  SetDeadline(std::chrono::milliseconds(ctx_.options.request_timeout_ms));
  net::async_write(socket_, buffers,
                   beast::bind_front_handler(&Connection::OnWrite, shared_from_this(), close));
}

bool Connection::OpenResponseFile(bhttp::file_body::value_type& file) {
  beast::error_code ec;
  file.open(response_.file_path.c_str(), beast::file_mode::scan, ec);
  if (!ec) return true;
  response_ = Response();
  ctx_.options.error_responder(404, "file not found", response_);
  response_.status = 404;
  return false;
}

bool Connection::StartFileResponse(bool close) {
  bhttp::file_body::value_type file;
  if (!OpenResponseFile(file)) return false;  // the caller writes the error body
  bytes_sent_ = file.size();
  file_response_.emplace(static_cast<bhttp::status>(response_.status), 11);
  auto& res = *file_response_;
  res.set(bhttp::field::server, "strata");
  if (!response_.content_type.empty()) res.set(bhttp::field::content_type, response_.content_type);
  for (const auto& [name, value] : response_.headers) {
    if (IsReservedHeader(name) || name.find_first_of("\r\n:") != std::string::npos) continue;
    std::string clean;
    AppendHeaderValue(value, clean);
    res.insert(name, clean);
  }
  res.body() = std::move(file);
  res.prepare_payload();
  res.keep_alive(!close);
  if (!close && !http10_) res.erase(bhttp::field::connection);
  file_serializer_.emplace(res);
  WriteFileChunk(close);
  return true;
}

void Connection::WriteFileChunk(bool close) {
  // The deadline is renewed per chunk: a large download only has to keep making progress.
  SetDeadline(std::chrono::milliseconds(ctx_.options.request_timeout_ms));
  bhttp::async_write_some(socket_, *file_serializer_,
                          [self = shared_from_this(), close](ErrorCode ec, size_t bytes) {
                            if (!ec && !self->file_serializer_->is_done()) {
                              self->WriteFileChunk(close);
                              return;
                            }
                            self->file_serializer_.reset();
                            self->file_response_.reset();
                            self->OnWrite(close, ec, bytes);
                          });
}

void Connection::OnWrite(bool close, ErrorCode ec, size_t) {
  FinishRequest();
  if (ec) {
    Close();
    return;
  }
  if (close || ctx_.stopping.load(std::memory_order_relaxed)) {
    if (drain_on_close_ && !ctx_.stopping.load(std::memory_order_relaxed)) {
      DrainAndClose();
    } else {
      Close();
    }
    return;
  }
  // Hand the body buffer back to the next request unless it grew large.
  body_spare_ = std::move(request_.body);
  body_spare_.clear();
  if (body_spare_.capacity() > kMaxSpareBodyCapacity) body_spare_ = std::string();
  if (response_.body.capacity() > kMaxSpareBodyCapacity) response_.body = std::string();
  ReadHeader();
}

void Connection::FinishRequest() {
  if (!in_flight_) return;
  in_flight_ = false;
  ctx_.metrics->AddInFlight(-1);
  int64_t duration = MonotonicMicros() - start_us_;
  ctx_.metrics->Record(slot_, response_.status, duration);
  if (ctx_.access_log != nullptr) {
    AccessLog::Entry e;
    e.remote = request_.remote_address;
    e.method = request_.method;
    e.path = request_.path;
    e.route = route_label_;
    e.status = response_.status;
    e.bytes = bytes_sent_;
    e.duration_us = duration;
    ctx_.access_log->Write(e);
  }
}

void Connection::DrainAndClose() {
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  drain_buffer_.resize(16 << 10);
  drained_ = 1;  // marks the connection as draining for RequestShutdown
  SetDeadline(kDrainTimeout);
  socket_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&Connection::OnDrain, shared_from_this()));
}

void Connection::OnDrain(ErrorCode ec, size_t bytes) {
  drained_ += bytes;
  if (ec || closed_ || drained_ > kMaxDrainBytes) {
    Close();
    return;
  }
  socket_.async_read_some(net::buffer(drain_buffer_),
                          beast::bind_front_handler(&Connection::OnDrain, shared_from_this()));
}

void Connection::Close() {
  reading_ = false;
  if (closed_) return;
  closed_ = true;
  if (in_flight_) {
    in_flight_ = false;
    ctx_.metrics->AddInFlight(-1);
  }
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  deadline_timer_.cancel();  // releases the timer's hold on the connection
}

void Connection::SetDeadline(std::chrono::steady_clock::duration timeout) {
  deadline_ = std::chrono::steady_clock::now() + timeout;
  if (!deadline_timer_armed_ || deadline_timer_.expiry() > deadline_) ArmDeadlineTimer();
}

void Connection::ArmDeadlineTimer() {
  if (closed_) return;
  deadline_timer_armed_ = true;
  deadline_timer_.expires_at(deadline_);  // cancels an earlier wait (it then does nothing)
  deadline_timer_.async_wait(
      [self = shared_from_this()](ErrorCode ec) { self->OnDeadlineTimer(ec); });
}

void Connection::OnDeadlineTimer(ErrorCode ec) {
  if (ec == net::error::operation_aborted) return;  // re-armed or closed
  deadline_timer_armed_ = false;
  if (closed_ || deadline_ == std::chrono::steady_clock::time_point::max()) return;
  if (std::chrono::steady_clock::now() >= deadline_) {
    // A client that sent part of a request and stalled (slow loris) is told so: the read is
    // cancelled and its handler answers 408 and closes. An idle keep-alive connection or a
    // stalled write just closes, as the request_timeout_ms contract says.
    if (reading_ && !timed_out_ && (buffer_.size() > 0 || (parser_ && parser_->got_some()))) {
      timed_out_ = true;
      beast::error_code ignored;
      socket_.cancel(ignored);
      return;
    }
    Close();
    return;
  }
  ArmDeadlineTimer();
}

}  // namespace strata::http::internal
