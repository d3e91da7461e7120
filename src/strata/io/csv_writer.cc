#include "strata/io/csv_writer.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/file_output.h"
#include "strata/io/parse_value.h"

namespace strata::io {
namespace {

bool NeedsQuotes(std::string_view s, char delimiter) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  // Would read back as null with the reader's default null tokens.
  for (const std::string& token : CsvOptions().null_tokens) {
    if (s == token) return true;
  }
  return false;
}

void AppendField(std::string_view s, char delimiter, std::string& out) {
  if (!NeedsQuotes(s, delimiter)) {
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

// Strings are quoted as needed; every other value is io::AppendCell's text (parse_value.h),
// the one formatting that the CSV reader and the cleaning rules read back.
void AppendCsvCell(const table::Column& c, int64_t r, const CsvWriteOptions& o,
                   std::string_view null_text, std::string& out) {
  if (c.IsNull(r)) {
    out += null_text;
  } else if (c.IsStringLike()) {
    AppendField(c.StringAt(r), o.delimiter, out);
  } else {
    AppendCell(c, r, out);
  }
}

absl::Status WriteCsvTo(const table::Table& t, const CsvWriteOptions& o,
                        const std::function<absl::Status(std::string_view)>& emit) {
  if (o.header) {
    std::string header;
    for (int c = 0; c < t.num_columns(); ++c) {
      if (c > 0) header.push_back(o.delimiter);
      const std::string& name = t.schema().field(c).name;
      // Header names are quoted only when they must be; an empty name cannot come back anyway.
      if (name.empty() || !NeedsQuotes(name, o.delimiter)) {
        header += name;
      } else {
        AppendField(name, o.delimiter, header);
      }
    }
    header.push_back('\n');
    if (absl::Status s = emit(header); !s.ok()) return s;
  }
  // In a one-column file an empty null would be a blank line, which readers skip.
  const std::string_view null_text =
      (t.num_columns() == 1 && o.null_token.empty()) ? std::string_view("NA") : o.null_token;
  return internal::FormatRowBlocks(
      t.num_rows(), o.threads,
      [&](int64_t begin, int64_t end, std::string& out) {
        for (int64_t r = begin; r < end; ++r) {
          for (int c = 0; c < t.num_columns(); ++c) {
            if (c > 0) out.push_back(o.delimiter);
            AppendCsvCell(t.column(c), r, o, null_text, out);
          }
          out.push_back('\n');
        }
      },
      emit);
}

}  // namespace

absl::StatusOr<std::string> WriteCsv(const table::Table& table, const CsvWriteOptions& options) {
  std::string out;
  absl::Status s = WriteCsvTo(table, options, [&](std::string_view text) {
    out.append(text);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status WriteCsvFile(const std::string& path, const table::Table& table,
                          const CsvWriteOptions& options) {
  return internal::WriteFileAtomically(path, [&](internal::FileSink& sink) {
    return WriteCsvTo(table, options, [&](std::string_view text) { return sink.Write(text); });
  });
}

}  // namespace strata::io
