#include "strata/features/internal/redis_loop_connection.h"

#include <hiredis/hiredis.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::features::internal {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
// TCP or a Unix domain socket, chosen per address.
using stream = net::generic::stream_protocol;

constexpr std::chrono::seconds kReplyTimeout{10};
constexpr size_t kReadBufferBytes = 16 * 1024;

// One command waiting for its reply.
struct PendingCommand {
  std::string bytes;        // the RESP command, kept for one resend
  std::string view_key;     // for messages; empty for AUTH / SELECT
  size_t keys = 0;
  OnlineReadDone done;      // empty for AUTH / SELECT
  bool resent = false;
  bool setup() const { return !done; }
};

struct ReaderDeleter {
  void operator()(redisReader* r) const {
    if (r != nullptr) redisReaderFree(r);
  }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};

class LoopConnection final : public RedisLoopConnection,
                             public std::enable_shared_from_this<LoopConnection> {
 public:
  LoopConnection(EventLoop& loop, RedisAddress address)
      : loop_(loop), address_(std::move(address)), reader_(redisReaderCreate()) {}

  void RegisterShutdown() {
    std::weak_ptr<LoopConnection> weak = weak_from_this();
    loop_.AddShutdownCallback([weak] {
      if (std::shared_ptr<LoopConnection> self = weak.lock()) {
        {
          std::lock_guard<std::mutex> lock(self->loop_mu_);
          self->loop_gone_ = true;
        }
        self->CloseSoon();
      }
    });
  }

  void Hmget(std::string_view view_key, std::vector<std::string> keys,
             OnlineReadDone done) override {
    if (closing_) {
      done(Closing(), {});
      return;
    }
    PendingCommand command;
    command.bytes = FormatHmget(view_key, keys);
    command.view_key = std::string(view_key);
    command.keys = keys.size();
    command.done = std::move(done);
    Queue(std::move(command));
  }

  void CloseFromAnyThread() override {
    std::lock_guard<std::mutex> lock(loop_mu_);
    if (loop_gone_) return;  // closed by the loop's shutdown; the io_context may be gone
    net::post(loop_.context(), [self = shared_from_this()] { self->CloseSoon(); });
  }

  bool loop_gone() const override {
    std::lock_guard<std::mutex> lock(loop_mu_);
    return loop_gone_;
  }

 private:
  enum class State { kDisconnected, kConnecting, kReady };

  absl::Status Closing() const {
    return absl::UnavailableError(
        absl::StrCat(RedisWhere(address_), ": the online store is closing"));
  }

  // Invariant while not kReady: every queued command's bytes are in out_, in queue order.
  void Queue(PendingCommand command) {
    if (pending_.empty()) last_progress_ = std::chrono::steady_clock::now();
    out_.append(command.bytes);
    pending_.push_back(std::move(command));
    ArmTimer();
    if (state_ == State::kDisconnected) {
      Connect();
    } else if (state_ == State::kReady) {
      Write();
    }
  }

  void Connect() {
    state_ = State::kConnecting;
    const uint64_t generation = ++generation_;
    socket_.emplace(loop_.context());
    boost::system::error_code ec;
    std::vector<stream::endpoint> endpoints;
    net::ip::address ip;
    if (!address_.unix_path.empty()) {
      endpoints.emplace_back(net::local::stream_protocol::endpoint(address_.unix_path));
    } else if (ip = net::ip::make_address(address_.host, ec); !ec) {
      endpoints.emplace_back(tcp::endpoint(ip, static_cast<unsigned short>(address_.port)));
    } else {
      // A host name: resolved here, once per connection (a name in /etc/hosts or a cache).
      tcp::resolver resolver(loop_.context());
      auto results = resolver.resolve(address_.host, std::to_string(address_.port), ec);
      if (ec) return Fail(ConnectError(ec), /*retry=*/false);
      for (const auto& r : results) endpoints.push_back(r.endpoint());
    }
    net::async_connect(*socket_, endpoints,
                       [self = shared_from_this(), generation](boost::system::error_code ec,
                                                               const stream::endpoint&) {
                         if (generation != self->generation_) return;
                         self->OnConnect(ec);
                       });
  }

  absl::Status ConnectError(const boost::system::error_code& ec) const {
    return absl::UnavailableError(absl::StrCat(RedisWhere(address_), ": connect failed: ",
                                               ec.message(),
                                               " (will reconnect on the next call)"));
  }

  void OnConnect(const boost::system::error_code& ec) {
    if (ec) return Fail(ConnectError(ec), /*retry=*/false);
    if (address_.unix_path.empty()) {
      boost::system::error_code ignored;
      socket_->set_option(tcp::no_delay(true), ignored);
      socket_->set_option(net::socket_base::keep_alive(true), ignored);
    }
    // AUTH and SELECT go first; the queued reads follow them in the same write.
    std::string setup;
    std::deque<PendingCommand> setup_commands;
    if (!address_.password.empty()) {
      PendingCommand auth;
      auth.bytes = FormatRedisCommand({"AUTH", address_.password});
      setup.append(auth.bytes);
      setup_commands.push_back(std::move(auth));
    }
    if (address_.db != 0) {
      PendingCommand select;
      std::string db = std::to_string(address_.db);
      select.bytes = FormatRedisCommand({"SELECT", db});
      setup.append(select.bytes);
      setup_commands.push_back(std::move(select));
    }
    while (!setup_commands.empty()) {
      pending_.push_front(std::move(setup_commands.back()));
      setup_commands.pop_back();
    }
    out_.insert(0, setup);
    state_ = State::kReady;
    Read();
    Write();
  }

  void Write() {
    if (writing_ || out_.empty()) return;
    writing_ = true;
    in_flight_.swap(out_);
    out_.clear();
    const uint64_t generation = generation_;
    net::async_write(*socket_, net::buffer(in_flight_),
                     [self = shared_from_this(), generation](boost::system::error_code ec,
                                                             size_t) {
                       if (generation != self->generation_) return;
                       self->writing_ = false;
                       self->in_flight_.clear();
                       if (ec) return self->Fail(self->WireError("write", ec), /*retry=*/true);
                       self->Write();
                     });
  }

  void Read() {
    const uint64_t generation = generation_;
    socket_->async_read_some(
        net::buffer(read_buffer_),
        [self = shared_from_this(), generation](boost::system::error_code ec, size_t n) {
          if (generation != self->generation_) return;
          self->OnRead(ec, n);
        });
  }

  absl::Status WireError(std::string_view what, const boost::system::error_code& ec) const {
    return absl::UnavailableError(absl::StrCat(RedisWhere(address_), ": ", AsAbsl(what),
                                               " failed: ",
                                               ec == net::error::eof ? "connection lost"
                                                                     : ec.message(),
                                               " (will reconnect on the next call)"));
  }

  void OnRead(const boost::system::error_code& ec, size_t n) {
    if (ec) return Fail(WireError("read", ec), /*retry=*/true);
    if (redisReaderFeed(reader_.get(), read_buffer_.data(), n) != REDIS_OK) {
      return Fail(absl::UnavailableError(absl::StrCat(RedisWhere(address_),
                                                      ": malformed reply stream")),
                  /*retry=*/false);
    }
    const uint64_t generation = generation_;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
        return Fail(absl::UnavailableError(absl::StrCat(RedisWhere(address_),
                                                        ": malformed reply stream")),
                    /*retry=*/false);
      }
      if (raw == nullptr) break;
      std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(raw));
      if (pending_.empty()) {
        return Fail(absl::InternalError(absl::StrCat(RedisWhere(address_),
                                                     ": a reply nothing asked for")),
                    /*retry=*/false);
      }
      PendingCommand command = std::move(pending_.front());
      pending_.pop_front();
      last_progress_ = std::chrono::steady_clock::now();
      if (command.setup()) {
        if (reply->type == REDIS_REPLY_ERROR) {
          return Fail(RedisReplyError(address_, std::string_view(reply->str, reply->len),
                                      "connection setup"),
                      /*retry=*/false);
        }
        continue;
      }
      std::vector<std::optional<std::string>> records;
      absl::Status status =
          ParseHmgetReply(address_, *reply, command.view_key, command.keys, &records);
      command.done(std::move(status), std::move(records));
      // A callback may have closed this connection (its store went away with the request).
      if (generation != generation_) return;
    }
    if (closing_ && pending_.empty()) return CloseNow();
    Read();
  }

  // Reads without a reply for kReplyTimeout fail the connection (a hung server).
  void ArmTimer() {
    if (timer_armed_) return;
    if (!timer_) timer_.emplace(loop_.context());
    timer_armed_ = true;
    timer_->expires_at(last_progress_ + kReplyTimeout);
    timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->timer_armed_ = false;
      if (ec || self->pending_.empty() || !self->timer_) return;
      if (std::chrono::steady_clock::now() - self->last_progress_ >= kReplyTimeout) {
        return self->Fail(absl::UnavailableError(absl::StrCat(
                              RedisWhere(self->address_), ": no reply within ",
                              kReplyTimeout.count(), " s (will reconnect on the next call)")),
                          /*retry=*/false);
      }
      self->ArmTimer();
    });
  }

  // Drops the connection. With `retry`, reads sent only once go out again on a new
  // connection (the server restarted under an open one); the others get `status`.
  void Fail(absl::Status status, bool retry) {
    ++generation_;
    socket_.reset();
    reader_.reset(redisReaderCreate());
    state_ = State::kDisconnected;
    writing_ = false;
    in_flight_.clear();
    out_.clear();
    std::deque<PendingCommand> failed = std::move(pending_);
    pending_.clear();
    std::deque<PendingCommand> again;
    std::vector<PendingCommand> give_up;
    for (PendingCommand& c : failed) {
      if (c.setup()) continue;
      if (retry && !c.resent && !closing_) {
        c.resent = true;
        again.push_back(std::move(c));
      } else {
        give_up.push_back(std::move(c));
      }
    }
    // Resend before running any callback: one may queue a new read, which must follow these.
    if (!again.empty()) {
      last_progress_ = std::chrono::steady_clock::now();
      for (PendingCommand& c : again) {
        out_.append(c.bytes);
        pending_.push_back(std::move(c));
      }
      Connect();
    }
    for (PendingCommand& c : give_up) c.done(status, {});
    if (closing_ && pending_.empty()) CloseNow();
  }

  // The owner or the loop is done with this connection: close once nothing is in flight.
  void CloseSoon() {
    closing_ = true;
    if (pending_.empty()) CloseNow();
  }

  void CloseNow() {
    closing_ = true;
    ++generation_;
    socket_.reset();
    timer_.reset();  // cancels its wait: the handler sees an error
    state_ = State::kDisconnected;
    std::deque<PendingCommand> failed = std::move(pending_);
    pending_.clear();
    for (PendingCommand& c : failed) {
      if (c.done) c.done(Closing(), {});
    }
  }

  EventLoop& loop_;
  const RedisAddress address_;

  // Loop thread only.
  State state_ = State::kDisconnected;
  uint64_t generation_ = 0;  // bumped per socket: completions of an older one are ignored
  std::optional<stream::socket> socket_;
  std::optional<net::steady_timer> timer_;
  bool timer_armed_ = false;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  std::array<char, kReadBufferBytes> read_buffer_{};
  std::string out_;        // commands not yet handed to a write
  std::string in_flight_;  // the bytes of the write in progress
  bool writing_ = false;
  std::deque<PendingCommand> pending_;  // sent or queued, awaiting replies, in order
  std::chrono::steady_clock::time_point last_progress_{};
  bool closing_ = false;

  mutable std::mutex loop_mu_;
  bool loop_gone_ = false;  // guarded by loop_mu_
};

}  // namespace

std::shared_ptr<RedisLoopConnection> RedisLoopConnection::Create(EventLoop& loop,
                                                                 RedisAddress address) {
  auto connection = std::make_shared<LoopConnection>(loop, std::move(address));
  connection->RegisterShutdown();
  return connection;
}

}  // namespace strata::features::internal
