#include "strata/api/v2_protocol.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "simdjson.h"
#include "strata/api/internal/v2_tensor_errors.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"

namespace strata::api {
namespace {

using internal::InputError;
using internal::ShapeText;
using internal::SpecIndex;
using models::ValueType;
using simdjson::dom::element;
using simdjson::dom::element_type;

// One input tensor as sent, before it is matched to the signature.
struct Tensor {
  std::string_view name;
  std::string_view datatype;
  std::vector<int64_t> shape;
  element data;
  bool has_shape = false;
  bool has_data = false;
};

std::string_view JsonTypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return "a number";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "a value";
}

// Calls leaf(element) for every non-array element of `data` in row-major order.
template <typename Leaf>
absl::Status ForEachLeaf(element data, Leaf& leaf, int depth = 0) {
  if (data.type() != element_type::ARRAY) return leaf(data);
  if (depth > 8) return absl::InvalidArgumentError("data nests deeper than 8 levels");
  simdjson::dom::array children;
  if (data.get_array().get(children) != simdjson::SUCCESS) return leaf(data);
  for (element child : children) {
    absl::Status s = ForEachLeaf(child, leaf, depth + 1);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

bool IsFloatDatatype(std::string_view d) { return d == "FP64" || d == "FP32" || d == "FP16"; }
bool IsIntDatatype(std::string_view d) {
  return d == "INT64" || d == "INT32" || d == "INT16" || d == "INT8" || d == "UINT64" ||
         d == "UINT32" || d == "UINT16" || d == "UINT8";
}

std::string_view ExpectedDatatypes(ValueType type) {
  switch (type) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      return "FP64 or FP32";
    case ValueType::kInt64:
      return "INT64 (or a narrower INT/UINT)";
    case ValueType::kBool:
      return "BOOL";
    case ValueType::kString:
      return "BYTES";
  }
  return "";
}

bool DatatypeFits(ValueType type, std::string_view datatype) {
  switch (type) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      return IsFloatDatatype(datatype);
    case ValueType::kInt64:
      return IsIntDatatype(datatype);
    case ValueType::kBool:
      return datatype == "BOOL";
    case ValueType::kString:
      return datatype == "BYTES";
  }
  return false;
}

// Builds one signature column row by row (values appended in order, nulls marked).
class ColumnAssembler {
 public:
  ColumnAssembler(ValueType type, int64_t rows) : type_(type) {
    buffers_.type = models::ColumnTypeOf(type);
    buffers_.rows = rows;
    switch (buffers_.type) {
      case table::DataType::kFloat64:
        buffers_.doubles.reserve(static_cast<size_t>(rows));
        break;
      case table::DataType::kInt64:
        buffers_.ints.reserve(static_cast<size_t>(rows));
        break;
      case table::DataType::kBool:
        buffers_.bools.reserve(static_cast<size_t>(rows));
        break;
      default:
        buffers_.offsets.reserve(static_cast<size_t>(rows + 1));
        buffers_.offsets.push_back(0);
        break;
    }
  }

  void AppendNull() {
    int64_t row = size();
    if (buffers_.validity.empty()) {
      buffers_.validity.assign(static_cast<size_t>((buffers_.rows + 63) / 64), ~uint64_t{0});
    }
    buffers_.validity[static_cast<size_t>(row / 64)] &= ~(uint64_t{1} << (row % 64));
    switch (buffers_.type) {
      case table::DataType::kFloat64:
        buffers_.doubles.push_back(0);
        break;
      case table::DataType::kInt64:
        buffers_.ints.push_back(0);
        break;
      case table::DataType::kBool:
        buffers_.bools.push_back(0);
        break;
      default:
        buffers_.offsets.push_back(static_cast<int64_t>(buffers_.bytes.size()));
        break;
    }
  }
  void AppendDouble(double v) { buffers_.doubles.push_back(v); }
  void AppendInt(int64_t v) { buffers_.ints.push_back(v); }
  void AppendBool(bool v) { buffers_.bools.push_back(v ? 1 : 0); }
  void AppendString(std::string_view v) {
    buffers_.bytes.append(v.data(), v.size());
    buffers_.offsets.push_back(static_cast<int64_t>(buffers_.bytes.size()));
  }

  // A JSON scalar of a per-column tensor (its datatype already checked against the type).
  absl::Status AppendElement(std::string_view input, element e) {
    if (e.is_null()) {
      AppendNull();
      return absl::OkStatus();
    }
    switch (type_) {
      case ValueType::kFloat64:
      case ValueType::kFloat32:
        if (e.is_number()) {
          AppendDouble(e.get_double().value_unsafe());
          return absl::OkStatus();
        }
        break;
      case ValueType::kInt64:
        if (e.is_int64()) {
          AppendInt(e.get_int64().value_unsafe());
          return absl::OkStatus();
        }
        if (e.is_uint64()) return Element(input, "does not fit in int64");
        break;
      case ValueType::kBool:
        if (e.is_bool()) {
          AppendBool(e.get_bool().value_unsafe());
          return absl::OkStatus();
        }
        break;
      case ValueType::kString:
        if (e.is_string()) {
          AppendString(e.get_string().value_unsafe());
          return absl::OkStatus();
        }
        break;
    }
    return Element(input, absl::StrCat("is ", AsAbsl(JsonTypeName(e.type())), ", expected ",
                                       AsAbsl(ExpectedValue())));
  }

  // A number of the 2-D all-features tensor, for this column.
  absl::Status AppendMatrixElement(std::string_view input, std::string_view column, element e) {
    if (e.is_null()) {
      AppendNull();
      return absl::OkStatus();
    }
    if (!e.is_number()) {
      return Element(input, absl::StrCat("(column '", AsAbsl(column), "') is ",
                                         AsAbsl(JsonTypeName(e.type())), ", expected a number"));
    }
    double v = e.get_double().value_unsafe();
    switch (type_) {
      case ValueType::kFloat64:
      case ValueType::kFloat32:
        AppendDouble(v);
        return absl::OkStatus();
      case ValueType::kInt64:
        if (e.is_int64()) {
          AppendInt(e.get_int64().value_unsafe());
          return absl::OkStatus();
        }
        if (std::trunc(v) == v && std::fabs(v) < 9.2e18) {
          AppendInt(static_cast<int64_t>(v));
          return absl::OkStatus();
        }
        return Element(input, absl::StrCat("(column '", AsAbsl(column), "', int64) is ", v,
                                           ", not an integer"));
      case ValueType::kBool:
        if (v == 0 || v == 1) {
          AppendBool(v == 1);
          return absl::OkStatus();
        }
        return Element(input, absl::StrCat("(column '", AsAbsl(column), "', bool) is ", v,
                                           ", expected 0 or 1"));
      case ValueType::kString:
        break;
    }
    return Element(input, absl::StrCat("column '", AsAbsl(column),
                                       "' is a string column and cannot come in a numeric "
                                       "tensor; send one tensor per column"));
  }

  int64_t size() const {
    switch (buffers_.type) {
      case table::DataType::kFloat64:
        return static_cast<int64_t>(buffers_.doubles.size());
      case table::DataType::kInt64:
        return static_cast<int64_t>(buffers_.ints.size());
      case table::DataType::kBool:
        return static_cast<int64_t>(buffers_.bools.size());
      default:
        return static_cast<int64_t>(buffers_.offsets.size()) - 1;
    }
  }

  absl::StatusOr<table::Column> Finish() { return table::Column::FromBuffers(std::move(buffers_)); }

 private:
  absl::Status Element(std::string_view input, std::string_view what) const {
    return InputError(input, absl::StrCat("element ", size(), " ", AsAbsl(what)));
  }
  std::string_view ExpectedValue() const {
    switch (type_) {
      case ValueType::kFloat64:
      case ValueType::kFloat32:
        return "a number";
      case ValueType::kInt64:
        return "an integer";
      case ValueType::kBool:
        return "true or false";
      case ValueType::kString:
        return "a string";
    }
    return "";
  }

  ValueType type_;
  table::ColumnBuffers buffers_;
};

absl::StatusOr<Tensor> ReadTensor(element e, size_t position) {
  Tensor t;
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("inputs[", position, "] must be an object, got ", AsAbsl(JsonTypeName(e.type()))));
  }
  bool has_name = false;
  bool has_datatype = false;
  for (auto field : obj) {
    std::string_view key = field.key;
    if (key == "name") {
      if (field.value.get_string().get(t.name) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError(absl::StrCat("inputs[", position, "].name must be a string"));
      }
      has_name = true;
    } else if (key == "datatype") {
      if (field.value.get_string().get(t.datatype) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError(
            absl::StrCat("inputs[", position, "].datatype must be a string"));
      }
      has_datatype = true;
    } else if (key == "shape") {
      simdjson::dom::array dims;
      if (field.value.get_array().get(dims) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError(
            absl::StrCat("inputs[", position, "].shape must be an array of integers"));
      }
      for (element d : dims) {
        int64_t n = 0;
        if (d.get_int64().get(n) != simdjson::SUCCESS || n < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "inputs[", position, "].shape must hold non-negative integers"));
        }
        t.shape.push_back(n);
      }
      t.has_shape = true;
    } else if (key == "data") {
      t.data = field.value;
      t.has_data = true;
    }
    // "parameters" and unknown keys are ignored, as the protocol allows extensions.
  }
  if (!has_name) return absl::InvalidArgumentError(absl::StrCat("inputs[", position, "] has no name"));
  if (!has_datatype) return InputError(t.name, "missing datatype");
  if (!t.has_shape) return InputError(t.name, "missing shape");
  if (!t.has_data) return InputError(t.name, "missing data");
  return t;
}

absl::Status CheckRows(std::string_view input, int64_t rows, int64_t max_rows) {
  if (rows > max_rows) {
    return InputError(input, absl::StrCat("batch of ", rows, " rows exceeds the limit of ",
                                          max_rows, " rows per request"));
  }
  return absl::OkStatus();
}

// Checks that `data` holds exactly `expected` leaves (counted without building anything, so a
// mismatch is reported before any value error).
absl::Status CheckCount(const Tensor& t, int64_t expected) {
  int64_t count = 0;
  auto counter = [&count](element) {
    ++count;
    return absl::OkStatus();
  };
  absl::Status s = ForEachLeaf(t.data, counter);
  if (!s.ok()) return InputError(t.name, AsStd(s.message()));
  if (count != expected) {
    return InputError(t.name, absl::StrCat("shape ", ShapeText(t.shape), " needs ", expected,
                                           " values, data has ", count));
  }
  return absl::OkStatus();
}

// The request's top level: id, the input tensors as sent, the requested outputs. The tensors
// point into `parser`'s document.
struct Envelope {
  std::string id;
  std::vector<Tensor> tensors;
  std::vector<std::string> requested_outputs;
};

absl::StatusOr<Envelope> ParseEnvelope(simdjson::dom::parser& parser, std::string_view body) {
  element root;
  simdjson::error_code parse_error = parser.parse(body.data(), body.size()).get(root);
  if (parse_error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON body: ", simdjson::error_message(parse_error)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the request body must be a JSON object");
  }
  Envelope envelope;
  bool has_inputs = false;
  for (auto field : obj) {
    std::string_view key = field.key;
    if (key == "id") {
      std::string_view id;
      if (field.value.get_string().get(id) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("id must be a string");
      }
      envelope.id = std::string(id);
    } else if (key == "inputs") {
      simdjson::dom::array inputs;
      if (field.value.get_array().get(inputs) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("inputs must be an array of tensors");
      }
      has_inputs = true;
      size_t i = 0;
      for (element e : inputs) {
        absl::StatusOr<Tensor> t = ReadTensor(e, i++);
        if (!t.ok()) return t.status();
        envelope.tensors.push_back(std::move(*t));
      }
    } else if (key == "outputs") {
      simdjson::dom::array outputs;
      if (field.value.get_array().get(outputs) != simdjson::SUCCESS) {
        return absl::InvalidArgumentError("outputs must be an array of {\"name\": ...}");
      }
      for (element e : outputs) {
        std::string_view name;
        if (e["name"].get_string().get(name) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError("each of outputs needs a string name");
        }
        envelope.requested_outputs.emplace_back(name);
      }
    }
  }
  if (!has_inputs || envelope.tensors.empty()) {
    return absl::InvalidArgumentError("the request has no inputs");
  }
  return envelope;
}

}  // namespace

std::optional<V2FeatureRequest> DecodeV2FeatureRequest(std::string_view body,
                                                       const models::Model& model,
                                                       int64_t max_rows) {
  if (!model.features_are_float_inputs()) return std::nullopt;
  thread_local simdjson::dom::parser parser;
  absl::StatusOr<Envelope> envelope = ParseEnvelope(parser, body);
  if (!envelope.ok() || envelope->tensors.size() != 1) return std::nullopt;
  const std::vector<models::ColumnSpec>& specs = model.manifest().signature.inputs;
  const Tensor& t = envelope->tensors[0];
  // The conditions under which DecodeV2InferRequest reads the one tensor as the feature
  // matrix, and every check it makes on it; anything else goes the general way.
  if (SpecIndex(specs, t.name) >= 0 || t.shape.size() != 2) return std::nullopt;
  if (!IsFloatDatatype(t.datatype) && !IsIntDatatype(t.datatype)) return std::nullopt;
  const int64_t columns = static_cast<int64_t>(specs.size());
  const int64_t rows = t.shape[0];
  if (t.shape[1] != columns || rows < 1 || rows > max_rows) return std::nullopt;
  if (!CheckCount(t, rows * columns).ok()) return std::nullopt;
  V2FeatureRequest request;
  request.features.reserve(static_cast<size_t>(rows * columns));
  // A value FeatureMatrix would refuse (null where the column is not nullable) or the decoder
  // would (not a number) sends the request the general way, which names it.
  bool refused = false;
  size_t next = 0;
  auto leaf = [&](element e) {
    const models::ColumnSpec& spec = specs[next++ % specs.size()];
    if (e.is_null() && spec.nullable) {
      request.features.push_back(std::numeric_limits<float>::quiet_NaN());
    } else if (e.is_number()) {
      request.features.push_back(static_cast<float>(e.get_double().value_unsafe()));
    } else {
      refused = true;
      return absl::InvalidArgumentError("");
    }
    return absl::OkStatus();
  };
  if (!ForEachLeaf(t.data, leaf).ok() || refused) return std::nullopt;
  request.rows = rows;
  request.id = std::move(envelope->id);
  request.requested_outputs = std::move(envelope->requested_outputs);
  return request;
}

absl::StatusOr<V2InferRequest> DecodeV2InferRequest(std::string_view body,
                                                    const models::Signature& signature,
                                                    int64_t max_rows) {
  thread_local simdjson::dom::parser parser;
  absl::StatusOr<Envelope> envelope = ParseEnvelope(parser, body);
  if (!envelope.ok()) return envelope.status();
  V2InferRequest request;
  request.id = std::move(envelope->id);
  request.requested_outputs = std::move(envelope->requested_outputs);
  std::vector<Tensor>& tensors = envelope->tensors;

  const std::vector<models::ColumnSpec>& specs = signature.inputs;
  auto spec_index = [&specs](std::string_view name) { return SpecIndex(specs, name); };
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;

  // One 2-D tensor of every signature column.
  if (tensors.size() == 1 && spec_index(tensors[0].name) < 0 && tensors[0].shape.size() == 2) {
    const Tensor& t = tensors[0];
    if (!IsFloatDatatype(t.datatype) && !IsIntDatatype(t.datatype)) {
      return InputError(t.name, absl::StrCat("datatype ", AsAbsl(t.datatype),
                                             " cannot carry the feature matrix (use FP32 or FP64)"));
    }
    if (t.shape[1] != static_cast<int64_t>(specs.size())) {
      return InputError(t.name, absl::StrCat("shape ", ShapeText(t.shape), " has ", t.shape[1],
                                             " columns, the signature has ", specs.size()));
    }
    const int64_t rows = t.shape[0];
    if (absl::Status s = CheckRows(t.name, rows, max_rows); !s.ok()) return s;
    if (absl::Status s = CheckCount(t, rows * t.shape[1]); !s.ok()) return s;
    std::vector<ColumnAssembler> assemblers;
    assemblers.reserve(specs.size());
    for (const models::ColumnSpec& spec : specs) assemblers.emplace_back(spec.type, rows);
    size_t next = 0;
    auto leaf = [&](element e) {
      size_t column = next++ % specs.size();
      return assemblers[column].AppendMatrixElement(t.name, specs[column].name, e);
    };
    if (absl::Status s = ForEachLeaf(t.data, leaf); !s.ok()) return s;
    for (size_t i = 0; i < specs.size(); ++i) {
      absl::StatusOr<table::Column> c = assemblers[i].Finish();
      if (!c.ok()) return c.status();
      fields.push_back({specs[i].name, c->type()});
      columns.push_back(std::move(*c));
    }
  } else {
    std::optional<int64_t> rows;
    std::string_view rows_from;
    std::vector<bool> seen(specs.size(), false);
    for (const Tensor& t : tensors) {
      int index = spec_index(t.name);
      if (index < 0) return internal::UnknownInputError(t.name, specs);
      if (seen[static_cast<size_t>(index)]) return InputError(t.name, "given twice");
      seen[static_cast<size_t>(index)] = true;
      const models::ColumnSpec& spec = specs[static_cast<size_t>(index)];
      if (!DatatypeFits(spec.type, t.datatype)) {
        return InputError(t.name, absl::StrCat("datatype ", AsAbsl(t.datatype),
                                               " does not match the signature type ",
                                               AsAbsl(models::ValueTypeName(spec.type)),
                                               " (expected ",
                                               AsAbsl(ExpectedDatatypes(spec.type)), ")"));
      }
      if (t.shape.empty() || t.shape.size() > 2 || (t.shape.size() == 2 && t.shape[1] != 1)) {
        return InputError(t.name, absl::StrCat("shape ", ShapeText(t.shape),
                                               " is not a column (expected [N] or [N, 1])"));
      }
      const int64_t n = t.shape[0];
      if (rows.has_value() && *rows != n) {
        return InputError(t.name, absl::StrCat("has ", n, " rows, input '", AsAbsl(rows_from),
                                               "' has ", *rows));
      }
      rows = n;
      rows_from = t.name;
      if (absl::Status s = CheckRows(t.name, n, max_rows); !s.ok()) return s;
      if (absl::Status s = CheckCount(t, n); !s.ok()) return s;
      ColumnAssembler assembler(spec.type, n);
      auto leaf = [&](element e) { return assembler.AppendElement(t.name, e); };
      if (absl::Status s = ForEachLeaf(t.data, leaf); !s.ok()) return s;
      absl::StatusOr<table::Column> c = assembler.Finish();
      if (!c.ok()) return c.status();
      fields.push_back({spec.name, c->type()});
      columns.push_back(std::move(*c));
    }
    for (size_t i = 0; i < specs.size(); ++i) {
      if (!seen[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("missing input '", specs[i].name, "' (the signature needs it)"));
      }
    }
  }
  absl::StatusOr<table::Table> table =
      table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
  if (!table.ok()) return table.status();
  request.inputs = std::move(*table);
  return request;
}

std::vector<std::string> OutputNames(const models::Manifest& manifest, int num_outputs) {
  std::vector<std::string> names;
  if (static_cast<int>(manifest.signature.outputs.size()) == num_outputs && num_outputs > 0) {
    for (const models::ColumnSpec& c : manifest.signature.outputs) names.push_back(c.name);
  } else {
    names.push_back("predictions");
  }
  return names;
}

void AppendJsonNumber(double value, std::string& out) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

absl::StatusOr<std::string> EncodeV2InferResponse(std::string_view model_name, int64_t version,
                                                  std::string_view id,
                                                  const models::Manifest& manifest,
                                                  const models::Model::Predictions& predictions,
                                                  const std::vector<std::string>& requested) {
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
  std::string out;
  out.reserve(96 + static_cast<size_t>(predictions.values.size()) * 20);
  out += "{\"model_name\":";
  AppendJsonString(model_name, out);
  absl::StrAppend(&out, ",\"model_version\":\"", version, "\"");
  if (!id.empty()) {
    out += ",\"id\":";
    AppendJsonString(id, out);
  }
  out += ",\"outputs\":[";
  const bool combined = names.size() == 1 && static_cast<int>(names.size()) != predictions.num_outputs;
  bool first = true;
  for (size_t k = 0; k < names.size(); ++k) {
    if (!requested.empty()) {
      bool wanted = false;
      for (const std::string& r : requested) wanted = wanted || r == names[k];
      if (!wanted) continue;
    }
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    AppendJsonString(names[k], out);
    out += ",\"datatype\":\"FP64\",\"shape\":[";
    absl::StrAppend(&out, predictions.rows);
    if (combined) absl::StrAppend(&out, ",", predictions.num_outputs);
    out += "],\"data\":[";
    const int stride = predictions.num_outputs;
    for (int64_t r = 0; r < predictions.rows; ++r) {
      if (combined) {
        for (int j = 0; j < stride; ++j) {
          if (r > 0 || j > 0) out += ',';
          AppendJsonNumber(predictions.values[static_cast<size_t>(r * stride + j)], out);
        }
      } else {
        if (r > 0) out += ',';
        AppendJsonNumber(predictions.values[static_cast<size_t>(r * stride) + k], out);
      }
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string_view V2Datatype(ValueType type) {
  switch (type) {
    case ValueType::kFloat64:
      return "FP64";
    case ValueType::kFloat32:
      return "FP32";
    case ValueType::kInt64:
      return "INT64";
    case ValueType::kBool:
      return "BOOL";
    case ValueType::kString:
      return "BYTES";
  }
  return "FP64";
}

std::string V2ServerMetadata() {
  nlohmann::json j = {{"name", "strata"},
                      {"version", std::string(kVersion)},
                      {"extensions", nlohmann::json::array({"binary_tensor_data"})}};
  return j.dump();
}

std::string V2ModelMetadata(std::string_view name, const std::vector<int64_t>& versions,
                            const models::Manifest& manifest, int num_outputs) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const models::ColumnSpec& c : manifest.signature.inputs) {
    inputs.push_back({{"name", c.name}, {"datatype", std::string(V2Datatype(c.type))},
                      {"shape", {-1}}});
  }
  nlohmann::json outputs = nlohmann::json::array();
  std::vector<std::string> names = OutputNames(manifest, num_outputs);
  bool combined = static_cast<int>(names.size()) != num_outputs;
  for (const std::string& n : names) {
    nlohmann::json shape = combined ? nlohmann::json{-1, num_outputs} : nlohmann::json{-1};
    outputs.push_back({{"name", n}, {"datatype", "FP64"}, {"shape", shape}});
  }
  nlohmann::json vs = nlohmann::json::array();
  for (int64_t v : versions) vs.push_back(std::to_string(v));
  nlohmann::json j = {{"name", std::string(name)},
                      {"versions", vs},
                      {"platform", "strata_" + manifest.flavor},
                      {"inputs", inputs},
                      {"outputs", outputs}};
  return j.dump();
}

void WriteV2Error(int http_status, std::string_view message, http::Response& response) {
  response.status = http_status;
  response.content_type = "application/json";
  response.body = "{\"error\":";
  AppendJsonString(message, response.body);
  response.body += '}';
}

int InferenceHttpStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace strata::api
