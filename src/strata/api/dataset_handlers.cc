#include "strata/api/dataset_handlers.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

using nlohmann::json;

// What a path below /api/v1/datasets/ asks for.
struct DatasetTarget {
  enum class Kind { kDataset, kVersions, kVersion, kContent };
  Kind kind = Kind::kDataset;
  std::string name;
  std::string version;
};

// Parses the (already percent-decoded) rest of the path from the right, so a name holding a
// decoded '/' ("a%2Fb") or ".." comes out whole and is refused by the name check rather than
// routed somewhere else.
DatasetTarget ParseTarget(const std::string& rest) {
  std::vector<std::string> parts = absl::StrSplit(rest, '/');
  DatasetTarget t;
  const size_t n = parts.size();
  auto name_of = [&](size_t count) {
    return absl::StrJoin(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(count), "/");
  };
  if (n >= 4 && parts[n - 1] == "content" && parts[n - 3] == "versions") {
    t.kind = DatasetTarget::Kind::kContent;
    t.name = name_of(n - 3);
    t.version = parts[n - 2];
  } else if (n >= 3 && parts[n - 2] == "versions") {
    t.kind = DatasetTarget::Kind::kVersion;
    t.name = name_of(n - 2);
    t.version = parts[n - 1];
  } else if (n >= 2 && parts[n - 1] == "versions") {
    t.kind = DatasetTarget::Kind::kVersions;
    t.name = name_of(n - 1);
  } else {
    t.name = rest;
  }
  return t;
}

json SummaryJson(const data::DatasetSummary& d) {
  return {{"name", d.name},
          {"version_count", d.version_count},
          {"latest_version", data::ManifestToJson(d.latest)}};
}

std::string ContentType(const std::string& format) {
  if (format == "csv") return "text/csv";
  if (format == "tsv") return "text/tab-separated-values";
  if (format == "jsonl") return "application/x-ndjson";
  return "application/octet-stream";
}

absl::Status ListDatasets(data::Datasets& datasets, http::Response& res) {
  ASSIGN_OR_RETURN(std::vector<data::DatasetSummary> all, datasets.ListDatasets());
  json list = json::array();
  for (const data::DatasetSummary& d : all) list.push_back(SummaryJson(d));
  res.body = json{{"datasets", std::move(list)}}.dump();
  return absl::OkStatus();
}

absl::Status Serve(data::Datasets& datasets, const http::Request& req, http::Response& res) {
  const DatasetTarget t = ParseTarget(req.wildcard);
  RETURN_IF_ERROR(data::ValidateDatasetName(t.name));
  data::DatasetRef ref{t.name, std::nullopt};
  if (t.kind == DatasetTarget::Kind::kVersion || t.kind == DatasetTarget::Kind::kContent) {
    ASSIGN_OR_RETURN(ref.version, data::ParseVersion(t.version));
  }
  switch (t.kind) {
    case DatasetTarget::Kind::kDataset: {
      ASSIGN_OR_RETURN(std::vector<data::DatasetVersion> versions, datasets.ListVersions(t.name));
      data::DatasetSummary d;
      d.name = t.name;
      d.version_count = static_cast<int64_t>(versions.size());
      d.latest = std::move(versions.back());
      res.body = SummaryJson(d).dump();
      return absl::OkStatus();
    }
    case DatasetTarget::Kind::kVersions: {
      ASSIGN_OR_RETURN(std::vector<data::DatasetVersion> versions, datasets.ListVersions(t.name));
      json list = json::array();
      for (const data::DatasetVersion& v : versions) list.push_back(data::ManifestToJson(v));
      res.body = json{{"name", t.name}, {"versions", std::move(list)}}.dump();
      return absl::OkStatus();
    }
    case DatasetTarget::Kind::kVersion: {
      ASSIGN_OR_RETURN(data::DatasetVersion v, datasets.GetVersion(ref));
      res.body = data::ManifestToJson(v).dump();
      return absl::OkStatus();
    }
    case DatasetTarget::Kind::kContent: {
      // Hashed in full before the first byte is sent: a client never receives corrupt bytes
      // under a 200 (blobs are read-only files, so what was verified is what is streamed).
      ASSIGN_OR_RETURN(data::VerifiedBlob blob, datasets.Verify(ref));
      res.content_type = ContentType(blob.version.file_format);
      res.body.clear();
      res.file_path = std::move(blob.blob_path);
      res.headers.emplace_back("ETag", absl::StrCat("\"sha256:", blob.version.sha256, "\""));
      res.headers.emplace_back("X-Strata-Dataset-Version",
                               absl::StrCat(blob.version.name, "@", blob.version.version));
      res.headers.emplace_back("X-Content-Type-Options", "nosniff");
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unreachable dataset route");
}

}  // namespace

void AddDatasetRoutes(http::Router& router, data::Datasets& datasets) {
  router.Add("GET", "/api/v1/datasets", [&datasets](const http::Request&, http::Response& res) {
    absl::Status s = ListDatasets(datasets, res);
    if (!s.ok()) WriteError(s, res);
  });
  router.Add("GET", "/api/v1/datasets/*",
             [&datasets](const http::Request& req, http::Response& res) {
               absl::Status s = Serve(datasets, req, res);
               if (!s.ok()) {
                 res.file_path.clear();
                 res.headers.clear();
                 WriteError(s, res);
               }
             });
}

}  // namespace strata::api
