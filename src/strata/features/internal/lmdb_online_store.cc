// The LMDB online store backend. See lmdb_online_store.h for the layout and the read path.
#include "strata/features/internal/lmdb_online_store.h"

#include <lmdb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::features::internal {
namespace {

// Virtual address space only: the file grows as data is written.
constexpr size_t kMapSize = size_t{256} << 30;
// Each thread that reads keeps one reader slot per environment (MDB_NOTLS + cached txns).
constexpr unsigned int kMaxReaders = 4096;

absl::Status LmdbError(int rc, std::string_view what, std::string_view path) {
  std::string message = absl::StrCat("lmdb:", AsAbsl(path), ": ", AsAbsl(what), ": ",
                                     mdb_strerror(rc));
  switch (rc) {
    case MDB_MAP_FULL:
    case MDB_READERS_FULL:
    case MDB_TXN_FULL:
      return absl::ResourceExhaustedError(message);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return absl::DataLossError(message);
    case EACCES:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// One open environment. Owns every cached read transaction made on it (threads borrow them),
// so closing the environment can abort them first, as LMDB requires.
class LmdbEnv {
 public:
  LmdbEnv(MDB_env* env, MDB_dbi dbi, std::string path)
      : env_(env), dbi_(dbi), path_(std::move(path)) {
    max_key_size_ = static_cast<size_t>(mdb_env_get_maxkeysize(env_));
  }
  ~LmdbEnv() {
    {
      std::lock_guard<std::mutex> lock(txns_mu_);
      for (MDB_txn* txn : read_txns_) mdb_txn_abort(txn);
      read_txns_.clear();
    }
    mdb_env_close(env_);
  }
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  MDB_dbi dbi() const { return dbi_; }
  const std::string& path() const { return path_; }
  size_t max_key_size() const { return max_key_size_; }

  absl::StatusOr<MDB_txn*> NewReadTxn() {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return LmdbError(rc, "begin read transaction", path_);
    mdb_txn_reset(txn);
    std::lock_guard<std::mutex> lock(txns_mu_);
    read_txns_.insert(txn);
    return txn;
  }
  void ReleaseReadTxn(MDB_txn* txn) {
    std::lock_guard<std::mutex> lock(txns_mu_);
    if (read_txns_.erase(txn) > 0) mdb_txn_abort(txn);
  }

 private:
  MDB_env* env_;
  MDB_dbi dbi_;
  std::string path_;
  size_t max_key_size_ = 0;
  std::mutex txns_mu_;
  absl::flat_hash_set<MDB_txn*> read_txns_;  // guarded by txns_mu_
};

// The thread's reset read transactions, one per environment it has read. Entries of closed
// environments are dropped when next seen (their transactions were aborted by the env).
class ThreadReadTxns {
 public:
  ~ThreadReadTxns() {
    for (Entry& e : entries_) {
      if (std::shared_ptr<LmdbEnv> env = e.env.lock()) env->ReleaseReadTxn(e.txn);
    }
  }

  // The thread's reset transaction on `env` (which the caller keeps alive).
  absl::StatusOr<MDB_txn*> For(LmdbEnv* env, const std::shared_ptr<LmdbEnv>& owner) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& e = entries_[i];
      if (e.raw == env && !e.env.expired()) return e.txn;
      if (e.env.expired()) {
        entries_[i] = entries_.back();
        entries_.pop_back();
        --i;
      }
    }
    absl::StatusOr<MDB_txn*> txn = env->NewReadTxn();
    if (!txn.ok()) return txn.status();
    entries_.push_back({owner, env, *txn});
    return *txn;
  }

  // After an error the transaction's state is unknown: abort it and start afresh next time.
  void Discard(LmdbEnv* env) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].raw == env) {
        env->ReleaseReadTxn(entries_[i].txn);
        entries_[i] = entries_.back();
        entries_.pop_back();
        return;
      }
    }
  }

 private:
  struct Entry {
    std::weak_ptr<LmdbEnv> env;
    LmdbEnv* raw = nullptr;
    MDB_txn* txn = nullptr;
  };
  std::vector<Entry> entries_;
};

thread_local ThreadReadTxns thread_read_txns;

std::mutex& EnvRegistryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<std::string, std::weak_ptr<LmdbEnv>>& EnvRegistry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<LmdbEnv>>;
  return *registry;
}

absl::StatusOr<std::shared_ptr<LmdbEnv>> OpenEnv(const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("lmdb:", directory,
                                            ": cannot create the directory: ", ec.message()));
  }
  std::string path = std::filesystem::canonical(directory, ec).string();
  if (ec) {
    return absl::InternalError(absl::StrCat("lmdb:", directory, ": ", ec.message()));
  }
  std::lock_guard<std::mutex> lock(EnvRegistryMutex());
  auto& registry = EnvRegistry();
  if (auto it = registry.find(path); it != registry.end()) {
    if (std::shared_ptr<LmdbEnv> env = it->second.lock()) return env;
  }
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return LmdbError(rc, "create environment", path);
  auto fail = [&](int code, std::string_view what) {
    mdb_env_close(env);
    return LmdbError(code, what, path);
  };
  if ((rc = mdb_env_set_mapsize(env, kMapSize)) != 0) return fail(rc, "set map size");
  if ((rc = mdb_env_set_maxreaders(env, kMaxReaders)) != 0) return fail(rc, "set max readers");
  if ((rc = mdb_env_open(env, path.c_str(), MDB_NOTLS | MDB_NOSYNC | MDB_NORDAHEAD, 0644)) != 0) {
    return fail(rc, "open environment");
  }
  // Reader slots left by processes that died (kill -9 during a materialization).
  int stale = 0;
  mdb_reader_check(env, &stale);
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env, nullptr, 0, &txn)) != 0) return fail(rc, "begin transaction");
  MDB_dbi dbi = 0;
  if ((rc = mdb_dbi_open(txn, nullptr, 0, &dbi)) != 0) {
    mdb_txn_abort(txn);
    return fail(rc, "open database");
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return fail(rc, "commit");
  auto shared = std::make_shared<LmdbEnv>(env, dbi, path);
  registry[path] = shared;
  return shared;
}

void ComposeKey(std::string_view view_key, std::string_view entity_key, std::string* out) {
  out->clear();
  out->append(view_key);
  out->push_back('\0');
  out->append(entity_key);
}

MDB_val Val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

class LmdbOnlineStore : public OnlineStore {
 public:
  explicit LmdbOnlineStore(std::shared_ptr<LmdbEnv> env) : env_(std::move(env)) {}

  absl::StatusOr<OnlineWriteStats> Write(std::string_view view_key,
                                         absl::Span<const OnlineWrite> rows) override {
    if (absl::Status s = CheckViewKey(view_key); !s.ok()) return s;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].record.size() < 16) {
        return absl::InvalidArgumentError(
            absl::StrCat("lmdb:", env_->path(), ": row ", i, " of the batch for '",
                         AsAbsl(view_key), "': record of ", rows[i].record.size(),
                         " bytes is shorter than its 16 timestamp bytes"));
      }
      if (view_key.size() + 1 + rows[i].entity_key.size() > env_->max_key_size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "lmdb:", env_->path(), ": row ", i, " of the batch for '", AsAbsl(view_key),
            "': entity key of ", rows[i].entity_key.size(), " bytes is longer than LMDB's ",
            env_->max_key_size() - view_key.size() - 1, " bytes left after the view key"));
      }
    }
    // Key order makes the B-tree updates sequential; stable so that repeated keys in one batch
    // are applied in the caller's order.
    std::vector<uint32_t> order(rows.size());
    std::iota(order.begin(), order.end(), 0);
    if (!std::is_sorted(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          return rows[a].entity_key < rows[b].entity_key;
        })) {
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return rows[a].entity_key < rows[b].entity_key;
      });
    }
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_->env(), nullptr, 0, &txn);
    if (rc != 0) return LmdbError(rc, "begin write transaction", env_->path());
    MDB_cursor* cursor = nullptr;
    if ((rc = mdb_cursor_open(txn, env_->dbi(), &cursor)) != 0) {
      mdb_txn_abort(txn);
      return LmdbError(rc, "open cursor", env_->path());
    }
    OnlineWriteStats stats;
    std::string key;
    for (uint32_t i : order) {
      const OnlineWrite& row = rows[i];
      ComposeKey(view_key, row.entity_key, &key);
      MDB_val k = Val(key);
      MDB_val old{0, nullptr};
      rc = mdb_cursor_get(cursor, &k, &old, MDB_SET_KEY);
      unsigned int flags = 0;
      if (rc == 0) {
        // A stored record too short to hold timestamps is damaged: the new one replaces it.
        if (old.mv_size >= 16 && std::memcmp(old.mv_data, row.record.data(), 16) > 0) {
          ++stats.skipped_older;
          continue;
        }
        flags = MDB_CURRENT;
      } else if (rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return LmdbError(rc, "look up a key", env_->path());
      }
      k = Val(key);
      MDB_val v = Val(row.record);
      if ((rc = mdb_cursor_put(cursor, &k, &v, flags)) != 0) {
        mdb_txn_abort(txn);
        return LmdbError(rc, absl::StrCat("write row ", i, " of the batch"), env_->path());
      }
      ++stats.written;
    }
    mdb_cursor_close(cursor);
    if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError(rc, "commit", env_->path());
    return stats;
  }

  absl::Status Read(std::string_view view_key, absl::Span<const std::string> entity_keys,
                    std::vector<std::optional<std::string>>* records) override {
    records->resize(entity_keys.size());
    absl::StatusOr<MDB_txn*> cached = thread_read_txns.For(env_.get(), env_);
    if (!cached.ok()) return cached.status();
    MDB_txn* txn = *cached;
    int rc = mdb_txn_renew(txn);
    if (rc != 0) {
      thread_read_txns.Discard(env_.get());
      return LmdbError(rc, "renew read transaction", env_->path());
    }
    thread_local std::string key;
    for (size_t i = 0; i < entity_keys.size(); ++i) {
      ComposeKey(view_key, entity_keys[i], &key);
      MDB_val k = Val(key);
      MDB_val v{0, nullptr};
      rc = mdb_get(txn, env_->dbi(), &k, &v);
      if (rc == MDB_NOTFOUND) {
        (*records)[i].reset();
      } else if (rc == 0) {
        (*records)[i].emplace(static_cast<const char*>(v.mv_data), v.mv_size);
      } else if (rc == MDB_BAD_VALSIZE) {
        (*records)[i].reset();  // longer than any stored key: cannot be present
      } else {
        mdb_txn_reset(txn);
        return LmdbError(rc, "read", env_->path());
      }
    }
    mdb_txn_reset(txn);
    return absl::OkStatus();
  }

  absl::Status DeleteView(std::string_view view_key) override {
    if (absl::Status s = CheckViewKey(view_key); !s.ok()) return s;
    std::string prefix(view_key);
    prefix.push_back('\0');
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_->env(), nullptr, 0, &txn);
    if (rc != 0) return LmdbError(rc, "begin write transaction", env_->path());
    MDB_cursor* cursor = nullptr;
    if ((rc = mdb_cursor_open(txn, env_->dbi(), &cursor)) != 0) {
      mdb_txn_abort(txn);
      return LmdbError(rc, "open cursor", env_->path());
    }
    // Re-seek after each delete: where a cursor points after deleting the last item of a
    // page or of the database differs between LMDB versions (GET_CURRENT may say EINVAL).
    while (true) {
      MDB_val k = Val(prefix);
      MDB_val v{0, nullptr};
      rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
      if (rc != 0 || k.mv_size < prefix.size() ||
          std::memcmp(k.mv_data, prefix.data(), prefix.size()) != 0) {
        break;
      }
      if ((rc = mdb_cursor_del(cursor, 0)) != 0) break;
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
      mdb_txn_abort(txn);
      return LmdbError(rc, "delete view", env_->path());
    }
    mdb_cursor_close(cursor);
    if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError(rc, "commit", env_->path());
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    int rc = mdb_env_sync(env_->env(), 1);
    if (rc != 0) return LmdbError(rc, "sync", env_->path());
    return absl::OkStatus();
  }

  std::string Describe() const override { return "lmdb:" + env_->path(); }

 private:
  absl::Status CheckViewKey(std::string_view view_key) const {
    if (view_key.find('\0') != std::string_view::npos) {
      return absl::InvalidArgumentError("online store: a view key may not contain a NUL byte");
    }
    return absl::OkStatus();
  }

  std::shared_ptr<LmdbEnv> env_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<OnlineStore>> OpenLmdbOnlineStore(const std::string& directory) {
  absl::StatusOr<std::shared_ptr<LmdbEnv>> env = OpenEnv(directory);
  if (!env.ok()) return env.status();
  return std::unique_ptr<OnlineStore>(new LmdbOnlineStore(std::move(*env)));
}

}  // namespace strata::features::internal
