// The package manifest (MLmodel.json) as JSON, with every field type-checked on read.
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/models/model_package.h"

namespace strata::models {
namespace {

using nlohmann::json;

absl::Status FieldError(std::string_view field, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat("MLmodel.json: field '", AsAbsl(field),
                                                 "' must be ", AsAbsl(expected)));
}

absl::Status ReadString(const json& root, const char* field, bool required, std::string* out) {
  if (!root.contains(field)) {
    return required ? FieldError(field, "present (a string)") : absl::OkStatus();
  }
  if (!root[field].is_string()) return FieldError(field, "a string");
  *out = root[field].get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadStringList(const json& root, const char* field, std::vector<std::string>* out) {
  if (!root.contains(field)) return absl::OkStatus();
  const json& node = root[field];
  if (!node.is_array()) return FieldError(field, "an array of strings");
  for (const json& item : node) {
    if (!item.is_string()) return FieldError(field, "an array of strings");
    out->push_back(item.get<std::string>());
  }
  return absl::OkStatus();
}

}  // namespace

std::string Manifest::ToJson() const {
  json files_json = json::array();
  for (const PackageFile& f : files) {
    files_json.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  }
  json root = {
      {"format_version", format_version},
      {"name", name},
      {"flavor", flavor},
      {"task", TaskName(task)},
      {"signature", json::parse(signature.ToJson())},
      {"feature_names", feature_names},
      {"class_labels", class_labels},
      {"training_dataset", training_dataset},
      {"run_id", run_id},
      {"feature_service", feature_service},
      {"metrics", metrics},
      {"library_versions", library_versions},
      {"files", files_json},
  };
  return root.dump(2);
}

absl::StatusOr<Manifest> Manifest::FromJson(std::string_view text) {
  const json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("MLmodel.json: not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("MLmodel.json: not a JSON object");
  Manifest m;
  if (!root.contains("format_version") || !root["format_version"].is_number_integer()) {
    return FieldError("format_version", "an integer");
  }
  m.format_version = root["format_version"].get<int>();
  if (m.format_version != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MLmodel.json: format_version ", m.format_version, " is not supported (expected 1)"));
  }
  RETURN_IF_ERROR(ReadString(root, "name", /*required=*/false, &m.name));
  RETURN_IF_ERROR(ReadString(root, "flavor", /*required=*/true, &m.flavor));
  std::string task;
  RETURN_IF_ERROR(ReadString(root, "task", /*required=*/true, &task));
  absl::StatusOr<Task> parsed_task = ParseTask(task);
  if (!parsed_task.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MLmodel.json: field 'task': ", parsed_task.status().message()));
  }
  m.task = *parsed_task;
  if (!root.contains("signature") || !root["signature"].is_object()) {
    return FieldError("signature", "an object");
  }
  absl::StatusOr<Signature> signature = Signature::FromJson(root["signature"].dump());
  if (!signature.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("MLmodel.json: field 'signature': ", signature.status().message()));
  }
  m.signature = *std::move(signature);
  RETURN_IF_ERROR(ReadStringList(root, "feature_names", &m.feature_names));
  RETURN_IF_ERROR(ReadStringList(root, "class_labels", &m.class_labels));
  RETURN_IF_ERROR(ReadString(root, "training_dataset", false, &m.training_dataset));
  RETURN_IF_ERROR(ReadString(root, "run_id", false, &m.run_id));
  RETURN_IF_ERROR(ReadString(root, "feature_service", false, &m.feature_service));
  if (root.contains("metrics")) {
    if (!root["metrics"].is_object()) return FieldError("metrics", "an object of numbers");
    for (const auto& [key, value] : root["metrics"].items()) {
      if (!value.is_number()) return FieldError("metrics", "an object of numbers");
      m.metrics[key] = value.get<double>();
    }
  }
  if (root.contains("library_versions")) {
    if (!root["library_versions"].is_object()) {
      return FieldError("library_versions", "an object of strings");
    }
    for (const auto& [key, value] : root["library_versions"].items()) {
      if (!value.is_string()) return FieldError("library_versions", "an object of strings");
      m.library_versions[key] = value.get<std::string>();
    }
  }
  if (!root.contains("files") || !root["files"].is_array()) {
    return FieldError("files", "an array");
  }
  for (size_t i = 0; i < root["files"].size(); ++i) {
    const json& f = root["files"][i];
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() ||
        !f.contains("sha256") || !f["sha256"].is_string() || !f.contains("size") ||
        !f["size"].is_number_unsigned()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MLmodel.json: files[", i, "] must be {\"path\": string, \"sha256\": string, "
          "\"size\": unsigned}"));
    }
    m.files.push_back({f["path"].get<std::string>(), f["sha256"].get<std::string>(),
                       f["size"].get<uint64_t>()});
  }
  if (m.feature_names.empty()) return FieldError("feature_names", "a non-empty array");
  if (m.task != Task::kRegression && m.class_labels.size() < 2) {
    return FieldError("class_labels", "at least two labels for a classification model");
  }
  return m;
}

}  // namespace strata::models
