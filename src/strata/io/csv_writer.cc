#include "strata/io/csv_writer.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/file_output.h"

namespace strata::io {
namespace {

using table::DataType;

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

void AppendCell(const table::Column& c, int64_t r, const CsvWriteOptions& o,
                std::string_view null_text, std::string& out) {
  if (c.IsNull(r)) {
    out += null_text;
    return;
  }
  switch (c.type()) {
    case DataType::kBool:
      out += c.Bools()[r] != 0 ? "true" : "false";
      break;
    case DataType::kInt64:
      absl::StrAppend(&out, c.Int64s()[r]);
      break;
    case DataType::kFloat64:
      internal::AppendDouble(c.Float64s()[r], out);
      break;
    case DataType::kTimestamp:
      out += FormatTimestampMicros(c.Int64s()[r]);
      break;
    case DataType::kString:
    case DataType::kCategory:
      AppendField(c.StringAt(r), o.delimiter, out);
      break;
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
            AppendCell(t.column(c), r, o, null_text, out);
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
