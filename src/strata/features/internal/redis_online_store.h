// The Redis online store backend (see online_store.h for the contract), over hiredis.
//
// Each view is one Redis hash named by its view key: field = entity key, value = record. A
// read is one HMGET; DeleteView one UNLINK. A write batch is sent as pipelined EVALSHA calls
// of one Lua script (chunks of a few thousand rows each, all sent before any reply is read,
// so a batch is one round trip) that applies the never-older rule on the server by comparing
// the first 16 bytes of the stored and new records byte by byte.
//
// A small pool of connections serves concurrent blocking callers. ReadAsync goes through one
// more connection owned by a read thread (started by the first ReadAsync): it takes every
// read queued since its last round trip and sends them as one pipeline of HMGETs, so under
// load many requests share a round trip and no caller thread waits on the network. A
// connection that fails is dropped and the call returns UNAVAILABLE naming the address; the
// next call connects again (and reloads the script when the server restarted with an empty
// script cache).
#ifndef STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_
#define STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "strata/features/online_store.h"

namespace strata::features::internal {

struct RedisAddress {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string password;  // "" = no AUTH
};

// redis://[[user]:password@]host[:port][/db]. INVALID_ARGUMENT naming the problem.
absl::StatusOr<RedisAddress> ParseRedisUrl(std::string_view url);

// Connects one pooled connection at open. Errors: INVALID_ARGUMENT for a bad URL;
// UNAVAILABLE when the server cannot be reached, naming host:port.
absl::StatusOr<std::unique_ptr<OnlineStore>> OpenRedisOnlineStore(const std::string& url);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_REDIS_ONLINE_STORE_H_
