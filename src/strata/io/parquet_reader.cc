#include "strata/io/parquet_reader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/internal/codec.h"
#include "strata/io/internal/parquet_column_reader.h"
#include "strata/io/internal/parquet_metadata.h"
#include "strata/io/internal/parquet_schema.h"

namespace strata::io {
namespace {

using parquet::ColumnMetaData;
using parquet::FileMetaData;
using parquet::Leaf;
using table::ColumnBuffers;
using table::DataType;

absl::StatusOr<FileMetaData> ReadFooter(std::string_view file) {
  const int64_t size = static_cast<int64_t>(file.size());
  if (size < 12) {
    return absl::InvalidArgumentError(absl::StrCat("not a Parquet file: ", size,
                                                   " bytes is shorter than the 12-byte minimum"));
  }
  const std::string_view tail = file.substr(file.size() - 4);
  if (tail == std::string_view(parquet::kEncryptedMagic, 4)) {
    return absl::UnimplementedError("unsupported: encryption (encrypted footer, magic PARE)");
  }
  if (tail != std::string_view(parquet::kMagic, 4)) {
    return absl::InvalidArgumentError(absl::StrCat("not a Parquet file: no PAR1 magic at byte ",
                                                   size - 4));
  }
  if (file.substr(0, 4) != std::string_view(parquet::kMagic, 4)) {
    return absl::InvalidArgumentError("not a Parquet file: no PAR1 magic at byte 0");
  }
  uint32_t footer_len = 0;
  std::memcpy(&footer_len, file.data() + size - 8, 4);
  if (footer_len > static_cast<uint64_t>(size - 12)) {
    return absl::InvalidArgumentError(absl::StrCat("footer length ", footer_len, " at byte ",
                                                   size - 8, " exceeds the file's ", size,
                                                   " bytes"));
  }
  const int64_t footer_start = size - 8 - footer_len;
  absl::StatusOr<FileMetaData> md =
      parquet::DecodeFileMetaData(file.substr(footer_start, footer_len), footer_start);
  if (!md.ok()) {
    return absl::Status(md.status().code(),
                        absl::StrCat("footer (bytes ", footer_start, "..", size - 8,
                                     "): ", md.status().message()));
  }
  if (md->encrypted) return absl::UnimplementedError("unsupported: encryption (plaintext footer)");
  for (size_t g = 0; g < md->row_groups.size(); ++g) {
    const parquet::RowGroup& rg = md->row_groups[g];
    if (rg.num_rows < 0) {
      return absl::InvalidArgumentError(absl::StrCat("row group ", g, ": ", rg.num_rows, " rows"));
    }
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      if (rg.columns[c].encrypted) {
        return absl::UnimplementedError(
            absl::StrCat("unsupported: encryption (row group ", g, ", column ", c, ")"));
      }
    }
  }
  return md;
}

void AppendValidity(const ColumnBuffers& part, int64_t offset, std::vector<uint64_t>* validity) {
  for (int64_t r = 0; r < part.rows; ++r) {
    const bool present = part.validity.empty() ||
                         ((part.validity[static_cast<size_t>(r >> 6)] >> (r & 63)) & 1) != 0;
    const int64_t row = offset + r;
    if (present) (*validity)[static_cast<size_t>(row >> 6)] |= uint64_t{1} << (row & 63);
  }
}

// One column's row-group parts as one set of buffers.
ColumnBuffers MergeParts(std::vector<ColumnBuffers>& parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  ColumnBuffers out;
  out.type = parts.empty() ? DataType::kInt64 : parts[0].type;
  int64_t rows = 0;
  bool any_nulls = false;
  size_t bytes = 0;
  for (const ColumnBuffers& p : parts) {
    rows += p.rows;
    any_nulls = any_nulls || !p.validity.empty();
    bytes += p.bytes.size();
  }
  out.rows = rows;
  const auto n = static_cast<size_t>(rows);
  switch (out.type) {
    case DataType::kBool:
      out.bools.reserve(n);
      for (ColumnBuffers& p : parts) out.bools.insert(out.bools.end(), p.bools.begin(), p.bools.end());
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      out.ints.reserve(n);
      for (ColumnBuffers& p : parts) out.ints.insert(out.ints.end(), p.ints.begin(), p.ints.end());
      break;
    case DataType::kFloat64:
      out.doubles.reserve(n);
      for (ColumnBuffers& p : parts) {
        out.doubles.insert(out.doubles.end(), p.doubles.begin(), p.doubles.end());
      }
      break;
    case DataType::kString:
    case DataType::kCategory:
      out.offsets.reserve(n + 1);
      out.offsets.push_back(0);
      out.bytes.reserve(bytes);
      for (ColumnBuffers& p : parts) {
        const auto shift = static_cast<int64_t>(out.bytes.size());
        for (size_t i = 1; i < p.offsets.size(); ++i) out.offsets.push_back(p.offsets[i] + shift);
        out.bytes.append(p.bytes);
        std::string().swap(p.bytes);
      }
      break;
  }
  if (any_nulls) {
    out.validity.assign((n + 63) / 64, 0);
    int64_t offset = 0;
    for (const ColumnBuffers& p : parts) {
      AppendValidity(p, offset, &out.validity);
      offset += p.rows;
    }
  }
  return out;
}

absl::StatusOr<std::vector<Leaf>> LeavesOf(const FileMetaData& md) {
  ASSIGN_OR_RETURN(std::vector<Leaf> leaves, parquet::ResolveSchema(md.schema));
  for (size_t g = 0; g < md.row_groups.size(); ++g) {
    const parquet::RowGroup& rg = md.row_groups[g];
    if (rg.columns.size() != leaves.size()) {
      return absl::InvalidArgumentError(absl::StrCat("row group ", g, " has ", rg.columns.size(),
                                                     " column chunks for ", leaves.size(),
                                                     " schema leaves"));
    }
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      if (!rg.columns[c].has_meta_data) {
        return absl::InvalidArgumentError(
            absl::StrCat("row group ", g, ", column ", c, ": no column metadata"));
      }
      if (!rg.columns[c].file_path.empty()) {
        return absl::UnimplementedError(absl::StrCat(
            "unsupported: column chunk in another file ('", rg.columns[c].file_path,
            "', row group ", g, ", column '", leaves[c].path, "')"));
      }
    }
  }
  return leaves;
}

}  // namespace

absl::StatusOr<table::Table> ReadParquet(std::string_view file, const ParquetReadOptions& options) {
  ASSIGN_OR_RETURN(FileMetaData md, ReadFooter(file));
  ASSIGN_OR_RETURN(std::vector<Leaf> leaves, LeavesOf(md));

  // The leaves to read, in output order.
  std::vector<size_t> selected;
  if (options.columns.empty()) {
    for (size_t i = 0; i < leaves.size(); ++i) selected.push_back(i);
  } else {
    for (const std::string& name : options.columns) {
      std::optional<size_t> found;
      for (size_t i = 0; i < leaves.size() && !found; ++i) {
        if (leaves[i].path == name || leaves[i].top_level == name) found = i;
      }
      if (!found) {
        std::vector<std::string> names;
        for (const Leaf& l : leaves) names.push_back(l.path);
        return absl::NotFoundError(absl::StrCat("no column '", name, "' in the file (columns: ",
                                                absl::StrJoin(names, ", "), ")"));
      }
      if (std::find(selected.begin(), selected.end(), *found) != selected.end()) {
        return absl::InvalidArgumentError(absl::StrCat("column '", name, "' requested twice"));
      }
      selected.push_back(*found);
    }
  }
  for (size_t i : selected) RETURN_IF_ERROR(leaves[i].plan_status);

  // The budget: what a file of this size may plausibly decode to (see DecodeBudget).
  parquet::DecodeBudget budget;
  const auto file_size = static_cast<int64_t>(file.size());
  budget.values = std::max<int64_t>(file_size * 1024, int64_t{1} << 25);
  budget.bytes = std::max<int64_t>(file_size * 1024, int64_t{1} << 28);

  const size_t groups = md.row_groups.size();
  const size_t cols = selected.size();
  std::vector<std::optional<absl::StatusOr<ColumnBuffers>>> parts(groups * cols);
  ParallelFor(static_cast<int64_t>(groups * cols), options.threads, [&](int64_t task) {
    const size_t g = static_cast<size_t>(task) / cols;
    const size_t c = static_cast<size_t>(task) % cols;
    const Leaf& leaf = leaves[selected[c]];
    const parquet::RowGroup& rg = md.row_groups[g];
    parquet::ChunkLocation where{static_cast<int>(g), static_cast<int>(selected[c])};
    parts[static_cast<size_t>(task)] = parquet::ReadColumnChunk(
        file, rg.columns[selected[c]].meta_data, leaf.plan, rg.num_rows, where,
        options.verify_page_checksums, &budget);
  });
  for (auto& part : parts) RETURN_IF_ERROR(part->status());

  std::vector<std::optional<absl::StatusOr<table::Column>>> columns(cols);
  ParallelFor(static_cast<int64_t>(cols), options.threads, [&](int64_t ci) {
    const auto c = static_cast<size_t>(ci);
    std::vector<ColumnBuffers> pieces;
    pieces.reserve(groups);
    for (size_t g = 0; g < groups; ++g) pieces.push_back(*std::move(*parts[g * cols + c]));
    if (pieces.empty()) {
      ColumnBuffers empty;
      empty.type = leaves[selected[c]].plan.type;
      if (empty.type == DataType::kString) empty.offsets.push_back(0);
      pieces.push_back(std::move(empty));
    }
    columns[c] = table::Column::FromBuffers(MergeParts(pieces));
  });
  std::vector<table::Field> fields;
  std::vector<table::Column> out;
  for (size_t c = 0; c < cols; ++c) {
    const Leaf& leaf = leaves[selected[c]];
    if (!columns[c]->ok()) {
      return absl::Status(columns[c]->status().code(),
                          absl::StrCat("column '", leaf.path, "': ", columns[c]->status().message()));
    }
    fields.push_back(table::Field{leaf.path, leaf.plan.type});
    out.push_back(*std::move(*columns[c]));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(out));
}

namespace {

// The file's bytes, memory-mapped for the duration of a read.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr && size_ > 0) munmap(data_, size_);
  }
  absl::Status Open(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      const std::string what = absl::StrCat(path, ": ", std::strerror(err));
      return err == ENOENT ? absl::NotFoundError(what) : absl::UnavailableError(what);
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return absl::UnavailableError(absl::StrCat(path, ": not a regular file"));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        const int err = errno;
        close(fd);
        return absl::UnavailableError(absl::StrCat(path, ": mmap: ", std::strerror(err)));
      }
      data_ = p;
    }
    close(fd);
    return absl::OkStatus();
  }
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

absl::Status WithPath(const std::string& path, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
}

}  // namespace

absl::StatusOr<table::Table> ReadParquetFile(const std::string& path,
                                             const ParquetReadOptions& options) {
  MappedFile file;
  RETURN_IF_ERROR(file.Open(path));
  absl::StatusOr<table::Table> t = ReadParquet(file.bytes(), options);
  if (!t.ok()) return WithPath(path, t.status());
  return t;
}

absl::StatusOr<ParquetFileInfo> ReadParquetFileInfo(const std::string& path) {
  MappedFile file;
  RETURN_IF_ERROR(file.Open(path));
  absl::StatusOr<ParquetFileInfo> info = ReadParquetInfo(file.bytes());
  if (!info.ok()) return WithPath(path, info.status());
  return info;
}

absl::StatusOr<ParquetFileInfo> ReadParquetInfo(std::string_view file) {
  ASSIGN_OR_RETURN(FileMetaData md, ReadFooter(file));
  ASSIGN_OR_RETURN(std::vector<Leaf> leaves, LeavesOf(md));
  ParquetFileInfo info;
  info.version = md.version;
  info.created_by = md.created_by;
  for (const Leaf& leaf : leaves) {
    ParquetColumnInfo c;
    c.path = leaf.path;
    c.physical_type = parquet::PhysicalTypeName(leaf.element->type);
    c.annotation = parquet::AnnotationName(*leaf.element);
    c.optional = leaf.element->has_repetition &&
                 leaf.element->repetition == parquet::Repetition::kOptional;
    c.readable = leaf.plan_status.ok();
    c.type = leaf.plan.type;
    if (!c.readable) c.unsupported = std::string(leaf.plan_status.message());
    info.columns.push_back(std::move(c));
  }
  for (const parquet::RowGroup& rg : md.row_groups) {
    ParquetRowGroupInfo g;
    g.num_rows = rg.num_rows;
    g.total_byte_size = rg.total_byte_size;
    info.num_rows += rg.num_rows;
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const ColumnMetaData& m = rg.columns[c].meta_data;
      ParquetColumnChunkInfo ci;
      ci.codec = std::string(parquet::CodecName(m.codec));
      for (parquet::Encoding e : m.encodings) ci.encodings.push_back(parquet::EncodingName(e));
      ci.num_values = m.num_values;
      ci.compressed_size = m.total_compressed_size;
      ci.uncompressed_size = m.total_uncompressed_size;
      if (m.has_statistics) {
        const parquet::Statistics& s = m.statistics;
        ci.has_null_count = s.has_null_count;
        ci.null_count = s.null_count;
        if (s.has_min && s.has_max && leaves[c].plan_status.ok()) {
          ci.has_min_max = true;
          ci.min = parquet::StatisticText(leaves[c].plan, s.min);
          ci.max = parquet::StatisticText(leaves[c].plan, s.max);
        }
      }
      g.columns.push_back(std::move(ci));
    }
    info.row_groups.push_back(std::move(g));
  }
  return info;
}

std::string ParquetFileInfo::ToString() const {
  std::string out = absl::StrCat("parquet version ", version, ", ", num_rows, " rows, ",
                                 row_groups.size(), " row groups");
  if (!created_by.empty()) absl::StrAppend(&out, ", created by ", created_by);
  absl::StrAppend(&out, "\n");
  for (const ParquetColumnInfo& c : columns) {
    absl::StrAppend(&out, "  ", c.path, ": ", c.physical_type,
                    c.annotation.empty() ? "" : absl::StrCat(" ", c.annotation),
                    c.optional ? " optional" : " required", " -> ",
                    c.readable ? AsAbsl(table::DataTypeName(c.type)) : AsAbsl(c.unsupported), "\n");
  }
  for (size_t g = 0; g < row_groups.size(); ++g) {
    const ParquetRowGroupInfo& rg = row_groups[g];
    absl::StrAppend(&out, "row group ", g, ": ", rg.num_rows, " rows, ", rg.total_byte_size,
                    " bytes\n");
    for (size_t c = 0; c < rg.columns.size() && c < columns.size(); ++c) {
      const ParquetColumnChunkInfo& ci = rg.columns[c];
      absl::StrAppend(&out, "  ", columns[c].path, ": ", ci.codec, " [",
                      absl::StrJoin(ci.encodings, ","), "] ", ci.compressed_size, "/",
                      ci.uncompressed_size, " bytes");
      if (ci.has_min_max) absl::StrAppend(&out, ", min ", ci.min, ", max ", ci.max);
      if (ci.has_null_count) absl::StrAppend(&out, ", nulls ", ci.null_count);
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

}  // namespace strata::io
