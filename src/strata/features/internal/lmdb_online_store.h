// The LMDB online store backend (see online_store.h for the contract).
//
// One LMDB environment per directory per process (LMDB forbids opening the same environment
// twice in one process): stores opened on the same directory share it. All views live in
// one database under the key VIEW_KEY '\0' ENTITY_KEY (a view key never holds '\0'), so a
// read is one B-tree lookup and DeleteView a range delete.
//
// Reads use MDB_NOTLS read transactions cached per thread and per environment: a read renews
// the thread's reset transaction, looks up, copies the record out and resets it again, so it
// costs no allocation beyond the copy and no lock of ours. Writes are one write transaction
// per batch (LMDB serializes writers), committed without fsync; Flush() syncs.
#ifndef STRATA_FEATURES_INTERNAL_LMDB_ONLINE_STORE_H_
#define STRATA_FEATURES_INTERNAL_LMDB_ONLINE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "strata/features/online_store.h"

namespace strata::features::internal {

// Creates `directory` (and parents) when missing. Errors: INTERNAL / PERMISSION_DENIED naming
// the directory and LMDB's message.
absl::StatusOr<std::unique_ptr<OnlineStore>> OpenLmdbOnlineStore(const std::string& directory);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_LMDB_ONLINE_STORE_H_
