#include "strata/tracking/internal/validation.h"

#include <array>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "strata/base/strings.h"

namespace strata::tracking::internal {
namespace {

// Python's \w is Unicode-aware; bytes of multi-byte UTF-8 sequences stand in for
// non-ASCII letters.
bool IsNameChar(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '/' || c == '.' || c == '-' || c == ' ' ||
         c == ':' || c >= 0x80;
}

}  // namespace

absl::Status ValidateLength(std::string_view what, std::string_view value, size_t limit) {
  if (value.size() <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(AsAbsl(what), " '", AsAbsl(value.substr(0, 250)),
                                                 "' had length ", value.size(),
                                                 ", which exceeded length limit of ", limit));
}

absl::Status ValidateKey(std::string_view entity, std::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Missing value for required parameter 'key'. Invalid ", AsAbsl(entity), " name: ''."));
  }
  for (char c : key) {
    if (!IsNameChar(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Invalid ", AsAbsl(entity), " name: '", AsAbsl(key),
          "'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), "
          "spaces ( ), colon(:) and slashes (/)."));
    }
  }
  bool bad_path = key.front() == '/';
  for (absl::string_view part : absl::StrSplit(AsAbsl(key), '/')) {
    if (part.empty() || part == "." || part == "..") bad_path = true;
  }
  if (bad_path) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid ", AsAbsl(entity), " name: '", AsAbsl(key),
        "'. Names may be treated as files in certain cases, and must not resolve to other "
        "names when treated as such: no leading or trailing '/', no '//', and no '.' or '..' "
        "path components."));
  }
  std::string what = absl::StrCat(AsAbsl(entity), entity == "metric" ? " name" : " key");
  what[0] = absl::ascii_toupper(static_cast<unsigned char>(what[0]));
  return ValidateLength(what, key, kMaxKeyLength);
}

absl::Status ValidateExperimentName(std::string_view name) {
  if (name.empty()) {
    return absl::InvalidArgumentError("Invalid experiment name: ''. Expects a non-empty string.");
  }
  return ValidateLength("Experiment name", name, kMaxExperimentNameLength);
}

absl::Status ValidateMaxResults(int64_t max_results, int64_t limit) {
  if (max_results < 1 || max_results > limit) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid value ", max_results,
                                                   " for parameter 'max_results' supplied. It ",
                                                   "must be a positive integer at most ", limit));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseExperimentId(std::string_view experiment_id) {
  int64_t id = 0;
  if (experiment_id.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(experiment_id[0])) ||
      !absl::SimpleAtoi(AsAbsl(experiment_id), &id) || id < 0) {
    return absl::NotFoundError(
        absl::StrCat("No Experiment with id=", AsAbsl(experiment_id), " exists"));
  }
  return id;
}

std::string GenerateRunName() {
  static constexpr std::array<const char*, 24> kAdjectives = {
      "amber", "brisk", "calm",   "daring", "eager",  "fuzzy",  "gentle", "hardy",
      "icy",   "jolly", "keen",   "lucky",  "mellow", "nimble", "odd",    "proud",
      "quiet", "rapid", "silent", "tidy",   "upbeat", "vivid",  "witty",  "zesty"};
  static constexpr std::array<const char*, 24> kNouns = {
      "otter",  "falcon", "maple",  "comet",  "harbor", "lynx",    "quartz", "river",
      "badger", "cedar",  "dune",   "ember",  "fjord",  "glacier", "heron",  "island",
      "jaguar", "koala",  "lagoon", "meadow", "nebula", "orchid",  "pebble", "willow"};
  thread_local absl::BitGen gen;
  return absl::StrCat(kAdjectives[absl::Uniform<size_t>(gen, 0, kAdjectives.size())], "-",
                      kNouns[absl::Uniform<size_t>(gen, 0, kNouns.size())], "-",
                      absl::Uniform<int>(gen, 0, 1000));
}

std::string EncodePageToken(int64_t offset) {
  return absl::Base64Escape(absl::StrCat("{\"offset\": ", offset, "}"));
}

absl::StatusOr<int64_t> DecodePageToken(std::string_view token) {
  if (token.empty()) return 0;
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat("Invalid page token, could not base64-decode: '",
                                                   AsAbsl(token.substr(0, 200)), "'"));
  };
  std::string decoded;
  if (!absl::Base64Unescape(AsAbsl(token), &decoded) &&
      !absl::WebSafeBase64Unescape(AsAbsl(token), &decoded)) {
    return bad();
  }
  std::string compact;
  for (char c : decoded) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact.push_back(c);
  }
  constexpr absl::string_view kPrefix = "{\"offset\":";
  int64_t offset = 0;
  if (!absl::StartsWith(compact, kPrefix) || !absl::EndsWith(compact, "}") ||
      !absl::SimpleAtoi(
          absl::string_view(compact).substr(kPrefix.size(), compact.size() - kPrefix.size() - 1),
          &offset) ||
      offset < 0) {
    return bad();
  }
  return offset;
}

}  // namespace strata::tracking::internal
