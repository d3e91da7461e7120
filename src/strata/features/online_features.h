// The online read path: Feast's get_online_features over an OnlineStore, used by the HTTP
// feature server (/get-online-features) and in process by the inference server.
//
// A FeatureServer is built once per registry version (the definitions of that version) and
// precomputes what each request would otherwise look up: per feature view its store key
// ("PROJECT/VIEW"), its join keys in entity-key order, a feature-name -> schema-index table and
// its ttl; per feature service its resolved feature list. A request then costs one hash lookup
// per feature reference, one OnlineStore::Read per feature view (every entity row at once) and
// one record decode per (view, row).
//
// Response model (Feast's): the request's join-key columns first (in request order), then the
// features in request order (a service in its own order, "view:*" in schema order), named
// `feature` or, with full_feature_names, `view__feature`. Each column has one value, status
// and event timestamp per entity row:
//   PRESENT         the stored value
//   NULL_VALUE      the stored row holds null for this feature
//   NOT_FOUND       no row for this entity key (value null, event timestamp 0)
//   OUTSIDE_MAX_AGE the stored row is older than the view's ttl: event_ts < now - ttl
//                   (value null, the stored event timestamp). ttl 0 = never expires; a row at
//                   exactly now - ttl is still PRESENT. Feast's Python server does not
//                   enforce the ttl online; Strata does.
// Join-key columns are PRESENT with event timestamp 0.
//
// A stored record whose feature count differs from the view's current schema (written under
// an older definition and not re-materialized yet) reads as NOT_FOUND for that row.
//
// Thread-safety: a FeatureServer is immutable after Create; GetOnlineFeatures may run on any
// number of threads at once (the OnlineStore must allow that too, which every backend does).
#ifndef STRATA_FEATURES_ONLINE_FEATURES_H_
#define STRATA_FEATURES_ONLINE_FEATURES_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/features/online_store.h"

namespace strata::features {

enum class FeatureStatus : uint8_t { kPresent, kNotFound, kNullValue, kOutsideMaxAge };
// "PRESENT", "NOT_FOUND", "NULL_VALUE", "OUTSIDE_MAX_AGE".
std::string_view FeatureStatusName(FeatureStatus status);

// One join-key value as a request carries it.
using EntityKeyValue = std::variant<int64_t, std::string>;

struct EntityKeyColumn {
  std::string join_key;
  std::vector<EntityKeyValue> values;  // one per entity row
};

struct OnlineFeaturesRequest {
  // "view:feature" or "view:*"; exactly one of `features` / `feature_service` is given.
  std::vector<std::string> features;
  std::string feature_service;
  // Join key name -> values; every column has the same number of rows.
  std::vector<EntityKeyColumn> entities;
  bool full_feature_names = false;
};

struct OnlineFeatureColumn {
  std::string name;
  std::vector<OnlineValue> values;        // std::monostate = null
  std::vector<FeatureStatus> statuses;
  std::vector<int64_t> event_ts_micros;   // 0 for join keys and NOT_FOUND
};

struct OnlineFeaturesResponse {
  int64_t rows = 0;
  int join_key_columns = 0;                 // the first columns are the join keys
  std::vector<OnlineFeatureColumn> columns;
};

class FeatureServer {
 public:
  // Precomputes the lookup tables of `definitions` (one registry version of one project).
  // Errors: INVALID_ARGUMENT when the definitions are inconsistent (a view naming an unknown
  // entity; the registry only stores validated definitions, so this means a damaged snapshot).
  static absl::StatusOr<std::unique_ptr<const FeatureServer>> Create(
      FeatureRepository definitions, int64_t registry_version);

  FeatureServer(const FeatureServer&) = delete;
  FeatureServer& operator=(const FeatureServer&) = delete;

  // Reads the requested features of every entity row from `store`; `now_micros` (µs since
  // the epoch, UTC) is the reference time of the ttl check.
  // Errors:
  //   INVALID_ARGUMENT naming the problem: neither or both of features / feature_service, an
  //     unknown feature service, view or feature, a malformed reference, a feature asked
  //     twice, two features with the same output name (use full_feature_names), no entity
  //     columns or zero rows, entity columns of unequal length, a repeated entity column, a
  //     join key a requested view needs but the request lacks, an entity column no requested
  //     view uses, a value of the wrong type for its key (naming the row);
  //   UNAVAILABLE from the store (Redis down); DATA_LOSS for an undecodable stored record.
  absl::StatusOr<OnlineFeaturesResponse> GetOnlineFeatures(OnlineStore& store,
                                                           const OnlineFeaturesRequest& request,
                                                           int64_t now_micros) const;

  // GetOnlineFeatures without holding the calling thread while the store answers (see
  // OnlineStore::ReadAsync): the request is checked and its keys encoded at once, the views'
  // reads are issued together, and `done` runs exactly once with what GetOnlineFeatures would
  // return, on the calling thread (a bad request; LMDB) or on the store's thread (Redis).
  // `server` and `store` are kept alive until then; the request may go away on return.
  using OnlineFeaturesDone = absl::AnyInvocable<void(absl::StatusOr<OnlineFeaturesResponse>)>;
  static void GetOnlineFeaturesAsync(std::shared_ptr<const FeatureServer> server,
                                     std::shared_ptr<OnlineStore> store,
                                     const OnlineFeaturesRequest& request, int64_t now_micros,
                                     OnlineFeaturesDone done);

  const FeatureRepository& definitions() const { return definitions_; }
  int64_t registry_version() const { return registry_version_; }
  const std::string& project() const { return definitions_.config.project; }

  // Per feature view: what reads and writes of it need. Public for the push path
  // (online_push.h), which encodes rows with the same join-key order.
  struct ViewTable {
    const FeatureView* view = nullptr;       // into definitions()
    std::string view_key;                    // OnlineViewKey(project, view)
    std::vector<JoinKey> join_keys;          // entity order, then each entity's key order
    absl::flat_hash_map<std::string, int> feature_index;  // name -> schema index
  };
  const ViewTable* FindView(std::string_view name) const;
  const std::vector<ViewTable>& views() const { return views_; }

 private:
  struct FeatureSlot {
    int view = 0;     // index into views_
    int feature = 0;  // schema index
  };

  FeatureServer(FeatureRepository definitions, int64_t registry_version)
      : definitions_(std::move(definitions)), registry_version_(registry_version) {}
  absl::Status Build();
  absl::Status ResolveRefs(const std::vector<std::string>& refs,
                           std::vector<FeatureSlot>* slots) const;
  struct ViewRead;  // online_features.cc
  struct ReadPlan;
  // Checks the request and builds the response skeleton and one keyed read per view.
  absl::Status PlanRead(const OnlineFeaturesRequest& request, ReadPlan* plan) const;
  // Fills `read`'s columns of `response` from the store's answer (one record per row).
  absl::Status ApplyRecords(const ViewRead& read,
                            std::vector<std::optional<std::string>>& records,
                            std::string_view store_name, int64_t now_micros,
                            OnlineFeaturesResponse* response) const;

  FeatureRepository definitions_;
  int64_t registry_version_ = 0;
  std::vector<ViewTable> views_;
  absl::flat_hash_map<std::string, int> view_index_;
  // "view:feature" -> its slot, for every feature of every view.
  absl::flat_hash_map<std::string, FeatureSlot> feature_refs_;
  // Service name -> its features, resolved once.
  absl::flat_hash_map<std::string, std::vector<FeatureSlot>> services_;
};

// The one-call form of the brief's API: builds a FeatureServer for `definitions` and reads.
// Prefer keeping a FeatureServer per registry version (live_feature_server.h does) on hot paths.
absl::StatusOr<OnlineFeaturesResponse> GetOnlineFeatures(const FeatureRepository& definitions,
                                                         OnlineStore& store,
                                                         const OnlineFeaturesRequest& request,
                                                         int64_t now_micros);

}  // namespace strata::features

#endif  // STRATA_FEATURES_ONLINE_FEATURES_H_
