#include "strata/io/json_lines.h"

#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/csv_values.h"
#include "strata/io/internal/file_output.h"

namespace strata::io {
namespace {

using table::DataType;

// One column's values while reading, in the narrowest kind that holds them so far.
class FieldValues {
 public:
  enum class Kind { kNone, kInt, kFloat, kBool, kString };

  explicit FieldValues(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  int64_t rows() const { return rows_; }

  void PadNullsTo(int64_t rows) {
    while (rows_ < rows) AppendNull();
  }
  void AppendNull() {
    switch (kind_) {
      case Kind::kNone:
        break;
      case Kind::kInt:
        ints_.push_back(0);
        break;
      case Kind::kFloat:
        doubles_.push_back(0);
        break;
      case Kind::kBool:
        bools_.push_back(0);
        break;
      case Kind::kString:
        offsets_.push_back(static_cast<int64_t>(bytes_.size()));
        break;
    }
    SetValid(false);
  }
  void AppendInt(int64_t v) {
    if (kind_ == Kind::kNone) Become(Kind::kInt);
    if (kind_ == Kind::kInt) {
      ints_.push_back(v);
    } else if (kind_ == Kind::kFloat) {
      doubles_.push_back(static_cast<double>(v));
    } else {
      AppendText(absl::StrCat(v), /*from_string=*/false);
      return;
    }
    SetValid(true);
  }
  void AppendDouble(double v) {
    if (kind_ == Kind::kNone || kind_ == Kind::kInt) Become(Kind::kFloat);
    if (kind_ == Kind::kFloat) {
      doubles_.push_back(v);
      SetValid(true);
      return;
    }
    std::string text;
    internal::AppendDouble(v, text);
    AppendText(text, /*from_string=*/false);
  }
  void AppendBool(bool v) {
    if (kind_ == Kind::kNone) Become(Kind::kBool);
    if (kind_ == Kind::kBool) {
      bools_.push_back(v ? 1 : 0);
      SetValid(true);
      return;
    }
    AppendText(v ? "true" : "false", /*from_string=*/false);
  }
  // A JSON string (from_string) or another value's JSON text.
  void AppendText(std::string_view text, bool from_string) {
    if (kind_ != Kind::kString) Become(Kind::kString);
    all_strings_ &= from_string;
    bytes_.append(text);
    offsets_.push_back(static_cast<int64_t>(bytes_.size()));
    SetValid(true);
  }

  absl::StatusOr<table::Column> Finish(DataType* type) {
    table::ColumnBuffers b;
    b.rows = rows_;
    b.validity = std::move(validity_);
    if (null_count_ == 0) b.validity.clear();
    switch (kind_) {
      case Kind::kNone:
        b.type = DataType::kString;
        b.offsets.assign(static_cast<size_t>(rows_) + 1, 0);
        break;
      case Kind::kInt:
        b.type = DataType::kInt64;
        b.ints = std::move(ints_);
        break;
      case Kind::kFloat:
        b.type = DataType::kFloat64;
        b.doubles = std::move(doubles_);
        break;
      case Kind::kBool:
        b.type = DataType::kBool;
        b.bools = std::move(bools_);
        break;
      case Kind::kString:
        b.type = DataType::kString;
        if (all_strings_ && AllTimestamps(b.validity)) {
          b.type = DataType::kTimestamp;
          b.ints.resize(static_cast<size_t>(rows_));
          for (int64_t r = 0; r < rows_; ++r) {
            if (!Valid(b.validity, r)) continue;
            ParseTimestampMicros(Text(r), &b.ints[static_cast<size_t>(r)]);
          }
          offsets_.clear();
          bytes_.clear();
        } else {
          b.offsets = std::move(offsets_);
          b.bytes = std::move(bytes_);
        }
        break;
    }
    *type = b.type;
    return table::Column::FromBuffers(std::move(b));
  }

 private:
  static bool Valid(const std::vector<uint64_t>& bits, int64_t r) {
    return bits.empty() || ((bits[static_cast<size_t>(r >> 6)] >> (r & 63)) & 1) != 0;
  }
  std::string_view Text(int64_t r) const {
    return std::string_view(bytes_).substr(
        static_cast<size_t>(offsets_[r]), static_cast<size_t>(offsets_[r + 1] - offsets_[r]));
  }
  bool AllTimestamps(const std::vector<uint64_t>& bits) const {
    if (null_count_ == rows_) return false;
    int64_t micros = 0;
    for (int64_t r = 0; r < rows_; ++r) {
      if (Valid(bits, r) && !ParseTimestampMicros(Text(r), &micros)) return false;
    }
    return true;
  }
  void SetValid(bool present) {
    const int64_t r = rows_++;
    if ((r & 63) == 0) validity_.push_back(0);
    if (present) {
      validity_.back() |= uint64_t{1} << (r & 63);
    } else {
      ++null_count_;
    }
  }
  // Re-expresses every earlier row in `to`.
  void Become(Kind to) {
    const auto n = static_cast<size_t>(rows_);
    if (kind_ == Kind::kNone) {
      switch (to) {
        case Kind::kInt:
          ints_.assign(n, 0);
          break;
        case Kind::kFloat:
          doubles_.assign(n, 0);
          break;
        case Kind::kBool:
          bools_.assign(n, 0);
          break;
        case Kind::kString:
          offsets_.assign(n + 1, 0);
          break;
        case Kind::kNone:
          break;
      }
    } else if (kind_ == Kind::kInt && to == Kind::kFloat) {
      doubles_.assign(ints_.begin(), ints_.end());
      ints_ = {};
    } else if (to == Kind::kString) {
      offsets_.assign(1, 0);
      for (size_t r = 0; r < n; ++r) {
        if (Valid(validity_, static_cast<int64_t>(r))) {
          if (kind_ == Kind::kInt) absl::StrAppend(&bytes_, ints_[r]);
          if (kind_ == Kind::kFloat) internal::AppendDouble(doubles_[r], bytes_);
          if (kind_ == Kind::kBool) bytes_ += bools_[r] != 0 ? "true" : "false";
        }
        offsets_.push_back(static_cast<int64_t>(bytes_.size()));
      }
      ints_ = {};
      doubles_ = {};
      bools_ = {};
      all_strings_ = false;
    }
    kind_ = to;
  }

  std::string name_;
  Kind kind_ = Kind::kNone;
  int64_t rows_ = 0;
  int64_t null_count_ = 0;
  bool all_strings_ = true;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<uint8_t> bools_;
  std::vector<int64_t> offsets_;
  std::string bytes_;
  std::vector<uint64_t> validity_;
};

absl::Status LineError(int64_t line, size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line, " (byte ", offset, "): ", AsAbsl(what)));
}

// `padded` has SIMDJSON_PADDING readable bytes past `size`.
absl::StatusOr<table::Table> ReadPadded(const char* data, size_t size) {
  simdjson::dom::parser parser;
  std::vector<FieldValues> fields;
  absl::flat_hash_map<std::string, size_t> index;
  std::vector<int64_t> seen_in_row;  // per field: last row that set it
  int64_t rows = 0;
  int64_t line = 0;
  size_t pos = 0;
  if (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) pos = 3;
  while (pos < size) {
    ++line;
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', size - pos));
    const size_t end = nl == nullptr ? size : static_cast<size_t>(nl - data);
    const size_t begin = pos;
    pos = end + 1;
    size_t first = begin;
    while (first < end && (data[first] == ' ' || data[first] == '\t' || data[first] == '\r')) {
      ++first;
    }
    if (first == end) continue;  // blank line
    simdjson::dom::element doc;
    if (auto error = parser.parse(data + begin, end - begin, false).get(doc); error) {
      return LineError(line, begin, simdjson::error_message(error));
    }
    simdjson::dom::object object;
    if (doc.get(object) != simdjson::SUCCESS) {
      return LineError(line, begin, "expected a JSON object");
    }
    for (auto [key, value] : object) {
      const std::string_view name(key.data(), key.size());
      if (internal::InvalidUtf8At(name) != std::string_view::npos) {
        return LineError(line, begin, "a key is not valid UTF-8");
      }
      auto [it, inserted] = index.try_emplace(std::string(name), fields.size());
      if (inserted) {
        fields.emplace_back(std::string(name));
        seen_in_row.push_back(-1);
      }
      const size_t f = it->second;
      if (seen_in_row[f] == rows) {
        return LineError(line, begin, absl::StrCat("key '", AsAbsl(name), "' appears twice"));
      }
      seen_in_row[f] = rows;
      FieldValues& field = fields[f];
      field.PadNullsTo(rows);
      switch (value.type()) {
        case simdjson::dom::element_type::INT64:
          field.AppendInt(int64_t(value));
          break;
        case simdjson::dom::element_type::UINT64:
          field.AppendDouble(static_cast<double>(uint64_t(value)));
          break;
        case simdjson::dom::element_type::DOUBLE:
          field.AppendDouble(double(value));
          break;
        case simdjson::dom::element_type::BOOL:
          field.AppendBool(bool(value));
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          field.AppendNull();
          break;
        case simdjson::dom::element_type::STRING: {
          const std::string_view s = std::string_view(value);
          field.AppendText(s, /*from_string=*/true);
          break;
        }
        case simdjson::dom::element_type::ARRAY:
        case simdjson::dom::element_type::OBJECT:
          field.AppendText(simdjson::minify(value), /*from_string=*/false);
          break;
      }
    }
    ++rows;
  }
  std::vector<table::Field> schema;
  std::vector<table::Column> columns;
  for (FieldValues& f : fields) {
    f.PadNullsTo(rows);
    DataType type = DataType::kString;
    ASSIGN_OR_RETURN(table::Column c, f.Finish(&type));
    schema.push_back(table::Field{f.name(), type});
    columns.push_back(std::move(c));
  }
  return table::Table::Make(table::Schema(std::move(schema)), std::move(columns));
}

void AppendJsonString(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

absl::Status WriteTo(const table::Table& t, const JsonLinesWriteOptions& o,
                     const std::function<absl::Status(std::string_view)>& emit) {
  std::vector<std::string> keys;
  for (const table::Field& f : t.schema().fields()) {
    std::string k;
    AppendJsonString(f.name, k);
    k.push_back(':');
    keys.push_back(std::move(k));
  }
  return internal::FormatRowBlocks(
      t.num_rows(), o.threads,
      [&](int64_t begin, int64_t end, std::string& out) {
        for (int64_t r = begin; r < end; ++r) {
          out.push_back('{');
          for (int c = 0; c < t.num_columns(); ++c) {
            if (c > 0) out.push_back(',');
            out += keys[static_cast<size_t>(c)];
            const table::Column& col = t.column(c);
            if (col.IsNull(r)) {
              out += "null";
              continue;
            }
            switch (col.type()) {
              case DataType::kBool:
                out += col.Bools()[r] != 0 ? "true" : "false";
                break;
              case DataType::kInt64:
                absl::StrAppend(&out, col.Int64s()[r]);
                break;
              case DataType::kFloat64: {
                const double v = col.Float64s()[r];
                if (std::isfinite(v)) {
                  internal::AppendDouble(v, out);
                } else {
                  out += "null";
                }
                break;
              }
              case DataType::kTimestamp:
                AppendJsonString(FormatTimestampMicros(col.Int64s()[r]), out);
                break;
              case DataType::kString:
              case DataType::kCategory:
                AppendJsonString(col.StringAt(r), out);
                break;
            }
          }
          out += "}\n";
        }
      },
      emit);
}

}  // namespace

absl::StatusOr<table::Table> ReadJsonLines(std::string_view data) {
  const simdjson::padded_string padded(data.data(), data.size());
  return ReadPadded(padded.data(), padded.size());
}

absl::StatusOr<table::Table> ReadJsonLinesFile(const std::string& path) {
  simdjson::padded_string padded;
  if (auto error = simdjson::padded_string::load(path).get(padded); error) {
    return absl::NotFoundError(absl::StrCat(path, ": ", simdjson::error_message(error)));
  }
  absl::StatusOr<table::Table> t = ReadPadded(padded.data(), padded.size());
  if (!t.ok()) {
    return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  }
  return t;
}

absl::StatusOr<std::string> WriteJsonLines(const table::Table& table,
                                           const JsonLinesWriteOptions& options) {
  std::string out;
  absl::Status s = WriteTo(table, options, [&](std::string_view text) {
    out.append(text);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status WriteJsonLinesFile(const std::string& path, const table::Table& table,
                                const JsonLinesWriteOptions& options) {
  return internal::WriteFileAtomically(path, [&](internal::FileSink& sink) {
    return WriteTo(table, options, [&](std::string_view text) { return sink.Write(text); });
  });
}

}  // namespace strata::io
