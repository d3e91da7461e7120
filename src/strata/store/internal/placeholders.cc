// `?` -> `$n` rewriting for the PostgreSQL backend.
#include <cctype>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "strata/store/internal/backends.h"

namespace strata::store::internal {
namespace {

// If a dollar-quote opening tag ($$ or $tag$) starts at sql[i], returns its length, else 0.
size_t DollarTagLength(std::string_view sql, size_t i) {
  size_t j = i + 1;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) {
    ++j;
  }
  if (j < sql.size() && sql[j] == '$') {
    // `$1` is a positional parameter, not a tag: tags cannot start with a digit.
    if (j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) return 0;
    return j - i + 1;
  }
  return 0;
}

}  // namespace

std::string RewritePlaceholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  size_t i = 0;
  // Copies sql[i, end) verbatim and moves i there.
  auto copy_to = [&](size_t end) {
    out.append(sql.substr(i, end - i));
    i = end;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '?') {
      absl::StrAppend(&out, "$", ++n);
      ++i;
    } else if (c == '\'' || c == '"') {
      // A doubled quote inside a literal ends one literal and opens the next: same result.
      size_t end = sql.find(c, i + 1);
      copy_to(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      copy_to(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      copy_to(end == std::string_view::npos ? sql.size() : end + 2);
    } else if (c == '$' && DollarTagLength(sql, i) > 0) {
      const size_t len = DollarTagLength(sql, i);
      std::string_view tag = sql.substr(i, len);
      size_t end = sql.find(tag, i + len);
      copy_to(end == std::string_view::npos ? sql.size() : end + len);
    } else {
      out.push_back(c);
      ++i;
    }
  }
  *count = n;
  return out;
}

}  // namespace strata::store::internal
