// Model versions: create, read, update, delete, search, stage transitions and version tags.
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/registry/internal/rows.h"
#include "strata/registry/internal/search.h"
#include "strata/registry/model_registry.h"

namespace strata::registry {
namespace {

using internal::Dialect;

absl::Status RequireVersion(store::Connection& c, std::string_view name, int64_t version) {
  const store::Value key[] = {std::string(name), version};
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne("SELECT 1 FROM model_versions WHERE name = ? AND version = ?", key));
  if (!row) return internal::VersionNotFound(name, version);
  return absl::OkStatus();
}

AuditEvent StageEvent(std::string_view name, int64_t version, std::string from, std::string to,
                      std::string_view actor, int64_t now) {
  AuditEvent e;
  e.timestamp = now;
  e.actor = std::string(actor);
  e.action = std::string(kAuditTransition);
  e.name = std::string(name);
  e.version = version;
  e.from_value = std::move(from);
  e.to_value = std::move(to);
  return e;
}

}  // namespace

absl::StatusOr<ModelVersion> ModelRegistry::CreateModelVersion(
    const CreateModelVersionRequest& request) {
  RETURN_IF_ERROR(internal::ValidateModelName(request.name));
  if (request.source.empty()) {
    return absl::InvalidArgumentError("Missing value for required parameter 'source'.");
  }
  for (const Tag& t : request.tags) RETURN_IF_ERROR(internal::ValidateTag(t));
  ModelVersion out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    const store::Value bump[] = {now, request.name};
    // The UPDATE takes the model's row lock before the number is read, so concurrent creators
    // get distinct numbers.
    ASSIGN_OR_RETURN(int64_t changed,
                     c.Execute("UPDATE registered_models SET next_version = next_version + 1, "
                               "last_updated_timestamp = ? WHERE name = ?",
                               bump));
    if (changed == 0) return internal::ModelNotFound(request.name);
    const store::Value key[] = {request.name};
    ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        c.QueryOne("SELECT next_version - 1 FROM registered_models WHERE name = ?", key));
    if (!row) return internal::ModelNotFound(request.name);
    int64_t version = row->GetInt(0);
    const store::Value p[] = {request.name,
                              version,
                              now,
                              now,
                              request.description,
                              request.user_id,
                              std::string(kStageNone),
                              request.source,
                              request.run_id,
                              request.run_link,
                              std::string(kStatusReady),
                              request.source};
    RETURN_IF_ERROR(c.Execute("INSERT INTO model_versions (name, version, creation_timestamp, "
                              "last_updated_timestamp, description, user_id, current_stage, "
                              "source, run_id, run_link, status, storage_location) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              p)
                        .status());
    for (const Tag& t : request.tags) {
      const store::Value tp[] = {request.name, version, t.key, t.value};
      RETURN_IF_ERROR(c.Execute("INSERT INTO model_version_tags (name, version, key, value) "
                                "VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO "
                                "UPDATE SET value = excluded.value",
                                tp)
                          .status());
    }
    ASSIGN_OR_RETURN(out, internal::LoadVersion(c, request.name, version));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ModelVersion> ModelRegistry::GetModelVersion(std::string_view name,
                                                            int64_t version) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  ModelVersion out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, internal::LoadVersion(c, name, version));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<ModelVersion> ModelRegistry::UpdateModelVersion(std::string_view name,
                                                               int64_t version,
                                                               std::string_view description) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  ModelVersion out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    const store::Value p[] = {std::string(description), NowMillis(), std::string(name), version};
    ASSIGN_OR_RETURN(int64_t n, c.Execute("UPDATE model_versions SET description = ?, "
                                          "last_updated_timestamp = ? WHERE name = ? AND "
                                          "version = ?",
                                          p));
    if (n == 0) return internal::VersionNotFound(name, version);
    ASSIGN_OR_RETURN(out, internal::LoadVersion(c, name, version));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status ModelRegistry::DeleteModelVersion(std::string_view name, int64_t version,
                                               std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, now));
    RETURN_IF_ERROR(RequireVersion(c, name, version));
    const store::Value key[] = {std::string(name), version};
    ASSIGN_OR_RETURN(std::vector<store::Row> aliases,
                     c.Query("SELECT alias FROM registered_model_aliases WHERE name = ? AND "
                             "version = ? ORDER BY alias",
                             key));
    for (const store::Row& r : aliases) {
      AuditEvent e;
      e.timestamp = now;
      e.actor = std::string(actor);
      e.action = std::string(kAuditDeleteAlias);
      e.name = std::string(name);
      e.version = version;
      e.alias = r.GetString(0);
      e.from_value = absl::StrCat(version);
      RETURN_IF_ERROR(internal::WriteAudit(c, e));
    }
    for (const char* table : {"registered_model_aliases", "model_version_tags", "model_versions"}) {
      RETURN_IF_ERROR(
          c.Execute(absl::StrCat("DELETE FROM ", table, " WHERE name = ? AND version = ?"), key)
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<ModelVersionPage> ModelRegistry::SearchModelVersions(const SearchRequest& request) {
  int64_t max_results = request.max_results.value_or(kDefaultVersionSearchResults);
  RETURN_IF_ERROR(internal::CheckMaxResults(max_results, kMaxVersionSearchResults));
  ASSIGN_OR_RETURN(std::vector<internal::FilterTerm> terms,
                   internal::ParseFilter(request.filter, Dialect::kModelVersions));
  ASSIGN_OR_RETURN(std::string order,
                   internal::OrderByToSql(request.order_by, Dialect::kModelVersions));
  int64_t offset = 0;
  if (!request.page_token.empty()) {
    ASSIGN_OR_RETURN(offset, internal::DecodePageToken(request.page_token));
  }
  internal::SqlFragment where = internal::FilterToSql(terms, Dialect::kModelVersions);
  std::string sql = absl::StrCat("SELECT ", AsAbsl(internal::kVersionColumns),
                                 " FROM model_versions v WHERE 1 = 1", where.sql, " ORDER BY ",
                                 order, " LIMIT ? OFFSET ?");
  where.params.emplace_back(max_results + 1);  // one extra row: is there another page?
  where.params.emplace_back(offset);
  ModelVersionPage page;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.model_versions.clear();
    page.next_page_token.clear();
    RETURN_IF_ERROR(c.ForEach(sql, where.params, [&](const store::Row& r) {
      if (static_cast<int64_t>(page.model_versions.size()) == max_results) {
        page.next_page_token = internal::EncodePageToken(offset + max_results);
        return false;
      }
      page.model_versions.push_back(internal::VersionFromRow(r));
      return true;
    }));
    for (ModelVersion& v : page.model_versions) {
      RETURN_IF_ERROR(internal::LoadVersionDetails(c, v));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<ModelVersion> ModelRegistry::TransitionModelVersionStage(
    std::string_view name, int64_t version, std::string_view stage, bool archive_existing_versions,
    std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  ASSIGN_OR_RETURN(std::string target, CanonicalStage(stage));
  if (archive_existing_versions && target != kStageStaging && target != kStageProduction) {
    return absl::InvalidArgumentError(
        absl::StrCat("Model version transition cannot archive existing model versions because '",
                     target, "' is not an Active stage. Valid stages are Staging, Production."));
  }
  ModelVersion out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, now));
    ASSIGN_OR_RETURN(ModelVersion current, internal::LoadVersion(c, name, version));
    const store::Value p[] = {target, now, std::string(name), version};
    RETURN_IF_ERROR(c.Execute("UPDATE model_versions SET current_stage = ?, "
                              "last_updated_timestamp = ? WHERE name = ? AND version = ?",
                              p)
                        .status());
    RETURN_IF_ERROR(internal::WriteAudit(
        c, StageEvent(name, version, current.current_stage, target, actor, now)));
    if (archive_existing_versions) {
      const store::Value q[] = {std::string(name), target, version};
      ASSIGN_OR_RETURN(std::vector<store::Row> others,
                       c.Query("SELECT version FROM model_versions WHERE name = ? AND "
                               "current_stage = ? AND version <> ? ORDER BY version",
                               q));
      for (const store::Row& r : others) {
        int64_t other = r.GetInt(0);
        const store::Value u[] = {std::string(kStageArchived), now, std::string(name), other};
        RETURN_IF_ERROR(c.Execute("UPDATE model_versions SET current_stage = ?, "
                                  "last_updated_timestamp = ? WHERE name = ? AND version = ?",
                                  u)
                            .status());
        RETURN_IF_ERROR(internal::WriteAudit(
            c, StageEvent(name, other, target, std::string(kStageArchived), actor, now)));
      }
    }
    ASSIGN_OR_RETURN(out, internal::LoadVersion(c, name, version));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> ModelRegistry::GetModelVersionDownloadUri(std::string_view name,
                                                                      int64_t version) {
  ASSIGN_OR_RETURN(ModelVersion v, GetModelVersion(name, version));
  return v.storage_location.empty() ? v.source : v.storage_location;
}

absl::Status ModelRegistry::SetModelVersionTag(std::string_view name, int64_t version,
                                               const Tag& tag) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RETURN_IF_ERROR(internal::ValidateTag(tag));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(RequireVersion(c, name, version));
    const store::Value p[] = {std::string(name), version, tag.key, tag.value};
    return c
        .Execute(
            "INSERT INTO model_version_tags (name, version, key, value) VALUES "
            "(?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = "
            "excluded.value",
            p)
        .status();
  });
}

absl::Status ModelRegistry::DeleteModelVersionTag(std::string_view name, int64_t version,
                                                  std::string_view key) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(RequireVersion(c, name, version));
    const store::Value p[] = {std::string(name), version, std::string(key)};
    ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM model_version_tags WHERE name = ? AND "
                                          "version = ? AND key = ?",
                                          p));
    if (n == 0) {
      return absl::NotFoundError(absl::StrCat("No tag with name: ", AsAbsl(key),
                                              " for model version ", AsAbsl(name), " version ",
                                              version));
    }
    return absl::OkStatus();
  });
}

}  // namespace strata::registry
