#include "strata/http/server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "strata/base/event_loop.h"
#include "strata/base/strings.h"
#include "strata/http/internal/access_log.h"
#include "strata/http/internal/connection.h"
#include "strata/http/internal/metrics.h"
#include "strata/http/internal/scheduler_slice.h"

namespace strata::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// How long Stop() lets in-flight requests finish before abandoning them.
constexpr auto kStopGrace = std::chrono::seconds(5);

std::string_view DefaultErrorCode(int status) {
  switch (status) {
    case 404:
    case 405:
      return "ENDPOINT_NOT_FOUND";
    case 408:
      return "DEADLINE_EXCEEDED";
    case 413:
    case 431:
      return "RESOURCE_EXHAUSTED";
    default:
      return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  }
}

void DefaultErrorResponder(int status, std::string_view message, Response& res) {
  res.status = status;
  res.content_type = "application/json";
  res.body = "{\"error_code\":\"";
  res.body += DefaultErrorCode(status);
  res.body += "\",\"message\":\"";
  internal::AppendJsonEscaped(message, res.body);
  res.body += "\"}";
}

// One single-threaded io_context per I/O thread, each connection on one of them (round robin):
// a connection's handlers never change threads, so they need no strand, and a thread never
// wakes another to run a completion. The acceptor lives on the first context.
std::vector<std::unique_ptr<net::io_context>> MakeContexts(int threads) {
  std::vector<std::unique_ptr<net::io_context>> contexts;
  for (int i = 0; i < threads; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  return contexts;
}

std::vector<std::unique_ptr<EventLoop>> MakeLoops(
    const std::vector<std::unique_ptr<net::io_context>>& contexts) {
  std::vector<std::unique_ptr<EventLoop>> loops;
  for (const auto& c : contexts) loops.push_back(std::make_unique<EventLoop>(*c));
  return loops;
}

class ServerImpl : public Server {
 public:
  explicit ServerImpl(std::unique_ptr<internal::ServerContext> ctx, int threads)
      : ctx_(std::move(ctx)),
        contexts_(MakeContexts(threads)),
        loops_(MakeLoops(contexts_)),
        acceptor_(*contexts_[0]),
        retry_timer_(*contexts_[0]),
        thread_count_(threads) {
    // Threads without connections yet must keep running until Stop().
    for (auto& c : contexts_) keep_running_.emplace_back(c->get_executor());
  }

  ~ServerImpl() override {
    Stop();
    for (std::thread& t : threads_) {
      // Only when the server is destroyed from one of its own handlers.
      if (t.joinable()) t.detach();
    }
  }

  absl::Status Listen() {
    boost::system::error_code ec;
    net::ip::address address = net::ip::make_address(ctx_->options.host, ec);
    if (ec) {
      tcp::resolver resolver(*contexts_[0]);
      auto results = resolver.resolve(ctx_->options.host, "", ec);
      if (ec || results.empty()) {
        return absl::UnavailableError(
            absl::StrCat("cannot resolve host ", ctx_->options.host, ": ", ec.message()));
      }
      address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(ctx_->options.port));
    auto fail = [&](std::string_view what) {
      return absl::UnavailableError(absl::StrCat("cannot ", AsAbsl(what), " ", ctx_->options.host,
                                                 ":", ctx_->options.port, ": ", ec.message()));
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open socket for");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("set SO_REUSEADDR on");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen on");
    port_ = acceptor_.local_endpoint(ec).port();
    return absl::OkStatus();
  }

  void Run() {
    Accept();
    running_threads_ = thread_count_;
    for (int i = 0; i < thread_count_; ++i) {
      threads_.emplace_back([this, i] { RunThread(*loops_[static_cast<size_t>(i)]); });
    }
  }

  int port() const override { return port_; }

  void Stop() override {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      if (stop_started_) return;
      stop_started_ = true;
    }
    ctx_->stopping.store(true);
    net::post(acceptor_.get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
      retry_timer_.cancel();
    });
    std::vector<std::shared_ptr<internal::Connection>> live;
    {
      std::lock_guard<std::mutex> lock(ctx_->mu);
      for (auto& [ptr, weak] : ctx_->connections) {
        if (auto c = weak.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) c->RequestShutdown();
    live.clear();
    for (auto& guard : keep_running_) guard.reset();
    // Clients doing I/O on the loops (the Redis online store's connections) finish what is in
    // flight and close, so the loops can run out of work.
    for (auto& loop : loops_) {
      net::post(loop->context(), [loop = loop.get()] { loop->Shutdown(); });
    }

    // With the acceptor and idle connections closed the io_context runs out of work once the
    // in-flight responses are written; past the grace period they are abandoned.
    {
      std::unique_lock<std::mutex> lock(threads_mu_);
      bool self_is_io = false;
      for (const std::thread& t : threads_) self_is_io |= t.get_id() == std::this_thread::get_id();
      int must_exit = self_is_io ? 1 : 0;
      if (!threads_cv_.wait_for(lock, kStopGrace, [&] { return running_threads_ <= must_exit; })) {
        spdlog::warn("http server: in-flight requests did not finish within {}s; abandoning them",
                     std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count());
        for (auto& c : contexts_) c->stop();
      }
    }
    for (std::thread& t : threads_) {
      if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
    }
    ctx_->access_log.reset();  // flushes
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stopped_ = true;
    }
    stop_cv_.notify_all();
  }

  void Wait() override {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return stopped_; });
  }

 private:
  void RunThread(EventLoop& loop) {
    net::io_context& ioc = loop.context();
    EventLoop::Scope scope(loop);
    if (const int slice_us = ctx_->options.scheduler_slice_us; slice_us != 0) {
      absl::Status sliced = internal::SetSchedulerSliceOfThisThread(slice_us);
      // Latency only: serving goes on with the default slice, said once per server.
      if (!sliced.ok() && !slice_warning_given_.exchange(true)) {
        spdlog::warn("http server: keeping the default scheduler slice: {}", sliced.ToString());
      }
    }
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (const std::exception& e) {
        // Handlers catch their own exceptions; this is a last resort so a thread is not lost.
        spdlog::error("http server: exception escaped the event loop: {}", e.what());
      }
    }
    loop.Shutdown();  // whatever registered after the posted Shutdown, on this thread
    {
      std::lock_guard<std::mutex> lock(threads_mu_);
      --running_threads_;
    }
    threads_cv_.notify_all();
  }

  void Accept() {
    net::io_context& target = *contexts_[next_context_];
    next_context_ = (next_context_ + 1) % contexts_.size();
    acceptor_.async_accept(
        target, [this, &target](boost::system::error_code ec, tcp::socket socket) {
          if (ctx_->stopping.load()) return;
          if (ec) {
            if (ec == net::error::operation_aborted) return;
            // EMFILE and friends: back off instead of spinning.
            spdlog::warn("http server: accept failed: {}", ec.message());
            retry_timer_.expires_after(std::chrono::milliseconds(50));
            retry_timer_.async_wait([this](boost::system::error_code ec) {
              if (!ec && !ctx_->stopping.load()) Accept();
            });
            return;
          }
          std::make_shared<internal::Connection>(*ctx_, target, std::move(socket))->Start();
          Accept();
        });
  }

  // Destroyed last: connections still owned by abandoned handlers refer to it.
  std::unique_ptr<internal::ServerContext> ctx_;
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  // Declared after contexts_: destroyed first, while the io_contexts still exist.
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running_;
  size_t next_context_ = 0;  // where the next accepted connection goes (acceptor's thread)
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  int port_ = 0;
  const int thread_count_;
  std::vector<std::thread> threads_;

  std::atomic<bool> slice_warning_given_{false};

  std::mutex threads_mu_;
  std::condition_variable threads_cv_;
  int running_threads_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_started_ = false;
  bool stopped_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(Router router, ServerOptions options) {
  auto ctx = std::make_unique<internal::ServerContext>();
  if (!options.error_responder) options.error_responder = DefaultErrorResponder;
  if (options.request_timeout_ms <= 0) options.request_timeout_ms = 30000;
  if (options.scheduler_slice_us != 0 &&
      (options.scheduler_slice_us < 100 || options.scheduler_slice_us > 100000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("scheduler_slice_us ", options.scheduler_slice_us,
                     " is outside [100, 100000] (0 keeps the kernel's default slice)"));
  }
  std::vector<internal::HttpMetrics::Label> labels;
  labels.reserve(router.routes().size());
  for (const Router::Route& r : router.routes()) labels.push_back({r.name, r.method});
  ctx->metrics = std::make_unique<internal::HttpMetrics>(labels);
  ctx->builtin_metrics = router.Find("GET", "/metrics").route == nullptr;
  if (!options.access_log_path.empty()) {
    auto log = internal::AccessLog::Open(options.access_log_path);
    if (!log.ok()) return log.status();
    ctx->access_log = std::move(*log);
  }
  ctx->router = std::move(router);
  ctx->options = std::move(options);

  int threads = ctx->options.threads > 0
                    ? ctx->options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  auto server = std::make_unique<ServerImpl>(std::move(ctx), threads);
  absl::Status listened = server->Listen();
  if (!listened.ok()) return listened;
  server->Run();
  return server;
}

}  // namespace strata::http
