// The Redis online store backend (see online_store.h for the contract), over hiredis.
//
// Each view is one Redis hash named by its view key: field = entity key, value = record. A
// read is one HMGET; DeleteView one UNLINK. A write batch is sent as pipelined EVALSHA calls
// of one Lua script (chunks of a few thousand rows each, all sent before any reply is read,
// so a batch is one round trip) that applies the never-older rule on the server by comparing
// the first 16 bytes of the stored and new records byte by byte.
//
// A small pool of connections serves concurrent blocking callers. ReadAsync on an event loop
// thread (an HTTP I/O thread, base/event_loop.h) uses that loop's own connection
// (redis_loop_connection.h): written and answered on the calling thread, no hop. ReadAsync
// elsewhere goes through a read thread (started by the first such call) that takes every read
// queued since its last round trip and sends them as one pipeline of HMGETs. Either way many
// requests share a round trip under load and no caller thread waits on the network. A
// connection that fails is dropped and the call returns UNAVAILABLE naming the address; the
// next call connects again (and reloads the script when the server restarted with an empty
// script cache).
#ifndef STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_
#define STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/features/online_store.h"

struct redisReply;  // hiredis

namespace strata::features::internal {

struct RedisAddress {
  std::string host;
  int port = 6379;
  // Non-empty: a Unix domain socket (host and port unused). A Redis on the same machine
  // answers over one about 1.6x faster than over loopback TCP (bench/RESULTS.md, issue 5):
  // no TCP stack on either side of each round trip.
  std::string unix_path;
  int db = 0;
  std::string password;  // "" = no AUTH
};

// redis://[[user]:password@]host[:port][/db], or unix://[[user]:password@]/path/to/socket
// [?db=N] (redis-py's form for a Unix domain socket). INVALID_ARGUMENT naming the problem.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);
// The URL of `address` without its password, for messages and OnlineStore::Describe.
std::string RedisUrlForMessages(const RedisAddress& address);

// "redis HOST:PORT" or "redis unix:PATH", the prefix of every message about the server.
std::string RedisWhere(const RedisAddress& address);
// The status for an error reply: UNAVAILABLE for LOADING / BUSY / MASTERDOWN, PERMISSION_DENIED
// for NOAUTH / WRONGPASS, INTERNAL otherwise; the message names the server and `what`.
absl::Status RedisReplyError(const RedisAddress& address, std::string_view error,
                             std::string_view what);
// The records of an HMGET reply of `keys` fields from `view_key` (nullopt for absent ones), or
// the reply's error.
absl::Status ParseHmgetReply(const RedisAddress& address, const redisReply& reply,
                             std::string_view view_key, size_t keys,
                             std::vector<std::optional<std::string>>* records);

// A command in Redis' wire format (RESP), built once for both the blocking and the event-loop
// connections; FormatHmget is the read every path sends.
std::string FormatRedisCommand(absl::Span<const std::string_view> args);
std::string FormatHmget(std::string_view view_key, absl::Span<const std::string> keys);

// Connects one pooled connection at open. Errors: INVALID_ARGUMENT for a bad URL;
// UNAVAILABLE when the server cannot be reached, naming host:port or the socket's path.
absl::StatusOr<std::unique_ptr<OnlineStore>> OpenRedisOnlineStore(const std::string& url);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_
