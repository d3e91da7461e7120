#include "strata/io/internal/parquet_schema.h"

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"

namespace strata::io::parquet {
namespace {

using table::DataType;

bool IsDecimal(const SchemaElement& e) {
  if (e.logical_type.kind == LogicalType::kDecimal) return true;
  return e.logical_type.kind == LogicalType::kAbsent && e.has_converted_type &&
         e.converted_type == ConvertedType::kDecimal;
}

int32_t DecimalScale(const SchemaElement& e) {
  return e.logical_type.kind == LogicalType::kDecimal ? e.logical_type.decimal_scale : e.scale;
}

bool HasConverted(const SchemaElement& e, ConvertedType t) {
  return e.has_converted_type && e.converted_type == t;
}

absl::StatusOr<LeafPlan> MakePlan(const SchemaElement& e, const std::string& path) {
  LeafPlan p;
  p.name = path;
  p.physical = e.type;
  p.type_length = e.type_length;
  p.max_definition_level =
      (e.has_repetition && e.repetition == Repetition::kOptional) ? 1 : 0;
  const LogicalType& lt = e.logical_type;
  auto set = [&](DataType type, Conversion c) {
    p.type = type;
    p.conversion = c;
  };
  if (IsDecimal(e)) {
    p.scale = DecimalScale(e);
    if (p.scale < 0 || p.scale > 300) {
      return absl::InvalidArgumentError(absl::StrCat("column '", path, "': decimal scale ", p.scale));
    }
  }
  switch (e.type) {
    case PhysicalType::kBoolean:
      set(DataType::kBool, Conversion::kBool);
      break;
    case PhysicalType::kInt32:
      if (lt.kind == LogicalType::kDate || HasConverted(e, ConvertedType::kDate)) {
        set(DataType::kTimestamp, Conversion::kDate);
      } else if (IsDecimal(e)) {
        set(DataType::kFloat64, Conversion::kDecimalInt);
      } else if ((lt.kind == LogicalType::kTime && lt.unit == TimeUnit::kMillis) ||
                 HasConverted(e, ConvertedType::kTimeMillis)) {
        set(DataType::kInt64, Conversion::kTimeMillis);
      } else if ((lt.kind == LogicalType::kInteger && !lt.is_signed) ||
                 HasConverted(e, ConvertedType::kUint8) || HasConverted(e, ConvertedType::kUint16) ||
                 HasConverted(e, ConvertedType::kUint32)) {
        set(DataType::kInt64, Conversion::kUInt32);
      } else {
        set(DataType::kInt64, Conversion::kInt);
      }
      break;
    case PhysicalType::kInt64:
      if (lt.kind == LogicalType::kTimestamp) {
        set(DataType::kTimestamp, lt.unit == TimeUnit::kMillis  ? Conversion::kTimestampMillis
                                  : lt.unit == TimeUnit::kNanos ? Conversion::kTimestampNanos
                                                                : Conversion::kTimestampMicros);
      } else if (lt.kind == LogicalType::kAbsent && HasConverted(e, ConvertedType::kTimestampMillis)) {
        set(DataType::kTimestamp, Conversion::kTimestampMillis);
      } else if (lt.kind == LogicalType::kAbsent && HasConverted(e, ConvertedType::kTimestampMicros)) {
        set(DataType::kTimestamp, Conversion::kTimestampMicros);
      } else if (lt.kind == LogicalType::kTime) {
        set(DataType::kInt64, lt.unit == TimeUnit::kNanos ? Conversion::kTimeNanos
                                                          : Conversion::kTimeMicros);
      } else if (HasConverted(e, ConvertedType::kTimeMicros)) {
        set(DataType::kInt64, Conversion::kTimeMicros);
      } else if (IsDecimal(e)) {
        set(DataType::kFloat64, Conversion::kDecimalInt);
      } else if ((lt.kind == LogicalType::kInteger && !lt.is_signed) ||
                 HasConverted(e, ConvertedType::kUint64)) {
        set(DataType::kInt64, Conversion::kUInt64);
      } else {
        set(DataType::kInt64, Conversion::kInt);
      }
      break;
    case PhysicalType::kInt96:
      set(DataType::kTimestamp, Conversion::kInt96Timestamp);
      break;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      set(DataType::kFloat64, Conversion::kFloat);
      break;
    case PhysicalType::kByteArray:
      if (IsDecimal(e)) {
        set(DataType::kFloat64, Conversion::kDecimalBytes);
      } else {
        set(DataType::kString, Conversion::kBytes);
      }
      break;
    case PhysicalType::kFixedLenByteArray:
      if (e.type_length <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("column '", path,
                                                       "': FIXED_LEN_BYTE_ARRAY of length ",
                                                       e.type_length));
      }
      if (IsDecimal(e)) {
        set(DataType::kFloat64, Conversion::kDecimalBytes);
      } else if (lt.kind == LogicalType::kFloat16 && e.type_length == 2) {
        set(DataType::kFloat64, Conversion::kFloat16);
      } else {
        set(DataType::kString, Conversion::kBytes);
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("column '", path, "': unknown physical type ",
                                                     static_cast<int>(e.type)));
  }
  return p;
}

struct Walker {
  const std::vector<SchemaElement>& schema;
  std::vector<Leaf>* leaves;
  size_t next = 1;

  absl::Status Walk(const std::string& prefix, const std::string& top, bool nested, int depth) {
    if (depth > 64) return absl::InvalidArgumentError("schema nested more than 64 levels");
    if (next >= schema.size()) {
      return absl::InvalidArgumentError(absl::StrCat("schema: element ", next,
                                                     " is missing (children past the end)"));
    }
    const SchemaElement& e = schema[next++];
    const std::string path = prefix.empty() ? e.name : absl::StrCat(prefix, ".", e.name);
    const std::string top_level = top.empty() ? e.name : top;
    const bool repeated = e.has_repetition && e.repetition == Repetition::kRepeated;
    if (e.num_children > 0 || !e.has_type) {
      if (e.num_children <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("schema: '", path,
                                                       "' has neither a type nor children"));
      }
      for (int32_t i = 0; i < e.num_children; ++i) {
        RETURN_IF_ERROR(Walk(path, top_level, true, depth + 1));
      }
      return absl::OkStatus();
    }
    Leaf leaf;
    leaf.path = path;
    leaf.top_level = top_level;
    leaf.element = &e;
    leaf.nested = nested || repeated;
    if (leaf.nested) {
      leaf.plan_status =
          absl::UnimplementedError(absl::StrCat("unsupported: nested type (column '", path, "')"));
    } else {
      absl::StatusOr<LeafPlan> plan = MakePlan(e, path);
      if (plan.ok()) {
        leaf.plan = *std::move(plan);
      } else {
        leaf.plan_status = plan.status();
      }
    }
    leaves->push_back(std::move(leaf));
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<std::vector<Leaf>> ResolveSchema(const std::vector<SchemaElement>& schema) {
  if (schema.empty()) return absl::InvalidArgumentError("schema: no root element");
  std::vector<Leaf> leaves;
  Walker w{schema, &leaves};
  const int32_t children = schema[0].num_children;
  if (children < 0) return absl::InvalidArgumentError("schema: root has a negative child count");
  for (int32_t i = 0; i < children; ++i) RETURN_IF_ERROR(w.Walk("", "", false, 1));
  if (w.next != schema.size()) {
    return absl::InvalidArgumentError(absl::StrCat("schema: ", schema.size() - w.next,
                                                   " elements outside the tree"));
  }
  return leaves;
}

std::string PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kInt96: return "INT96";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return absl::StrCat("PHYSICAL_TYPE_", static_cast<int>(type));
}

std::string EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return absl::StrCat("ENCODING_", static_cast<int>(encoding));
}

std::string AnnotationName(const SchemaElement& e) {
  const LogicalType& lt = e.logical_type;
  auto unit = [&]() -> std::string {
    switch (lt.unit) {
      case TimeUnit::kMillis: return "MILLIS";
      case TimeUnit::kMicros: return "MICROS";
      case TimeUnit::kNanos: return "NANOS";
      default: return "?";
    }
  };
  switch (lt.kind) {
    case LogicalType::kAbsent: break;
    case LogicalType::kString: return "STRING";
    case LogicalType::kMap: return "MAP";
    case LogicalType::kList: return "LIST";
    case LogicalType::kEnum: return "ENUM";
    case LogicalType::kDecimal:
      return absl::StrCat("DECIMAL(", lt.decimal_precision, ",", lt.decimal_scale, ")");
    case LogicalType::kDate: return "DATE";
    case LogicalType::kTime: return absl::StrCat("TIME(", unit(), ")");
    case LogicalType::kTimestamp:
      return absl::StrCat("TIMESTAMP(", unit(), lt.adjusted_to_utc ? ",UTC" : "", ")");
    case LogicalType::kInteger:
      return absl::StrCat(lt.is_signed ? "INT(" : "UINT(", lt.bit_width, ")");
    case LogicalType::kUnknown: return "UNKNOWN";
    case LogicalType::kJson: return "JSON";
    case LogicalType::kBson: return "BSON";
    case LogicalType::kUuid: return "UUID";
    case LogicalType::kFloat16: return "FLOAT16";
    default: return absl::StrCat("LOGICAL_TYPE_", lt.kind);
  }
  if (!e.has_converted_type) return "";
  switch (e.converted_type) {
    case ConvertedType::kUtf8: return "UTF8";
    case ConvertedType::kDecimal: return absl::StrCat("DECIMAL(", e.precision, ",", e.scale, ")");
    case ConvertedType::kDate: return "DATE";
    case ConvertedType::kTimestampMillis: return "TIMESTAMP_MILLIS";
    case ConvertedType::kTimestampMicros: return "TIMESTAMP_MICROS";
    case ConvertedType::kEnum: return "ENUM";
    case ConvertedType::kJson: return "JSON";
    case ConvertedType::kTimeMillis: return "TIME_MILLIS";
    case ConvertedType::kTimeMicros: return "TIME_MICROS";
    case ConvertedType::kUint8: return "UINT_8";
    case ConvertedType::kUint16: return "UINT_16";
    case ConvertedType::kUint32: return "UINT_32";
    case ConvertedType::kUint64: return "UINT_64";
    case ConvertedType::kInt8: return "INT_8";
    case ConvertedType::kInt16: return "INT_16";
    case ConvertedType::kInt32: return "INT_32";
    case ConvertedType::kInt64: return "INT_64";
    case ConvertedType::kBson: return "BSON";
    case ConvertedType::kInterval: return "INTERVAL";
    default: return absl::StrCat("CONVERTED_TYPE_", static_cast<int>(e.converted_type));
  }
}

}  // namespace strata::io::parquet
