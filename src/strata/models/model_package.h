// A model package: everything needed to predict, in one directory.
//
//   DIR/MLmodel.json     the manifest (below), with the SHA-256 and size of every other file
//   DIR/predictor.json   the predictor's parameters (Predictor::ToJson)
//   DIR/transforms.json  the fitted data::TransformPipeline, when the model has one
//   DIR/...              anything else the writer adds (an imported xgboost model, curves)
//
// A package is stored as run artifacts (`model/` under the run) and a registry model version
// points at that artifact location. Loading verifies every listed file's size and SHA-256
// before parsing anything, so a corrupt or truncated package is refused as a whole.
//
// Inference path (Model::Predict): the request's columns are checked against the signature
// (names, types, nulls/NaN), the transforms run on them, the result is laid out as a float
// matrix in `feature_names` order, and the predictor runs on it.
#ifndef STRATA_MODELS_MODEL_PACKAGE_H_
#define STRATA_MODELS_MODEL_PACKAGE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/data/transforms.h"
#include "strata/models/predictor.h"
#include "strata/table/table.h"

namespace strata::models {

// Column types a signature may name.
enum class ValueType { kFloat64, kFloat32, kInt64, kBool, kString };
std::string_view ValueTypeName(ValueType type);  // "float64", "float32", "int64", "bool", "string"
absl::StatusOr<ValueType> ParseValueType(std::string_view name);
// The table column type that holds values of a signature type (float32 is held as float64).
table::DataType ColumnTypeOf(ValueType type);

struct ColumnSpec {
  std::string name;
  ValueType type = ValueType::kFloat64;
  // Whether null (and, for floats, NaN) is an accepted value. Off by default: a request with a
  // missing value for such a column is refused with the column named.
  bool nullable = false;
};

struct Signature {
  std::vector<ColumnSpec> inputs;   // raw request columns, before transforms, in order
  std::vector<ColumnSpec> outputs;  // what Predict returns, in order

  // `inputs: [{name: age, type: float64, nullable: true}, ...]`, optional `outputs:` alike.
  // Errors: INVALID_ARGUMENT naming the entry and field (unknown type, duplicate name, ...).
  static absl::StatusOr<Signature> FromYaml(std::string_view text);
  static absl::StatusOr<Signature> FromJson(std::string_view text);
  std::string ToJson() const;
};

struct PackageFile {
  std::string path;    // relative to the package directory
  std::string sha256;  // lower-case hex
  uint64_t size = 0;
};

struct Manifest {
  int format_version = 1;
  std::string name;    // the model's own name (`strata serve --model DIR` serves under it)
  std::string flavor;  // Predictor::flavor()
  Task task = Task::kRegression;
  Signature signature;
  // The predictor's input columns, in matrix order, after transforms (one-hot expands a
  // column into several). Every name must be a column of the transformed table.
  std::vector<std::string> feature_names;
  // Classification: the label of each class, index = class id.
  std::vector<std::string> class_labels;
  std::string training_dataset;  // "name@version", or the data path, or empty
  std::string run_id;            // the tracked run that produced it, or empty
  std::string feature_service;   // features/: fetch these features by entity key, or empty
  std::map<std::string, double> metrics;
  std::map<std::string, std::string> library_versions;  // "strata", "xgboost", ...
  std::vector<PackageFile> files;  // filled by WritePackage

  std::string ToJson() const;
  static absl::StatusOr<Manifest> FromJson(std::string_view text);
};

// A loaded package, ready to predict. Immutable; Predict is thread-safe.
class Model {
 public:
  Model(Manifest manifest, std::unique_ptr<Predictor> predictor,
        std::optional<data::TransformPipeline> transforms);

  // Reads and verifies DIR. Errors: NOT_FOUND (no manifest), DATA_LOSS naming the file whose
  // size or SHA-256 does not match, INVALID_ARGUMENT for malformed JSON naming the field.
  static absl::StatusOr<std::unique_ptr<Model>> Load(const std::string& dir);

  const Manifest& manifest() const { return manifest_; }
  const Predictor& predictor() const { return *predictor_; }
  const data::TransformPipeline* transforms() const {
    return transforms_ ? &*transforms_ : nullptr;
  }

  // rows x num_outputs, row-major.
  struct Predictions {
    int64_t rows = 0;
    int num_outputs = 0;
    std::vector<double> values;
  };

  // Validates `inputs` against the signature (every input column present with a compatible
  // type; extra columns refused; nulls/NaN only where nullable), applies the transforms and
  // predicts, splitting batches over `threads` (0 = one per core, 1 = the calling thread).
  // Errors: INVALID_ARGUMENT naming the column (and row for values).
  absl::StatusOr<Predictions> Predict(const table::Table& inputs, int threads = 1) const;

  // The feature matrix Predict would hand the predictor (validation and transforms included);
  // exposed for batching callers that concatenate several requests.
  absl::StatusOr<std::vector<float>> FeatureMatrix(const table::Table& inputs) const;

  // True when the feature matrix is the signature's inputs themselves: no transforms, every
  // input a float64/float32 column, and feature_names equal to the input names in order. Then
  // a request that already holds the rows as floats (a V2 [N, features] tensor) may skip the
  // table and call PredictFeatures; FeatureMatrix would produce the same matrix (nulls as NaN,
  // each value cast to float).
  bool features_are_float_inputs() const { return features_are_float_inputs_; }

  // Predicts a ready feature matrix (`rows` x manifest().feature_names.size(), row-major) as
  // Predict does after FeatureMatrix. The caller has done the validation (nulls/NaN only
  // where the signature allows them).
  Predictions PredictFeatures(const float* features, int64_t rows, int threads = 1) const;

 private:
  Manifest manifest_;
  std::unique_ptr<Predictor> predictor_;
  std::optional<data::TransformPipeline> transforms_;
  bool features_are_float_inputs_ = false;
};

// Writes a package into `dir` (created; must not exist or be empty): predictor.json,
// transforms.json when given, each of `extra_files` (name -> bytes), then MLmodel.json with
// every file's checksum. Files are written to a temporary directory first and renamed into
// place, so a crash never leaves a half package. Checks that the manifest's flavor, task and
// feature count agree with the predictor.
absl::Status WritePackage(const std::string& dir, Manifest manifest, const Predictor& predictor,
                          const data::TransformPipeline* transforms,
                          const std::map<std::string, std::string>& extra_files = {});

}  // namespace strata::models

#endif  // STRATA_MODELS_MODEL_PACKAGE_H_
