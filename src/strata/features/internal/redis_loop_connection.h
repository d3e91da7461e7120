// A Redis connection driven by one event loop (an HTTP I/O thread's single-threaded
// io_context, base/event_loop.h): the Redis online store's ReadAsync on that thread writes the
// HMGET to this connection without blocking and the reply, parsed as it arrives, completes the
// request on the same thread. A request therefore costs no thread hop (what a blocking read or
// a read thread would add), and every HMGET issued while earlier ones are in flight goes out
// in the next write, so under load many requests share one round trip.
//
// Replies come back in command order, so the pending reads are a FIFO. When the connection
// breaks, reads not yet retried are sent once more on a new connection (a server restarted
// under an idle connection costs no failed request); the rest get UNAVAILABLE naming the
// server. A read with no reply for 10 s fails the connection. Connecting, AUTH and SELECT are
// asynchronous too (the commands wait in the output buffer).
//
// Thread-safety: Create and Hmget only on the loop's thread; CloseFromAnyThread anywhere. The
// connection closes itself, after what is in flight, when its loop shuts down.
#ifndef STRATA_FEATURES_INTERNAL_REDIS_LOOP_CONNECTION_H_
#define STRATA_FEATURES_INTERNAL_REDIS_LOOP_CONNECTION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/event_loop.h"
#include "strata/features/internal/redis_online_store.h"
#include "strata/features/online_store.h"

namespace strata::features::internal {

class RedisLoopConnection {
 public:
  // On `loop`'s thread. Connects on the first read.
  static std::shared_ptr<RedisLoopConnection> Create(EventLoop& loop, RedisAddress address);
  virtual ~RedisLoopConnection() = default;

  // Loop thread only. `done` runs on the loop's thread, later; inside this call only when the
  // read cannot even be sent (the connection is closing, the host name does not resolve).
  virtual void Hmget(std::string_view view_key, std::vector<std::string> keys,
                     OnlineReadDone done) = 0;

  // The owner (the store) is going away: from any thread, the connection finishes the reads in
  // flight and closes on its loop. A no-op once the loop shut down.
  virtual void CloseFromAnyThread() = 0;

  // True once the loop shut down: this connection must not be used again (a new loop may
  // later be made at the same address).
  virtual bool loop_gone() const = 0;
};

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_REDIS_LOOP_CONNECTION_H_
