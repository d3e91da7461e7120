// ValidateArtifactPath: the single gate every logical path passes before it touches the disk.
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/blob/artifact_store.h"

namespace strata::blob {
namespace {

// Linux NAME_MAX and a generous whole-path bound (PATH_MAX minus room for the root).
constexpr size_t kMaxComponentBytes = 255;
constexpr size_t kMaxPathBytes = 3072;
// "%25252e" needs three decodes; more rounds than that is not a plausible file name.
constexpr int kMaxDecodeRounds = 4;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One round of percent-decoding; malformed escapes stay as they are.
std::string PercentDecodeOnce(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsDotName(std::string_view c) { return c == "." || c == ".."; }

// Why `component` is unsafe, or empty when it is fine.
std::string_view ComponentProblem(std::string_view component) {
  if (component.empty()) return "empty path component";
  if (IsDotName(component)) return "'.' and '..' components are not allowed";
  if (component.size() > kMaxComponentBytes) return "path component longer than 255 bytes";
  std::string decoded(component);
  for (int round = 0; round < kMaxDecodeRounds; ++round) {
    if (decoded.find('%') == std::string::npos) break;
    std::string next = PercentDecodeOnce(decoded);
    if (next == decoded) break;
    decoded = std::move(next);
    if (IsDotName(decoded)) return "component percent-decodes to '.' or '..'";
    if (decoded.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return "component percent-decodes to a separator or NUL";
    }
  }
  return {};
}

absl::Status Invalid(std::string_view path, std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid artifact path '", absl::CHexEscape(AsAbsl(path)), "': ", AsAbsl(reason)));
}

}  // namespace

absl::Status ValidateArtifactPath(std::string_view path, bool allow_empty) {
  if (path.empty()) {
    return allow_empty ? absl::OkStatus() : Invalid(path, "path is empty");
  }
  if (path.size() > kMaxPathBytes) return Invalid(path, "path is too long");
  if (path.find('\0') != std::string_view::npos) return Invalid(path, "NUL byte");
  if (path.find('\\') != std::string_view::npos) return Invalid(path, "backslash");
  if (path.front() == '/') return Invalid(path, "absolute path");
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    std::string_view component = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string_view problem = ComponentProblem(component);
    if (!problem.empty()) return Invalid(path, problem);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return absl::OkStatus();
}

}  // namespace strata::blob
