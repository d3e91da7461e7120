#include "strata/io/csv_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/internal/csv_chunks.h"
#include "strata/io/internal/csv_values.h"

namespace strata::io {
namespace {

using internal::ChunkColumn;
using internal::ColumnPlan;
using internal::ParsedChunk;
using table::Column;
using table::DataType;

constexpr size_t kMinChunkBytes = size_t{1} << 20;
constexpr size_t kSampleBytes = size_t{256} << 10;
// Inference tries these in order; the first that every non-null value parses as wins.
constexpr DataType kLadder[] = {DataType::kInt64, DataType::kFloat64, DataType::kBool,
                                DataType::kTimestamp, DataType::kString};

absl::Status LineError(int64_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", AsAbsl(what)));
}

// Whether every present value of a string sample column parses as `type`.
bool SampleParsesAs(const table::ColumnBuffers& sample, const std::vector<uint64_t>& validity,
                    DataType type) {
  for (int64_t r = 0; r < sample.rows; ++r) {
    if (!validity.empty() && ((validity[static_cast<size_t>(r >> 6)] >> (r & 63)) & 1) == 0) {
      continue;
    }
    const std::string_view text(sample.bytes.data() + sample.offsets[r],
                                static_cast<size_t>(sample.offsets[r + 1] - sample.offsets[r]));
    int64_t i = 0;
    double d = 0;
    bool b = false;
    bool ok = true;
    switch (type) {
      case DataType::kInt64:
        ok = internal::ParseInt64(text, &i);
        break;
      case DataType::kFloat64:
        ok = internal::ParseFloat64(text, &d);
        break;
      case DataType::kBool:
        ok = internal::ParseBool(text, &b);
        break;
      case DataType::kTimestamp:
        ok = ParseTimestampMicros(text, &i);
        break;
      default:
        break;
    }
    if (!ok) return false;
  }
  return true;
}

// A column's storage for every row of the file, and where chunks write into it.
table::ColumnBuffers AllocateColumn(DataType type, int64_t rows) {
  table::ColumnBuffers b;
  b.type = type == DataType::kCategory ? DataType::kString : type;
  b.rows = rows;
  const auto n = static_cast<size_t>(rows);
  switch (b.type) {
    case DataType::kBool:
      b.bools.resize(n);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      b.ints.resize(n);
      break;
    case DataType::kFloat64:
      b.doubles.resize(n);
      break;
    default:
      b.offsets.resize(n + 1);
      break;
  }
  return b;
}

internal::ColumnTarget TargetOf(table::ColumnBuffers& b) {
  internal::ColumnTarget t;
  t.ints = b.ints.data();
  t.doubles = b.doubles.data();
  t.bools = b.bools.data();
  t.offsets = b.offsets.data();
  return t;
}

// Appends `src_rows` validity bits to `dst` (which holds `dst_rows`); a missing source
// bitmap means all present.
void AppendBits(std::vector<uint64_t>& dst, int64_t dst_rows, const std::vector<uint64_t>& src,
                int64_t src_rows) {
  const size_t words = static_cast<size_t>((dst_rows + src_rows + 63) / 64);
  dst.resize(words, 0);
  const int shift = static_cast<int>(dst_rows & 63);
  size_t at = static_cast<size_t>(dst_rows >> 6);
  const size_t src_words = static_cast<size_t>((src_rows + 63) / 64);
  for (size_t w = 0; w < src_words; ++w) {
    uint64_t bits = src.empty() ? ~uint64_t{0} : src[w];
    if (w + 1 == src_words && (src_rows & 63) != 0) bits &= (uint64_t{1} << (src_rows & 63)) - 1;
    dst[at + w] |= bits << shift;
    if (shift != 0 && at + w + 1 < words) dst[at + w + 1] |= bits >> (64 - shift);
  }
}

// Finishes column `c` from the chunks' parts: string offsets rebased onto one byte buffer,
// the chunks' bitmaps joined (none when no chunk had a null).
absl::StatusOr<Column> Assemble(table::ColumnBuffers out, std::vector<ParsedChunk>& chunks,
                                absl::Span<const int64_t> row_base, size_t c, DataType type) {
  bool nulls = false;
  for (const ParsedChunk& k : chunks) nulls |= !k.columns[c].validity.empty();
  if (out.type == DataType::kString) {
    size_t bytes = 0;
    for (const ParsedChunk& k : chunks) bytes += k.columns[c].bytes.size();
    out.bytes.reserve(bytes);
    out.offsets[0] = 0;
    for (size_t k = 0; k < chunks.size(); ++k) {
      const auto shift = static_cast<int64_t>(out.bytes.size());
      for (int64_t r = row_base[k] + 1; r <= row_base[k] + chunks[k].rows; ++r) {
        out.offsets[static_cast<size_t>(r)] += shift;
      }
      out.bytes.append(chunks[k].columns[c].bytes);
      std::string().swap(chunks[k].columns[c].bytes);
    }
  }
  if (nulls) {
    int64_t done = 0;
    for (ParsedChunk& k : chunks) {
      AppendBits(out.validity, done, k.columns[c].validity, k.rows);
      done += k.rows;
      std::vector<uint64_t>().swap(k.columns[c].validity);
    }
  }
  ASSIGN_OR_RETURN(Column column, Column::FromBuffers(std::move(out)));
  if (type == DataType::kCategory) return column.ToCategory();
  return column;
}

// Reads `data`; `release(begin, end)` is told when a byte range has been parsed for good
// (the file reader drops those pages of its mapping).
absl::StatusOr<table::Table> ReadCsvImpl(std::string_view data, const CsvOptions& options,
                                         const std::function<void(size_t, size_t)>& release) {
  internal::CsvDialect dialect;
  dialect.delimiter = options.delimiter;
  dialect.null_tokens = options.null_tokens;
  const size_t start = data.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // UTF-8 byte order mark
  ASSIGN_OR_RETURN(internal::CsvHeaderRow first, internal::ReadFirstRow(data, start, 1, dialect));
  std::vector<std::string> names;
  size_t body = start;
  int64_t body_line = 1;
  if (options.header) {
    body = first.end;
    body_line = first.next_line;
    const int64_t header_line = 1;
    for (size_t i = 0; i < first.fields.size(); ++i) {
      std::string name = std::move(first.fields[i]);
      if (internal::InvalidUtf8At(name) != std::string_view::npos) {
        return LineError(header_line, absl::StrCat("header field ", i + 1, " is not valid UTF-8"));
      }
      if (name.empty()) name = absl::StrCat("column", i);
      for (const std::string& earlier : names) {
        if (earlier == name) {
          return LineError(header_line, absl::StrCat("header names column '", name, "' twice"));
        }
      }
      names.push_back(std::move(name));
    }
  } else {
    for (size_t i = 0; i < first.fields.size(); ++i) names.push_back(absl::StrCat("column", i));
  }
  for (const auto& [name, type] : options.column_types) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::NotFoundError(absl::StrCat("column type given for '", name,
                                              "', which the CSV does not have"));
    }
  }
  const size_t columns = names.size();
  if (columns == 0) return table::Table::Make(table::Schema(std::vector<table::Field>{}), {});

  // Types: overrides, else inferred from a sample of the first rows.
  std::vector<ColumnPlan> plan(columns);
  std::vector<uint8_t> unknown(columns, 0);  // no value in the sample: decided after parsing
  {
    const size_t sample_end = internal::CutChunks(data, body, kSampleBytes)[1];
    const int64_t sample_rows = internal::CountRows(data, body, sample_end);
    std::vector<ColumnPlan> as_text(columns);
    std::vector<table::ColumnBuffers> text(columns);
    std::vector<internal::ColumnTarget> targets(columns);
    for (size_t c = 0; c < columns; ++c) {
      text[c] = AllocateColumn(DataType::kString, sample_rows);
      targets[c] = TargetOf(text[c]);
    }
    ParsedChunk sample = internal::ParseChunk(data, body, sample_end, dialect, as_text, names,
                                              targets, 0, sample_rows);
    if (sample.has_error) return LineError(body_line + sample.error_line, sample.error);
    for (size_t c = 0; c < columns; ++c) {
      text[c].bytes = std::move(sample.columns[c].bytes);
      auto it = options.column_types.find(names[c]);
      if (it != options.column_types.end()) {
        plan[c].type = it->second;
        plan[c].strict = true;
        continue;
      }
      if (!sample.columns[c].any_value) {
        unknown[c] = 1;
        plan[c].type = DataType::kString;
        continue;
      }
      for (DataType candidate : kLadder) {
        if (candidate == DataType::kString ||
            SampleParsesAs(text[c], sample.columns[c].validity, candidate)) {
          plan[c].type = candidate;
          break;
        }
      }
    }
  }

  const int threads = ResolveThreads(options.threads);
  const size_t target =
      std::max(kMinChunkBytes, (data.size() - body) / (static_cast<size_t>(threads) * 8) + 1);
  const std::vector<size_t> cuts = internal::CutChunks(data, body, target);
  const int64_t chunk_count = static_cast<int64_t>(cuts.size()) - 1;
  std::vector<int64_t> row_base(static_cast<size_t>(chunk_count) + 1, 0);
  ParallelFor(chunk_count, threads, [&](int64_t k) {
    row_base[k + 1] = internal::CountRows(data, cuts[k], cuts[k + 1]);
    // Dropped again until the parse reads it: the page cache still holds the file, and peak
    // memory stays the table's own size rather than the table plus the file.
    if (release) release(cuts[k], cuts[k + 1]);
  });
  for (int64_t k = 0; k < chunk_count; ++k) row_base[k + 1] += row_base[k];
  const int64_t rows = row_base[chunk_count];

  // Allocated (and zero-filled, which faults the pages in) on the parser threads.
  std::vector<table::ColumnBuffers> storage(columns);
  std::vector<internal::ColumnTarget> targets(columns);
  ParallelFor(static_cast<int64_t>(columns), threads, [&](int64_t c) {
    storage[c] = AllocateColumn(plan[c].type, rows);
    targets[c] = TargetOf(storage[c]);
  });
  std::vector<ParsedChunk> chunks(static_cast<size_t>(chunk_count));
  ParallelFor(chunk_count, threads, [&](int64_t k) {
    chunks[k] = internal::ParseChunk(data, cuts[k], cuts[k + 1], dialect, plan, names, targets,
                                     row_base[k], row_base[k + 1] - row_base[k]);
    if (release) release(cuts[k], cuts[k + 1]);
  });
  std::vector<int64_t> first_line(chunks.size());
  int64_t line = body_line;
  for (size_t k = 0; k < chunks.size(); ++k) {
    first_line[k] = line;
    if (chunks[k].has_error) return LineError(line + chunks[k].error_line, chunks[k].error);
    line += chunks[k].lines;
  }

  // Columns whose sampled type did not hold (or that the sample had no value for) are parsed
  // again with each wider type in turn; rare, and only those columns.
  for (size_t c = 0; c < columns; ++c) {
    bool failed = false;
    bool any_value = false;
    for (const ParsedChunk& k : chunks) {
      failed |= k.columns[c].failed;
      any_value |= k.columns[c].any_value;
    }
    if (!failed && !(unknown[c] && any_value)) continue;
    size_t rung = 0;
    if (!unknown[c]) {
      while (kLadder[rung] != plan[c].type) ++rung;
      ++rung;
    }
    for (; rung < std::size(kLadder); ++rung) {
      std::vector<ColumnPlan> only(columns);
      for (size_t o = 0; o < columns; ++o) only[o].wanted = o == c;
      only[c].type = kLadder[rung];
      table::ColumnBuffers wider = AllocateColumn(kLadder[rung], rows);
      std::vector<internal::ColumnTarget> wider_targets(columns);
      wider_targets[c] = TargetOf(wider);
      std::vector<ParsedChunk> again(chunks.size());
      ParallelFor(chunk_count, threads, [&](int64_t k) {
        again[k] = internal::ParseChunk(data, cuts[k], cuts[k + 1], dialect, only, names,
                                        wider_targets, row_base[k], row_base[k + 1] - row_base[k]);
      });
      bool held = true;
      for (size_t k = 0; k < again.size(); ++k) {
        if (again[k].has_error) return LineError(first_line[k] + again[k].error_line, again[k].error);
        held &= !again[k].columns[c].failed;
      }
      if (held) {
        plan[c].type = kLadder[rung];
        storage[c] = std::move(wider);
        for (size_t k = 0; k < chunks.size(); ++k) {
          chunks[k].columns[c] = std::move(again[k].columns[c]);
        }
        break;
      }
    }
  }

  std::vector<table::Field> fields;
  std::vector<absl::StatusOr<Column>> assembled(columns);
  ParallelFor(static_cast<int64_t>(columns), threads, [&](int64_t c) {
    assembled[c] = Assemble(std::move(storage[c]), chunks, row_base, static_cast<size_t>(c),
                            plan[c].type);
  });
  std::vector<Column> out;
  for (size_t c = 0; c < columns; ++c) {
    if (!assembled[c].ok()) return assembled[c].status();
    fields.push_back(table::Field{names[c], plan[c].type});
    out.push_back(*std::move(assembled[c]));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
}

// A read-only mapping of a whole file; parsed ranges are dropped from memory as the reader
// finishes them, so peak memory is the table, not the table plus the file.
class MappedFile {
 public:
  ~MappedFile() {
    if (addr_ != nullptr) munmap(addr_, size_);
  }
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      std::string why = std::strerror(err);
      if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", why));
      return absl::UnavailableError(absl::StrCat(path, ": ", why));
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
    }
    auto file = std::unique_ptr<MappedFile>(new MappedFile());
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
      void* addr = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (addr == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return absl::UnavailableError(absl::StrCat(path, ": mmap: ", std::strerror(err)));
      }
      file->addr_ = addr;
    }
    ::close(fd);
    return file;
  }
  std::string_view data() const {
    return addr_ == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(addr_), size_);
  }
  // Drops the whole pages inside [begin, end) from memory (they are read again if touched).
  void Release(size_t begin, size_t end) const {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t from = (begin + page - 1) / page * page;
    const size_t to = end / page * page;
    if (to > from) madvise(static_cast<char*>(addr_) + from, to - from, MADV_DONTNEED);
  }

 private:
  MappedFile() = default;
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace

absl::StatusOr<table::Table> ReadCsv(std::string_view data, const CsvOptions& options) {
  return ReadCsvImpl(data, options, nullptr);
}

absl::StatusOr<table::Table> ReadCsvFile(const std::string& path, const CsvOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
  absl::StatusOr<table::Table> t = ReadCsvImpl(
      file->data(), options, [&](size_t begin, size_t end) { file->Release(begin, end); });
  if (!t.ok()) {
    return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  }
  return t;
}

}  // namespace strata::io
