// To be replaced by io::WriteTable (issue 3).
#include "strata/cli/internal/csv_out.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/io/parse_value.h"

namespace strata::cli {
namespace {

std::string TempPath(const std::string& path) { return absl::StrCat(path, ".tmp-", getpid()); }

void AppendField(std::string_view s, bool is_string, char delimiter, std::string& out) {
  bool quote = false;
  if (is_string) {
    quote = s.empty() || s == "NA" || s == "N/A" || s == "null" || s == "NULL" ||
            s.front() == ' ' || s.back() == ' ';
    for (char c : s) quote |= c == delimiter || c == '"' || c == '\r' || c == '\n';
  }
  if (!quote) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string CsvText(const table::Table& table, char delimiter) {
  std::string out;
  for (int c = 0; c < table.num_columns(); ++c) {
    if (c > 0) out.push_back(delimiter);
    AppendField(table.schema().field(c).name, true, delimiter, out);
  }
  out.push_back('\n');
  std::string cell;
  for (int64_t r = 0; r < table.num_rows(); ++r) {
    for (int c = 0; c < table.num_columns(); ++c) {
      if (c > 0) out.push_back(delimiter);
      const table::Column& column = table.column(c);
      if (column.IsNull(r)) continue;
      if (column.IsStringLike()) {
        AppendField(column.StringAt(r), true, delimiter, out);
      } else {
        io::AppendCell(column, r, out);
      }
    }
    out.push_back('\n');
  }
  return out;
}

absl::Status WriteTempFile(const std::string& path, const std::string& text) {
  const std::string temp = TempPath(path);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  const bool flushed = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!written || !flushed || !closed) {
    std::remove(temp.c_str());
    return absl::UnavailableError(
        absl::StrCat(path, ": write failed: ", std::strerror(write_errno)));
  }
  return absl::OkStatus();
}

absl::Status CommitFile(const std::string& path) {
  const std::string temp = TempPath(path);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

void DiscardFile(const std::string& path) { std::remove(TempPath(path).c_str()); }

}  // namespace strata::cli
