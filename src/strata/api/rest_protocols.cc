#include "strata/api/rest_protocols.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/api/internal/json_table.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"

namespace strata::api {
namespace {

using nlohmann::json;

absl::StatusOr<json> ParseBody(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError("the request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return absl::InvalidArgumentError("the request body must be a JSON object");
  }
  return parsed;
}

// Row-format instances: objects by name, arrays in signature order, or bare values for a
// model with a single input.
absl::StatusOr<table::Table> InstancesTable(const json& instances,
                                            const models::Signature& signature,
                                            int64_t max_rows) {
  if (!instances.is_array()) return absl::InvalidArgumentError("'instances' must be an array");
  if (instances.empty() || instances[0].is_object()) {
    return internal::TableFromRecords(instances, signature, max_rows);
  }
  if (instances[0].is_array()) {
    return internal::TableFromRowLists(instances, {}, signature, max_rows);
  }
  if (signature.inputs.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'instances' holds bare values but the model has ", signature.inputs.size(),
        " inputs: send objects by input name or arrays in signature order"));
  }
  json rows = json::array();
  for (const json& v : instances) rows.push_back(json::array({v}));
  return internal::TableFromRowLists(rows, {}, signature, max_rows);
}

// "inputs": an object of column arrays, or rows of values in signature order.
absl::StatusOr<table::Table> InputsTable(const json& inputs, const models::Signature& signature,
                                         int64_t max_rows) {
  if (inputs.is_object()) return internal::TableFromColumnArrays(inputs, signature, max_rows);
  if (inputs.is_array()) return InstancesTable(inputs, signature, max_rows);
  return absl::InvalidArgumentError("'inputs' must be an object of columns or an array of rows");
}

}  // namespace

std::optional<TfModelPath> ParseTfModelPath(std::string_view rest) {
  TfModelPath p;
  if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (rest.substr(colon + 1) != "predict") return std::nullopt;
    p.action = "predict";
    rest = rest.substr(0, colon);
  } else if (absl::EndsWith(AsAbsl(rest), "/metadata")) {
    p.action = "metadata";
    rest.remove_suffix(9);
  }
  const size_t slash = rest.find('/');
  p.name = std::string(rest.substr(0, slash));
  if (p.name.empty()) return std::nullopt;
  if (slash == std::string_view::npos) return p;
  rest.remove_prefix(slash + 1);
  if (absl::StartsWith(AsAbsl(rest), "versions/")) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(AsAbsl(rest.substr(9)), &v) || v < 1) return std::nullopt;
    p.version = v;
    return p;
  }
  if (absl::StartsWith(AsAbsl(rest), "labels/") && rest.size() > 7 &&
      rest.find('/', 7) == std::string_view::npos) {
    p.label = std::string(rest.substr(7));
    return p;
  }
  return std::nullopt;
}

absl::StatusOr<TfPredictRequest> DecodeTfPredictRequest(std::string_view body,
                                                        const models::Signature& signature,
                                                        int64_t max_rows) {
  ASSIGN_OR_RETURN(json root, ParseBody(body));
  const bool has_instances = root.contains("instances");
  const bool has_inputs = root.contains("inputs");
  if (has_instances == has_inputs) {
    return absl::InvalidArgumentError(
        "the request must have exactly one of 'instances' (row format) or 'inputs' (columnar)");
  }
  for (const auto& [key, value] : root.items()) {
    if (key != "instances" && key != "inputs" && key != "signature_name") {
      return absl::InvalidArgumentError(absl::StrCat("unknown field '", key, "'"));
    }
  }
  TfPredictRequest request;
  request.columnar = has_inputs;
  if (has_instances) {
    ASSIGN_OR_RETURN(request.inputs, InstancesTable(root["instances"], signature, max_rows));
  } else {
    ASSIGN_OR_RETURN(request.inputs, InputsTable(root["inputs"], signature, max_rows));
  }
  return request;
}

std::string EncodeTfPredictResponse(const models::Model::Predictions& predictions,
                                    bool columnar) {
  return json{{columnar ? "outputs" : "predictions", internal::PredictionsToJson(predictions)}}
      .dump();
}

std::string TfModelStatus(const std::vector<int64_t>& versions) {
  json status = json::array();
  // Newest first, as TF Serving lists them.
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    status.push_back({{"version", std::to_string(*it)},
                      {"state", "AVAILABLE"},
                      {"status", {{"error_code", "OK"}, {"error_message", ""}}}});
  }
  return json{{"model_version_status", status}}.dump();
}

std::string TfModelMetadata(std::string_view name, int64_t version,
                            const models::Manifest& manifest) {
  json inputs = json::object();
  for (const models::ColumnSpec& c : manifest.signature.inputs) {
    inputs[c.name] = {{"name", c.name},
                      {"dtype", std::string(V2Datatype(c.type))},
                      {"tensor_shape", {{"dim", json::array({{{"size", "-1"}}})}}}};
  }
  json outputs = json::object();
  for (const models::ColumnSpec& c : manifest.signature.outputs) {
    outputs[c.name] = {{"name", c.name}, {"dtype", std::string(V2Datatype(c.type))}};
  }
  return json{{"model_spec",
               {{"name", name}, {"signature_name", ""}, {"version", std::to_string(version)}}},
              {"metadata",
               {{"signature_def",
                 {{"signature_def",
                   {{"serving_default",
                     {{"inputs", inputs},
                      {"outputs", outputs},
                      {"method_name", "tensorflow/serving/predict"}}}}}}}}}}
      .dump();
}

void WriteTfError(int http_status, std::string_view message, http::Response& response) {
  response.status = http_status;
  response.content_type = "application/json";
  response.body = json{{"error", std::string(message)}}.dump();
}

absl::StatusOr<table::Table> DecodeMlflowInvocation(std::string_view body,
                                                    std::string_view content_type,
                                                    const models::Signature& signature,
                                                    int64_t max_rows) {
  if (absl::StartsWithIgnoreCase(AsAbsl(content_type), "text/csv")) {
    io::CsvOptions options;
    options.threads = 1;
    // Types come from the signature, for the columns the header has (a missing one is then
    // named by the signature check).
    const size_t header_end = body.find('\n');
    ASSIGN_OR_RETURN(table::Table header,
                     io::ReadCsv(body.substr(0, header_end == body.npos ? body.size()
                                                                        : header_end + 1),
                                 options));
    for (const models::ColumnSpec& c : signature.inputs) {
      if (!header.schema().FieldIndex(c.name).has_value()) continue;
      options.column_types[c.name] = models::ColumnTypeOf(c.type);
    }
    ASSIGN_OR_RETURN(table::Table t, io::ReadCsv(body, options));
    if (t.num_rows() > max_rows) {
      return absl::InvalidArgumentError(
          absl::StrCat("the CSV has ", t.num_rows(), " rows; the limit is ", max_rows));
    }
    return t;
  }
  ASSIGN_OR_RETURN(json root, ParseBody(body));
  static constexpr const char* kFormats[] = {"dataframe_split", "dataframe_records", "instances",
                                             "inputs"};
  std::string format;
  for (const auto& [key, value] : root.items()) {
    bool known = key == "params";
    for (const char* f : kFormats) {
      if (key != f) continue;
      if (!format.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the request has both '", format, "' and '", key, "'; send exactly one"));
      }
      format = key;
      known = true;
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown field '", key,
          "' (expected one of dataframe_split, dataframe_records, instances, inputs)"));
    }
  }
  if (format.empty()) {
    return absl::InvalidArgumentError(
        "the request needs one of dataframe_split, dataframe_records, instances, inputs");
  }
  const json& payload = root[format];
  if (format == "dataframe_split") {
    if (!payload.is_object() || !payload.contains("data") ||
        (payload.contains("columns") && !payload["columns"].is_array())) {
      return absl::InvalidArgumentError(
          "'dataframe_split' must be {\"columns\": [...], \"data\": [[...], ...]}");
    }
    std::vector<std::string> columns;
    if (payload.contains("columns")) {
      for (const json& c : payload["columns"]) {
        if (!c.is_string()) {
          return absl::InvalidArgumentError("'dataframe_split.columns' must hold strings");
        }
        columns.push_back(c.get<std::string>());
      }
    }
    return internal::TableFromRowLists(payload["data"], columns, signature, max_rows);
  }
  if (format == "dataframe_records") {
    return internal::TableFromRecords(payload, signature, max_rows);
  }
  if (format == "instances") return InstancesTable(payload, signature, max_rows);
  return InputsTable(payload, signature, max_rows);
}

std::string EncodeMlflowPredictions(const models::Model::Predictions& predictions) {
  return json{{"predictions", internal::PredictionsToJson(predictions)}}.dump();
}

}  // namespace strata::api
