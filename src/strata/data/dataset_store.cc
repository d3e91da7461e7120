#include "strata/data/dataset_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::data {
namespace {

using store::Value;

// Migration 1 of component "datasets". The tracking schema already owns a table called
// `datasets` (MLflow's dataset inputs), hence the names here. `next_version` keeps numbers
// from being reused and is the row the inserting transaction locks (PostgreSQL) so two adders
// of one name serialize. Git columns are NULL when the file was added outside a repository;
// git_commit alone is NULL for a repository without commits.
const store::Migration kMigrations[] = {
    {1, "dataset versions",
     "CREATE TABLE dataset_names ("
     "  name TEXT NOT NULL PRIMARY KEY,"
     "  created_at_ms BIGINT NOT NULL,"
     "  next_version BIGINT NOT NULL DEFAULT 1);"
     "CREATE TABLE dataset_versions ("
     "  name TEXT NOT NULL REFERENCES dataset_names (name),"
     "  version BIGINT NOT NULL,"
     "  sha256 TEXT NOT NULL,"
     "  size_bytes BIGINT NOT NULL,"
     "  source_path TEXT NOT NULL,"
     "  file_format TEXT NOT NULL,"
     "  schema_json TEXT NOT NULL,"
     "  row_count BIGINT NOT NULL,"
     "  profile_json TEXT NOT NULL,"
     "  git_commit TEXT,"
     "  git_dirty INTEGER,"
     "  git_repo TEXT,"
     "  created_by TEXT NOT NULL,"
     "  created_at_ms BIGINT NOT NULL,"
     "  description TEXT NOT NULL DEFAULT '',"
     "  artifact_path TEXT NOT NULL,"
     "  PRIMARY KEY (name, version));"
     "CREATE INDEX dataset_versions_sha256 ON dataset_versions (sha256);"
     "CREATE TABLE dataset_version_tags ("
     "  name TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  key TEXT NOT NULL,"
     "  value TEXT NOT NULL,"
     "  PRIMARY KEY (name, version, key))"},
};

constexpr std::string_view kVersionColumns =
    "name, version, sha256, size_bytes, source_path, file_format, schema_json, row_count, "
    "profile_json, git_commit, git_dirty, git_repo, created_by, created_at_ms, description, "
    "artifact_path";

DatasetVersion FromRow(const store::Row& r) {
  DatasetVersion v;
  v.name = r.GetString(0);
  v.version = r.GetInt(1);
  v.sha256 = r.GetString(2);
  v.size_bytes = r.GetInt(3);
  v.source_path = r.GetString(4);
  v.file_format = r.GetString(5);
  v.schema_json = r.GetString(6);
  v.row_count = r.GetInt(7);
  v.profile_json = r.GetString(8);
  if (!r.IsNull(11)) {
    GitInfo g;
    g.commit = r.GetOptionalString(9).value_or("");
    g.dirty = r.GetOptionalInt(10).value_or(0) != 0;
    g.repo_path = r.GetString(11);
    v.git = std::move(g);
  }
  v.created_by = r.GetString(12);
  v.created_at_ms = r.GetInt(13);
  v.description = r.GetString(14);
  v.artifact_path = r.GetString(15);
  return v;
}

absl::Status LoadTags(store::Connection& c, DatasetVersion& v) {
  const Value p[] = {v.name, v.version};
  ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                   c.Query("SELECT key, value FROM dataset_version_tags WHERE name = ? AND "
                           "version = ? ORDER BY key",
                           p));
  v.tags.clear();
  for (const store::Row& r : rows) v.tags.push_back({r.GetString(0), r.GetString(1)});
  return absl::OkStatus();
}

absl::StatusOr<std::optional<DatasetVersion>> QueryLatest(store::Connection& c,
                                                          std::string_view name) {
  const Value p[] = {std::string(name)};
  ASSIGN_OR_RETURN(std::optional<store::Row> row,
                   c.QueryOne(absl::StrCat("SELECT ", AsAbsl(kVersionColumns),
                                           " FROM dataset_versions WHERE name = ? "
                                           "ORDER BY version DESC LIMIT 1"),
                              p));
  if (!row) return std::optional<DatasetVersion>();
  DatasetVersion v = FromRow(*row);
  RETURN_IF_ERROR(LoadTags(c, v));
  return std::optional<DatasetVersion>(std::move(v));
}

absl::Status NoSuchDataset(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("Dataset '", AsAbsl(name), "' does not exist"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DatasetStore>> DatasetStore::Open(store::Database* db) {
  RETURN_IF_ERROR(db->Migrate("datasets", kMigrations));
  return std::unique_ptr<DatasetStore>(new DatasetStore(db));
}

absl::StatusOr<InsertVersionResult> DatasetStore::InsertVersion(const DatasetVersion& v,
                                                                bool reuse_identical_latest) {
  if (v.name.empty()) return absl::InvalidArgumentError("dataset name must not be empty");
  if (v.sha256.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("dataset '", v.name, "': sha256 must be 64 hex characters, got '", v.sha256,
                     "'"));
  }
  InsertVersionResult out;
  absl::Status s = db_->Transaction([&](store::Connection& c) -> absl::Status {
    out = InsertVersionResult();
    const Value name_p[] = {v.name, v.created_at_ms};
    RETURN_IF_ERROR(c.Execute("INSERT INTO dataset_names (name, created_at_ms) VALUES (?, ?) "
                              "ON CONFLICT (name) DO NOTHING",
                              name_p)
                        .status());
    // Takes the name's row lock on PostgreSQL before anything is read, so the latest-version
    // check and the numbering below see every committed competitor. (SQLite writers are
    // serialized already.)
    const Value n[] = {v.name};
    RETURN_IF_ERROR(
        c.Execute("UPDATE dataset_names SET next_version = next_version WHERE name = ?", n)
            .status());
    if (reuse_identical_latest) {
      ASSIGN_OR_RETURN(std::optional<DatasetVersion> latest, QueryLatest(c, v.name));
      if (latest && latest->sha256 == v.sha256) {
        out.version = std::move(*latest);
        out.created = false;
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(std::optional<store::Row> next,
                     c.QueryOne("SELECT next_version FROM dataset_names WHERE name = ?", n));
    if (!next) return absl::InternalError("dataset name row vanished inside its transaction");
    DatasetVersion stored = v;
    stored.version = next->GetInt(0);
    std::sort(stored.tags.begin(), stored.tags.end(),
              [](const DatasetTag& a, const DatasetTag& b) { return a.key < b.key; });
    RETURN_IF_ERROR(
        c.Execute("UPDATE dataset_names SET next_version = next_version + 1 WHERE name = ?", n)
            .status());
    const Value row[] = {
        stored.name,
        stored.version,
        stored.sha256,
        stored.size_bytes,
        stored.source_path,
        stored.file_format,
        stored.schema_json,
        stored.row_count,
        stored.profile_json,
        stored.git && !stored.git->commit.empty() ? Value(stored.git->commit) : store::Null(),
        stored.git ? Value(static_cast<int64_t>(stored.git->dirty ? 1 : 0)) : store::Null(),
        stored.git ? Value(stored.git->repo_path) : store::Null(),
        stored.created_by,
        stored.created_at_ms,
        stored.description,
        stored.artifact_path,
    };
    RETURN_IF_ERROR(c.Execute(absl::StrCat("INSERT INTO dataset_versions (",
                                           AsAbsl(kVersionColumns),
                                           ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                              row)
                        .status());
    for (size_t i = 0; i < stored.tags.size(); ++i) {
      const DatasetTag& t = stored.tags[i];
      if (i > 0 && stored.tags[i - 1].key == t.key) {
        return absl::InvalidArgumentError(
            absl::StrCat("dataset '", stored.name, "': tag '", t.key, "' given twice"));
      }
      const Value tp[] = {stored.name, stored.version, t.key, t.value};
      RETURN_IF_ERROR(c.Execute("INSERT INTO dataset_version_tags (name, version, key, value) "
                                "VALUES (?, ?, ?, ?)",
                                tp)
                          .status());
    }
    out.version = std::move(stored);
    out.created = true;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<DatasetVersion> DatasetStore::GetVersion(std::string_view name, int64_t version) {
  DatasetVersion out;
  absl::Status s = db_->Read([&](store::Connection& c) -> absl::Status {
    const Value p[] = {std::string(name), version};
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne(absl::StrCat("SELECT ", AsAbsl(kVersionColumns),
                                             " FROM dataset_versions WHERE name = ? AND "
                                             "version = ?"),
                                p));
    if (!row) {
      const Value n[] = {std::string(name)};
      ASSIGN_OR_RETURN(std::optional<store::Row> exists,
                       c.QueryOne("SELECT 1 FROM dataset_versions WHERE name = ? LIMIT 1", n));
      if (!exists) return NoSuchDataset(name);
      return absl::NotFoundError(
          absl::StrCat("Dataset '", AsAbsl(name), "' has no version ", version));
    }
    out = FromRow(*row);
    return LoadTags(c, out);
  });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<DatasetVersion> DatasetStore::GetLatest(std::string_view name) {
  std::optional<DatasetVersion> out;
  absl::Status s = db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, QueryLatest(c, name));
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (!out) return NoSuchDataset(name);
  return std::move(*out);
}

absl::StatusOr<std::vector<DatasetVersion>> DatasetStore::ListVersions(std::string_view name) {
  std::vector<DatasetVersion> out;
  absl::Status s = db_->Read([&](store::Connection& c) -> absl::Status {
    const Value p[] = {std::string(name)};
    ASSIGN_OR_RETURN(std::vector<store::Row> rows,
                     c.Query(absl::StrCat("SELECT ", AsAbsl(kVersionColumns),
                                          " FROM dataset_versions WHERE name = ? "
                                          "ORDER BY version"),
                             p));
    out.clear();
    for (const store::Row& r : rows) {
      out.push_back(FromRow(r));
      RETURN_IF_ERROR(LoadTags(c, out.back()));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  if (out.empty()) return NoSuchDataset(name);
  return out;
}

absl::StatusOr<std::vector<DatasetSummary>> DatasetStore::ListDatasets() {
  std::vector<DatasetSummary> out;
  absl::Status s = db_->Read([&](store::Connection& c) -> absl::Status {
    // The newest version of each name joined in one query; tags are loaded per row (a
    // dataset list is short next to the cost of a round trip per name on PostgreSQL).
    ASSIGN_OR_RETURN(
        std::vector<store::Row> rows,
        c.Query(
            "SELECT v.name, v.version, v.sha256, v.size_bytes, v.source_path, v.file_format, "
            "v.schema_json, v.row_count, v.profile_json, v.git_commit, v.git_dirty, v.git_repo, "
            "v.created_by, v.created_at_ms, v.description, v.artifact_path, c.n "
            "FROM dataset_versions v JOIN (SELECT name, MAX(version) AS latest, COUNT(*) AS n "
            "FROM dataset_versions GROUP BY name) c ON v.name = c.name AND v.version = c.latest "
            "ORDER BY v.name"));
    out.clear();
    for (const store::Row& r : rows) {
      DatasetSummary d;
      d.latest = FromRow(r);
      d.name = d.latest.name;
      d.version_count = r.GetInt(16);
      RETURN_IF_ERROR(LoadTags(c, d.latest));
      out.push_back(std::move(d));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace strata::data
