// The push path (Feast's /push): fresh rows for a push source, written to the online store of
// every feature view reading that source and/or appended to the push source's batch source.
//
// The rows come as named columns (Feast's "df": {column: [values]}); they must hold
//   - the batch source's `timestamp_field` (RFC 3339 / ISO 8601 strings, UTC unless an offset
//     is given), and its `created_timestamp_column` when it has one (optional in the push;
//     absent = no created timestamp);
//   - every join key of every view reading the push source (int64 keys as JSON integers,
//     string keys as strings; never null);
//   - every feature of those views, by feature name (null allowed). Values convert like the
//     point-in-time join reads sources: an integer for a float64 feature is fine, a string for
//     an int64 one is not.
// Unknown columns are rejected (a typo would otherwise lose data silently).
//
// Online: one OnlineStore::Write per view (the never-older rule applies: a pushed row older
// than the stored one is skipped and counted). Offline, before the online write so the
// offline log is never missing rows that are online:
//   - a file batch source that is a directory gets a new Parquet file
//     `push-<µs>-<pid>-<n>.parquet` (written beside as a hidden temporary file, then renamed;
//     the source's columns named as in the file, i.e. field_mapping reversed);
//   - a postgres batch source with a `table` gets one INSERT per row in one transaction, over
//     the repository's offline store connection;
//   - anything else (a single file, a postgres `query` source) is FAILED_PRECONDITION.
//
// Thread-safety: a FeaturePusher may be used from any number of threads at once.
#ifndef STRATA_FEATURES_ONLINE_PUSH_H_
#define STRATA_FEATURES_ONLINE_PUSH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/features/online_features.h"
#include "strata/features/online_store.h"
#include "strata/store/database.h"

namespace strata::features {

enum class PushTarget { kOnline, kOffline, kOnlineAndOffline };
// "online", "offline", "online_and_offline"; INVALID_ARGUMENT otherwise.
absl::StatusOr<PushTarget> ParsePushTarget(std::string_view text);

// A JSON value of a pushed column. std::monostate = null.
using PushValue = std::variant<std::monostate, bool, int64_t, double, std::string>;

struct PushColumn {
  std::string name;
  std::vector<PushValue> values;
};

struct PushRequest {
  std::string push_source_name;
  std::vector<PushColumn> columns;
  PushTarget to = PushTarget::kOnline;
};

struct PushViewResult {
  std::string view;
  OnlineWriteStats stats;
};

struct PushResult {
  int64_t rows = 0;
  std::vector<PushViewResult> views;  // online writes, one per view reading the source
  std::string offline_location;       // the Parquet file or "postgres table T"; "" = none
};

class FeaturePusher {
 public:
  FeaturePusher() = default;
  FeaturePusher(const FeaturePusher&) = delete;
  FeaturePusher& operator=(const FeaturePusher&) = delete;

  // Errors: NOT_FOUND for an unknown push source (or a source that is not a push source);
  // INVALID_ARGUMENT naming the column and row for missing, unknown, mistyped or unequal
  // columns, an empty push, a view-less push source; FAILED_PRECONDITION when offline push is
  // asked of a batch source that cannot take it (message says what would); UNAVAILABLE from
  // the stores; the file system's / database's errors for the offline append.
  absl::StatusOr<PushResult> Push(const FeatureServer& server, OnlineStore* store,
                                  const PushRequest& request);

 private:
  absl::StatusOr<store::Database*> OfflineDatabase(const std::string& uri);

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<store::Database>> offline_databases_;  // guarded by mu_
};

}  // namespace strata::features

#endif  // STRATA_FEATURES_ONLINE_PUSH_H_
