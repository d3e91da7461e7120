#include "strata/io/internal/parquet_column_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/internal/codec.h"
#include "strata/io/internal/parquet_decoders.h"
#include "strata/io/internal/parquet_values.h"

namespace strata::io::parquet {
namespace {

using table::DataType;

bool IsDictionaryEncoding(Encoding e) {
  return e == Encoding::kPlainDictionary || e == Encoding::kRleDictionary;
}

// Takes `n` from the budget, or fails: the cap that keeps a lying header from allocating.
absl::Status Spend(std::atomic<int64_t>* budget, int64_t n, std::string_view what) {
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("negative ", AsAbsl(what)));
  if (budget->fetch_sub(n) < n) {
    return absl::ResourceExhaustedError(absl::StrCat(
        AsAbsl(what), " of ", n,
        " exceed what the file's size can plausibly hold (the reader's decode budget)"));
  }
  return absl::OkStatus();
}

// The state of one chunk being read.
class ChunkReader {
 public:
  ChunkReader(std::string_view file, const ColumnMetaData& meta, const LeafPlan& plan,
              int64_t num_rows, bool verify, DecodeBudget* budget)
      : file_(file), meta_(meta), plan_(plan), num_rows_(num_rows), verify_(verify),
        budget_(budget) {
    out_.type = plan.type;
    dict_.type = plan.type;
    if (plan.type == DataType::kString) {
      out_.offsets.push_back(0);
      dict_.offsets.push_back(0);
    }
  }

  absl::Status Run(int* page_index, int64_t* page_offset);
  table::ColumnBuffers Finish();

 private:
  absl::Status ReadDictionaryPage(const PageHeader& h, std::string_view page);
  absl::Status ReadDataPage(const PageHeader& h, std::string_view page);
  absl::Status DecodeValues(Encoding encoding, std::string_view data, int64_t rows,
                            const uint8_t* levels, int64_t present);
  absl::StatusOr<std::string_view> Uncompress(std::string_view data, int64_t size,
                                              std::string* buffer);
  absl::Status ReserveRows(int64_t rows);

  std::string_view file_;
  const ColumnMetaData& meta_;
  const LeafPlan& plan_;
  int64_t num_rows_ = 0;
  bool verify_ = true;
  DecodeBudget* budget_ = nullptr;

  table::ColumnBuffers out_;
  table::ColumnBuffers dict_;
  bool has_dict_ = false;
  std::vector<uint8_t> levels_;  // one per row when the column is optional
  int64_t rows_read_ = 0;
  int64_t nulls_ = 0;
  DenseValues dense_;
  std::vector<uint32_t> indexes_;
  std::string page_buffer_;
};

absl::StatusOr<std::string_view> ChunkReader::Uncompress(std::string_view data, int64_t size,
                                                         std::string* buffer) {
  if (meta_.codec == CompressionCodec::kUncompressed) {
    if (static_cast<int64_t>(data.size()) != size) {
      return absl::InvalidArgumentError(absl::StrCat("uncompressed page holds ", data.size(),
                                                     " bytes, its header says ", size));
    }
    return data;
  }
  RETURN_IF_ERROR(Spend(&budget_->bytes, size, "decompressed bytes"));
  buffer->clear();
  RETURN_IF_ERROR(Decompress(meta_.codec, data, size, buffer));
  return std::string_view(*buffer);
}

absl::Status ChunkReader::ReserveRows(int64_t rows) {
  if (rows < 0) return absl::InvalidArgumentError(absl::StrCat("page of ", rows, " values"));
  if (rows > num_rows_ - rows_read_) {
    return absl::InvalidArgumentError(absl::StrCat("page of ", rows, " values overruns the row group's ",
                                                   num_rows_, " rows (", rows_read_, " read)"));
  }
  return absl::OkStatus();
}

absl::Status ChunkReader::ReadDictionaryPage(const PageHeader& h, std::string_view page) {
  if (has_dict_) return absl::InvalidArgumentError("a second dictionary page in the chunk");
  const DictionaryPageHeader& dh = h.dictionary_page_header;
  if (dh.num_values < 0) {
    return absl::InvalidArgumentError(absl::StrCat("dictionary of ", dh.num_values, " values"));
  }
  if (dh.encoding != Encoding::kPlain && dh.encoding != Encoding::kPlainDictionary) {
    return absl::UnimplementedError(absl::StrCat("unsupported: dictionary page encoding ",
                                                 static_cast<int>(dh.encoding)));
  }
  ASSIGN_OR_RETURN(std::string_view data, Uncompress(page, h.uncompressed_page_size, &page_buffer_));
  RETURN_IF_ERROR(Spend(&budget_->values, dh.num_values, "dictionary values"));
  dense_.Clear();
  RETURN_IF_ERROR(DecodeDense(plan_, Encoding::kPlain, data, dh.num_values, &dense_));
  RETURN_IF_ERROR(AppendConverted(plan_, dense_, &dict_));
  has_dict_ = true;
  return absl::OkStatus();
}

absl::Status ChunkReader::DecodeValues(Encoding encoding, std::string_view data, int64_t rows,
                                       const uint8_t* levels, int64_t present) {
  if (IsDictionaryEncoding(encoding)) {
    if (!has_dict_) return absl::InvalidArgumentError("dictionary-encoded page without a dictionary");
    const int64_t dict_size = ValueCount(dict_);
    if (present > 0) {
      if (data.empty()) return absl::InvalidArgumentError("dictionary indexes: no bit width byte");
      const int bit_width = static_cast<uint8_t>(data[0]);
      if (bit_width > 32) {
        return absl::InvalidArgumentError(absl::StrCat("dictionary index bit width ", bit_width));
      }
      if (dict_size == 0) return absl::InvalidArgumentError("index into an empty dictionary");
      indexes_.resize(static_cast<size_t>(present));
      RleBitPackedDecoder rle(data.substr(1), bit_width);
      absl::Status s =
          rle.Decode(indexes_.data(), present, static_cast<uint32_t>(dict_size - 1));
      if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("dictionary indexes: ", s.message()));
      RETURN_IF_ERROR(AppendGathered(dict_, indexes_.data(), present, &budget_->bytes, &out_));
    }
  } else if (IsIdentityConversion(plan_)) {
    // Decode straight into the output vector (swapped in, so no second copy).
    dense_.Clear();
    std::vector<int64_t>* ints = &out_.ints;
    std::vector<double>* doubles = &out_.doubles;
    std::vector<uint8_t>* bools = &out_.bools;
    std::swap(dense_.ints, *ints);
    std::swap(dense_.doubles, *doubles);
    std::swap(dense_.bools, *bools);
    absl::Status s = DecodeDense(plan_, encoding, data, present, &dense_, budget_);
    std::swap(dense_.ints, *ints);
    std::swap(dense_.doubles, *doubles);
    std::swap(dense_.bools, *bools);
    RETURN_IF_ERROR(s);
  } else {
    dense_.Clear();
    RETURN_IF_ERROR(DecodeDense(plan_, encoding, data, present, &dense_, budget_));
    RETURN_IF_ERROR(AppendConverted(plan_, dense_, &out_));
  }
  if (levels != nullptr) {
    SpreadNulls(levels, rows, present, static_cast<uint8_t>(plan_.max_definition_level), &out_);
  }
  rows_read_ += rows;
  if (ValueCount(out_) != rows_read_) {
    return absl::InvalidArgumentError(absl::StrCat("page decoded to ", ValueCount(out_),
                                                   " values where ", rows_read_, " were due"));
  }
  return absl::OkStatus();
}

// Decodes `rows` definition levels (bit width 1 for flat optional columns) into levels_.
absl::Status DecodeLevels(std::string_view data, int64_t rows, int16_t max_level, bool bit_packed,
                          std::vector<uint8_t>* levels, int64_t* present) {
  const size_t base = levels->size();
  levels->resize(base + static_cast<size_t>(rows));
  uint8_t* out = levels->data() + base;
  int bit_width = 0;
  while ((1 << bit_width) <= max_level) ++bit_width;
  if (bit_packed) {
    // The deprecated BIT_PACKED level encoding packs MSB first.
    const uint64_t bits = static_cast<uint64_t>(rows) * static_cast<uint64_t>(bit_width);
    if ((bits + 7) / 8 > data.size()) {
      return absl::InvalidArgumentError("BIT_PACKED definition levels run past the page");
    }
    for (int64_t i = 0; i < rows; ++i) {
      uint32_t v = 0;
      for (int b = 0; b < bit_width; ++b) {
        const uint64_t bit = static_cast<uint64_t>(i) * bit_width + b;
        v = (v << 1) | ((static_cast<uint8_t>(data[bit >> 3]) >> (7 - (bit & 7))) & 1);
      }
      if (v > static_cast<uint32_t>(max_level)) {
        return absl::InvalidArgumentError("definition level above the maximum");
      }
      out[i] = static_cast<uint8_t>(v);
    }
  } else {
    RleBitPackedDecoder rle(data, bit_width);
    absl::Status s = rle.Decode(out, rows, static_cast<uint32_t>(max_level));
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("definition levels: ", s.message()));
  }
  int64_t n = 0;
  for (int64_t i = 0; i < rows; ++i) n += out[i] == max_level;
  *present = n;
  return absl::OkStatus();
}

absl::Status ChunkReader::ReadDataPage(const PageHeader& h, std::string_view page) {
  const bool v2 = h.type == PageType::kDataPageV2;
  if (v2 ? !h.has_data_page_header_v2 : !h.has_data_page_header) {
    return absl::InvalidArgumentError("data page without its data page header");
  }
  const int64_t rows = v2 ? h.data_page_header_v2.num_values : h.data_page_header.num_values;
  const Encoding encoding = v2 ? h.data_page_header_v2.encoding : h.data_page_header.encoding;
  RETURN_IF_ERROR(ReserveRows(rows));
  const int16_t max_def = plan_.max_definition_level;
  std::string_view values;
  int64_t present = rows;
  const uint8_t* levels = nullptr;
  if (v2) {
    const DataPageHeaderV2& d = h.data_page_header_v2;
    // A flat column has no repetition levels, but some writers still store an (all-zero)
    // run of them: skipped.
    const int64_t rep_bytes = d.repetition_levels_byte_length;
    const int64_t def_bytes = d.definition_levels_byte_length;
    if (rep_bytes < 0 || def_bytes < 0 ||
        rep_bytes + def_bytes > static_cast<int64_t>(page.size())) {
      return absl::InvalidArgumentError(absl::StrCat("levels of ", rep_bytes, " + ", def_bytes,
                                                     " bytes run past the page of ", page.size()));
    }
    const auto level_bytes = static_cast<size_t>(rep_bytes + def_bytes);
    if (max_def > 0) {
      const size_t base = levels_.size();
      RETURN_IF_ERROR(DecodeLevels(page.substr(static_cast<size_t>(rep_bytes),
                                               static_cast<size_t>(def_bytes)),
                                   rows, max_def, false, &levels_, &present));
      levels = levels_.data() + base;
    }
    const std::string_view body = page.substr(level_bytes);
    const int64_t body_size = static_cast<int64_t>(h.uncompressed_page_size) - static_cast<int64_t>(level_bytes);
    if (body_size < 0) return absl::InvalidArgumentError("levels longer than the page");
    if (d.is_compressed && !body.empty()) {
      ASSIGN_OR_RETURN(values, Uncompress(body, body_size, &page_buffer_));
    } else {
      if (static_cast<int64_t>(body.size()) != body_size) {
        return absl::InvalidArgumentError(absl::StrCat("uncompressed page body holds ", body.size(),
                                                       " bytes, its header says ", body_size));
      }
      values = body;
    }
  } else {
    const DataPageHeader& d = h.data_page_header;
    ASSIGN_OR_RETURN(std::string_view data, Uncompress(page, h.uncompressed_page_size, &page_buffer_));
    if (max_def > 0) {
      const size_t base = levels_.size();
      if (d.definition_level_encoding == Encoding::kRle) {
        if (data.size() < 4) return absl::InvalidArgumentError("definition levels: no length prefix");
        uint32_t len = 0;
        std::memcpy(&len, data.data(), 4);
        if (len > data.size() - 4) {
          return absl::InvalidArgumentError(absl::StrCat("definition levels of ", len,
                                                         " bytes run past the page"));
        }
        RETURN_IF_ERROR(DecodeLevels(data.substr(4, len), rows, max_def, false, &levels_, &present));
        data = data.substr(4 + len);
      } else if (d.definition_level_encoding == Encoding::kBitPacked) {
        RETURN_IF_ERROR(DecodeLevels(data, rows, max_def, true, &levels_, &present));
        data = data.substr(static_cast<size_t>((rows + 7) / 8));
      } else {
        return absl::UnimplementedError(absl::StrCat("unsupported: definition level encoding ",
                                                     static_cast<int>(d.definition_level_encoding)));
      }
      levels = levels_.data() + base;
    }
    values = data;
  }
  nulls_ += rows - present;
  return DecodeValues(encoding, values, rows, levels, present);
}

absl::Status ChunkReader::Run(int* page_index, int64_t* page_offset) {
  int64_t start = meta_.data_page_offset;
  // Some writers record a dictionary offset of 0 or past the data pages: trust it only when
  // it precedes them.
  if (meta_.has_dictionary_page_offset && meta_.dictionary_page_offset > 0 &&
      meta_.dictionary_page_offset < start) {
    start = meta_.dictionary_page_offset;
  }
  const auto file_size = static_cast<int64_t>(file_.size());
  if (num_rows_ == 0 && meta_.num_values == 0) return absl::OkStatus();  // an empty chunk
  if (start < 4 || start >= file_size || meta_.total_compressed_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("column chunk starts at byte ", start,
                                                   ", outside the file of ", file_size, " bytes"));
  }
  // Old parquet-mr versions under-count total_compressed_size by the dictionary page header
  // (PARQUET-816); like parquet-cpp, allow pages to reach up to 100 bytes past it.
  // Pages must start before the declared end.
  constexpr int64_t kChunkSizeSlack = 100;
  const int64_t declared_end = meta_.total_compressed_size > file_size - start
                                   ? file_size
                                   : start + meta_.total_compressed_size;
  const int64_t end = std::min(file_size, declared_end + kChunkSizeSlack);
  if (meta_.num_values != num_rows_) {
    return absl::InvalidArgumentError(absl::StrCat("column chunk holds ", meta_.num_values,
                                                   " values for a row group of ", num_rows_,
                                                   " rows"));
  }
  // The whole chunk's rows are taken from the budget once, so reserving them is safe.
  RETURN_IF_ERROR(Spend(&budget_->values, num_rows_, "rows"));
  if (num_rows_ > 0) {
    switch (plan_.type) {
      case DataType::kBool: out_.bools.reserve(static_cast<size_t>(num_rows_)); break;
      case DataType::kInt64:
      case DataType::kTimestamp: out_.ints.reserve(static_cast<size_t>(num_rows_)); break;
      case DataType::kFloat64: out_.doubles.reserve(static_cast<size_t>(num_rows_)); break;
      default: out_.offsets.reserve(static_cast<size_t>(num_rows_) + 1); break;
    }
    if (plan_.max_definition_level > 0) levels_.reserve(static_cast<size_t>(num_rows_));
  }
  int64_t pos = start;
  while (rows_read_ < num_rows_) {
    *page_offset = pos;
    if (pos >= declared_end) {
      return absl::InvalidArgumentError(absl::StrCat("column chunk ends after ", rows_read_, " of ",
                                                     num_rows_, " values"));
    }
    size_t header_size = 0;
    ASSIGN_OR_RETURN(PageHeader h, DecodePageHeader(file_.substr(pos, end - pos), pos, &header_size));
    const int64_t body = pos + static_cast<int64_t>(header_size);
    if (h.compressed_page_size < 0 || h.compressed_page_size > end - body ||
        h.uncompressed_page_size < 0) {
      return absl::InvalidArgumentError(absl::StrCat("page of ", h.compressed_page_size,
                                                     " bytes runs past the column chunk's end at byte ",
                                                     end));
    }
    const std::string_view page = file_.substr(body, h.compressed_page_size);
    if (verify_ && h.has_crc) {
      const auto crc = static_cast<uint32_t>(
          crc32(0, reinterpret_cast<const Bytef*>(page.data()), static_cast<uInt>(page.size())));
      if (crc != h.crc) {
        return absl::DataLossError(absl::StrCat("page checksum mismatch (CRC32 ", absl::Hex(crc),
                                                ", header says ", absl::Hex(h.crc), ")"));
      }
    }
    switch (h.type) {
      case PageType::kDictionaryPage:
        if (!h.has_dictionary_page_header) {
          return absl::InvalidArgumentError("dictionary page without its header");
        }
        RETURN_IF_ERROR(ReadDictionaryPage(h, page));
        break;
      case PageType::kDataPage:
      case PageType::kDataPageV2:
        RETURN_IF_ERROR(ReadDataPage(h, page));
        break;
      default:
        break;  // index pages and unknown page types carry nothing to read
    }
    pos = body + h.compressed_page_size;
    ++*page_index;
  }
  return absl::OkStatus();
}

table::ColumnBuffers ChunkReader::Finish() {
  out_.rows = rows_read_;
  if (nulls_ > 0) {
    out_.validity.assign(static_cast<size_t>((rows_read_ + 63) / 64), 0);
    for (int64_t r = 0; r < rows_read_; ++r) {
      if (levels_[static_cast<size_t>(r)] == plan_.max_definition_level) {
        out_.validity[static_cast<size_t>(r >> 6)] |= uint64_t{1} << (r & 63);
      }
    }
  }
  return std::move(out_);
}

}  // namespace

absl::StatusOr<table::ColumnBuffers> ReadColumnChunk(std::string_view file,
                                                     const ColumnMetaData& meta,
                                                     const LeafPlan& plan, int64_t num_rows,
                                                     ChunkLocation where, bool verify_checksums,
                                                     DecodeBudget* budget) {
  ChunkReader reader(file, meta, plan, num_rows, verify_checksums, budget);
  int page = 0;
  int64_t offset = meta.data_page_offset;
  absl::Status s = reader.Run(&page, &offset);
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("row group ", where.row_group, ", column '",
                                               plan.name, "' (", where.column, "), page ", page,
                                               " at byte ", offset, ": ", s.message()));
  }
  return reader.Finish();
}

std::string StatisticText(const LeafPlan& plan, std::string_view raw) {
  DenseValues dense;
  if (!DecodeDense(plan, Encoding::kPlain,
                   plan.physical == PhysicalType::kByteArray
                       ? std::string_view()
                       : raw,
                   plan.physical == PhysicalType::kByteArray ? 0 : 1, &dense)
           .ok()) {
    return absl::StrCat("0x", absl::BytesToHexString(AsAbsl(raw)));
  }
  if (plan.physical == PhysicalType::kByteArray) dense.views.push_back(raw);
  table::ColumnBuffers out;
  out.type = plan.type;
  if (plan.type == DataType::kString) out.offsets.push_back(0);
  if (!AppendConverted(plan, dense, &out).ok() || ValueCount(out) != 1) {
    return absl::StrCat("0x", absl::BytesToHexString(AsAbsl(raw)));
  }
  switch (plan.type) {
    case DataType::kBool:
      return out.bools[0] ? "true" : "false";
    case DataType::kInt64:
    case DataType::kTimestamp:
      return absl::StrCat(out.ints[0]);
    case DataType::kFloat64:
      return absl::StrCat(out.doubles[0]);
    default:
      return out.bytes;
  }
}

}  // namespace strata::io::parquet
