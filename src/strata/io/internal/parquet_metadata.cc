#include "strata/io/internal/parquet_metadata.h"

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/internal/thrift_reader.h"

namespace strata::io::parquet {
namespace {

bool IsInt(ThriftType t) {
  return t == ThriftType::kI16 || t == ThriftType::kI32 || t == ThriftType::kI64 ||
         t == ThriftType::kByte;
}
bool IsBool(ThriftType t) { return t == ThriftType::kBoolTrue || t == ThriftType::kBoolFalse; }

absl::Status WrongType(const ThriftReader& r, std::string_view field, ThriftType t) {
  return r.Error(absl::StrCat("field ", AsAbsl(field), " has wire type ", static_cast<int>(t)));
}

// Integer fields: i16/i32/i64 are all zigzag varints; a byte is one raw byte.
absl::Status ReadInt(ThriftReader& r, ThriftType t, std::string_view field, int64_t* out) {
  if (!IsInt(t)) return WrongType(r, field, t);
  if (t == ThriftType::kByte) {
    ASSIGN_OR_RETURN(int8_t b, r.ReadByte());
    *out = b;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(*out, r.ReadZigzag());
  return absl::OkStatus();
}

absl::Status ReadInt32(ThriftReader& r, ThriftType t, std::string_view field, int32_t* out) {
  int64_t v = 0;
  RETURN_IF_ERROR(ReadInt(r, t, field, &v));
  if (v < INT32_MIN || v > INT32_MAX) return r.Error(absl::StrCat("field ", AsAbsl(field), " out of range"));
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

template <typename Enum>
absl::Status ReadEnum(ThriftReader& r, ThriftType t, std::string_view field, Enum* out) {
  int32_t v = 0;
  RETURN_IF_ERROR(ReadInt32(r, t, field, &v));
  *out = static_cast<Enum>(v);
  return absl::OkStatus();
}

absl::Status ReadString(ThriftReader& r, ThriftType t, std::string_view field, std::string* out) {
  if (t != ThriftType::kBinary) return WrongType(r, field, t);
  ASSIGN_OR_RETURN(std::string_view s, r.ReadBinary());
  out->assign(s.data(), s.size());
  return absl::OkStatus();
}

// Calls `element` for each element of a list field.
template <typename F>
absl::Status ReadList(ThriftReader& r, ThriftType t, std::string_view field, F element) {
  if (t != ThriftType::kList && t != ThriftType::kSet) return WrongType(r, field, t);
  ASSIGN_OR_RETURN(ThriftListHeader h, r.ReadListHeader());
  for (int64_t i = 0; i < h.size; ++i) RETURN_IF_ERROR(element(h.element_type));
  return absl::OkStatus();
}

absl::Status ReadTimeUnit(ThriftReader& r, ThriftType t, int depth, TimeUnit* unit) {
  if (t != ThriftType::kStruct) return WrongType(r, "unit", t);
  return r.ReadStruct(depth, [&](int16_t id, ThriftType ft) {
    if (id == 1) *unit = TimeUnit::kMillis;
    if (id == 2) *unit = TimeUnit::kMicros;
    if (id == 3) *unit = TimeUnit::kNanos;
    return r.Skip(ft, depth);
  });
}

absl::Status ReadLogicalType(ThriftReader& r, ThriftType t, int depth, LogicalType* lt) {
  if (t != ThriftType::kStruct) return WrongType(r, "logicalType", t);
  return r.ReadStruct(depth, [&](int16_t kind, ThriftType kt) -> absl::Status {
    lt->kind = kind;
    if (kt != ThriftType::kStruct) return r.Skip(kt, depth);
    switch (kind) {
      case LogicalType::kDecimal:
        return r.ReadStruct(depth + 1, [&](int16_t id, ThriftType ft) -> absl::Status {
          if (id == 1) return ReadInt32(r, ft, "DecimalType.scale", &lt->decimal_scale);
          if (id == 2) return ReadInt32(r, ft, "DecimalType.precision", &lt->decimal_precision);
          return r.Skip(ft, depth + 1);
        });
      case LogicalType::kTime:
      case LogicalType::kTimestamp:
        return r.ReadStruct(depth + 1, [&](int16_t id, ThriftType ft) -> absl::Status {
          if (id == 1 && IsBool(ft)) {
            lt->adjusted_to_utc = ThriftBoolValue(ft);
            return absl::OkStatus();
          }
          if (id == 2) return ReadTimeUnit(r, ft, depth + 2, &lt->unit);
          return r.Skip(ft, depth + 1);
        });
      case LogicalType::kInteger:
        return r.ReadStruct(depth + 1, [&](int16_t id, ThriftType ft) -> absl::Status {
          if (id == 1) return ReadInt32(r, ft, "IntType.bitWidth", &lt->bit_width);
          if (id == 2 && IsBool(ft)) {
            lt->is_signed = ThriftBoolValue(ft);
            return absl::OkStatus();
          }
          return r.Skip(ft, depth + 1);
        });
      default:
        return r.Skip(kt, depth);
    }
  });
}

absl::Status ReadSchemaElement(ThriftReader& r, int depth, SchemaElement* e) {
  return r.ReadStruct(depth, [&](int16_t id, ThriftType t) -> absl::Status {
    switch (id) {
      case 1:
        e->has_type = true;
        return ReadEnum(r, t, "SchemaElement.type", &e->type);
      case 2:
        return ReadInt32(r, t, "SchemaElement.type_length", &e->type_length);
      case 3:
        e->has_repetition = true;
        return ReadEnum(r, t, "SchemaElement.repetition_type", &e->repetition);
      case 4:
        return ReadString(r, t, "SchemaElement.name", &e->name);
      case 5:
        return ReadInt32(r, t, "SchemaElement.num_children", &e->num_children);
      case 6:
        e->has_converted_type = true;
        return ReadEnum(r, t, "SchemaElement.converted_type", &e->converted_type);
      case 7:
        return ReadInt32(r, t, "SchemaElement.scale", &e->scale);
      case 8:
        return ReadInt32(r, t, "SchemaElement.precision", &e->precision);
      case 10:
        return ReadLogicalType(r, t, depth + 1, &e->logical_type);
      default:
        return r.Skip(t, depth);
    }
  });
}

absl::Status ReadStatistics(ThriftReader& r, ThriftType t, int depth, Statistics* s) {
  if (t != ThriftType::kStruct) return WrongType(r, "statistics", t);
  bool has_new_min = false;
  bool has_new_max = false;
  return r.ReadStruct(depth, [&](int16_t id, ThriftType ft) -> absl::Status {
    switch (id) {
      case 1:  // deprecated max: used only without max_value
        if (has_new_max) return r.Skip(ft, depth);
        s->has_max = true;
        return ReadString(r, ft, "Statistics.max", &s->max);
      case 2:
        if (has_new_min) return r.Skip(ft, depth);
        s->has_min = true;
        return ReadString(r, ft, "Statistics.min", &s->min);
      case 3:
        s->has_null_count = true;
        return ReadInt(r, ft, "Statistics.null_count", &s->null_count);
      case 4:
        s->has_distinct_count = true;
        return ReadInt(r, ft, "Statistics.distinct_count", &s->distinct_count);
      case 5:
        s->has_max = has_new_max = true;
        return ReadString(r, ft, "Statistics.max_value", &s->max);
      case 6:
        s->has_min = has_new_min = true;
        return ReadString(r, ft, "Statistics.min_value", &s->min);
      default:
        return r.Skip(ft, depth);
    }
  });
}

absl::Status ReadColumnMetaData(ThriftReader& r, ThriftType t, int depth, ColumnMetaData* m) {
  if (t != ThriftType::kStruct) return WrongType(r, "ColumnChunk.meta_data", t);
  bool non_dictionary_data_page = false;
  bool any_data_page = false;
  RETURN_IF_ERROR(r.ReadStruct(depth, [&](int16_t id, ThriftType ft) -> absl::Status {
    switch (id) {
      case 1:
        return ReadEnum(r, ft, "ColumnMetaData.type", &m->type);
      case 2:
        return ReadList(r, ft, "ColumnMetaData.encodings", [&](ThriftType et) -> absl::Status {
          Encoding e = Encoding::kPlain;
          RETURN_IF_ERROR(ReadEnum(r, et, "ColumnMetaData.encodings[]", &e));
          m->encodings.push_back(e);
          return absl::OkStatus();
        });
      case 3:
        return ReadList(r, ft, "ColumnMetaData.path_in_schema", [&](ThriftType et) {
          m->path_in_schema.emplace_back();
          return ReadString(r, et, "ColumnMetaData.path_in_schema[]", &m->path_in_schema.back());
        });
      case 4:
        return ReadEnum(r, ft, "ColumnMetaData.codec", &m->codec);
      case 5:
        return ReadInt(r, ft, "ColumnMetaData.num_values", &m->num_values);
      case 6:
        return ReadInt(r, ft, "ColumnMetaData.total_uncompressed_size",
                       &m->total_uncompressed_size);
      case 7:
        return ReadInt(r, ft, "ColumnMetaData.total_compressed_size", &m->total_compressed_size);
      case 9:
        return ReadInt(r, ft, "ColumnMetaData.data_page_offset", &m->data_page_offset);
      case 11:
        m->has_dictionary_page_offset = true;
        return ReadInt(r, ft, "ColumnMetaData.dictionary_page_offset",
                       &m->dictionary_page_offset);
      case 12:
        m->has_statistics = true;
        return ReadStatistics(r, ft, depth + 1, &m->statistics);
      case 13:
        m->has_encoding_stats = true;
        return ReadList(r, ft, "ColumnMetaData.encoding_stats", [&](ThriftType et) {
          if (et != ThriftType::kStruct) return WrongType(r, "PageEncodingStats", et);
          int32_t page_type = -1;
          int32_t encoding = -1;
          int64_t count = 0;
          RETURN_IF_ERROR(r.ReadStruct(depth + 1, [&](int16_t sid, ThriftType st) {
            if (sid == 1) return ReadInt32(r, st, "PageEncodingStats.page_type", &page_type);
            if (sid == 2) return ReadInt32(r, st, "PageEncodingStats.encoding", &encoding);
            if (sid == 3) return ReadInt(r, st, "PageEncodingStats.count", &count);
            return r.Skip(st, depth + 1);
          }));
          const bool data = page_type == static_cast<int32_t>(PageType::kDataPage) ||
                            page_type == static_cast<int32_t>(PageType::kDataPageV2);
          if (data && count > 0) {
            any_data_page = true;
            if (encoding != static_cast<int32_t>(Encoding::kPlainDictionary) &&
                encoding != static_cast<int32_t>(Encoding::kRleDictionary)) {
              non_dictionary_data_page = true;
            }
          }
          return absl::OkStatus();
        });
      default:
        return r.Skip(ft, depth);
    }
  }));
  m->all_data_pages_dictionary = any_data_page && !non_dictionary_data_page;
  return absl::OkStatus();
}

absl::Status ReadColumnChunk(ThriftReader& r, ThriftType t, int depth, ColumnChunk* c) {
  if (t != ThriftType::kStruct) return WrongType(r, "RowGroup.columns[]", t);
  return r.ReadStruct(depth, [&](int16_t id, ThriftType ft) -> absl::Status {
    switch (id) {
      case 1:
        return ReadString(r, ft, "ColumnChunk.file_path", &c->file_path);
      case 3:
        c->has_meta_data = true;
        return ReadColumnMetaData(r, ft, depth + 1, &c->meta_data);
      case 8:
      case 9:
        c->encrypted = true;
        return r.Skip(ft, depth);
      default:
        return r.Skip(ft, depth);
    }
  });
}

absl::Status ReadRowGroup(ThriftReader& r, ThriftType t, int depth, RowGroup* g) {
  if (t != ThriftType::kStruct) return WrongType(r, "FileMetaData.row_groups[]", t);
  return r.ReadStruct(depth, [&](int16_t id, ThriftType ft) -> absl::Status {
    switch (id) {
      case 1:
        return ReadList(r, ft, "RowGroup.columns", [&](ThriftType et) {
          g->columns.emplace_back();
          return ReadColumnChunk(r, et, depth + 1, &g->columns.back());
        });
      case 2:
        return ReadInt(r, ft, "RowGroup.total_byte_size", &g->total_byte_size);
      case 3:
        return ReadInt(r, ft, "RowGroup.num_rows", &g->num_rows);
      default:
        return r.Skip(ft, depth);
    }
  });
}

}  // namespace

absl::StatusOr<FileMetaData> DecodeFileMetaData(std::string_view bytes, int64_t base_offset) {
  ThriftReader r(bytes, base_offset);
  FileMetaData md;
  RETURN_IF_ERROR(r.ReadStruct(0, [&](int16_t id, ThriftType t) -> absl::Status {
    switch (id) {
      case 1:
        return ReadInt32(r, t, "FileMetaData.version", &md.version);
      case 2:
        return ReadList(r, t, "FileMetaData.schema", [&](ThriftType et) {
          if (et != ThriftType::kStruct) return WrongType(r, "FileMetaData.schema[]", et);
          md.schema.emplace_back();
          return ReadSchemaElement(r, 1, &md.schema.back());
        });
      case 3:
        return ReadInt(r, t, "FileMetaData.num_rows", &md.num_rows);
      case 4:
        return ReadList(r, t, "FileMetaData.row_groups", [&](ThriftType et) {
          md.row_groups.emplace_back();
          return ReadRowGroup(r, et, 1, &md.row_groups.back());
        });
      case 6:
        return ReadString(r, t, "FileMetaData.created_by", &md.created_by);
      case 8:
        md.encrypted = true;
        return r.Skip(t, 0);
      default:
        return r.Skip(t, 0);
    }
  }));
  return md;
}

absl::StatusOr<PageHeader> DecodePageHeader(std::string_view bytes, int64_t base_offset,
                                            size_t* header_size) {
  ThriftReader r(bytes, base_offset);
  PageHeader h;
  RETURN_IF_ERROR(r.ReadStruct(0, [&](int16_t id, ThriftType t) -> absl::Status {
    switch (id) {
      case 1:
        return ReadEnum(r, t, "PageHeader.type", &h.type);
      case 2:
        return ReadInt32(r, t, "PageHeader.uncompressed_page_size", &h.uncompressed_page_size);
      case 3:
        return ReadInt32(r, t, "PageHeader.compressed_page_size", &h.compressed_page_size);
      case 4: {
        int32_t crc = 0;
        RETURN_IF_ERROR(ReadInt32(r, t, "PageHeader.crc", &crc));
        h.has_crc = true;
        h.crc = static_cast<uint32_t>(crc);
        return absl::OkStatus();
      }
      case 5:
        if (t != ThriftType::kStruct) return WrongType(r, "data_page_header", t);
        h.has_data_page_header = true;
        return r.ReadStruct(1, [&](int16_t fid, ThriftType ft) -> absl::Status {
          DataPageHeader& d = h.data_page_header;
          if (fid == 1) return ReadInt32(r, ft, "DataPageHeader.num_values", &d.num_values);
          if (fid == 2) return ReadEnum(r, ft, "DataPageHeader.encoding", &d.encoding);
          if (fid == 3) {
            return ReadEnum(r, ft, "DataPageHeader.definition_level_encoding",
                            &d.definition_level_encoding);
          }
          if (fid == 4) {
            return ReadEnum(r, ft, "DataPageHeader.repetition_level_encoding",
                            &d.repetition_level_encoding);
          }
          return r.Skip(ft, 1);
        });
      case 7:
        if (t != ThriftType::kStruct) return WrongType(r, "dictionary_page_header", t);
        h.has_dictionary_page_header = true;
        return r.ReadStruct(1, [&](int16_t fid, ThriftType ft) -> absl::Status {
          DictionaryPageHeader& d = h.dictionary_page_header;
          if (fid == 1) return ReadInt32(r, ft, "DictionaryPageHeader.num_values", &d.num_values);
          if (fid == 2) return ReadEnum(r, ft, "DictionaryPageHeader.encoding", &d.encoding);
          return r.Skip(ft, 1);
        });
      case 8:
        if (t != ThriftType::kStruct) return WrongType(r, "data_page_header_v2", t);
        h.has_data_page_header_v2 = true;
        return r.ReadStruct(1, [&](int16_t fid, ThriftType ft) -> absl::Status {
          DataPageHeaderV2& d = h.data_page_header_v2;
          switch (fid) {
            case 1:
              return ReadInt32(r, ft, "DataPageHeaderV2.num_values", &d.num_values);
            case 2:
              return ReadInt32(r, ft, "DataPageHeaderV2.num_nulls", &d.num_nulls);
            case 3:
              return ReadInt32(r, ft, "DataPageHeaderV2.num_rows", &d.num_rows);
            case 4:
              return ReadEnum(r, ft, "DataPageHeaderV2.encoding", &d.encoding);
            case 5:
              return ReadInt32(r, ft, "DataPageHeaderV2.definition_levels_byte_length",
                               &d.definition_levels_byte_length);
            case 6:
              return ReadInt32(r, ft, "DataPageHeaderV2.repetition_levels_byte_length",
                               &d.repetition_levels_byte_length);
            case 7:
              if (!IsBool(ft)) return WrongType(r, "DataPageHeaderV2.is_compressed", ft);
              d.is_compressed = ThriftBoolValue(ft);
              return absl::OkStatus();
            default:
              return r.Skip(ft, 1);
          }
        });
      default:
        return r.Skip(t, 0);
    }
  }));
  *header_size = r.position();
  return h;
}

}  // namespace strata::io::parquet
