#include "strata/api/lineage_handlers.h"

#include <charconv>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

using nlohmann::json;

absl::StatusOr<int64_t> PositiveInt(std::string_view text, std::string_view what, int64_t max) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(what), "' must be an integer in [0, ",
                                                   max, "], got '", AsAbsl(text), "'"));
  }
  return value;
}

absl::StatusOr<int64_t> OptionalInt(const http::Request& req, std::string_view key,
                                    int64_t fallback, int64_t max) {
  const std::string* text = req.QueryParam(key);
  if (text == nullptr) return fallback;
  return PositiveInt(*text, key, max);
}

void Reply(const absl::StatusOr<std::string>& body, http::Response& res) {
  if (!body.ok()) {
    WriteError(body.status(), res);
    return;
  }
  res.body = *body;
}

absl::StatusOr<std::string> ListArtifacts(lineage::LineageStore& store, const http::Request& req) {
  const std::string* type = req.QueryParam("type");
  ASSIGN_OR_RETURN(int64_t limit, OptionalInt(req, "max_results", 1000, 100000));
  ASSIGN_OR_RETURN(std::vector<lineage::Artifact> artifacts,
                   store.ListArtifacts(type ? *type : "", limit));
  json out = {{"artifacts", json::array()}};
  for (const lineage::Artifact& a : artifacts) {
    out["artifacts"].push_back(json::parse(lineage::ArtifactToJson(a)));
  }
  return out.dump();
}

absl::StatusOr<std::string> FindArtifact(lineage::LineageStore& store, const http::Request& req) {
  const std::string* type = req.QueryParam("type");
  const std::string* name = req.QueryParam("name");
  if (type == nullptr || name == nullptr) {
    return absl::InvalidArgumentError("'type' and 'name' query parameters are required");
  }
  ASSIGN_OR_RETURN(std::optional<lineage::Artifact> a, store.FindArtifact(*type, *name));
  if (!a) {
    return absl::NotFoundError(absl::StrCat("no ", *type, " artifact named '", *name, "'"));
  }
  return lineage::ArtifactToJson(*a);
}

// {id} or {id}/upstream or {id}/downstream.
absl::StatusOr<std::string> ArtifactRoute(lineage::LineageStore& store, const http::Request& req) {
  std::vector<std::string> parts = absl::StrSplit(req.wildcard, '/');
  if (parts.empty() || parts.size() > 2) {
    return absl::NotFoundError(absl::StrCat("no lineage route ", req.path));
  }
  ASSIGN_OR_RETURN(int64_t id, PositiveInt(parts[0], "artifact id", INT64_MAX));
  if (parts.size() == 1) {
    ASSIGN_OR_RETURN(lineage::Artifact a, store.GetArtifact(id));
    return lineage::ArtifactToJson(a);
  }
  lineage::Direction direction;
  if (parts[1] == "upstream") {
    direction = lineage::Direction::kUpstream;
  } else if (parts[1] == "downstream") {
    direction = lineage::Direction::kDownstream;
  } else {
    return absl::NotFoundError(absl::StrCat("no lineage route ", req.path));
  }
  ASSIGN_OR_RETURN(int64_t hops, OptionalInt(req, "max_hops", 32, 1000));
  ASSIGN_OR_RETURN(lineage::LineageGraph graph,
                   store.Trace(id, direction, static_cast<int>(hops)));
  return lineage::GraphToJson(graph);
}

}  // namespace

void AddLineageRoutes(http::Router& router, lineage::LineageStore& lineage) {
  router.Add("GET", "/api/v1/lineage/artifacts",
             [&lineage](const http::Request& req, http::Response& res) {
               Reply(ListArtifacts(lineage, req), res);
             });
  router.Add("GET", "/api/v1/lineage/artifacts/*",
             [&lineage](const http::Request& req, http::Response& res) {
               Reply(ArtifactRoute(lineage, req), res);
             });
  router.Add("GET", "/api/v1/lineage/find",
             [&lineage](const http::Request& req, http::Response& res) {
               Reply(FindArtifact(lineage, req), res);
             });
}

}  // namespace strata::api
