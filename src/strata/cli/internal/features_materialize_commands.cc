// `strata features materialize START END`, `materialize-incremental END` and the hidden
// debug verb `dump-online` (every stored record of some views, for byte-for-byte comparisons
// in tests). The registry's current definitions of the --repo project are used; the online
// store is the one they name (LMDB under <home>/online.lmdb/PROJECT, or Redis).
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/cli/internal/features_commands.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/features/feature_store.h"
#include "strata/io/csv_reader.h"
#include "strata/lineage/lineage_store.h"

namespace strata::cli {
namespace {

using nlohmann::json;

int FailVerb(const char* verb, const absl::Status& status) {
  std::fprintf(stderr, "strata features %s: %s\n", verb, std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<int64_t> ParseTime(const std::string& text, const char* what) {
  int64_t micros = 0;
  if (!io::ParseTimestampMicros(text, &micros)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " '", text, "' is not an RFC 3339 timestamp (e.g. 2026-01-01T00:00:00Z)"));
  }
  return micros;
}

// Everything a materialization needs, opened from --repo / --home / --store.
struct Session {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<lineage::LineageStore> lineage;
  std::unique_ptr<features::FeatureRegistry> registry;
  std::unique_ptr<features::Materializer> materializer;
  features::RegistryVersion version;
  features::FeatureRepository definitions;
  std::unique_ptr<features::OnlineStore> online;
  std::string repo_directory;
};

absl::StatusOr<Session> OpenSession(const std::string& repo, const std::string& home,
                                    const std::string& store_uri) {
  Session s;
  ASSIGN_OR_RETURN(features::RepositoryConfig config, features::LoadRepositoryConfig(repo));
  std::error_code ec;
  s.repo_directory = std::filesystem::absolute(repo, ec).string();
  ASSIGN_OR_RETURN(s.db, OpenHomeDatabase(home, store_uri));
  ASSIGN_OR_RETURN(s.lineage, lineage::LineageStore::Open(s.db.get()));
  ASSIGN_OR_RETURN(s.registry, features::FeatureRegistry::Open(s.db.get(), s.lineage.get()));
  ASSIGN_OR_RETURN(s.materializer, features::Materializer::Open(s.db.get(), s.lineage.get()));
  ASSIGN_OR_RETURN(std::optional<features::RegistryVersion> current,
                   s.registry->Current(config.project));
  if (!current.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "nothing applied for project '", config.project, "': run strata features apply first"));
  }
  s.version = *std::move(current);
  ASSIGN_OR_RETURN(s.definitions, features::FeatureRegistry::Definitions(s.version));
  s.definitions.directory = s.repo_directory;
  const std::string lmdb_dir = features::LmdbStoreDirectory(home, s.version.project);
  ASSIGN_OR_RETURN(s.online, features::OpenOnlineStore(s.definitions.config.online_store, lmdb_dir));
  return s;
}

std::string Hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

}  // namespace

void FeaturesCommands::AddMaterializeVerbs() {
  materialize_ = features_->add_subcommand(
      "materialize", "Write the latest row per entity key of [START, END] to the online store");
  materialize_->add_option("START", start_, "Window start, RFC 3339 (inclusive)")->required();
  materialize_->add_option("END", end_, "Window end, RFC 3339 (inclusive)")->required();
  materialize_incremental_ = features_->add_subcommand(
      "materialize-incremental",
      "Materialize each view from its last materialized end (first time: END - ttl) to END");
  materialize_incremental_->add_option("END", end_, "Window end, RFC 3339")->required();
  // Hidden: prints every stored record of the views (keys taken from the source), one
  // "VIEW HEX_KEY HEX_RECORD" line each in key order, to compare stores byte for byte.
  dump_online_ = features_->add_subcommand("dump-online", "Debug: print stored online records");
  dump_online_->group("");
  for (CLI::App* verb : {materialize_, materialize_incremental_, dump_online_}) {
    verb->add_option("--repo", repo_, "Feature repository directory")->capture_default_str();
    verb->add_option("--home", home_, "Home directory (default $STRATA_HOME or ~/.strata)");
    verb->add_option("--store", store_uri_, "Metadata store URI; default sqlite under --home");
    verb->add_option("--views", views_, "Views (comma-separated; default every online view)")
        ->delimiter(',');
  }
  for (CLI::App* verb : {materialize_, materialize_incremental_}) {
    verb->add_option("--batch-rows", batch_rows_, "Online writes per batch")->capture_default_str();
  }
  materialize_->add_flag("--json", json_, "Print the results as JSON");
  materialize_incremental_->add_flag("--json", json_, "Print the results as JSON");
}

int FeaturesCommands::Materialize(bool incremental) {
  const char* verb = incremental ? "materialize-incremental" : "materialize";
  int64_t start = 0;
  if (!incremental) {
    absl::StatusOr<int64_t> s = ParseTime(start_, "START");
    if (!s.ok()) return FailVerb(verb, s.status());
    start = *s;
  }
  absl::StatusOr<int64_t> end = ParseTime(end_, "END");
  if (!end.ok()) return FailVerb(verb, end.status());
  absl::StatusOr<Session> session = OpenSession(repo_, home_, store_uri_);
  if (!session.ok()) return FailVerb(verb, session.status());
  features::MaterializeOptions options;
  options.views = views_;
  options.batch_rows = batch_rows_;
  options.repo_directory = session->repo_directory;
  absl::StatusOr<std::vector<features::ViewMaterialization>> runs =
      incremental ? session->materializer->MaterializeIncremental(
                        session->version, session->online.get(), *end, options)
                  : session->materializer->Materialize(session->version, session->online.get(),
                                                       start, *end, options);
  if (!runs.ok()) return FailVerb(verb, runs.status());
  if (json_) {
    json out = json::array();
    for (const features::ViewMaterialization& m : *runs) {
      out.push_back({{"id", m.id},
                     {"project", m.project},
                     {"view", m.view},
                     {"registry_version", m.registry_version},
                     {"start", io::FormatTimestampMicros(m.start_micros)},
                     {"end", io::FormatTimestampMicros(m.end_micros)},
                     {"start_micros", m.start_micros},
                     {"end_micros", m.end_micros},
                     {"rows_read", m.rows_read},
                     {"rows_in_window", m.rows_in_window},
                     {"keys_written", m.keys_written},
                     {"skipped", m.skipped},
                     {"wall_ms", m.wall_ms},
                     {"online_store", session->online->Describe()}});
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  for (const features::ViewMaterialization& m : *runs) {
    if (m.id == 0) {
      std::printf("%s: up to date (materialized to %s)\n", m.view.c_str(),
                  io::FormatTimestampMicros(m.start_micros - 1).c_str());
      continue;
    }
    std::printf("%s: %lld rows read, %lld keys written, %lld skipped (newer stored), %.2f s\n",
                m.view.c_str(), static_cast<long long>(m.rows_read),
                static_cast<long long>(m.keys_written), static_cast<long long>(m.skipped),
                static_cast<double>(m.wall_ms) / 1000.0);
  }
  return 0;
}

int FeaturesCommands::DumpOnline() {
  absl::StatusOr<Session> session = OpenSession(repo_, home_, store_uri_);
  if (!session.ok()) return FailVerb("dump-online", session.status());
  absl::StatusOr<std::vector<const features::FeatureView*>> views =
      features::SelectOnlineViews(session->definitions, views_);
  if (!views.ok()) return FailVerb("dump-online", views.status());
  for (const features::FeatureView* view : *views) {
    absl::StatusOr<std::vector<features::OnlineWrite>> records =
        features::ReadBackView(session->definitions, *view, session->online.get());
    if (!records.ok()) return FailVerb("dump-online", records.status());
    for (const features::OnlineWrite& r : *records) {
      std::printf("%s %s %s\n", view->name.c_str(), Hex(r.entity_key).c_str(),
                  Hex(r.record).c_str());
    }
  }
  return 0;
}

}  // namespace strata::cli
