// Registered models, aliases, audit and the schema. Model versions live in model_versions.cc.
#include "strata/registry/model_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/registry/internal/rows.h"
#include "strata/registry/internal/search.h"

namespace strata::registry {
namespace {

using internal::Dialect;

// `next_version` is not in MLflow's schema: it keeps version numbers from being reused after
// the newest version is deleted. Audit rows carry `alias` besides MLflow-neutral columns.
const store::Migration kMigrations[] = {
    {1, "registry tables",
     "CREATE TABLE registered_models ("
     "  name TEXT NOT NULL PRIMARY KEY,"
     "  creation_timestamp BIGINT NOT NULL,"
     "  last_updated_timestamp BIGINT NOT NULL,"
     "  description TEXT NOT NULL DEFAULT '',"
     "  next_version BIGINT NOT NULL DEFAULT 1);"
     "CREATE TABLE registered_model_tags ("
     "  name TEXT NOT NULL,"
     "  key TEXT NOT NULL,"
     "  value TEXT NOT NULL,"
     "  PRIMARY KEY (name, key));"
     "CREATE TABLE model_versions ("
     "  name TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  creation_timestamp BIGINT NOT NULL,"
     "  last_updated_timestamp BIGINT NOT NULL,"
     "  description TEXT NOT NULL DEFAULT '',"
     "  user_id TEXT NOT NULL DEFAULT '',"
     "  current_stage TEXT NOT NULL,"
     "  source TEXT NOT NULL DEFAULT '',"
     "  run_id TEXT NOT NULL DEFAULT '',"
     "  run_link TEXT NOT NULL DEFAULT '',"
     "  status TEXT NOT NULL,"
     "  status_message TEXT NOT NULL DEFAULT '',"
     "  storage_location TEXT NOT NULL DEFAULT '',"
     "  PRIMARY KEY (name, version));"
     "CREATE INDEX model_versions_run_id ON model_versions (run_id);"
     "CREATE TABLE model_version_tags ("
     "  name TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  key TEXT NOT NULL,"
     "  value TEXT NOT NULL,"
     "  PRIMARY KEY (name, version, key));"
     "CREATE TABLE registered_model_aliases ("
     "  name TEXT NOT NULL,"
     "  alias TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  PRIMARY KEY (name, alias));"
     "CREATE TABLE registry_audit ("
     "  id ${ID_PK},"
     "  ts_ms BIGINT NOT NULL,"
     "  actor TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  version BIGINT,"
     "  alias TEXT,"
     "  from_value TEXT,"
     "  to_value TEXT);"
     "CREATE INDEX registry_audit_name ON registry_audit (name, id)"},
};

AuditEvent AliasEvent(std::string_view action, std::string_view name, std::string_view alias,
                      std::optional<int64_t> from, std::optional<int64_t> to,
                      std::string_view actor, int64_t now) {
  AuditEvent e;
  e.timestamp = now;
  e.actor = std::string(actor);
  e.action = std::string(action);
  e.name = std::string(name);
  e.version = to ? to : from;
  e.alias = std::string(alias);
  if (from) e.from_value = absl::StrCat(*from);
  if (to) e.to_value = absl::StrCat(*to);
  return e;
}

}  // namespace

absl::StatusOr<std::string> CanonicalStage(std::string_view stage) {
  for (std::string_view s : {kStageNone, kStageStaging, kStageProduction, kStageArchived}) {
    if (absl::EqualsIgnoreCase(AsAbsl(s), AsAbsl(stage))) return std::string(s);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid Model Version stage: ", AsAbsl(stage),
                   ". Value must be one of None, Staging, Production, Archived."));
}

absl::StatusOr<std::unique_ptr<ModelRegistry>> ModelRegistry::Open(store::Database* db) {
  RETURN_IF_ERROR(db->Migrate("registry", kMigrations));
  return std::unique_ptr<ModelRegistry>(new ModelRegistry(db));
}

// ---- registered models ----

absl::StatusOr<RegisteredModel> ModelRegistry::CreateRegisteredModel(std::string_view name,
                                                                     std::string_view description,
                                                                     const std::vector<Tag>& tags) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  for (const Tag& t : tags) RETURN_IF_ERROR(internal::ValidateTag(t));
  RegisteredModel out;
  absl::Status s = db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    const store::Value p[] = {std::string(name), now, now, std::string(description)};
    absl::StatusOr<int64_t> inserted = c.Execute(
        "INSERT INTO registered_models (name, creation_timestamp, "
        "last_updated_timestamp, description) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO NOTHING",
        p);
    if (!inserted.ok()) return inserted.status();
    if (*inserted == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("Registered Model (name=", AsAbsl(name), ") already exists."));
    }
    for (const Tag& t : tags) {
      const store::Value tp[] = {std::string(name), t.key, t.value};
      RETURN_IF_ERROR(c.Execute("INSERT INTO registered_model_tags (name, key, value) "
                                "VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET "
                                "value = excluded.value",
                                tp)
                          .status());
    }
    ASSIGN_OR_RETURN(out, internal::LoadModel(c, name));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<RegisteredModel> ModelRegistry::GetRegisteredModel(std::string_view name) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RegisteredModel out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, internal::LoadModel(c, name));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<RegisteredModel> ModelRegistry::RenameRegisteredModel(std::string_view name,
                                                                     std::string_view new_name,
                                                                     std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RETURN_IF_ERROR(internal::ValidateModelName(new_name));
  RegisteredModel out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, now));
    const store::Value probe[] = {std::string(new_name)};
    ASSIGN_OR_RETURN(std::optional<store::Row> taken,
                     c.QueryOne("SELECT 1 FROM registered_models WHERE name = ?", probe));
    if (taken) {
      return absl::AlreadyExistsError(
          absl::StrCat("Registered Model (name=", AsAbsl(new_name), ") already exists."));
    }
    // The audit table is deliberately not rewritten: history keeps the names of its time.
    for (const char* table : {"registered_models", "registered_model_tags", "model_versions",
                              "model_version_tags", "registered_model_aliases"}) {
      const store::Value p[] = {std::string(new_name), std::string(name)};
      RETURN_IF_ERROR(
          c.Execute(absl::StrCat("UPDATE ", table, " SET name = ? WHERE name = ?"), p).status());
    }
    AuditEvent e;
    e.timestamp = now;
    e.actor = std::string(actor);
    e.action = std::string(kAuditRename);
    e.name = std::string(name);
    e.from_value = std::string(name);
    e.to_value = std::string(new_name);
    RETURN_IF_ERROR(internal::WriteAudit(c, e));
    ASSIGN_OR_RETURN(out, internal::LoadModel(c, new_name));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<RegisteredModel> ModelRegistry::UpdateRegisteredModel(std::string_view name,
                                                                     std::string_view description) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RegisteredModel out;
  RETURN_IF_ERROR(db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::LockModel(c, name, NowMillis()));
    const store::Value p[] = {std::string(description), std::string(name)};
    RETURN_IF_ERROR(
        c.Execute("UPDATE registered_models SET description = ? WHERE name = ?", p).status());
    ASSIGN_OR_RETURN(out, internal::LoadModel(c, name));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status ModelRegistry::DeleteRegisteredModel(std::string_view name, std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, std::nullopt));
    const store::Value key[] = {std::string(name)};
    ASSIGN_OR_RETURN(std::vector<store::Row> aliases,
                     c.Query("SELECT alias, version FROM registered_model_aliases WHERE name = ? "
                             "ORDER BY alias",
                             key));
    for (const store::Row& r : aliases) {
      RETURN_IF_ERROR(internal::WriteAudit(c, AliasEvent(kAuditDeleteAlias, name, r.GetString(0),
                                                         r.GetInt(1), std::nullopt, actor, now)));
    }
    for (const char* table : {"registered_model_aliases", "model_version_tags", "model_versions",
                              "registered_model_tags", "registered_models"}) {
      RETURN_IF_ERROR(
          c.Execute(absl::StrCat("DELETE FROM ", table, " WHERE name = ?"), key).status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<RegisteredModelPage> ModelRegistry::SearchRegisteredModels(
    const SearchRequest& request) {
  int64_t max_results = request.max_results.value_or(kDefaultModelSearchResults);
  RETURN_IF_ERROR(internal::CheckMaxResults(max_results, kMaxModelSearchResults));
  ASSIGN_OR_RETURN(std::vector<internal::FilterTerm> terms,
                   internal::ParseFilter(request.filter, Dialect::kRegisteredModels));
  ASSIGN_OR_RETURN(std::string order,
                   internal::OrderByToSql(request.order_by, Dialect::kRegisteredModels));
  int64_t offset = 0;
  if (!request.page_token.empty()) {
    ASSIGN_OR_RETURN(offset, internal::DecodePageToken(request.page_token));
  }
  internal::SqlFragment where = internal::FilterToSql(terms, Dialect::kRegisteredModels);
  // One extra row tells whether another page exists.
  std::string sql = absl::StrCat("SELECT m.name FROM registered_models m WHERE 1 = 1", where.sql,
                                 " ORDER BY ", order, " LIMIT ? OFFSET ?");
  where.params.emplace_back(max_results + 1);
  where.params.emplace_back(offset);
  RegisteredModelPage page;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.registered_models.clear();
    ASSIGN_OR_RETURN(std::vector<store::Row> rows, c.Query(sql, where.params));
    for (const store::Row& r : rows) {
      if (static_cast<int64_t>(page.registered_models.size()) == max_results) {
        page.next_page_token = internal::EncodePageToken(offset + max_results);
        break;
      }
      ASSIGN_OR_RETURN(RegisteredModel m, internal::LoadModel(c, r.GetString(0)));
      page.registered_models.push_back(std::move(m));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<ModelVersion>> ModelRegistry::GetLatestVersions(
    std::string_view name, const std::vector<std::string>& stages) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  std::vector<std::string> wanted;
  for (const std::string& s : stages) {
    ASSIGN_OR_RETURN(std::string canonical, CanonicalStage(s));
    wanted.push_back(std::move(canonical));
  }
  ASSIGN_OR_RETURN(RegisteredModel m, GetRegisteredModel(name));
  if (wanted.empty()) return m.latest_versions;
  std::vector<ModelVersion> out;
  for (ModelVersion& v : m.latest_versions) {
    if (std::find(wanted.begin(), wanted.end(), v.current_stage) != wanted.end()) {
      out.push_back(std::move(v));
    }
  }
  return out;
}

absl::Status ModelRegistry::SetRegisteredModelTag(std::string_view name, const Tag& tag) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RETURN_IF_ERROR(internal::ValidateTag(tag));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::LockModel(c, name, NowMillis()));
    const store::Value p[] = {std::string(name), tag.key, tag.value};
    return c
        .Execute(
            "INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) "
            "ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
            p)
        .status();
  });
}

absl::Status ModelRegistry::DeleteRegisteredModelTag(std::string_view name, std::string_view key) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(internal::LockModel(c, name, NowMillis()));
    const store::Value p[] = {std::string(name), std::string(key)};
    ASSIGN_OR_RETURN(int64_t n,
                     c.Execute("DELETE FROM registered_model_tags WHERE name = ? AND key = ?", p));
    if (n == 0) {
      return absl::NotFoundError(absl::StrCat("No tag with name: ", AsAbsl(key),
                                              " in registered model with name: ", AsAbsl(name)));
    }
    return absl::OkStatus();
  });
}

// ---- aliases ----

absl::Status ModelRegistry::SetRegisteredModelAlias(std::string_view name, std::string_view alias,
                                                    int64_t version, std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RETURN_IF_ERROR(internal::ValidateAlias(alias));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, now));
    const store::Value vkey[] = {std::string(name), version};
    ASSIGN_OR_RETURN(
        std::optional<store::Row> exists,
        c.QueryOne("SELECT 1 FROM model_versions WHERE name = ? AND version = ?", vkey));
    if (!exists) return internal::VersionNotFound(name, version);
    const store::Value akey[] = {std::string(name), std::string(alias)};
    ASSIGN_OR_RETURN(std::optional<store::Row> old,
                     c.QueryOne("SELECT version FROM registered_model_aliases WHERE name = ? "
                                "AND alias = ?",
                                akey));
    const store::Value p[] = {std::string(name), std::string(alias), version};
    RETURN_IF_ERROR(c.Execute("INSERT INTO registered_model_aliases (name, alias, version) "
                              "VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET "
                              "version = excluded.version",
                              p)
                        .status());
    std::optional<int64_t> from;
    if (old) from = old->GetInt(0);
    return internal::WriteAudit(c,
                                AliasEvent(kAuditSetAlias, name, alias, from, version, actor, now));
  });
}

absl::Status ModelRegistry::DeleteRegisteredModelAlias(std::string_view name,
                                                       std::string_view alias,
                                                       std::string_view actor) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  RETURN_IF_ERROR(internal::ValidateAlias(alias));
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(internal::LockModel(c, name, std::nullopt));
    const store::Value akey[] = {std::string(name), std::string(alias)};
    ASSIGN_OR_RETURN(std::optional<store::Row> old,
                     c.QueryOne("SELECT version FROM registered_model_aliases WHERE name = ? "
                                "AND alias = ?",
                                akey));
    if (!old) return absl::OkStatus();  // a no-op, as in MLflow: no audit row, no timestamp
    RETURN_IF_ERROR(internal::LockModel(c, name, now));  // stamps last_updated_timestamp
    RETURN_IF_ERROR(
        c.Execute("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?", akey)
            .status());
    return internal::WriteAudit(
        c, AliasEvent(kAuditDeleteAlias, name, alias, old->GetInt(0), std::nullopt, actor, now));
  });
}

absl::StatusOr<ModelVersion> ModelRegistry::GetModelVersionByAlias(std::string_view name,
                                                                   std::string_view alias) {
  RETURN_IF_ERROR(internal::ValidateModelName(name));
  ModelVersion out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    const store::Value key[] = {std::string(name)};
    ASSIGN_OR_RETURN(std::optional<store::Row> model,
                     c.QueryOne("SELECT 1 FROM registered_models WHERE name = ?", key));
    if (!model) return internal::ModelNotFound(name);
    const store::Value akey[] = {std::string(name), std::string(alias)};
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne("SELECT version FROM registered_model_aliases WHERE name = ? "
                                "AND alias = ?",
                                akey));
    if (!row) {
      return absl::NotFoundError(
          absl::StrCat("Registered model alias ", AsAbsl(alias), " not found."));
    }
    ASSIGN_OR_RETURN(out, internal::LoadVersion(c, name, row->GetInt(0)));
    return absl::OkStatus();
  }));
  return out;
}

// ---- audit ----

absl::StatusOr<AuditPage> ModelRegistry::ListAudit(std::optional<std::string> name,
                                                   std::optional<int64_t> max_results,
                                                   std::string_view page_token) {
  int64_t limit = max_results.value_or(kDefaultAuditResults);
  RETURN_IF_ERROR(internal::CheckMaxResults(limit, kMaxAuditResults));
  int64_t after_id = 0;
  if (!page_token.empty()) {
    ASSIGN_OR_RETURN(after_id, internal::DecodePageToken(page_token));
  }
  std::string sql =
      "SELECT id, ts_ms, actor, action, name, version, alias, from_value, to_value "
      "FROM registry_audit WHERE id > ?";
  std::vector<store::Value> params = {after_id};
  if (name) {
    sql += " AND name = ?";
    params.emplace_back(*name);
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(limit + 1);
  AuditPage page;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    page.events.clear();
    page.next_page_token.clear();
    return c.ForEach(sql, params, [&](const store::Row& r) {
      if (static_cast<int64_t>(page.events.size()) == limit) {
        page.next_page_token = internal::EncodePageToken(page.events.back().id);
        return false;
      }
      AuditEvent e;
      e.id = r.GetInt(0);
      e.timestamp = r.GetInt(1);
      e.actor = r.GetString(2);
      e.action = r.GetString(3);
      e.name = r.GetString(4);
      e.version = r.GetOptionalInt(5);
      e.alias = r.GetOptionalString(6);
      e.from_value = r.GetOptionalString(7);
      e.to_value = r.GetOptionalString(8);
      page.events.push_back(std::move(e));
      return true;
    });
  }));
  return page;
}

}  // namespace strata::registry
