#include "strata/serving/registry_source.h"

#include <filesystem>
#include <random>
#include <system_error>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::serving {
namespace fs = std::filesystem;

absl::StatusOr<ModelUri> ParseModelUri(std::string_view uri) {
  constexpr std::string_view kScheme = "models:/";
  if (uri.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model URI '", AsAbsl(uri), "' must start with models:/ (models:/NAME@ALIAS, "
        "models:/NAME/VERSION or models:/NAME/latest)"));
  }
  ModelUri out;
  out.text = std::string(uri);
  std::string_view rest = uri.substr(kScheme.size());
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    out.name = std::string(rest.substr(0, at));
    out.alias = std::string(rest.substr(at + 1));
    if (out.alias.empty() || out.alias.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("model URI '", AsAbsl(uri), "': the alias after '@' is empty or has '/'"));
    }
  } else {
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "model URI '", AsAbsl(uri), "' names no version: use models:/NAME@ALIAS, "
          "models:/NAME/VERSION or models:/NAME/latest"));
    }
    out.name = std::string(rest.substr(0, slash));
    std::string_view which = rest.substr(slash + 1);
    int64_t v = 0;
    if (which == "latest") {
      out.latest = true;
    } else if (absl::SimpleAtoi(AsAbsl(which), &v) && v >= 1) {
      out.version = v;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("model URI '", AsAbsl(uri), "': version '", AsAbsl(which),
                       "' is neither a number >= 1 nor 'latest'"));
    }
  }
  if (out.name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("model URI '", AsAbsl(uri), "' has no name"));
  }
  return out;
}

RegistrySource::RegistrySource(registry::ModelRegistry* registry,
                               const blob::ArtifactStore* blobs, PackageLocator locate,
                               std::string cache_dir)
    : registry_(registry),
      blobs_(blobs),
      locate_(std::move(locate)),
      cache_dir_(std::move(cache_dir)) {}

absl::StatusOr<std::vector<int64_t>> RegistrySource::Resolve(const ModelUri& uri, int count) {
  if (uri.version.has_value()) {
    ASSIGN_OR_RETURN(registry::ModelVersion v, registry_->GetModelVersion(uri.name, *uri.version));
    return std::vector<int64_t>{v.version};
  }
  if (!uri.alias.empty()) {
    ASSIGN_OR_RETURN(registry::ModelVersion v,
                     registry_->GetModelVersionByAlias(uri.name, uri.alias));
    return std::vector<int64_t>{v.version};
  }
  registry::SearchRequest request;
  request.filter = absl::StrCat("name = '", absl::StrReplaceAll(uri.name, {{"'", "''"}}), "'");
  request.order_by = {"version_number DESC"};
  request.max_results = std::max(count, 1);
  ASSIGN_OR_RETURN(registry::ModelVersionPage page, registry_->SearchModelVersions(request));
  if (page.model_versions.empty()) {
    return absl::NotFoundError(
        absl::StrCat("registered model '", uri.name, "' has no versions"));
  }
  std::vector<int64_t> out;
  for (const registry::ModelVersion& v : page.model_versions) out.push_back(v.version);
  return out;
}

namespace {

// A model name as one safe folder name: names may hold '/', '.', spaces.
std::string FolderName(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (plain) {
      out += c;
    } else {
      absl::StrAppend(&out, "%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  return out;
}

absl::Status Internal(std::string_view what, const std::string& path, const std::error_code& ec) {
  return absl::InternalError(absl::StrCat(AsAbsl(what), " ", path, ": ", ec.message()));
}

// Copies every file under blob folder `prefix` into `dir`, keeping relative paths.
absl::Status CopyFolder(const blob::ArtifactStore& blobs, const std::string& prefix,
                        const fs::path& dir, int depth) {
  if (depth > 32) return absl::InvalidArgumentError("package folder nesting is deeper than 32");
  ASSIGN_OR_RETURN(std::vector<blob::ArtifactEntry> entries, blobs.List(prefix));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create", dir.string(), ec);
  for (const blob::ArtifactEntry& e : entries) {
    const fs::path target = dir / e.name;
    if (e.is_dir) {
      RETURN_IF_ERROR(CopyFolder(blobs, e.path, target, depth + 1));
      continue;
    }
    ASSIGN_OR_RETURN(blob::BlobInfo info, blobs.Get(e.path));
    fs::copy_file(info.blob_path, target, fs::copy_options::overwrite_existing, ec);
    if (ec) return Internal("cannot copy blob to", target.string(), ec);
  }
  return absl::OkStatus();
}

}  // namespace

std::string RegistrySource::CacheDir(std::string_view name, int64_t version) const {
  return (fs::path(cache_dir_) / FolderName(name) / std::to_string(version)).string();
}

absl::Status RegistrySource::Fetch(const registry::ModelVersion& version, const std::string& dir) {
  ASSIGN_OR_RETURN(std::string prefix, locate_(version));
  ASSIGN_OR_RETURN(std::vector<blob::ArtifactEntry> top, blobs_->List(prefix));
  if (top.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", version.name, "' version ",
                                            version.version, ": no package files at ",
                                            prefix.empty() ? "(root)" : prefix,
                                            " in the artifact store"));
  }
  // Fetch next to the final folder, then rename: a crash never leaves a half package that a
  // later start would take for a fetched one.
  std::random_device rd;
  const fs::path staging =
      fs::path(dir).parent_path() / absl::StrCat(".fetch-", version.version, "-", rd());
  absl::Status copied = CopyFolder(*blobs_, prefix, staging, 0);
  std::error_code ec;
  if (!copied.ok()) {
    fs::remove_all(staging, ec);
    return copied;
  }
  fs::remove_all(dir, ec);
  fs::rename(staging, dir, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return Internal("cannot move fetched package to", dir, ec);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<models::Model>> RegistrySource::Load(std::string_view name,
                                                                    int64_t version) {
  ASSIGN_OR_RETURN(registry::ModelVersion v, registry_->GetModelVersion(name, version));
  const std::string dir = CacheDir(name, version);
  std::error_code ec;
  if (fs::exists(fs::path(dir) / "MLmodel.json", ec)) {
    absl::StatusOr<std::unique_ptr<models::Model>> cached = models::Model::Load(dir);
    if (cached.ok()) return cached;
    // A damaged cache copy is fetched again; a damaged stored package fails below.
  }
  RETURN_IF_ERROR(Fetch(v, dir));
  return models::Model::Load(dir);
}

}  // namespace strata::serving
