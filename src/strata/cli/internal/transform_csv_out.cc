// To be replaced by io::WriteTable (see the header).
#include "strata/cli/internal/transform_csv_out.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "strata/io/csv_reader.h"

namespace strata::cli {
namespace {

void AppendField(std::string_view s, std::string* out) {
  const bool quote = s.empty() || s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCell(const table::Column& c, int64_t r, std::string* out) {
  if (c.IsNull(r)) return;
  char buf[40];
  switch (c.type()) {
    case table::DataType::kBool:
      out->append(c.Bools()[r] != 0 ? "true" : "false");
      break;
    case table::DataType::kInt64: {
      auto res = std::to_chars(buf, buf + sizeof buf, c.Int64s()[r]);
      out->append(buf, res.ptr);
      break;
    }
    case table::DataType::kFloat64: {
      auto res = std::to_chars(buf, buf + sizeof buf, c.Float64s()[r]);
      out->append(buf, res.ptr);
      break;
    }
    case table::DataType::kTimestamp:
      out->append(io::FormatTimestampMicros(c.Int64s()[r]));
      break;
    case table::DataType::kString:
    case table::DataType::kCategory:
      AppendField(c.StringAt(r), out);
      break;
  }
}

}  // namespace

absl::Status WriteTransformCsv(const table::Table& t, const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (f == nullptr) {
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::string buf;
  for (int c = 0; c < t.num_columns(); ++c) {
    if (c > 0) buf.push_back(',');
    AppendField(t.schema().field(c).name, &buf);
  }
  buf.push_back('\n');
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    for (int c = 0; c < t.num_columns(); ++c) {
      if (c > 0) buf.push_back(',');
      AppendCell(t.column(c), r, &buf);
    }
    buf.push_back('\n');
    if (buf.size() > (1 << 20) || r + 1 == t.num_rows()) {
      if (std::fwrite(buf.data(), 1, buf.size(), f.get()) != buf.size()) {
        return absl::UnavailableError(absl::StrCat(path, ": write failed: ", std::strerror(errno)));
      }
      buf.clear();
    }
  }
  if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), f.get()) != buf.size()) {
    return absl::UnavailableError(absl::StrCat(path, ": write failed: ", std::strerror(errno)));
  }
  if (std::fclose(f.release()) != 0) {
    return absl::UnavailableError(absl::StrCat(path, ": close failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace strata::cli
