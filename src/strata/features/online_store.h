// The online store: the latest materialized feature row per (project, feature view, entity
// key), read at low latency by the feature server and the inference server. Two backends
// behind one interface: LMDB (embedded, the default, under --home) and Redis (hiredis,
// redis://host:port/db or unix:///path/to/redis.sock), chosen by the repository's
// `online_store` config.
//
// Keys and records are opaque bytes made by the codecs below, so both backends store exactly
// the same bytes and the reader decodes them the same way:
//   view key    "PROJECT/VIEW"
//   entity key  the view's join-key values in the view's join-key order (entity order, then
//               each entity's join_keys order): int64 -> 'i' + 8 bytes big-endian with the
//               sign bit flipped; string -> 's' + uint32 big-endian length + bytes.
//   record      event_ts (8 bytes, big-endian, sign bit flipped), created_ts (same; INT64_MIN
//               when the source has no created column), uint16 big-endian feature count, then
//               per feature in the view's schema order one tag byte and its payload:
//               0 null | 1 bool (1 byte) | 2 int64 (8 bytes BE) | 3 float64 (8 bytes, IEEE
//               bits BE) | 4 string (uint32 BE length + bytes) | 5 timestamp (8 bytes BE µs).
// The sign-flipped big-endian timestamps make "newer" a plain byte comparison of the first
// 16 bytes, which the Redis backend can do inside a script.
//
// Writes never replace a newer value with an older one: a record is written only when its
// (event_ts, created_ts) is >= the stored one's (equal rewrites the same key: reruns are
// idempotent). This is what makes materialization safe to rerun after a crash.
//
// Thread-safety: every method may be called from any number of threads at once.
#ifndef STRATA_FEATURES_ONLINE_STORE_H_
#define STRATA_FEATURES_ONLINE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/features/definitions.h"

namespace strata::features {

// One feature value as stored. std::monostate = null. Timestamps are µs since the epoch (UTC).
struct OnlineTimestamp {
  int64_t micros = 0;
  bool operator==(const OnlineTimestamp&) const = default;
};
using OnlineValue =
    std::variant<std::monostate, bool, int64_t, double, std::string, OnlineTimestamp>;

// A decoded record.
struct OnlineRecord {
  int64_t event_ts_micros = 0;
  int64_t created_ts_micros = INT64_MIN;  // INT64_MIN = no created column
  std::vector<OnlineValue> values;        // the view's schema order
};

// One write: an encoded entity key and an encoded record.
struct OnlineWrite {
  std::string entity_key;
  std::string record;
};

// The answer of OnlineStore::ReadAsync: Read's status and records.
using OnlineReadDone =
    absl::AnyInvocable<void(absl::Status status, std::vector<std::optional<std::string>> records)>;

struct OnlineWriteStats {
  int64_t written = 0;          // new keys and keys whose stored record was older or equal
  int64_t skipped_older = 0;    // the stored record was newer: left alone
};

class OnlineStore {
 public:
  virtual ~OnlineStore() = default;

  // Writes `rows` for one view (see "Writes never replace a newer value" above). The batch is
  // written in one LMDB transaction / one Redis pipeline; on error some rows may be written
  // (each row is all-or-nothing), which a rerun repairs.
  virtual absl::StatusOr<OnlineWriteStats> Write(std::string_view view_key,
                                                 absl::Span<const OnlineWrite> rows) = 0;

  // Looks up `entity_keys` of one view; `records` gets one entry per key, nullopt when the key
  // is absent. Errors: UNAVAILABLE when the backend cannot be reached (Redis down), with a
  // message naming the address; the store reconnects by itself on a later call.
  virtual absl::Status Read(std::string_view view_key,
                            absl::Span<const std::string> entity_keys,
                            std::vector<std::optional<std::string>>* records) = 0;

  // Read without holding the caller's thread while the backend answers: `done` runs exactly
  // once, with what Read would have returned. The default (LMDB, whose reads never wait)
  // reads at once and runs `done` on the calling thread before returning. Redis queues the
  // read for a store thread that sends every queued read of all callers pipelined on one
  // connection and runs `done` there as replies arrive, so an HTTP I/O thread serves other
  // requests meanwhile and many reads share one round trip. `done` must not block (it may
  // run on that shared thread); it may drop the last reference to the store. Reads still
  // queued when the store is destroyed get UNAVAILABLE.
  virtual void ReadAsync(std::string view_key, std::vector<std::string> entity_keys,
                         OnlineReadDone done);

  // Removes every key of a view (a view deleted by `features apply`, or a test reset).
  virtual absl::Status DeleteView(std::string_view view_key) = 0;

  // Makes every completed Write durable on disk. LMDB commits without an fsync per batch
  // (a killed process loses nothing; a power cut may lose the last batches), so the
  // materializer calls Flush before it records a watermark. Redis: a no-op (its own
  // persistence settings decide). Added after the interface was first fixed; the default
  // keeps other implementations source compatible.
  virtual absl::Status Flush() { return absl::OkStatus(); }

  // "lmdb:/path", "redis://host:port/db" or "unix:///path?db=N", for messages.
  virtual std::string Describe() const = 0;
};

// Opens the store a repository config names. LMDB: `lmdb_directory` (created if missing;
// callers pass LmdbStoreDirectory(home, project)). Redis: config.connection_string. Errors:
// INVALID_ARGUMENT for an unknown type or a malformed connection string; UNAVAILABLE when
// Redis cannot be reached at open.
absl::StatusOr<std::unique_ptr<OnlineStore>> OpenOnlineStore(const StoreConfig& config,
                                                             const std::string& lmdb_directory);

// Where a project's embedded LMDB store lives: <home>/online.lmdb/PROJECT (the home layout of
// ARCHITECTURE.md). Every process that opens a project's store uses this.
std::string LmdbStoreDirectory(std::string_view home, std::string_view project);

// ---- codecs (pure functions; the same bytes for both backends) ----

std::string OnlineViewKey(std::string_view project, std::string_view view);

// Appends one join-key value to an entity key under construction.
void AppendEntityKeyInt64(int64_t value, std::string* key);
void AppendEntityKeyString(std::string_view value, std::string* key);

// Encodes a record; `values` must follow the view's schema.
std::string EncodeOnlineRecord(const OnlineRecord& record);
// Decodes a record. Errors: DATA_LOSS naming the byte offset for truncated or malformed bytes.
absl::StatusOr<OnlineRecord> DecodeOnlineRecord(std::string_view bytes);
// The (event_ts, created_ts) of an encoded record without decoding the values; DATA_LOSS when
// shorter than 16 bytes.
absl::StatusOr<std::pair<int64_t, int64_t>> OnlineRecordTimestamps(std::string_view bytes);

}  // namespace strata::features

#endif  // STRATA_FEATURES_ONLINE_STORE_H_
