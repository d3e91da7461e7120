#include "strata/cli/internal/features_commands.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/features/definitions.h"
#include "strata/features/duration.h"
#include "strata/features/feature_registry.h"
#include "strata/lineage/lineage_store.h"

namespace strata::cli {
namespace {

using nlohmann::json;

int Fail(const char* verb, const absl::Status& status) {
  std::fprintf(stderr, "strata features %s: %s\n", verb, std::string(status.message()).c_str());
  return 1;
}

struct Stores {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<lineage::LineageStore> lineage;
  std::unique_ptr<features::FeatureRegistry> registry;
};

absl::StatusOr<Stores> OpenStores(const std::string& home, const std::string& store_uri) {
  Stores s;
  ASSIGN_OR_RETURN(s.db, OpenHomeDatabase(home, store_uri));
  ASSIGN_OR_RETURN(s.lineage, lineage::LineageStore::Open(s.db.get()));
  ASSIGN_OR_RETURN(s.registry, features::FeatureRegistry::Open(s.db.get(), s.lineage.get()));
  return s;
}

void AddStoreOptions(CLI::App* verb, std::string& home, std::string& store_uri) {
  verb->add_option("--home", home, "Home directory (default $STRATA_HOME or ~/.strata)");
  verb->add_option("--store", store_uri, "Metadata store URI; default sqlite under --home");
}

std::string Types(const std::vector<features::FeatureField>& fields) {
  std::vector<std::string> parts;
  for (const auto& f : fields) {
    parts.push_back(absl::StrCat(f.name, " ", std::string(table::DataTypeName(f.type))));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

FeaturesCommands::FeaturesCommands(CLI::App& app) {
  home_ = DefaultHome();
  features_ = app.add_subcommand("features", "Feature store: definitions, registry, materialization");
  features_->require_subcommand(1);
  plan_ = features_->add_subcommand("plan", "Show what apply would change in the registry");
  apply_ = features_->add_subcommand("apply", "Apply the repository's definitions to the registry");
  list_ = features_->add_subcommand("list", "Entities, views and services of a registry version");
  for (CLI::App* verb : {plan_, apply_, list_}) {
    verb->add_option("--repo", repo_, "Feature repository directory")->capture_default_str();
    AddStoreOptions(verb, home_, store_uri_);
  }
  plan_->add_flag("--json", json_, "Print the plan as JSON");
  apply_->add_flag("--json", json_, "Print the applied plan as JSON");
  list_->add_option("--project", project_, "Project (default: the one in --repo)");
  list_->add_option("--version", version_, "Registry version (default: the newest)");
  list_->add_flag("--json", json_, "Print the snapshot as JSON");
  AddMaterializeVerbs();
}

int FeaturesCommands::Run() {
  if (!features_->parsed()) return -1;
  if (plan_->parsed()) return Plan();
  if (apply_->parsed()) return Apply();
  if (list_->parsed()) return List();
  if (materialize_->parsed()) return Materialize(false);
  if (materialize_incremental_->parsed()) return Materialize(true);
  if (dump_online_->parsed()) return DumpOnline();
  return 2;
}

int FeaturesCommands::Plan() {
  absl::StatusOr<features::FeatureRepository> repo = features::LoadFeatureRepository(repo_);
  if (!repo.ok()) return Fail("plan", repo.status());
  absl::StatusOr<Stores> stores = OpenStores(home_, store_uri_);
  if (!stores.ok()) return Fail("plan", stores.status());
  absl::StatusOr<features::RegistryPlan> plan = stores->registry->Plan(*repo);
  if (!plan.ok()) return Fail("plan", plan.status());
  if (json_) {
    std::printf("%s\n", features::PlanToJson(*plan).c_str());
    return 0;
  }
  std::printf("project %s, registry version %lld\n%s", plan->project.c_str(),
              static_cast<long long>(plan->current_version), features::FormatPlan(*plan).c_str());
  return 0;
}

int FeaturesCommands::Apply() {
  absl::StatusOr<features::FeatureRepository> repo = features::LoadFeatureRepository(repo_);
  if (!repo.ok()) return Fail("apply", repo.status());
  absl::StatusOr<Stores> stores = OpenStores(home_, store_uri_);
  if (!stores.ok()) return Fail("apply", stores.status());
  absl::StatusOr<features::ApplyResult> result = stores->registry->Apply(*repo);
  if (!result.ok()) return Fail("apply", result.status());
  if (json_) {
    json out = json::parse(features::PlanToJson(result->plan));
    out["applied"] = result->applied;
    out["version"] = result->version;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  if (!result->applied) {
    std::printf("no changes; project %s stays at registry version %lld\n",
                result->plan.project.c_str(), static_cast<long long>(result->version));
    return 0;
  }
  std::printf("%sapplied: project %s, registry version %lld\n",
              features::FormatPlan(result->plan).c_str(), result->plan.project.c_str(),
              static_cast<long long>(result->version));
  return 0;
}

int FeaturesCommands::List() {
  std::string project = project_;
  if (project.empty()) {
    absl::StatusOr<features::RepositoryConfig> config = features::LoadRepositoryConfig(repo_);
    if (!config.ok()) {
      return Fail("list", absl::Status(config.status().code(),
                                       absl::StrCat(config.status().message(),
                                                    " (or give --project)")));
    }
    project = config->project;
  }
  absl::StatusOr<Stores> stores = OpenStores(home_, store_uri_);
  if (!stores.ok()) return Fail("list", stores.status());
  features::RegistryVersion version;
  if (version_ > 0) {
    absl::StatusOr<features::RegistryVersion> v = stores->registry->GetVersion(project, version_);
    if (!v.ok()) return Fail("list", v.status());
    version = *std::move(v);
  } else {
    absl::StatusOr<std::optional<features::RegistryVersion>> v =
        stores->registry->Current(project);
    if (!v.ok()) return Fail("list", v.status());
    if (!v->has_value()) {
      return Fail("list", absl::NotFoundError(absl::StrCat(
                              "nothing applied for project '", project,
                              "' (run strata features apply)")));
    }
    version = **std::move(v);
  }
  absl::StatusOr<features::FeatureRepository> defs = features::FeatureRegistry::Definitions(version);
  if (!defs.ok()) return Fail("list", defs.status());
  if (json_) {
    json out = json::parse(version.snapshot_json);
    out["project"] = version.project;
    out["version"] = version.version;
    out["created_at_ms"] = version.created_at_ms;
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("project %s, registry version %lld\n", project.c_str(),
              static_cast<long long>(version.version));
  std::printf("entities:\n");
  for (const features::Entity& e : defs->entities) {
    std::vector<std::string> keys;
    for (const features::JoinKey& k : e.join_keys) {
      keys.push_back(absl::StrCat(k.name, " ", std::string(table::DataTypeName(k.type))));
    }
    std::printf("  %s  join keys: %s\n", e.name.c_str(), absl::StrJoin(keys, ", ").c_str());
  }
  std::printf("feature views:\n");
  for (const features::FeatureView& v : defs->feature_views) {
    std::printf("  %s  entities: %s  source: %s  ttl: %s  online: %s  features: %s\n",
                v.name.c_str(), absl::StrJoin(v.entities, ", ").c_str(), v.source.c_str(),
                features::FormatDurationMicros(v.ttl_micros).c_str(),
                v.online ? "true" : "false", Types(v.schema).c_str());
  }
  std::printf("feature services:\n");
  for (const features::FeatureService& s : defs->feature_services) {
    std::printf("  %s  features: %s\n", s.name.c_str(), absl::StrJoin(s.features, ", ").c_str());
  }
  return 0;
}

}  // namespace strata::cli
