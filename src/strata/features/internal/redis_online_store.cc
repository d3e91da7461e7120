// The Redis online store backend. See redis_online_store.h for the layout.
#include "strata/features/internal/redis_online_store.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "strata/base/event_loop.h"
#include "strata/base/strings.h"
#include "strata/features/internal/redis_loop_connection.h"

namespace strata::features::internal {

std::string RedisWhere(const RedisAddress& address) {
  if (!address.unix_path.empty()) return absl::StrCat("redis unix:", address.unix_path);
  return absl::StrCat("redis ", address.host, ":", address.port);
}

std::string RedisUrlForMessages(const RedisAddress& address) {
  if (!address.unix_path.empty()) {
    return absl::StrCat("unix://", address.unix_path, "?db=", address.db);
  }
  return absl::StrCat("redis://", address.host, ":", address.port, "/", address.db);
}

absl::Status RedisReplyError(const RedisAddress& address, std::string_view error,
                              std::string_view what) {
  std::string message = absl::StrCat(RedisWhere(address), ": ", AsAbsl(what), ": ", AsAbsl(error));
  if (absl::StartsWith(AsAbsl(error), "LOADING") || absl::StartsWith(AsAbsl(error), "BUSY") ||
      absl::StartsWith(AsAbsl(error), "MASTERDOWN")) {
    return absl::UnavailableError(message);
  }
  if (absl::StartsWith(AsAbsl(error), "NOAUTH") || absl::StartsWith(AsAbsl(error), "WRONGPASS")) {
    return absl::PermissionDeniedError(message);
  }
  return absl::InternalError(message);
}

// The records of an HMGET reply, or the reply's error.
absl::Status ParseHmgetReply(const RedisAddress& address, const redisReply& reply,
                        std::string_view view_key, size_t keys,
                        std::vector<std::optional<std::string>>* records) {
  if (reply.type == REDIS_REPLY_ERROR) {
    return RedisReplyError(address, std::string_view(reply.str, reply.len),
                            absl::StrCat("read '", AsAbsl(view_key), "'"));
  }
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements != keys) {
    return absl::InternalError(absl::StrCat(RedisWhere(address), ": unexpected reply to HMGET"));
  }
  records->assign(keys, std::nullopt);
  for (size_t i = 0; i < keys; ++i) {
    const redisReply* e = reply.element[i];
    if (e->type == REDIS_REPLY_STRING) (*records)[i].emplace(e->str, e->len);
  }
  return absl::OkStatus();
}

std::string FormatRedisCommand(absl::Span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* formatted = nullptr;
  int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(),
                                      lengths.data());
  std::string bytes;
  if (length > 0) bytes.assign(formatted, static_cast<size_t>(length));
  redisFreeCommand(formatted);
  return bytes;
}

std::string FormatHmget(std::string_view view_key, absl::Span<const std::string> keys) {
  std::vector<std::string_view> args;
  args.reserve(keys.size() + 2);
  args.push_back("HMGET");
  args.push_back(view_key);
  for (const std::string& k : keys) args.push_back(k);
  return FormatRedisCommand(args);
}

namespace {

constexpr int kPoolSize = 4;
constexpr timeval kConnectTimeout = {1, 0};
constexpr timeval kCommandTimeout = {10, 0};
// Rows per EVALSHA: each chunk's HMGET / HSET unpack 1x / 2x this many arguments, which must
// stay under Lua's C stack limit (LUAI_MAXCSTACK, 8000).
constexpr size_t kRowsPerScript = 2000;

// KEYS[1] = the view's hash; ARGV = entity key, record, entity key, record, ...
// Applies the never-older rule per row against the stored record (or an earlier row of the
// same batch): a row is kept when its first 16 bytes (event_ts, created_ts, big-endian with
// the sign bit flipped) are >= the current ones. Bytes are compared one by one because Lua's
// string `<` goes through strcoll, which depends on the server's locale.
constexpr std::string_view kWriteScript = R"lua(
local function cmp16(a, b)
  if #a < 16 then return -1 end
  for i = 1, 16 do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      if x < y then return -1 end
      return 1
    end
  end
  return 0
end
local h = KEYS[1]
local n = #ARGV / 2
local fields = {}
for i = 1, n do fields[i] = ARGV[2 * i - 1] end
local old = redis.call('HMGET', h, unpack(fields))
local current, order = {}, {}
local written, skipped = 0, 0
for i = 1, n do
  local k, v = ARGV[2 * i - 1], ARGV[2 * i]
  local cur = current[k]
  if cur == nil then cur = old[i] end
  if cur and cmp16(cur, v) > 0 then
    skipped = skipped + 1
  else
    if current[k] == nil then order[#order + 1] = k end
    current[k] = v
    written = written + 1
  end
end
if #order > 0 then
  local args = {}
  for _, k in ipairs(order) do
    args[#args + 1] = k
    args[#args + 1] = current[k]
  end
  redis.call('HSET', h, unpack(args))
end
return {written, skipped}
)lua";

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// Drops a broken connection (the next call reconnects) and says why.
absl::Status DropConnection(const RedisAddress& address, redisContext*& context,
                            std::string_view what) {
  std::string why =
      context != nullptr && context->err != 0 ? context->errstr : "connection lost";
  if (context != nullptr) redisFree(context);
  context = nullptr;
  return absl::UnavailableError(absl::StrCat(RedisWhere(address), ": ", AsAbsl(what),
                                             " failed: ", why,
                                             " (will reconnect on the next call)"));
}

// Runs one command on a connected context (used while connecting); an error reply drops the
// connection too, since it is not usable half set up.
absl::StatusOr<Reply> RunCommand(const RedisAddress& address, redisContext*& context,
                                 std::vector<std::string> args, std::string_view what) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  Reply reply(static_cast<redisReply*>(redisCommandArgv(
      context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (reply == nullptr) return DropConnection(address, context, what);
  if (reply->type == REDIS_REPLY_ERROR) {
    absl::Status s = RedisReplyError(address, std::string_view(reply->str, reply->len), what);
    redisFree(context);
    context = nullptr;
    return s;
  }
  return reply;
}

// Connects `context` (null before) to `address`: timeouts, keep-alive, AUTH, SELECT. On
// error `context` is null again.
absl::Status Connect(const RedisAddress& address, redisContext*& context) {
  context = address.unix_path.empty()
                ? redisConnectWithTimeout(address.host.c_str(), address.port, kConnectTimeout)
                : redisConnectUnixWithTimeout(address.unix_path.c_str(), kConnectTimeout);
  if (context == nullptr) {
    return absl::UnavailableError(absl::StrCat(RedisWhere(address), ": cannot allocate a connection"));
  }
  if (context->err != 0) return DropConnection(address, context, "connect");
  if (redisSetTimeout(context, kCommandTimeout) != REDIS_OK) {
    return DropConnection(address, context, "set timeout");
  }
  // TCP only: on a Unix socket the TCP keep-alive options fail and would leave the context
  // in an error state.
  if (address.unix_path.empty()) redisEnableKeepAlive(context);
  if (!address.password.empty()) {
    absl::StatusOr<Reply> r = RunCommand(address, context, {"AUTH", address.password}, "AUTH");
    if (!r.ok()) return r.status();
  }
  if (address.db != 0) {
    absl::StatusOr<Reply> r =
        RunCommand(address, context, {"SELECT", std::to_string(address.db)}, "SELECT");
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

// Appends one HMGET of `keys` from the hash `view_key` to the context's output buffer.
bool AppendHmget(redisContext* context, std::string_view view_key,
                 absl::Span<const std::string> keys) {
  const std::string command = FormatHmget(view_key, keys);
  return redisAppendFormattedCommand(context, command.data(), command.size()) == REDIS_OK;
}

// The asynchronous read path (OnlineStore::ReadAsync): a thread with a connection of its own
// that takes every read queued since its last round trip, sends them all as one pipeline of
// HMGETs, reads the replies in order and runs each caller's callback. Under load the batch
// grows by itself, so one round trip and one write/read system call pair serve many requests
// (what redis-benchmark's concurrency buys it), and no HTTP I/O thread waits on the network.
//
// Shared ownership: the thread holds the pipeline, so a callback that drops the last reference
// to the store (and so stops the pipeline from the pipeline's own thread) is safe.
class ReadPipeline : public std::enable_shared_from_this<ReadPipeline> {
 public:
  struct PendingRead {
    std::string view_key;
    std::vector<std::string> keys;
    OnlineReadDone done;
  };

  explicit ReadPipeline(RedisAddress address) : address_(std::move(address)) {}
  ~ReadPipeline() {
    if (context_ != nullptr) redisFree(context_);
  }

  void Enqueue(PendingRead read) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        if (!thread_.joinable()) {
          thread_ = std::thread([self = shared_from_this()] { self->Run(); });
        }
        queue_.push_back(std::move(read));
        cv_.notify_one();
        return;
      }
    }
    read.done(Closing(), {});
  }

  // Fails what is still queued and ends the thread (joined, or left to finish by itself when
  // called from a callback on it).
  void Stop() {
    std::thread thread;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_one();
      thread = std::move(thread_);
    }
    if (!thread.joinable()) return;
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else {
      thread.join();
    }
  }

 private:
  absl::Status Closing() const {
    return absl::UnavailableError(absl::StrCat(RedisWhere(address_), ": the online store is closing"));
  }

  void Run() {
    std::vector<PendingRead> batch;
    for (;;) {
      batch.clear();
      bool stopping = false;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        batch.swap(queue_);
        stopping = stopping_;
      }
      if (stopping) {
        for (PendingRead& read : batch) read.done(Closing(), {});
        return;
      }
      Execute(batch);
    }
  }

  // Sends `batch`, reading every reply into `results`; the status is a wire failure (every
  // read of the batch failed), per-read errors go into `errors`.
  absl::Status Attempt(const std::vector<PendingRead>& batch,
                       std::vector<std::vector<std::optional<std::string>>>* results,
                       std::vector<absl::Status>* errors) {
    if (context_ == nullptr) {
      if (absl::Status s = Connect(address_, context_); !s.ok()) return s;
    }
    for (const PendingRead& read : batch) {
      if (!AppendHmget(context_, read.view_key, read.keys)) {
        return DropConnection(address_, context_, "read");
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK) {
        return DropConnection(address_, context_, "read");
      }
      Reply reply(static_cast<redisReply*>(raw));
      (*errors)[i] =
          ParseHmgetReply(address_, *reply, batch[i].view_key, batch[i].keys.size(), &(*results)[i]);
    }
    return absl::OkStatus();
  }

  void Execute(std::vector<PendingRead>& batch) {
    std::vector<std::vector<std::optional<std::string>>> results(batch.size());
    std::vector<absl::Status> errors(batch.size());
    // A connection that was open may have gone stale (the server restarted since the last
    // batch): one more attempt on a fresh connection. Reads are safe to repeat.
    const bool reused = context_ != nullptr;
    absl::Status wire = Attempt(batch, &results, &errors);
    if (!wire.ok() && reused && context_ == nullptr) wire = Attempt(batch, &results, &errors);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!wire.ok()) {
        batch[i].done(wire, {});
      } else if (!errors[i].ok()) {
        batch[i].done(std::move(errors[i]), {});
      } else {
        batch[i].done(absl::OkStatus(), std::move(results[i]));
      }
    }
  }

  const RedisAddress address_;
  redisContext* context_ = nullptr;  // only the pipeline thread touches it

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PendingRead> queue_;  // guarded by mu_
  bool stopping_ = false;           // guarded by mu_
  std::thread thread_;              // guarded by mu_; started by the first read
};

struct Connection {
  std::mutex mu;
  redisContext* context = nullptr;  // guarded by mu; null = not connected
};

class RedisOnlineStore : public OnlineStore {
 public:
  // `url_` is the address without the password, for messages.
  explicit RedisOnlineStore(RedisAddress address)
      : address_(std::move(address)),
        url_(RedisUrlForMessages(address_)),
        pipeline_(std::make_shared<ReadPipeline>(address_)) {}
  ~RedisOnlineStore() override {
    pipeline_->Stop();
    {
      std::lock_guard<std::mutex> lock(loops_mu_);
      for (auto& [loop, connection] : loop_connections_) connection->CloseFromAnyThread();
    }
    for (Connection& c : pool_) {
      if (c.context != nullptr) redisFree(c.context);
    }
  }

  // Connects one connection so an unreachable server fails the open.
  absl::Status Probe() {
    std::lock_guard<std::mutex> lock(pool_[0].mu);
    return EnsureConnected(pool_[0]);
  }

  absl::StatusOr<OnlineWriteStats> Write(std::string_view view_key,
                                         absl::Span<const OnlineWrite> rows) override {
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].record.size() < 16) {
        return absl::InvalidArgumentError(absl::StrCat(
            Describe(), ": row ", i, " of the batch for '", AsAbsl(view_key), "': record of ",
            rows[i].record.size(), " bytes is shorter than its 16 timestamp bytes"));
      }
    }
    if (rows.empty()) return OnlineWriteStats{};
    return WithConnection<OnlineWriteStats>(
        [&](Connection& c) { return WriteOn(c, view_key, rows); });
  }

  absl::Status Read(std::string_view view_key, absl::Span<const std::string> entity_keys,
                    std::vector<std::optional<std::string>>* records) override {
    records->assign(entity_keys.size(), std::nullopt);
    if (entity_keys.empty()) return absl::OkStatus();
    return WithConnection<bool>([&](Connection& c) -> absl::StatusOr<bool> {
             absl::Status s = ReadOn(c, view_key, entity_keys, records);
             if (!s.ok()) return s;
             return true;
           })
        .status();
  }

  void ReadAsync(std::string view_key, std::vector<std::string> entity_keys,
                 OnlineReadDone done) override {
    if (entity_keys.empty()) {
      done(absl::OkStatus(), {});
      return;
    }
    // On an HTTP I/O thread: this thread's own connection, no hop. Elsewhere: the read thread.
    if (EventLoop* loop = EventLoop::Current(); loop != nullptr && !loop->shutting_down()) {
      LoopConnection(*loop).Hmget(view_key, std::move(entity_keys), std::move(done));
      return;
    }
    pipeline_->Enqueue({std::move(view_key), std::move(entity_keys), std::move(done)});
  }

  absl::Status DeleteView(std::string_view view_key) override {
    return WithConnection<bool>([&](Connection& c) -> absl::StatusOr<bool> {
             const char* argv[] = {"UNLINK", view_key.data()};
             size_t lengths[] = {6, view_key.size()};
             Reply reply(static_cast<redisReply*>(redisCommandArgv(c.context, 2, argv, lengths)));
             if (reply == nullptr) return Fail(c, "delete view");
             if (reply->type == REDIS_REPLY_ERROR) {
               return ReplyError(std::string_view(reply->str, reply->len), "delete view");
             }
             return true;
           })
        .status();
  }

  std::string Describe() const override { return url_; }

 private:
  // Runs `op` on a pooled connection. A connection that was already open may have gone stale
  // (the server restarted since its last use): when `op` fails on the wire there, the call
  // reconnects and runs `op` once more, so a server that is back is used at once. Every
  // operation here may run twice (reads, UNLINK, and writes under the never-older rule).
  template <typename T, typename Op>
  absl::StatusOr<T> WithConnection(Op op) {
    Connection& c = Acquire();
    std::lock_guard<std::mutex> lock(c.mu, std::adopt_lock);
    bool reused = c.context != nullptr;
    if (absl::Status s = EnsureConnected(c); !s.ok()) return s;
    absl::StatusOr<T> result = op(c);
    if (!result.ok() && reused && c.context == nullptr) {
      if (absl::Status s = EnsureConnected(c); !s.ok()) return s;
      result = op(c);
    }
    return result;
  }

  absl::StatusOr<OnlineWriteStats> WriteOn(Connection& c, std::string_view view_key,
                                           absl::Span<const OnlineWrite> rows) {
    OnlineWriteStats stats;
    size_t chunks = (rows.size() + kRowsPerScript - 1) / kRowsPerScript;
    std::vector<size_t> pending(chunks);
    for (size_t i = 0; i < chunks; ++i) pending[i] = i;
    // A second pass only when the server lost the script (restart, SCRIPT FLUSH): those
    // chunks ran nothing, and rerunning a chunk is harmless anyway (never-older rule).
    for (int attempt = 0; attempt < 2 && !pending.empty(); ++attempt) {
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      for (size_t chunk : pending) {
        size_t begin = chunk * kRowsPerScript;
        size_t end = std::min(rows.size(), begin + kRowsPerScript);
        argv.clear();
        lengths.clear();
        argv.push_back("EVALSHA");
        lengths.push_back(7);
        argv.push_back(script_sha_.data());
        lengths.push_back(script_sha_.size());
        argv.push_back("1");
        lengths.push_back(1);
        argv.push_back(view_key.data());
        lengths.push_back(view_key.size());
        for (size_t r = begin; r < end; ++r) {
          argv.push_back(rows[r].entity_key.data());
          lengths.push_back(rows[r].entity_key.size());
          argv.push_back(rows[r].record.data());
          lengths.push_back(rows[r].record.size());
        }
        if (redisAppendCommandArgv(c.context, static_cast<int>(argv.size()), argv.data(),
                                   lengths.data()) != REDIS_OK) {
          return Fail(c, "write");
        }
      }
      std::vector<size_t> lost_script;
      absl::Status first_error;
      for (size_t chunk : pending) {
        void* raw = nullptr;
        if (redisGetReply(c.context, &raw) != REDIS_OK) return Fail(c, "write");
        Reply reply(static_cast<redisReply*>(raw));
        if (reply->type == REDIS_REPLY_ERROR) {
          std::string_view error(reply->str, reply->len);
          if (error.substr(0, 8) == "NOSCRIPT") {
            lost_script.push_back(chunk);
          } else if (first_error.ok()) {
            first_error = ReplyError(error, absl::StrCat("write to '", AsAbsl(view_key), "'"));
          }
          continue;
        }
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
            reply->element[0]->type != REDIS_REPLY_INTEGER ||
            reply->element[1]->type != REDIS_REPLY_INTEGER) {
          if (first_error.ok()) {
            first_error = absl::InternalError(
                absl::StrCat(Describe(), ": unexpected reply to the write script"));
          }
          continue;
        }
        stats.written += reply->element[0]->integer;
        stats.skipped_older += reply->element[1]->integer;
      }
      if (!first_error.ok()) return first_error;
      pending = std::move(lost_script);
      if (!pending.empty()) {
        if (absl::Status s = LoadScript(c); !s.ok()) return s;
      }
    }
    if (!pending.empty()) {
      return absl::InternalError(
          absl::StrCat(Describe(), ": the write script is still unknown after SCRIPT LOAD"));
    }
    return stats;
  }

  absl::Status ReadOn(Connection& c, std::string_view view_key,
                      absl::Span<const std::string> entity_keys,
                      std::vector<std::optional<std::string>>* records) {
    if (!AppendHmget(c.context, view_key, entity_keys)) return Fail(c, "read");
    void* raw = nullptr;
    if (redisGetReply(c.context, &raw) != REDIS_OK) return Fail(c, "read");
    Reply reply(static_cast<redisReply*>(raw));
    return ParseHmgetReply(address_, *reply, view_key, entity_keys.size(), records);
  }

  // The calling loop's connection, made on first use. A loop that shut down may be followed
  // by a new one at the same address, so a connection whose loop is gone is replaced.
  RedisLoopConnection& LoopConnection(EventLoop& loop) {
    std::lock_guard<std::mutex> lock(loops_mu_);
    for (auto& [known, connection] : loop_connections_) {
      if (known != &loop) continue;
      if (connection->loop_gone()) connection = RedisLoopConnection::Create(loop, address_);
      return *connection;
    }
    loop_connections_.emplace_back(&loop, RedisLoopConnection::Create(loop, address_));
    return *loop_connections_.back().second;
  }

  // A connection of the pool, locked: a free one if there is one, else waits for one in
  // round-robin order.
  Connection& Acquire() {
    size_t start = next_.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < pool_.size(); ++i) {
      Connection& c = pool_[(start + i) % pool_.size()];
      if (c.mu.try_lock()) return c;
    }
    Connection& c = pool_[start % pool_.size()];
    c.mu.lock();
    return c;
  }

  absl::Status Fail(Connection& c, std::string_view what) {
    return DropConnection(address_, c.context, what);
  }
  absl::Status ReplyError(std::string_view error, std::string_view what) const {
    return RedisReplyError(address_, error, what);
  }

  absl::Status LoadScript(Connection& c) {
    absl::StatusOr<Reply> reply =
        RunCommand(address_, c.context, {"SCRIPT", "LOAD", std::string(kWriteScript)},
                   "SCRIPT LOAD");
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_STRING) {
      return absl::InternalError(
          absl::StrCat(RedisWhere(address_), ": unexpected reply to SCRIPT LOAD"));
    }
    // Set once, by Probe() at open before the store is shared; later loads (new connections,
    // a restarted server) return the same SHA1 of the same text.
    if (script_sha_.empty()) script_sha_.assign((*reply)->str, (*reply)->len);
    return absl::OkStatus();
  }

  absl::Status EnsureConnected(Connection& c) {
    if (c.context != nullptr) return absl::OkStatus();
    if (absl::Status s = Connect(address_, c.context); !s.ok()) return s;
    // The script's SHA1 is a function of its text, so every connection shares one; loading it
    // on each new connection covers a server that restarted with an empty script cache.
    return LoadScript(c);
  }

  RedisAddress address_;
  std::string url_;
  std::array<Connection, kPoolSize> pool_;
  std::atomic<size_t> next_{0};
  std::string script_sha_;  // the SHA1 of kWriteScript, from the first SCRIPT LOAD
  std::shared_ptr<ReadPipeline> pipeline_;
  std::mutex loops_mu_;
  // One per event loop that read through this store; guarded by loops_mu_.
  std::vector<std::pair<EventLoop*, std::shared_ptr<RedisLoopConnection>>> loop_connections_;
};

}  // namespace

namespace {

constexpr std::string_view kRedisScheme = "redis://";
constexpr std::string_view kUnixScheme = "unix://";

// `url` with its password (userinfo or ?password=) replaced by "***": error messages end up
// in logs and `features plan` output.
std::string UrlWithoutPassword(std::string_view url) {
  std::string out(url);
  const bool unix_socket = absl::StartsWith(AsAbsl(url), AsAbsl(kUnixScheme));
  const size_t start = unix_socket ? kUnixScheme.size() : kRedisScheme.size();
  if (out.size() < start) return out;
  // The same '@' ParseRedisUrl takes as the end of the userinfo.
  const size_t at = unix_socket ? out.find("@/", start) : out.rfind('@');
  if (at != std::string::npos && at >= start) {
    const size_t colon = out.find(':', start);
    const size_t from = colon != std::string::npos && colon < at ? colon + 1 : start;
    out.replace(from, at - from, "***");
  }
  if (unix_socket) {
    for (size_t p = out.find("password=", start); p != std::string::npos;
         p = out.find("password=", p + 1)) {
      if (out[p - 1] != '?' && out[p - 1] != '&') continue;
      const size_t value = p + std::string_view("password=").size();
      const size_t end = std::min(out.find('&', value), out.size());
      out.replace(value, end - value, "***");
    }
  }
  return out;
}

absl::Status BadUrl(std::string_view url, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", UrlWithoutPassword(url), "'", AsAbsl(problem)));
}

// [[user]:password@] at the front of `rest`, its '@' at `at` (npos: none): takes it off and
// keeps the password.
void TakeUserInfo(std::string_view& rest, size_t at, RedisAddress& address) {
  if (at == std::string_view::npos) return;
  std::string_view userinfo = rest.substr(0, at);
  size_t colon = userinfo.find(':');
  address.password =
      std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
  rest = rest.substr(at + 1);
}

absl::Status ParseDb(std::string_view url, std::string_view db, RedisAddress& address) {
  if (!db.empty() && (!absl::SimpleAtoi(AsAbsl(db), &address.db) || address.db < 0)) {
    return BadUrl(url, absl::StrCat(": database '", AsAbsl(db),
                                    "' is not a non-negative number"));
  }
  return absl::OkStatus();
}

// unix://[[user]:password@]/path/to/socket[?db=N]
absl::StatusOr<RedisAddress> ParseUnixUrl(std::string_view url, std::string_view rest) {
  RedisAddress address;
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  // The userinfo ends at the '@' right before the path, which may itself hold an '@'.
  TakeUserInfo(rest, rest.find("@/"), address);
  if (rest.empty() || rest.front() != '/') {
    return BadUrl(url, " needs an absolute socket path, as in unix:///run/redis/redis.sock");
  }
  address.unix_path = std::string(rest);
  for (absl::string_view piece : absl::StrSplit(AsAbsl(query), '&', absl::SkipEmpty())) {
    std::string_view item = AsStd(piece);
    std::string_view key = item.substr(0, item.find('='));
    std::string_view value =
        key.size() < item.size() ? item.substr(key.size() + 1) : std::string_view();
    if (key == "db") {
      if (absl::Status s = ParseDb(url, value, address); !s.ok()) return s;
    } else if (key == "password") {
      address.password = std::string(value);
    } else {
      return BadUrl(url, absl::StrCat(": unknown parameter '", AsAbsl(key),
                                      "' (db and password are known)"));
    }
  }
  return address;
}

// hiredis writes with write(2), not send(MSG_NOSIGNAL): a write to a server that went away
// (at once on a Unix socket, on TCP once the reset came back, e.g. between the chunks of a
// pipelined batch) would raise SIGPIPE and kill the whole process. Ignored, the write fails
// with EPIPE and the call returns UNAVAILABLE like any lost connection. A handler the
// program installed itself is left alone.
void IgnoreSigpipeUnlessHandled() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) return;
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, nullptr);
  });
}

}  // namespace

absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = kRedisScheme;
  if (url.substr(0, kUnixScheme.size()) == kUnixScheme) {
    return ParseUnixUrl(url, url.substr(kUnixScheme.size()));
  }
  if (url.substr(0, kScheme.size()) != kScheme) {
    return BadUrl(url, " must look like redis://host:port/db or unix:///path/to/redis.sock");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  TakeUserInfo(rest, rest.rfind('@'), address);  // a password may hold '@'
  std::string_view hostport = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    if (absl::Status s = ParseDb(url, rest.substr(slash + 1), address); !s.ok()) return s;
  }
  std::string_view host = hostport;
  if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    std::string_view port = hostport.substr(colon + 1);
    if (!absl::SimpleAtoi(AsAbsl(port), &address.port) || address.port <= 0 ||
        address.port > 65535) {
      return BadUrl(url, absl::StrCat(": port '", AsAbsl(port), "' is not a number in 1..65535"));
    }
  }
  if (host.empty()) return BadUrl(url, " has no host");
  address.host = std::string(host);
  return address;
}

absl::StatusOr<std::unique_ptr<OnlineStore>> OpenRedisOnlineStore(const std::string& url) {
  absl::StatusOr<RedisAddress> address = ParseRedisUrl(url);
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("online store redis: connection_string ",
                                                   address.status().message()));
  }
  IgnoreSigpipeUnlessHandled();
  auto store = std::make_unique<RedisOnlineStore>(std::move(*address));
  if (absl::Status s = store->Probe(); !s.ok()) return s;
  return std::unique_ptr<OnlineStore>(std::move(store));
}

}  // namespace strata::features::internal
