#include "strata/models/model_package.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "strata/base/sha256.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::models {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestFile[] = "MLmodel.json";
constexpr char kPredictorFile[] = "predictor.json";
constexpr char kTransformsFile[] = "transforms.json";

absl::StatusOr<std::string> ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path.string()));
  return buffer.str();
}

absl::Status WriteWholeFile(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

// A manifest's file paths are relative and stay inside the package: no absolute paths, no
// "..", no empty or "." components. The manifest is user-supplied input when a package comes
// from elsewhere.
absl::Status CheckPackagePath(std::string_view path) {
  if (path.empty() || path.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("MLmodel.json: file path '", AsAbsl(path), "' must be relative"));
  }
  for (absl::string_view part : absl::StrSplit(AsAbsl(path), '/')) {
    if (part.empty() || part == "." || part == ".." || part.find('\0') != part.npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "MLmodel.json: file path '", AsAbsl(path), "' leaves the package or is malformed"));
    }
  }
  return absl::OkStatus();
}

bool IsNullOrNan(const table::Column& column, int64_t row) {
  if (column.IsNull(row)) return true;
  return column.type() == table::DataType::kFloat64 && std::isnan(column.Float64s()[row]);
}

// Whether a column of `actual` type may feed a signature input of `expected` type. Integers
// widen to floats; nothing narrows.
bool Compatible(ValueType expected, table::DataType actual) {
  using table::DataType;
  switch (expected) {
    case ValueType::kFloat64:
    case ValueType::kFloat32:
      return actual == DataType::kFloat64 || actual == DataType::kInt64;
    case ValueType::kInt64:
      return actual == DataType::kInt64;
    case ValueType::kBool:
      return actual == DataType::kBool;
    case ValueType::kString:
      return actual == DataType::kString || actual == DataType::kCategory;
  }
  return false;
}

absl::Status ValidateInputs(const Signature& signature, const table::Table& inputs) {
  for (const table::Field& field : inputs.schema().fields()) {
    bool known = false;
    for (const ColumnSpec& spec : signature.inputs) known = known || spec.name == field.name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected input column '", field.name, "' (not in the signature)"));
    }
  }
  for (const ColumnSpec& spec : signature.inputs) {
    absl::StatusOr<const table::Column*> column = inputs.ColumnByName(spec.name);
    if (!column.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing input column '", spec.name, "'"));
    }
    const table::Column& c = **column;
    if (!Compatible(spec.type, c.type())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input column '", spec.name, "' has type ", AsAbsl(table::DataTypeName(c.type())),
          ", the signature wants ", AsAbsl(ValueTypeName(spec.type))));
    }
    if (spec.nullable) continue;
    for (int64_t row = 0; row < c.size(); ++row) {
      if (IsNullOrNan(c, row)) {
        return absl::InvalidArgumentError(
            absl::StrCat("input column '", spec.name, "' row ", row,
                         ": missing value (null or NaN) where the signature forbids it"));
      }
    }
  }
  return absl::OkStatus();
}

// Copies `column` into matrix column `feature` (stride `num_features`), nulls as NaN.
absl::Status FillFeature(const table::Column& column, std::string_view name, int64_t feature,
                         int64_t num_features, float* matrix) {
  using table::DataType;
  const int64_t rows = column.size();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  switch (column.type()) {
    case DataType::kFloat64: {
      absl::Span<const double> values = column.Float64s();
      for (int64_t r = 0; r < rows; ++r) {
        matrix[r * num_features + feature] =
            column.IsNull(r) ? nan : static_cast<float>(values[r]);
      }
      return absl::OkStatus();
    }
    case DataType::kInt64: {
      absl::Span<const int64_t> values = column.Int64s();
      for (int64_t r = 0; r < rows; ++r) {
        matrix[r * num_features + feature] =
            column.IsNull(r) ? nan : static_cast<float>(values[r]);
      }
      return absl::OkStatus();
    }
    case DataType::kBool: {
      absl::Span<const uint8_t> values = column.Bools();
      for (int64_t r = 0; r < rows; ++r) {
        matrix[r * num_features + feature] = column.IsNull(r) ? nan : (values[r] ? 1.0f : 0.0f);
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("feature '", AsAbsl(name), "' is a ", AsAbsl(table::DataTypeName(column.type())),
                       " column after the transforms; the predictor needs numbers (add an "
                       "encoding step such as one_hot or ordinal)"));
  }
}

}  // namespace

Model::Model(Manifest manifest, std::unique_ptr<Predictor> predictor,
             std::optional<data::TransformPipeline> transforms)
    : manifest_(std::move(manifest)),
      predictor_(std::move(predictor)),
      transforms_(std::move(transforms)) {
  const std::vector<ColumnSpec>& inputs = manifest_.signature.inputs;
  features_are_float_inputs_ = !transforms_.has_value() &&
                               manifest_.feature_names.size() == inputs.size() &&
                               !inputs.empty();
  for (size_t i = 0; features_are_float_inputs_ && i < inputs.size(); ++i) {
    features_are_float_inputs_ =
        (inputs[i].type == ValueType::kFloat64 || inputs[i].type == ValueType::kFloat32) &&
        manifest_.feature_names[i] == inputs[i].name;
  }
}

absl::StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& dir) {
  const fs::path root(dir);
  absl::StatusOr<std::string> manifest_text = ReadWholeFile(root / kManifestFile);
  if (!manifest_text.ok()) {
    return absl::NotFoundError(
        absl::StrCat("not a model package: ", dir, " has no readable ", kManifestFile));
  }
  ASSIGN_OR_RETURN(Manifest manifest, Manifest::FromJson(*manifest_text));

  // Every file is verified before any is parsed, so a damaged package is refused whole.
  std::map<std::string, std::string> contents;
  for (const PackageFile& file : manifest.files) {
    RETURN_IF_ERROR(CheckPackagePath(file.path));
    absl::StatusOr<std::string> bytes = ReadWholeFile(root / file.path);
    if (!bytes.ok()) {
      return absl::DataLossError(
          absl::StrCat("model package ", dir, ": file ", file.path, " is missing"));
    }
    if (bytes->size() != file.size) {
      return absl::DataLossError(absl::StrCat("model package ", dir, ": file ", file.path,
                                              " has ", bytes->size(), " bytes, the manifest says ",
                                              file.size));
    }
    const std::string digest = Sha256Hex(*bytes);
    if (digest != file.sha256) {
      return absl::DataLossError(absl::StrCat("model package ", dir, ": checksum mismatch for ",
                                              file.path, " (sha256 ", digest, ", expected ",
                                              file.sha256, ")"));
    }
    contents[file.path] = *std::move(bytes);
  }
  auto predictor_bytes = contents.find(kPredictorFile);
  if (predictor_bytes == contents.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model package ", dir, ": the manifest does not list ", kPredictorFile));
  }
  absl::StatusOr<std::unique_ptr<Predictor>> predictor =
      PredictorFromJson(manifest.flavor, predictor_bytes->second);
  if (!predictor.ok()) {
    return absl::Status(predictor.status().code(),
                        absl::StrCat("model package ", dir, ": ", kPredictorFile, ": ",
                                     predictor.status().message()));
  }
  if ((*predictor)->num_features() != static_cast<int>(manifest.feature_names.size()) ||
      (*predictor)->task() != manifest.task || (*predictor)->flavor() != manifest.flavor) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model package ", dir, ": the predictor (", AsAbsl((*predictor)->flavor()), ", ",
        AsAbsl(TaskName((*predictor)->task())), ", ", (*predictor)->num_features(),
        " features) does not match the manifest (", manifest.flavor, ", ",
        AsAbsl(TaskName(manifest.task)), ", ", manifest.feature_names.size(), " features)"));
  }
  std::optional<data::TransformPipeline> transforms;
  if (auto it = contents.find(kTransformsFile); it != contents.end()) {
    absl::StatusOr<data::TransformPipeline> pipeline =
        data::TransformPipeline::FromJson(it->second);
    if (!pipeline.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("model package ", dir, ": ",
                                                     kTransformsFile, ": ",
                                                     pipeline.status().message()));
    }
    transforms = *std::move(pipeline);
  }
  return std::make_unique<Model>(std::move(manifest), *std::move(predictor),
                                 std::move(transforms));
}

absl::StatusOr<std::vector<float>> Model::FeatureMatrix(const table::Table& inputs) const {
  RETURN_IF_ERROR(ValidateInputs(manifest_.signature, inputs));
  table::Table transformed_storage;
  const table::Table* features = &inputs;
  if (transforms_) {
    ASSIGN_OR_RETURN(transformed_storage, transforms_->Transform(inputs));
    features = &transformed_storage;
  }
  const int64_t rows = inputs.num_rows();
  const int64_t num_features = static_cast<int64_t>(manifest_.feature_names.size());
  std::vector<float> matrix(static_cast<size_t>(rows * num_features));
  for (int64_t f = 0; f < num_features; ++f) {
    const std::string& name = manifest_.feature_names[static_cast<size_t>(f)];
    absl::StatusOr<const table::Column*> column = features->ColumnByName(name);
    if (!column.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature '", name, "' is not a column of the ",
          transforms_ ? "transformed inputs" : "inputs"));
    }
    RETURN_IF_ERROR(FillFeature(**column, name, f, num_features, matrix.data()));
  }
  return matrix;
}

absl::StatusOr<Model::Predictions> Model::Predict(const table::Table& inputs, int threads) const {
  ASSIGN_OR_RETURN(std::vector<float> matrix, FeatureMatrix(inputs));
  return PredictFeatures(matrix.data(), inputs.num_rows(), threads);
}

Model::Predictions Model::PredictFeatures(const float* features, int64_t rows,
                                          int threads) const {
  Predictions predictions;
  predictions.rows = rows;
  predictions.num_outputs = predictor_->num_outputs();
  predictions.values.resize(static_cast<size_t>(predictions.rows * predictions.num_outputs));
  PredictParallel(*predictor_, features, predictions.rows, predictions.values.data(), threads);
  return predictions;
}

absl::Status WritePackage(const std::string& dir, Manifest manifest, const Predictor& predictor,
                          const data::TransformPipeline* transforms,
                          const std::map<std::string, std::string>& extra_files) {
  if (manifest.flavor.empty()) manifest.flavor = std::string(predictor.flavor());
  if (manifest.flavor != predictor.flavor() || manifest.task != predictor.task() ||
      static_cast<int>(manifest.feature_names.size()) != predictor.num_features()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "manifest (", manifest.flavor, ", ", AsAbsl(TaskName(manifest.task)), ", ",
        manifest.feature_names.size(), " features) does not match the predictor (",
        AsAbsl(predictor.flavor()), ", ", AsAbsl(TaskName(predictor.task())), ", ",
        predictor.num_features(), " features)"));
  }
  if (manifest.signature.inputs.empty()) {
    return absl::InvalidArgumentError("manifest: the signature has no inputs");
  }
  if (manifest.task != Task::kRegression && manifest.class_labels.size() < 2) {
    return absl::InvalidArgumentError("manifest: a classification model needs class_labels");
  }
  std::map<std::string, std::string> files = extra_files;
  for (const auto& [path, bytes] : extra_files) {
    RETURN_IF_ERROR(CheckPackagePath(path));
    if (path == kManifestFile || path == kPredictorFile || path == kTransformsFile) {
      return absl::InvalidArgumentError(
          absl::StrCat("extra file '", path, "' would overwrite a package file"));
    }
  }
  files[kPredictorFile] = predictor.ToJson();
  if (transforms != nullptr) {
    if (!transforms->fitted()) {
      return absl::InvalidArgumentError("the transform pipeline is not fitted");
    }
    files[kTransformsFile] = transforms->ToJson();
  }

  const fs::path target(dir);
  std::error_code ec;
  if (fs::exists(target, ec) && !fs::is_empty(target, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(dir, " exists and is not empty"));
  }
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  fs::create_directories(parent, ec);
  std::random_device random;
  const fs::path staging =
      parent / absl::StrCat(".", target.filename().string(), ".tmp-", random());
  fs::create_directories(staging, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", staging.string()));
  auto fail = [&](absl::Status status) {
    fs::remove_all(staging, ec);
    return status;
  };
  manifest.files.clear();
  for (const auto& [path, bytes] : files) {
    const fs::path file = staging / path;
    fs::create_directories(file.parent_path(), ec);
    if (absl::Status s = WriteWholeFile(file, bytes); !s.ok()) return fail(s);
    manifest.files.push_back({path, Sha256Hex(bytes), bytes.size()});
  }
  if (absl::Status s = WriteWholeFile(staging / kManifestFile, manifest.ToJson()); !s.ok()) {
    return fail(s);
  }
  if (fs::exists(target, ec)) fs::remove(target, ec);  // empty, checked above
  fs::rename(staging, target, ec);
  if (ec) {
    return fail(absl::InternalError(
        absl::StrCat("cannot move the package into ", dir, ": ", ec.message())));
  }
  return absl::OkStatus();
}

}  // namespace strata::models
