// Materialization: copies the latest feature row per entity key of a window from a view's
// offline source into the online store, with its event timestamp, so the online read path
// answers from one lookup.
//
// For each view (default: every view with `online: true`) and window [start, end] (both ends
// inclusive, µs UTC) the source is read (file sources through io/read_table.h, every data file
// of a directory source in path order; PostgreSQL sources with one SQL query over the window
// on the offline store's connection), and per entity key the row kept is the one with the
// latest timestamp in the window; ties go to the highest created timestamp (a null created
// timestamp ranks below every present one), full ties to the last row in source order — the
// rules of point_in_time.h. Rows with a null timestamp or a null join key are skipped. The
// kept rows are encoded (online_store.h) and written in batches.
//
// Idempotent and resumable: the online store never replaces a newer record with an older
// one, so a rerun (or a run after a crash) converges to the same bytes as one clean run. The
// view's watermark (the end of its latest materialized window) is written only after all its
// rows are written and flushed, so a crash leaves it at the old value.
//
// Recorded per view in the metadata store (migration component "features"):
//   feature_materializations   one row per view per run (project, view, registry version,
//                              window, rows read, keys written, skipped, wall ms, and a
//                              profile of the materialized values as JSON: data/profile.h)
//   feature_materialization_watermarks   (project, view) -> end of the latest window
// and in lineage: execution "FeatureMaterialization" with input FeatureView
// PROJECT:VIEW@ObjectVersion (role "view"), in context FeatureRepository PROJECT.
//
// Thread-safety: a Materializer may be used from several threads; runs of the same view at
// the same time are safe for the online store (never-older rule) and record separately.
#ifndef STRATA_FEATURES_MATERIALIZE_H_
#define STRATA_FEATURES_MATERIALIZE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/features/feature_registry.h"
#include "strata/features/online_store.h"
#include "strata/lineage/lineage_store.h"
#include "strata/store/database.h"

namespace strata::features {

struct MaterializeOptions {
  // The feature repository directory: the registry keeps file source paths as written
  // (relative to it). Required when a view has a file source with a relative path.
  std::string repo_directory;
  std::vector<std::string> views;  // empty = every view with online: true
  int64_t batch_rows = 50000;      // online writes per Write call
  bool record_profile = true;      // profile the materialized feature values
  int threads = 0;                 // for the profile; 0 = one per core
};

// One view's materialization, as recorded.
struct ViewMaterialization {
  int64_t id = 0;
  std::string project;
  std::string view;
  int64_t registry_version = 0;
  int64_t start_micros = 0;
  int64_t end_micros = 0;
  int64_t rows_read = 0;       // source rows read
  int64_t rows_in_window = 0;  // of those, rows with keys and a timestamp in [start, end]
  int64_t keys_written = 0;    // records the store accepted (new, older or equal before)
  int64_t skipped = 0;         // records left alone because the stored one was newer
  int64_t wall_ms = 0;
  int64_t created_at_ms = 0;
  int64_t lineage_execution_id = 0;  // 0 when no lineage store was given
};

class Materializer {
 public:
  // Runs the "features" migrations. `lineage` may be null (then nothing is recorded there).
  static absl::StatusOr<std::unique_ptr<Materializer>> Open(store::Database* db,
                                                            lineage::LineageStore* lineage);
  Materializer(const Materializer&) = delete;
  Materializer& operator=(const Materializer&) = delete;

  // Materializes [start_micros, end_micros] of each selected view of `version` into
  // `online`. Views run one after another; on the first error the call stops and returns it
  // (views already done stay recorded). Errors: INVALID_ARGUMENT for start > end, an unknown
  // view, a view with online: false named in options.views, or a source column of the wrong
  // type (naming view, column and type); NOT_FOUND for a missing source file; the online
  // store's and the database's errors.
  absl::StatusOr<std::vector<ViewMaterialization>> Materialize(const RegistryVersion& version,
                                                               OnlineStore* online,
                                                               int64_t start_micros,
                                                               int64_t end_micros,
                                                               const MaterializeOptions& options = {});

  // Per view, the window (watermark, end_micros] — the previous window included its end —
  // or, the first time, [end - ttl, end] (ttl 0: from the beginning). A view whose watermark
  // is already >= end has an empty window: it is reported with id 0 and zero rows, and
  // nothing is written or recorded (a rerun is a no-op).
  absl::StatusOr<std::vector<ViewMaterialization>> MaterializeIncremental(
      const RegistryVersion& version, OnlineStore* online, int64_t end_micros,
      const MaterializeOptions& options = {});

  // Newest first; `view` empty = every view of the project.
  absl::StatusOr<std::vector<ViewMaterialization>> ListMaterializations(std::string_view project,
                                                                        std::string_view view);
  // The profile JSON (data/profile.h ProfileToJson) of one materialization; "" when it was
  // run without a profile. NOT_FOUND for an unknown id.
  absl::StatusOr<std::string> MaterializationProfile(int64_t id);
  // The end of the latest materialized window of a view, or nullopt.
  absl::StatusOr<std::optional<int64_t>> Watermark(std::string_view project, std::string_view view);

 private:
  Materializer(store::Database* db, lineage::LineageStore* lineage) : db_(db), lineage_(lineage) {}
  absl::StatusOr<ViewMaterialization> RunView(const RegistryVersion& version,
                                              const FeatureRepository& repo,
                                              const FeatureView& view, OnlineStore* online,
                                              int64_t start_micros, int64_t end_micros,
                                              const MaterializeOptions& options);
  absl::Status Record(const RegistryVersion& version, ViewMaterialization& result,
                      const std::string& profile_json);

  store::Database* db_;
  lineage::LineageStore* lineage_;
};

// The views a run covers: `names` (each must exist and be online) or, when empty, every view
// with online: true, in name order. Errors: INVALID_ARGUMENT naming the view.
absl::StatusOr<std::vector<const FeatureView*>> SelectOnlineViews(
    const FeatureRepository& repo, const std::vector<std::string>& names);

// The stored records of a view for every entity key its source holds (whole source, any
// timestamp), in key order; keys without a stored record are left out. For debugging and for
// comparing two stores byte for byte (`strata features dump-online`). `repo.directory` must
// be set for relative file source paths.
absl::StatusOr<std::vector<OnlineWrite>> ReadBackView(const FeatureRepository& repo,
                                                      const FeatureView& view,
                                                      OnlineStore* online);

}  // namespace strata::features

#endif  // STRATA_FEATURES_MATERIALIZE_H_
