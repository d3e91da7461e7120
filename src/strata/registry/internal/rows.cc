#include "strata/registry/internal/rows.h"

#include <cctype>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::registry::internal {
namespace {

constexpr size_t kMaxTagKeyLength = 250;
constexpr size_t kMaxTagValueLength = 100000;
constexpr size_t kMaxAliasLength = 255;

}  // namespace

ModelVersion VersionFromRow(const store::Row& row) {
  ModelVersion v;
  v.name = row.GetString(0);
  v.version = row.GetInt(1);
  v.creation_timestamp = row.GetInt(2);
  v.last_updated_timestamp = row.GetInt(3);
  v.description = row.GetString(4);
  v.user_id = row.GetString(5);
  v.current_stage = row.GetString(6);
  v.source = row.GetString(7);
  v.run_id = row.GetString(8);
  v.run_link = row.GetString(9);
  v.status = row.GetString(10);
  v.status_message = row.GetString(11);
  v.storage_location = row.GetString(12);
  return v;
}

absl::Status LoadVersionDetails(store::Connection& c, ModelVersion& version) {
  const store::Value key[] = {version.name, version.version};
  version.tags.clear();
  version.aliases.clear();
  RETURN_IF_ERROR(c.ForEach(
      "SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key", key,
      [&](const store::Row& r) {
        version.tags.push_back(Tag{r.GetString(0), r.GetString(1)});
        return true;
      }));
  return c.ForEach(
      "SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias",
      key, [&](const store::Row& r) {
        version.aliases.push_back(r.GetString(0));
        return true;
      });
}

absl::StatusOr<ModelVersion> LoadVersion(store::Connection& c, std::string_view name,
                                         int64_t version) {
  const store::Value key[] = {std::string(name), version};
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne(absl::StrCat("SELECT ", AsAbsl(kVersionColumns),
                                           " FROM model_versions v WHERE v.name = ? AND "
                                           "v.version = ?"),
                              key));
  if (!row) return VersionNotFound(name, version);
  ModelVersion v = VersionFromRow(*row);
  RETURN_IF_ERROR(LoadVersionDetails(c, v));
  return v;
}

absl::StatusOr<RegisteredModel> LoadModel(store::Connection& c, std::string_view name) {
  const store::Value key[] = {std::string(name)};
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne("SELECT name, creation_timestamp, last_updated_timestamp, "
                              "description FROM registered_models WHERE name = ?",
                              key));
  if (!row) return ModelNotFound(name);
  RegisteredModel m;
  m.name = row->GetString(0);
  m.creation_timestamp = row->GetInt(1);
  m.last_updated_timestamp = row->GetInt(2);
  m.description = row->GetString(3);
  RETURN_IF_ERROR(
      c.ForEach("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key", key,
                [&](const store::Row& r) {
                  m.tags.push_back(Tag{r.GetString(0), r.GetString(1)});
                  return true;
                }));
  RETURN_IF_ERROR(
      c.ForEach("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias",
                key, [&](const store::Row& r) {
                  m.aliases.push_back(AliasRef{r.GetString(0), r.GetInt(1)});
                  return true;
                }));
  // Highest version per stage; CASE gives the canonical stage order.
  RETURN_IF_ERROR(c.ForEach(
      absl::StrCat("SELECT ", AsAbsl(kVersionColumns),
                   " FROM model_versions v WHERE v.name = ? AND v.version = (SELECT "
                   "MAX(w.version) FROM model_versions w WHERE w.name = v.name AND "
                   "w.current_stage = v.current_stage) ORDER BY CASE v.current_stage WHEN "
                   "'None' THEN 0 WHEN 'Staging' THEN 1 WHEN 'Production' THEN 2 ELSE 3 END"),
      key, [&](const store::Row& r) {
        m.latest_versions.push_back(VersionFromRow(r));
        return true;
      }));
  for (ModelVersion& v : m.latest_versions) RETURN_IF_ERROR(LoadVersionDetails(c, v));
  return m;
}

absl::Status LockModel(store::Connection& c, std::string_view name, std::optional<int64_t> now_ms) {
  absl::StatusOr<int64_t> changed;
  if (now_ms) {
    const store::Value p[] = {*now_ms, std::string(name)};
    changed =
        c.Execute("UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?", p);
  } else {
    const store::Value p[] = {std::string(name)};
    changed =
        c.Execute("UPDATE registered_models SET next_version = next_version WHERE name = ?", p);
  }
  if (!changed.ok()) return changed.status();
  if (*changed == 0) return ModelNotFound(name);
  return absl::OkStatus();
}

absl::Status WriteAudit(store::Connection& c, const AuditEvent& e) {
  auto opt = [](const std::optional<std::string>& s) -> store::Value {
    return s ? store::Value(*s) : store::Null();
  };
  const store::Value p[] = {e.timestamp,
                            e.actor,
                            e.action,
                            e.name,
                            e.version ? store::Value(*e.version) : store::Null(),
                            opt(e.alias),
                            opt(e.from_value),
                            opt(e.to_value)};
  return c
      .Execute(
          "INSERT INTO registry_audit (ts_ms, actor, action, name, version, alias, "
          "from_value, to_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          p)
      .status();
}

absl::Status ModelNotFound(std::string_view name) {
  return absl::NotFoundError(
      absl::StrCat("Registered Model with name=", AsAbsl(name), " not found"));
}

absl::Status VersionNotFound(std::string_view name, int64_t version) {
  return absl::NotFoundError(
      absl::StrCat("Model Version (name=", AsAbsl(name), ", version=", version, ") not found"));
}

absl::Status ValidateModelName(std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("Registered model name cannot be empty.");
  }
  return absl::OkStatus();
}

absl::Status ValidateTag(const Tag& tag) {
  if (tag.key.empty()) return absl::InvalidArgumentError("Tag key cannot be empty.");
  if (tag.key.size() > kMaxTagKeyLength) {
    return absl::InvalidArgumentError(absl::StrCat("Tag key '", tag.key.substr(0, 32),
                                                   "...' exceeds the maximum length of ",
                                                   kMaxTagKeyLength));
  }
  if (tag.value.size() > kMaxTagValueLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Value of tag '", tag.key, "' exceeds the maximum length of ", kMaxTagValueLength));
  }
  return absl::OkStatus();
}

absl::Status ValidateAlias(std::string_view alias) {
  if (alias.empty()) {
    return absl::InvalidArgumentError("Registered model alias name cannot be empty.");
  }
  if (alias.size() > kMaxAliasLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Registered model alias name exceeds the maximum length of ", kMaxAliasLength));
  }
  for (char c : alias) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid alias name: '", AsAbsl(alias),
                       "'. Names may only contain alphanumerics, underscores (_) and "
                       "dashes (-)."));
    }
  }
  if (absl::AsciiStrToLower(AsAbsl(alias)) == "latest") {
    return absl::InvalidArgumentError("'latest' alias name (case insensitive) is reserved.");
  }
  bool version_form = alias.size() >= 2 && (alias[0] == 'v' || alias[0] == 'V');
  for (size_t i = 1; version_form && i < alias.size(); ++i) {
    version_form = std::isdigit(static_cast<unsigned char>(alias[i])) != 0;
  }
  if (version_form) {
    return absl::InvalidArgumentError(
        absl::StrCat("Version alias name '", AsAbsl(alias), "' is reserved."));
  }
  return absl::OkStatus();
}

}  // namespace strata::registry::internal
