#include "strata/api/internal/v2_binary.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/api/internal/v2_tensor_errors.h"
#include "simdjson.h"
#include "strata/base/strings.h"

namespace strata::api::internal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "binary tensors are little-endian and are read in place");

using models::ValueType;
using simdjson::dom::element;

// Caps a tensor's element count so that count x element size cannot overflow and a lying shape
// is refused before anything is allocated (far above any row limit).
constexpr int64_t kMaxElements = int64_t{1} << 40;

enum class DType { kBool, kU8, kU16, kU32, kU64, kI8, kI16, kI32, kI64, kF16, kF32, kF64, kBytes };

std::optional<DType> ParseDType(std::string_view d) {
  static constexpr std::pair<std::string_view, DType> kNames[] = {
      {"BOOL", DType::kBool}, {"UINT8", DType::kU8},   {"UINT16", DType::kU16},
      {"UINT32", DType::kU32}, {"UINT64", DType::kU64}, {"INT8", DType::kI8},
      {"INT16", DType::kI16}, {"INT32", DType::kI32},  {"INT64", DType::kI64},
      {"FP16", DType::kF16},  {"FP32", DType::kF32},   {"FP64", DType::kF64},
      {"BYTES", DType::kBytes}};
  for (const auto& [name, type] : kNames) {
    if (name == d) return type;
  }
  return std::nullopt;
}

// Bytes per element; 0 for BYTES (variable).
size_t ElementSize(DType d) {
  switch (d) {
    case DType::kBool:
    case DType::kU8:
    case DType::kI8:
      return 1;
    case DType::kU16:
    case DType::kI16:
    case DType::kF16:
      return 2;
    case DType::kU32:
    case DType::kI32:
    case DType::kF32:
      return 4;
    case DType::kU64:
    case DType::kI64:
    case DType::kF64:
      return 8;
    case DType::kBytes:
      return 0;
  }
  return 0;
}

bool IsFloat(DType d) { return d == DType::kF16 || d == DType::kF32 || d == DType::kF64; }
bool IsInt(DType d) {
  return d == DType::kU8 || d == DType::kU16 || d == DType::kU32 || d == DType::kU64 ||
         d == DType::kI8 || d == DType::kI16 || d == DType::kI32 || d == DType::kI64;
}

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// IEEE 754 binary16 to float (subnormals, infinities and NaN included).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

double LoadFloat(DType d, const char* p) {
  switch (d) {
    case DType::kF16:
      return HalfToFloat(Load<uint16_t>(p));
    case DType::kF32:
      return Load<float>(p);
    default:
      return Load<double>(p);
  }
}

// An integer element; false when a UINT64 does not fit in int64.
bool LoadInt(DType d, const char* p, int64_t& out) {
  switch (d) {
    case DType::kU8:
      out = Load<uint8_t>(p);
      return true;
    case DType::kU16:
      out = Load<uint16_t>(p);
      return true;
    case DType::kU32:
      out = Load<uint32_t>(p);
      return true;
    case DType::kU64: {
      uint64_t u = Load<uint64_t>(p);
      out = static_cast<int64_t>(u);
      return u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    }
    case DType::kI8:
      out = Load<int8_t>(p);
      return true;
    case DType::kI16:
      out = Load<int16_t>(p);
      return true;
    case DType::kI32:
      out = Load<int32_t>(p);
      return true;
    default:
      out = Load<int64_t>(p);
      return true;
  }
}

// One input of the header. A binary one owns a slice of the body after the header.
struct HeaderInput {
  element object;  // the whole {"name": ...} object, re-serialized for JSON inputs
  std::string_view name;
  std::string_view datatype;
  std::optional<DType> dtype;
  std::vector<int64_t> shape;
  int64_t elements = 0;
  bool binary = false;
  size_t binary_size = 0;  // parameters.binary_data_size
  std::string_view bytes;  // the tensor's binary data
  size_t body_offset = 0;  // where `bytes` starts in the body
};

absl::StatusOr<int64_t> ParseHeaderLength(std::string_view value, size_t body_size) {
  uint64_t length = 0;
  bool digits = !value.empty() && value.size() <= 19;
  for (char c : value) digits = digits && c >= '0' && c <= '9';
  if (!digits || !absl::SimpleAtoi(AsAbsl(value), &length)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Inference-Header-Content-Length '", AsAbsl(value.substr(0, 40)),
                     "' is not a non-negative decimal byte count"));
  }
  if (length > body_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("Inference-Header-Content-Length ", length,
                     " is beyond the end of the body (", body_size, " bytes)"));
  }
  return static_cast<int64_t>(length);
}

absl::StatusOr<bool> ReadBool(element e, std::string_view where) {
  bool value = false;
  if (e.get_bool().get(value) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(where), " must be a boolean"));
  }
  return value;
}

// Reads "outputs" (names and their binary_data) and the request-level binary_data_output.
absl::Status ReadOutputs(simdjson::dom::object root, V2InferRequest& request,
                         V2BinaryOutputs& binary) {
  element outputs;
  if (root["outputs"].get(outputs) == simdjson::SUCCESS) {
    simdjson::dom::array list;
    if (outputs.get_array().get(list) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("outputs must be an array of {\"name\": ...}");
    }
    size_t i = 0;
    for (element o : list) {
      std::string_view name;
      if (o["name"].get_string().get(name) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("each of outputs needs a string name");
      }
      request.requested_outputs.emplace_back(name);
      element flag;
      if (o["parameters"]["binary_data"].get(flag) == simdjson::SUCCESS) {
        absl::StatusOr<bool> wanted =
            ReadBool(flag, absl::StrCat("outputs[", i, "].parameters.binary_data"));
        if (!wanted.ok()) return wanted.status();
        if (*wanted) binary.names.emplace_back(name);
      }
      ++i;
    }
  }
  element all;
  if (root["parameters"]["binary_data_output"].get(all) == simdjson::SUCCESS) {
    absl::StatusOr<bool> wanted = ReadBool(all, "parameters.binary_data_output");
    if (!wanted.ok()) return wanted.status();
    binary.all = *wanted;
  }
  return absl::OkStatus();
}

absl::StatusOr<HeaderInput> ReadInput(element e, size_t position) {
  HeaderInput in;
  in.object = e;
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat("inputs[", position, "] must be an object"));
  }
  if (obj["name"].get_string().get(in.name) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("inputs[", position, "] needs a string name"));
  }
  element size;
  if (obj["parameters"]["binary_data_size"].get(size) != simdjson::SUCCESS) return in;
  in.binary = true;
  int64_t bytes = 0;
  if (size.get_int64().get(bytes) != simdjson::SUCCESS || bytes < 0) {
    return InputError(in.name, "parameters.binary_data_size must be a non-negative integer");
  }
  element ignored;
  if (obj["data"].get(ignored) == simdjson::SUCCESS) {
    return InputError(in.name, "has both data and parameters.binary_data_size; send one");
  }
  if (obj["datatype"].get_string().get(in.datatype) != simdjson::SUCCESS) {
    return InputError(in.name, "missing datatype");
  }
  in.dtype = ParseDType(in.datatype);
  if (!in.dtype.has_value()) {
    return InputError(in.name, absl::StrCat("unknown datatype ", AsAbsl(in.datatype)));
  }
  simdjson::dom::array dims;
  if (obj["shape"].get_array().get(dims) != simdjson::SUCCESS) {
    return InputError(in.name, "missing shape");
  }
  in.elements = 1;
  for (element d : dims) {
    int64_t n = 0;
    if (d.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
      return InputError(in.name, "shape must hold non-negative integers");
    }
    in.shape.push_back(n);
    if (n != 0 && in.elements > kMaxElements / n) {
      return InputError(in.name, absl::StrCat("shape ", ShapeText(in.shape), " is too large"));
    }
    in.elements *= n;
  }
  in.binary_size = static_cast<size_t>(bytes);
  return in;
}

// Gives `in` its bytes from `tail` at `*cursor` and checks them against shape x datatype.
absl::Status SliceBinary(HeaderInput& in, std::string_view tail, size_t tail_offset,
                         size_t& cursor) {
  const size_t size = in.binary_size;
  const size_t at = tail_offset + cursor;
  if (size > tail.size() - cursor) {
    return InputError(in.name, absl::StrCat("binary_data_size ", size, " at byte offset ", at,
                                            " runs past the end of the body (",
                                            tail_offset + tail.size(), " bytes; ",
                                            tail.size() - cursor, " remain)"));
  }
  in.bytes = tail.substr(cursor, size);
  in.body_offset = at;
  cursor += size;
  if (*in.dtype != DType::kBytes) {
    const uint64_t expected = static_cast<uint64_t>(in.elements) * ElementSize(*in.dtype);
    if (expected != size) {
      return InputError(in.name, absl::StrCat("binary_data_size ", size, " does not match shape ",
                                              ShapeText(in.shape), " x ",
                                              AsAbsl(in.datatype), " (", ElementSize(*in.dtype),
                                              " bytes each) = ", expected, " bytes"));
    }
    return absl::OkStatus();
  }
  // BYTES: exactly `elements` length-prefixed strings filling the slice.
  size_t p = 0;
  for (int64_t i = 0; i < in.elements; ++i) {
    if (in.bytes.size() - p < 4) {
      return InputError(in.name, absl::StrCat("BYTES element ", i, " at byte offset ", at + p,
                                              " needs a 4-byte length, ", in.bytes.size() - p,
                                              " bytes of binary_data_size remain"));
    }
    const uint32_t length = Load<uint32_t>(in.bytes.data() + p);
    p += 4;
    if (length > in.bytes.size() - p) {
      return InputError(in.name, absl::StrCat("BYTES element ", i, " at byte offset ", at + p - 4,
                                              " has length ", length, ", only ",
                                              in.bytes.size() - p,
                                              " bytes of binary_data_size remain"));
    }
    p += length;
  }
  if (p != in.bytes.size()) {
    return InputError(in.name, absl::StrCat("binary_data_size ", size, " holds ",
                                            in.bytes.size() - p, " bytes after the ",
                                            in.elements, " BYTES elements of shape ",
                                            ShapeText(in.shape), " (byte offset ", at + p, ")"));
  }
  return absl::OkStatus();
}

bool DtypeFits(ValueType type, DType d) {
  switch (type) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      return IsFloat(d);
    case ValueType::kInt64:
      return IsInt(d);
    case ValueType::kBool:
      return d == DType::kBool;
    case ValueType::kString:
      return d == DType::kBytes;
  }
  return false;
}

absl::StatusOr<table::Column> BinaryColumn(const HeaderInput& in, ValueType type) {
  table::ColumnBuffers b;
  b.type = models::ColumnTypeOf(type);
  b.rows = in.elements;
  const size_t rows = static_cast<size_t>(in.elements);
  const size_t width = ElementSize(*in.dtype);
  const char* data = in.bytes.data();
  switch (type) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      b.doubles.resize(rows);
      if (*in.dtype == DType::kF64) {
        if (rows > 0) std::memcpy(b.doubles.data(), data, rows * 8);
      } else {
        for (size_t i = 0; i < rows; ++i) b.doubles[i] = LoadFloat(*in.dtype, data + i * width);
      }
      break;
    case ValueType::kInt64:
      b.ints.resize(rows);
      for (size_t i = 0; i < rows; ++i) {
        if (!LoadInt(*in.dtype, data + i * width, b.ints[i])) {
          return InputError(in.name, absl::StrCat("element ", i, " (",
                                                  Load<uint64_t>(data + i * width),
                                                  ") does not fit in int64"));
        }
      }
      break;
    case ValueType::kBool:
      b.bools.resize(rows);
      for (size_t i = 0; i < rows; ++i) {
        const uint8_t v = static_cast<uint8_t>(data[i]);
        if (v > 1) {
          return InputError(in.name, absl::StrCat("BOOL element ", i, " at byte offset ",
                                                  in.body_offset + i, " is ", v,
                                                  ", expected 0 or 1"));
        }
        b.bools[i] = v;
      }
      break;
    case ValueType::kString: {
      b.offsets.reserve(rows + 1);
      b.offsets.push_back(0);
      b.bytes.reserve(in.bytes.size() - 4 * rows);
      size_t p = 0;
      for (size_t i = 0; i < rows; ++i) {
        const uint32_t length = Load<uint32_t>(data + p);
        b.bytes.append(data + p + 4, length);
        p += 4 + length;
        b.offsets.push_back(static_cast<int64_t>(b.bytes.size()));
      }
      break;
    }
  }
  return table::Column::FromBuffers(std::move(b));
}

// The one 2-D tensor [rows, columns] holding every signature column in order.
absl::Status MatrixColumns(const HeaderInput& in, const models::Signature& signature,
                           std::vector<table::Field>& fields, std::vector<table::Column>& columns) {
  const std::vector<models::ColumnSpec>& specs = signature.inputs;
  const DType d = *in.dtype;
  if (!IsFloat(d) && !IsInt(d)) {
    return InputError(in.name, absl::StrCat("datatype ", AsAbsl(in.datatype),
                                            " cannot carry the feature matrix (use FP32 or FP64)"));
  }
  if (in.shape[1] != static_cast<int64_t>(specs.size())) {
    return InputError(in.name, absl::StrCat("shape ", ShapeText(in.shape), " has ", in.shape[1],
                                            " columns, the signature has ", specs.size()));
  }
  const int64_t rows = in.shape[0];
  const size_t width = ElementSize(d);
  const size_t stride = specs.size() * width;
  for (size_t c = 0; c < specs.size(); ++c) {
    const models::ColumnSpec& spec = specs[c];
    table::ColumnBuffers b;
    b.type = models::ColumnTypeOf(spec.type);
    b.rows = rows;
    for (int64_t r = 0; r < rows; ++r) {
      const char* p = in.bytes.data() + static_cast<size_t>(r) * stride + c * width;
      const int64_t element_index = r * static_cast<int64_t>(specs.size()) + static_cast<int64_t>(c);
      int64_t integer = 0;
      const bool is_int = IsInt(d);
      const bool fits = is_int && LoadInt(d, p, integer);
      if (is_int && !fits) {
        return InputError(in.name, absl::StrCat("element ", element_index, " (column '",
                                                spec.name, "') does not fit in int64"));
      }
      const double value = is_int ? static_cast<double>(integer) : LoadFloat(d, p);
      switch (spec.type) {
        case ValueType::kFloat64:
        case ValueType::kFloat32:
          b.doubles.push_back(value);
          break;
        case ValueType::kInt64:
          if (!is_int && !(std::trunc(value) == value && std::fabs(value) < 9.2e18)) {
            return InputError(in.name, absl::StrCat("element ", element_index, " (column '",
                                                    spec.name, "', int64) is ", value,
                                                    ", not an integer"));
          }
          b.ints.push_back(is_int ? integer : static_cast<int64_t>(value));
          break;
        case ValueType::kBool:
          if (value != 0 && value != 1) {
            return InputError(in.name, absl::StrCat("element ", element_index, " (column '",
                                                    spec.name, "', bool) is ", value,
                                                    ", expected 0 or 1"));
          }
          b.bools.push_back(value == 1 ? 1 : 0);
          break;
        case ValueType::kString:
          return InputError(in.name, absl::StrCat("column '", spec.name,
                                                  "' is a string column and cannot come in a "
                                                  "numeric tensor; send one tensor per column"));
      }
    }
    absl::StatusOr<table::Column> column = table::Column::FromBuffers(std::move(b));
    if (!column.ok()) return column.status();
    fields.push_back({spec.name, column->type()});
    columns.push_back(std::move(*column));
  }
  return absl::OkStatus();
}

// Matches the header's inputs to the signature and builds the table.
absl::StatusOr<table::Table> AssembleInputs(const std::vector<HeaderInput>& inputs,
                                            const models::Signature& signature,
                                            int64_t max_rows) {
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  const std::vector<models::ColumnSpec>& specs = signature.inputs;
  auto check_rows = [max_rows](std::string_view name, int64_t rows) {
    if (rows <= max_rows) return absl::OkStatus();
    return InputError(name, absl::StrCat("batch of ", rows, " rows exceeds the limit of ",
                                         max_rows, " rows per request"));
  };
  if (inputs.size() == 1 && SpecIndex(signature.inputs, inputs[0].name) < 0 &&
      inputs[0].shape.size() == 2) {
    if (absl::Status s = check_rows(inputs[0].name, inputs[0].shape[0]); !s.ok()) return s;
    if (absl::Status s = MatrixColumns(inputs[0], signature, fields, columns); !s.ok()) return s;
    return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
  }
  std::vector<bool> seen(specs.size(), false);
  std::optional<int64_t> rows;
  std::string_view rows_from;
  std::string json_inputs;  // the inputs that kept JSON data, decoded by the JSON codec
  models::Signature json_signature;
  for (const HeaderInput& in : inputs) {
    const int index = SpecIndex(signature.inputs, in.name);
    if (index < 0) return UnknownInputError(in.name, specs);
    if (seen[static_cast<size_t>(index)]) return InputError(in.name, "given twice");
    seen[static_cast<size_t>(index)] = true;
    const models::ColumnSpec& spec = specs[static_cast<size_t>(index)];
    if (!in.binary) {
      if (!json_inputs.empty()) json_inputs += ',';
      json_inputs += simdjson::minify(in.object);
      json_signature.inputs.push_back(spec);
      continue;
    }
    if (!DtypeFits(spec.type, *in.dtype)) {
      return InputError(in.name, absl::StrCat("datatype ", AsAbsl(in.datatype),
                                              " does not match the signature type ",
                                              AsAbsl(models::ValueTypeName(spec.type))));
    }
    if (in.shape.empty() || in.shape.size() > 2 || (in.shape.size() == 2 && in.shape[1] != 1)) {
      return InputError(in.name, absl::StrCat("shape ", ShapeText(in.shape),
                                              " is not a column (expected [N] or [N, 1])"));
    }
    if (rows.has_value() && *rows != in.shape[0]) {
      return InputError(in.name, absl::StrCat("has ", in.shape[0], " rows, input '",
                                              AsAbsl(rows_from), "' has ", *rows));
    }
    rows = in.shape[0];
    rows_from = in.name;
    if (absl::Status s = check_rows(in.name, in.shape[0]); !s.ok()) return s;
    absl::StatusOr<table::Column> column = BinaryColumn(in, spec.type);
    if (!column.ok()) return column.status();
    fields.push_back({spec.name, column->type()});
    columns.push_back(std::move(*column));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!seen[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing input '", specs[i].name, "' (the signature needs it)"));
    }
  }
  if (!json_signature.inputs.empty()) {
    absl::StatusOr<V2InferRequest> json = DecodeV2InferRequest(
        absl::StrCat("{\"inputs\":[", json_inputs, "]}"), json_signature, max_rows);
    if (!json.ok()) return json.status();
    const int64_t json_rows = json->inputs.num_rows();
    if (rows.has_value() && *rows != json_rows) {
      return InputError(json_signature.inputs[0].name,
                        absl::StrCat("has ", json_rows, " rows, input '", AsAbsl(rows_from),
                                     "' has ", *rows));
    }
    for (const models::ColumnSpec& spec : json_signature.inputs) {
      absl::StatusOr<const table::Column*> column = json->inputs.ColumnByName(spec.name);
      if (!column.ok()) return column.status();
      fields.push_back({spec.name, (*column)->type()});
      columns.push_back(**column);
    }
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

}  // namespace

bool V2BinaryOutputs::Wants(std::string_view output) const {
  if (all) return true;
  for (const std::string& n : names) {
    if (n == output) return true;
  }
  return false;
}

absl::StatusOr<V2BinaryInferRequest> DecodeV2BinaryInferRequest(
    std::string_view body, std::string_view header_length, const models::Signature& signature,
    int64_t max_rows) {
  absl::StatusOr<int64_t> length = ParseHeaderLength(header_length, body.size());
  if (!length.ok()) return length.status();
  const std::string_view header = body.substr(0, static_cast<size_t>(*length));
  const std::string_view tail = body.substr(static_cast<size_t>(*length));

  thread_local simdjson::dom::parser parser;
  element root;
  simdjson::error_code parse_error = parser.parse(header.data(), header.size()).get(root);
  if (parse_error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON in the first ", header.size(),
                     " bytes (Inference-Header-Content-Length): ",
                     simdjson::error_message(parse_error)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the request header must be a JSON object");
  }
  V2BinaryInferRequest out;
  std::string_view id;
  element id_element;
  if (obj["id"].get(id_element) == simdjson::SUCCESS) {
    if (id_element.get_string().get(id) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("id must be a string");
    }
    out.request.id = std::string(id);
  }
  if (absl::Status s = ReadOutputs(obj, out.request, out.binary_outputs); !s.ok()) return s;

  simdjson::dom::array list;
  if (obj["inputs"].get_array().get(list) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("inputs must be an array of tensors");
  }
  std::vector<HeaderInput> inputs;
  bool any_binary = false;
  size_t cursor = 0;
  size_t position = 0;
  for (element e : list) {
    absl::StatusOr<HeaderInput> in = ReadInput(e, position++);
    if (!in.ok()) return in.status();
    if (in->binary) {
      any_binary = true;
      if (absl::Status s = SliceBinary(*in, tail, header.size(), cursor); !s.ok()) return s;
    }
    inputs.push_back(std::move(*in));
  }
  if (inputs.empty()) return absl::InvalidArgumentError("the request has no inputs");
  if (cursor != tail.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        tail.size() - cursor, " bytes left over at byte offset ", header.size() + cursor,
        " after the binary tensors (their binary_data_size add up to ", cursor,
        " bytes after the ", header.size(), "-byte header)"));
  }
  if (!any_binary) {
    // A split body whose inputs all carry JSON data: the JSON codec decodes it whole.
    absl::StatusOr<V2InferRequest> json = DecodeV2InferRequest(header, signature, max_rows);
    if (!json.ok()) return json.status();
    out.request.inputs = std::move(json->inputs);
    return out;
  }
  absl::StatusOr<table::Table> table = AssembleInputs(inputs, signature, max_rows);
  if (!table.ok()) return table.status();
  out.request.inputs = std::move(*table);
  return out;
}

bool MayRequestBinaryOutputs(std::string_view json_body) {
  return json_body.find("binary_data") != std::string_view::npos;
}

absl::StatusOr<V2BinaryOutputs> ReadV2BinaryOutputs(std::string_view json_body) {
  thread_local simdjson::dom::parser parser;
  element root;
  simdjson::dom::object obj;
  if (parser.parse(json_body.data(), json_body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("malformed JSON body");
  }
  V2InferRequest ignored;
  V2BinaryOutputs binary;
  if (absl::Status s = ReadOutputs(obj, ignored, binary); !s.ok()) return s;
  return binary;
}

absl::StatusOr<V2BinaryInferResponse> EncodeV2BinaryInferResponse(
    std::string_view model_name, int64_t version, std::string_view id,
    const models::Manifest& manifest, const models::Model::Predictions& predictions,
    const std::vector<std::string>& requested, const V2BinaryOutputs& binary) {
  const std::vector<std::string> names = OutputNames(manifest, predictions.num_outputs);
  for (const std::string& r : requested) {
    bool known = false;
    for (const std::string& n : names) known = known || n == r;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("output '", r, "' is not an output of model '",
                                                     AsAbsl(model_name), "' (outputs: ",
                                                     absl::StrJoin(names, ", "), ")"));
    }
  }
  const bool combined = names.size() == 1 && predictions.num_outputs != 1;
  const int stride = predictions.num_outputs;
  std::string header = "{\"model_name\":";
  AppendJsonString(model_name, header);
  absl::StrAppend(&header, ",\"model_version\":\"", version, "\"");
  if (!id.empty()) {
    header += ",\"id\":";
    AppendJsonString(id, header);
  }
  header += ",\"outputs\":[";
  std::string tensors;
  bool first = true;
  for (size_t k = 0; k < names.size(); ++k) {
    if (!requested.empty()) {
      bool wanted = false;
      for (const std::string& r : requested) wanted = wanted || r == names[k];
      if (!wanted) continue;
    }
    // Output k's values in row-major order (all of them for the combined output).
    std::vector<double> values;
    if (combined) {
      values = predictions.values;
    } else {
      values.reserve(static_cast<size_t>(predictions.rows));
      for (int64_t r = 0; r < predictions.rows; ++r) {
        values.push_back(predictions.values[static_cast<size_t>(r * stride) + k]);
      }
    }
    if (!first) header += ',';
    first = false;
    header += "{\"name\":";
    AppendJsonString(names[k], header);
    absl::StrAppend(&header, ",\"datatype\":\"FP64\",\"shape\":[", predictions.rows);
    if (combined) absl::StrAppend(&header, ",", predictions.num_outputs);
    header += ']';
    if (binary.Wants(names[k])) {
      const size_t bytes = values.size() * sizeof(double);
      absl::StrAppend(&header, ",\"parameters\":{\"binary_data_size\":", bytes, "}}");
      tensors.append(reinterpret_cast<const char*>(values.data()), bytes);
    } else {
      header += ",\"data\":[";
      for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) header += ',';
        AppendJsonNumber(values[i], header);
      }
      header += "]}";
    }
  }
  header += "]}";
  V2BinaryInferResponse out;
  out.header_length = header.size();
  out.body = std::move(header);
  out.body += tensors;
  return out;
}

}  // namespace strata::api::internal
