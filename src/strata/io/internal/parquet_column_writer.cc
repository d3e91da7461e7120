#include "strata/io/internal/parquet_column_writer.h"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/io/internal/codec.h"
#include "strata/io/internal/parquet_encoders.h"

namespace strata::io::parquet {
namespace {

using table::Column;
using table::DataType;

// Dictionary limits, in PLAIN bytes of the dictionary page. Past them the chunk is PLAIN:
// a dictionary that large rarely pays and readers must hold it whole.
constexpr int64_t kMaxStringDictionaryBytes = 1 << 20;
// A category column arrives dictionary-encoded; only a huge dictionary falls back.
constexpr int64_t kMaxCategoryDictionaryBytes = 64 << 20;
constexpr int64_t kMaxFixedDictionaryEntries = (1 << 20) / 8;

// Min and max of the non-null (and non-NaN) values of a page or chunk, in the column's type.
// Bools use the int fields.
struct MinMax {
  bool any = false;
  int64_t int_min = 0;
  int64_t int_max = 0;
  double double_min = 0;
  double double_max = 0;
  std::string_view string_min;
  std::string_view string_max;

  void AddInt(int64_t v) {
    if (!any) {
      int_min = int_max = v;
      any = true;
    } else {
      int_min = std::min(int_min, v);
      int_max = std::max(int_max, v);
    }
  }
  void AddDouble(double v) {
    if (std::isnan(v)) return;
    if (!any) {
      double_min = double_max = v;
      any = true;
    } else {
      double_min = std::min(double_min, v);
      double_max = std::max(double_max, v);
    }
  }
  void AddString(std::string_view v) {
    if (!any) {
      string_min = string_max = v;
      any = true;
    } else if (v < string_min) {
      string_min = v;
    } else if (v > string_max) {
      string_max = v;
    }
  }
  void Merge(const MinMax& other, DataType type) {
    if (!other.any) return;
    switch (type) {
      case DataType::kBool:
      case DataType::kInt64:
      case DataType::kTimestamp:
        AddInt(other.int_min);
        AddInt(other.int_max);
        break;
      case DataType::kFloat64:
        AddDouble(other.double_min);
        AddDouble(other.double_max);
        break;
      case DataType::kString:
      case DataType::kCategory:
        AddString(other.string_min);
        AddString(other.string_max);
        break;
    }
  }
};

template <typename T>
std::string Plain(T value) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &value, sizeof(T));
  return out;
}

EncodedStatistics ToStatistics(const MinMax& mm, int64_t null_count, DataType type) {
  EncodedStatistics s;
  s.null_count = null_count;
  if (!mm.any) return s;
  switch (type) {
    case DataType::kBool:
      s.min_value = std::string(1, static_cast<char>(mm.int_min));
      s.max_value = std::string(1, static_cast<char>(mm.int_max));
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      s.min_value = Plain(mm.int_min);
      s.max_value = Plain(mm.int_max);
      break;
    case DataType::kFloat64:
      // The format asks for -0.0 as a zero minimum and +0.0 as a zero maximum, since the
      // two zeros compare equal and either may be among the values.
      s.min_value = Plain(mm.double_min == 0 ? -0.0 : mm.double_min);
      s.max_value = Plain(mm.double_max == 0 ? 0.0 : mm.double_max);
      break;
    case DataType::kString:
    case DataType::kCategory:
      if (mm.string_min.size() > kMaxStatisticsValueBytes ||
          mm.string_max.size() > kMaxStatisticsValueBytes) {
        return s;
      }
      s.min_value = std::string(mm.string_min);
      s.max_value = std::string(mm.string_max);
      break;
  }
  s.has_min_max = true;
  return s;
}

struct PageHeaderInfo {
  PageType type = PageType::kDataPage;
  int64_t uncompressed_size = 0;
  int64_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  // Data page v2 only.
  int64_t num_nulls = 0;
  int64_t definition_levels_bytes = 0;
  bool is_compressed = true;
  const EncodedStatistics* statistics = nullptr;
};

class ChunkEncoder {
 public:
  ChunkEncoder(const Column& column, const ColumnChunkOptions& options)
      : column_(column), options_(options), type_(column.type()), rows_(column.size()) {}

  absl::StatusOr<EncodedColumnChunk> Encode() {
    BuildPresence();
    use_dictionary_ = options_.dictionary && BuildDictionary();
    if (use_dictionary_) RETURN_IF_ERROR(WriteDictionaryPage());
    chunk_.data_page_offset = chunk_.total_compressed_size;
    for (int64_t begin = 0; begin < rows_;) {
      values_.clear();
      MinMax page_mm;
      const int64_t end = use_dictionary_ ? AppendDictionaryIndices(begin, &page_mm)
                                          : AppendPlainValues(begin, &page_mm);
      RETURN_IF_ERROR(WriteDataPage(begin, end, page_mm));
      chunk_mm_.Merge(page_mm, type_);
      begin = end;
    }
    chunk_.num_values = rows_;
    if (use_dictionary_) {
      chunk_.encodings = {Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary};
    } else {
      chunk_.encodings = {Encoding::kPlain, Encoding::kRle};
    }
    if (options_.write_statistics) {
      chunk_.statistics = ToStatistics(chunk_mm_, column_.null_count(), type_);
    }
    return std::move(chunk_);
  }

 private:
  void BuildPresence() {
    if (column_.null_count() == 0) return;
    present_.resize(static_cast<size_t>(rows_));
    for (int64_t r = 0; r < rows_; ++r) present_[r] = column_.IsNull(r) ? 0 : 1;
  }

  bool Present(int64_t r) const { return present_.empty() || present_[r] != 0; }

  int64_t NullsIn(int64_t begin, int64_t end) const {
    if (present_.empty()) return 0;
    int64_t present = 0;
    for (int64_t r = begin; r < end; ++r) present += present_[r];
    return (end - begin) - present;
  }

  // Fills indices_ and the entries; false when the column should be PLAIN instead.
  bool BuildDictionary() {
    const int64_t non_null = rows_ - column_.null_count();
    if (type_ == DataType::kBool || non_null == 0) return false;
    // Grown as values come, so a dictionary given up early costs little memory.
    indices_.reserve(static_cast<size_t>(std::min<int64_t>(non_null, 1 << 16)));
    uint32_t index = 0;
    bool ok = true;
    switch (type_) {
      case DataType::kCategory: {
        const absl::Span<const int32_t> codes = column_.CategoryCodes();
        std::vector<int32_t> remap(static_cast<size_t>(column_.DictionarySize()), -1);
        int64_t bytes = 0;
        for (int64_t r = 0; r < rows_ && ok; ++r) {
          if (!Present(r)) continue;
          int32_t& slot = remap[static_cast<size_t>(codes[r])];
          if (slot < 0) {
            slot = static_cast<int32_t>(string_entries_.size());
            string_entries_.push_back(column_.DictionaryAt(codes[r]));
            bytes += 4 + static_cast<int64_t>(string_entries_.back().size());
            ok = bytes <= kMaxCategoryDictionaryBytes;
          }
          indices_.push_back(static_cast<uint32_t>(slot));
        }
        break;
      }
      case DataType::kString: {
        StringDictionary dict(kMaxStringDictionaryBytes);
        for (int64_t r = 0; r < rows_ && ok; ++r) {
          if (!Present(r)) continue;
          ok = dict.Insert(column_.StringAt(r), &index);
          indices_.push_back(index);
        }
        if (ok) string_entries_ = dict.entries();
        break;
      }
      case DataType::kInt64:
      case DataType::kTimestamp:
      case DataType::kFloat64: {
        // Mostly distinct values stop the build early: at most one entry per two values.
        FixedDictionary dict(std::min(kMaxFixedDictionaryEntries, non_null / 2 + 1));
        const char* src = FixedValueBytes();
        for (int64_t r = 0; r < rows_ && ok; ++r) {
          if (!Present(r)) continue;
          uint64_t bits = 0;
          std::memcpy(&bits, src + r * 8, sizeof(bits));
          ok = dict.Insert(bits, &index);
          indices_.push_back(index);
        }
        if (ok) {
          // It pays when dictionary plus indices take under half of PLAIN's 8 bytes a value.
          const int64_t entries = static_cast<int64_t>(dict.entries().size());
          const int width = std::max(1, BitWidth(static_cast<uint64_t>(entries - 1)));
          ok = entries * 8 + non_null * width / 8 < non_null * 4;
        }
        if (ok) fixed_entries_ = dict.entries();
        break;
      }
      case DataType::kBool:
        break;
    }
    if (!ok) {
      indices_ = {};
      string_entries_ = {};
      return false;
    }
    const size_t entries =
        type_ == DataType::kFloat64 || type_ == DataType::kInt64 || type_ == DataType::kTimestamp
            ? fixed_entries_.size()
            : string_entries_.size();
    bit_width_ = std::max(1, BitWidth(entries - 1));
    if (options_.write_statistics && !string_entries_.empty()) RankStringEntries();
    return true;
  }

  // Byte-order ranks of the string entries, so page statistics compare integers.
  void RankStringEntries() {
    sorted_entries_.resize(string_entries_.size());
    std::iota(sorted_entries_.begin(), sorted_entries_.end(), 0);
    std::sort(sorted_entries_.begin(), sorted_entries_.end(),
              [this](uint32_t a, uint32_t b) { return string_entries_[a] < string_entries_[b]; });
    entry_rank_.resize(string_entries_.size());
    for (uint32_t rank = 0; rank < sorted_entries_.size(); ++rank) {
      entry_rank_[sorted_entries_[rank]] = rank;
    }
  }

  absl::Status WriteDictionaryPage() {
    values_.clear();
    size_t entries = 0;
    if (!string_entries_.empty()) {
      for (std::string_view e : string_entries_) AppendPlainByteArray(e, &values_);
      entries = string_entries_.size();
    } else {
      values_.append(reinterpret_cast<const char*>(fixed_entries_.data()),
                     fixed_entries_.size() * sizeof(uint64_t));
      entries = fixed_entries_.size();
    }
    chunk_.dictionary_page_offset = chunk_.total_compressed_size;
    compressed_.clear();
    RETURN_IF_ERROR(Compress(options_.codec, values_, options_.compression_level, &compressed_));
    PageHeaderInfo h;
    h.type = PageType::kDictionaryPage;
    h.uncompressed_size = static_cast<int64_t>(values_.size());
    h.num_values = static_cast<int64_t>(entries);
    h.encoding = Encoding::kPlain;
    return AppendPage(h, compressed_);
  }

  // PLAIN values of the rows from `begin` until the page is full; returns the end row.
  int64_t AppendPlainValues(int64_t begin, MinMax* mm) {
    const int64_t page_size = std::max<int64_t>(1, options_.data_page_size);
    switch (type_) {
      case DataType::kInt64:
      case DataType::kTimestamp:
      case DataType::kFloat64: {
        const int64_t end = std::min(rows_, begin + std::max<int64_t>(1, page_size / 8));
        const char* src = FixedValueBytes();
        if (present_.empty()) {
          values_.append(src + begin * 8, static_cast<size_t>((end - begin) * 8));
        } else {
          values_.resize(static_cast<size_t>((end - begin) * 8));
          char* dst = values_.data();
          for (int64_t r = begin; r < end; ++r) {
            if (!present_[r]) continue;
            std::memcpy(dst, src + r * 8, 8);
            dst += 8;
          }
          values_.resize(static_cast<size_t>(dst - values_.data()));
        }
        if (options_.write_statistics) FixedMinMax(begin, end, mm);
        return end;
      }
      case DataType::kBool: {
        const int64_t end = std::min(rows_, begin + page_size * 8);
        const absl::Span<const uint8_t> bools = column_.Bools();
        bool_scratch_.clear();
        for (int64_t r = begin; r < end; ++r) {
          if (Present(r)) bool_scratch_.push_back(bools[r] != 0 ? 1 : 0);
        }
        AppendPlainBools(bool_scratch_, &values_);
        if (options_.write_statistics && !bool_scratch_.empty()) {
          const auto [lo, hi] = std::minmax_element(bool_scratch_.begin(), bool_scratch_.end());
          mm->AddInt(*lo);
          mm->AddInt(*hi);
        }
        return end;
      }
      case DataType::kString:
      case DataType::kCategory: {
        int64_t r = begin;
        for (; r < rows_ && static_cast<int64_t>(values_.size()) < page_size; ++r) {
          if (!Present(r)) continue;
          const std::string_view v = column_.StringAt(r);
          AppendPlainByteArray(v, &values_);
          if (options_.write_statistics) mm->AddString(v);
        }
        return r;
      }
    }
    return rows_;
  }

  // The raw 8-byte values of an int64, timestamp or float64 column.
  const char* FixedValueBytes() const {
    return type_ == DataType::kFloat64 ? reinterpret_cast<const char*>(column_.Float64s().data())
                                       : reinterpret_cast<const char*>(column_.Int64s().data());
  }

  void FixedMinMax(int64_t begin, int64_t end, MinMax* mm) const {
    if (type_ == DataType::kFloat64) {
      const absl::Span<const double> v = column_.Float64s();
      for (int64_t r = begin; r < end; ++r) {
        if (Present(r)) mm->AddDouble(v[r]);
      }
      return;
    }
    const absl::Span<const int64_t> v = column_.Int64s();
    if (present_.empty()) {
      const auto [lo, hi] = std::minmax_element(v.begin() + begin, v.begin() + end);
      mm->AddInt(*lo);
      mm->AddInt(*hi);
      return;
    }
    for (int64_t r = begin; r < end; ++r) {
      if (present_[r]) mm->AddInt(v[r]);
    }
  }

  // The bit width byte and RLE / bit-packed indices of the rows from `begin`; returns the end.
  int64_t AppendDictionaryIndices(int64_t begin, MinMax* mm) {
    const int64_t rows_per_page =
        std::max<int64_t>(1, std::max<int64_t>(1, options_.data_page_size) * 8 / bit_width_);
    const int64_t end = std::min(rows_, begin + rows_per_page);
    const int64_t count = (end - begin) - NullsIn(begin, end);
    const absl::Span<const uint32_t> page_indices = absl::MakeConstSpan(indices_).subspan(
        static_cast<size_t>(index_cursor_), static_cast<size_t>(count));
    index_cursor_ += count;
    values_.push_back(static_cast<char>(bit_width_));
    AppendRleBitPackedHybrid(page_indices, bit_width_, &values_);
    if (options_.write_statistics && count > 0) {
      if (!string_entries_.empty()) {
        uint32_t lo = UINT32_MAX;
        uint32_t hi = 0;
        for (uint32_t i : page_indices) {
          lo = std::min(lo, entry_rank_[i]);
          hi = std::max(hi, entry_rank_[i]);
        }
        mm->AddString(string_entries_[sorted_entries_[lo]]);
        mm->AddString(string_entries_[sorted_entries_[hi]]);
      } else {
        for (uint32_t i : page_indices) {
          const uint64_t bits = fixed_entries_[i];
          if (type_ == DataType::kFloat64) {
            double d = 0;
            std::memcpy(&d, &bits, sizeof(d));
            mm->AddDouble(d);
          } else {
            mm->AddInt(static_cast<int64_t>(bits));
          }
        }
      }
    }
    return end;
  }

  absl::Status WriteDataPage(int64_t begin, int64_t end, const MinMax& page_mm) {
    const int64_t nulls = NullsIn(begin, end);
    levels_.clear();
    if (nulls == 0 || nulls == end - begin) {
      AppendRleRun(nulls == 0 ? 1 : 0, end - begin, 1, &levels_);
    } else {
      level_scratch_.assign(present_.begin() + begin, present_.begin() + end);
      AppendRleBitPackedHybrid(level_scratch_, 1, &levels_);
    }
    EncodedStatistics page_stats;
    PageHeaderInfo h;
    h.num_values = end - begin;
    h.num_nulls = nulls;
    h.encoding = use_dictionary_ ? Encoding::kRleDictionary : Encoding::kPlain;
    if (options_.write_statistics) {
      page_stats = ToStatistics(page_mm, nulls, type_);
      h.statistics = &page_stats;
    }
    compressed_.clear();
    if (options_.data_page_version == 2) {
      // v2 keeps the levels outside the compressed section.
      h.type = PageType::kDataPageV2;
      h.definition_levels_bytes = static_cast<int64_t>(levels_.size());
      h.is_compressed = options_.codec != CompressionCodec::kUncompressed;
      h.uncompressed_size = static_cast<int64_t>(levels_.size() + values_.size());
      compressed_ = levels_;
      RETURN_IF_ERROR(Compress(options_.codec, values_, options_.compression_level, &compressed_));
      return AppendPage(h, compressed_);
    }
    h.type = PageType::kDataPage;
    body_.clear();
    const uint32_t levels_length = static_cast<uint32_t>(levels_.size());
    body_.append(reinterpret_cast<const char*>(&levels_length), sizeof(levels_length));
    body_ += levels_;
    body_ += values_;
    h.uncompressed_size = static_cast<int64_t>(body_.size());
    if (options_.codec == CompressionCodec::kUncompressed) return AppendPage(h, body_);
    RETURN_IF_ERROR(Compress(options_.codec, body_, options_.compression_level, &compressed_));
    return AppendPage(h, compressed_);
  }

  absl::Status AppendPage(const PageHeaderInfo& h, std::string_view body) {
    if (h.uncompressed_size > INT32_MAX || static_cast<int64_t>(body.size()) > INT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("a page of ", h.uncompressed_size,
                       " bytes passes Parquet's 2 GiB page limit (values too large for one page)"));
    }
    header_.clear();
    thrift::CompactWriter w(&header_);
    w.BeginStruct();
    w.FieldI32(1, static_cast<int32_t>(h.type));
    w.FieldI32(2, static_cast<int32_t>(h.uncompressed_size));
    w.FieldI32(3, static_cast<int32_t>(body.size()));
    if (options_.page_checksums) {
      const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()),
                              static_cast<uInt>(body.size()));
      w.FieldI32(4, static_cast<int32_t>(static_cast<uint32_t>(crc)));
    }
    switch (h.type) {
      case PageType::kDataPage:
        w.FieldStructBegin(5);
        w.FieldI32(1, static_cast<int32_t>(h.num_values));
        w.FieldI32(2, static_cast<int32_t>(h.encoding));
        w.FieldI32(3, static_cast<int32_t>(Encoding::kRle));  // definition levels
        w.FieldI32(4, static_cast<int32_t>(Encoding::kRle));  // repetition levels (none)
        if (h.statistics != nullptr) WriteStatisticsField(5, *h.statistics, &w);
        w.EndStruct();
        break;
      case PageType::kDictionaryPage:
        w.FieldStructBegin(7);
        w.FieldI32(1, static_cast<int32_t>(h.num_values));
        w.FieldI32(2, static_cast<int32_t>(h.encoding));
        w.EndStruct();
        break;
      case PageType::kDataPageV2:
        w.FieldStructBegin(8);
        w.FieldI32(1, static_cast<int32_t>(h.num_values));
        w.FieldI32(2, static_cast<int32_t>(h.num_nulls));
        w.FieldI32(3, static_cast<int32_t>(h.num_values));  // flat schema: one value a row
        w.FieldI32(4, static_cast<int32_t>(h.encoding));
        w.FieldI32(5, static_cast<int32_t>(h.definition_levels_bytes));
        w.FieldI32(6, 0);  // no repetition levels
        w.FieldBool(7, h.is_compressed);
        if (h.statistics != nullptr) WriteStatisticsField(8, *h.statistics, &w);
        w.EndStruct();
        break;
      case PageType::kIndexPage:
        break;
    }
    w.EndStruct();
    chunk_.total_uncompressed_size += static_cast<int64_t>(header_.size()) + h.uncompressed_size;
    std::string& page = chunk_.pages.emplace_back();
    page.reserve(header_.size() + body.size());
    page += header_;
    page.append(body.data(), body.size());
    chunk_.total_compressed_size += static_cast<int64_t>(page.size());
    return absl::OkStatus();
  }

  const Column& column_;
  const ColumnChunkOptions& options_;
  const DataType type_;
  const int64_t rows_;
  std::vector<uint8_t> present_;  // one byte a row; empty when there are no nulls

  bool use_dictionary_ = false;
  std::vector<uint32_t> indices_;  // one per non-null row
  std::vector<std::string_view> string_entries_;
  std::vector<uint64_t> fixed_entries_;
  std::vector<uint32_t> sorted_entries_;  // string entries in byte order
  std::vector<uint32_t> entry_rank_;      // entry -> position in sorted_entries_
  int bit_width_ = 1;
  int64_t index_cursor_ = 0;

  std::string values_;
  std::string levels_;
  std::string body_;
  std::string compressed_;
  std::string header_;
  std::vector<uint32_t> level_scratch_;
  std::vector<uint8_t> bool_scratch_;

  EncodedColumnChunk chunk_;
  MinMax chunk_mm_;
};

}  // namespace

PhysicalType PhysicalTypeFor(table::DataType type) {
  switch (type) {
    case DataType::kBool:
      return PhysicalType::kBoolean;
    case DataType::kInt64:
    case DataType::kTimestamp:
      return PhysicalType::kInt64;
    case DataType::kFloat64:
      return PhysicalType::kDouble;
    case DataType::kString:
    case DataType::kCategory:
      return PhysicalType::kByteArray;
  }
  return PhysicalType::kByteArray;
}

absl::StatusOr<EncodedColumnChunk> EncodeColumnChunk(const table::Column& column,
                                                     const ColumnChunkOptions& options) {
  return ChunkEncoder(column, options).Encode();
}

void WriteStatisticsField(int16_t field_id, const EncodedStatistics& statistics,
                          thrift::CompactWriter* writer) {
  writer->FieldStructBegin(field_id);
  writer->FieldI64(3, statistics.null_count);
  if (statistics.has_min_max) {
    writer->FieldBinary(5, statistics.max_value);
    writer->FieldBinary(6, statistics.min_value);
  }
  writer->EndStruct();
}

}  // namespace strata::io::parquet
