// A bounded pool of database connections, shared by the SQLite reader pool and the PostgreSQL
// backend. Private to store/.
//
// Thread-safe. At most `capacity` connections exist at once (idle + lent out); Acquire() waits
// while all of them are lent out. New connections are opened outside the lock because opening
// touches the file system or the network.
#ifndef STRATA_STORE_INTERNAL_CONNECTION_POOL_H_
#define STRATA_STORE_INTERNAL_CONNECTION_POOL_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace strata::store::internal {

template <typename Conn>
class ConnectionPool {
 public:
  explicit ConnectionPool(int capacity) : capacity_(capacity) {}

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one from `open` while fewer than `capacity` exist. Returns
  // `open`'s error when it fails (the slot is freed again).
  absl::StatusOr<std::unique_ptr<Conn>> Acquire(
      absl::FunctionRef<absl::StatusOr<std::unique_ptr<Conn>>()> open) {
    mu_.LockWhen(absl::Condition(this, &ConnectionPool::Available));
    if (!idle_.empty()) {
      std::unique_ptr<Conn> conn = std::move(idle_.back());
      idle_.pop_back();
      mu_.Unlock();
      return conn;
    }
    ++open_;
    mu_.Unlock();
    absl::StatusOr<std::unique_ptr<Conn>> conn = open();
    if (!conn.ok()) {
      absl::MutexLock lock(&mu_);
      --open_;
    }
    return conn;
  }

  // Gives back a connection from Acquire() (or adds one opened elsewhere, with `adopt`). A
  // connection that is not `reusable` is closed, outside the lock, and its slot freed.
  void Release(std::unique_ptr<Conn> conn, bool reusable = true) {
    if (!reusable) conn.reset();
    absl::MutexLock lock(&mu_);
    if (reusable) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }

  // Adds a connection that was opened without Acquire() (a warm-up connection).
  void Adopt(std::unique_ptr<Conn> conn) {
    absl::MutexLock lock(&mu_);
    ++open_;
    idle_.push_back(std::move(conn));
  }

  // Closes every idle connection (lent-out ones are closed when released as not reusable).
  void CloseIdle() {
    std::vector<std::unique_ptr<Conn>> closing;
    {
      absl::MutexLock lock(&mu_);
      open_ -= static_cast<int>(idle_.size());
      closing.swap(idle_);
    }
  }

 private:
  bool Available() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < capacity_;
  }

  const int capacity_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace strata::store::internal

#endif  // STRATA_STORE_INTERNAL_CONNECTION_POOL_H_
