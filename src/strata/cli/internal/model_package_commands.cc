#include "strata/cli/internal/model_package_commands.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/api/artifact_handlers.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"
#include "strata/blob/artifact_store.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/io/read_table.h"
#include "strata/io/write_table.h"
#include "strata/models/model_package.h"
#include "strata/models/xgboost_import.h"
#include "strata/registry/model_registry.h"
#include "strata/store/database.h"
#include "strata/table/column.h"
#include "strata/table/table.h"
#include "strata/tracking/tracking_store.h"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

int Fail(const char* verb, const absl::Status& s) {
  std::fprintf(stderr, "strata models %s: %s\n", verb, std::string(s.message()).c_str());
  return 1;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The output column names: the signature's when it names them all, else by task.
std::vector<std::string> OutputNames(const models::Manifest& m, int num_outputs) {
  if (static_cast<int>(m.signature.outputs.size()) == num_outputs) {
    std::vector<std::string> names;
    for (const models::ColumnSpec& c : m.signature.outputs) names.push_back(c.name);
    return names;
  }
  if (m.task == models::Task::kRegression) return {"prediction"};
  if (m.task == models::Task::kBinary) return {"probability"};
  std::vector<std::string> names;
  for (int k = 0; k < num_outputs; ++k) {
    names.push_back(absl::StrCat(
        "prob_", static_cast<size_t>(k) < m.class_labels.size() ? m.class_labels[k]
                                                               : absl::StrCat(k)));
  }
  return names;
}

absl::Status ImportXgboost(const std::string& model_file, const std::string& signature_file,
                           const std::string& out, std::string name,
                           const std::string& feature_service) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(model_file));
  models::XgboostFormat format = models::XgboostFormat::kAuto;
  if (absl::EndsWith(model_file, ".json")) format = models::XgboostFormat::kJson;
  if (absl::EndsWith(model_file, ".ubj")) format = models::XgboostFormat::kUbjson;
  absl::StatusOr<models::XgboostModel> imported = models::ImportXgboostModel(bytes, format);
  if (!imported.ok()) {
    return absl::Status(imported.status().code(),
                        absl::StrCat(model_file, ": ", imported.status().message()));
  }
  ASSIGN_OR_RETURN(std::string signature_text, ReadFile(signature_file));
  absl::StatusOr<models::Signature> signature = models::Signature::FromYaml(signature_text);
  if (!signature.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(signature_file, ": ", signature.status().message()));
  }
  const models::TreePredictor& predictor = *imported->predictor;
  if (static_cast<int>(signature->inputs.size()) != predictor.num_features()) {
    return absl::InvalidArgumentError(absl::StrCat(
        signature_file, ": the signature lists ", signature->inputs.size(),
        " inputs; the model has ", predictor.num_features(), " features"));
  }
  models::Manifest manifest;
  for (size_t i = 0; i < signature->inputs.size(); ++i) {
    const models::ColumnSpec& input = signature->inputs[i];
    if (input.type == models::ValueType::kString) {
      return absl::InvalidArgumentError(absl::StrCat(
          signature_file, ": input '", input.name, "' is a string; tree features are numeric"));
    }
    if (!imported->feature_names.empty() && imported->feature_names[i] != input.name) {
      return absl::InvalidArgumentError(
          absl::StrCat(signature_file, ": input ", i, " is '", input.name,
                       "' but the model's feature ", i, " is '", imported->feature_names[i],
                       "'"));
    }
    manifest.feature_names.push_back(input.name);
  }
  if (!signature->outputs.empty() &&
      static_cast<int>(signature->outputs.size()) != predictor.num_outputs()) {
    return absl::InvalidArgumentError(absl::StrCat(
        signature_file, ": the signature lists ", signature->outputs.size(),
        " outputs; the model has ", predictor.num_outputs()));
  }
  if (name.empty()) name = fs::path(model_file).stem().string();
  manifest.name = name;
  manifest.flavor = std::string(predictor.flavor());
  manifest.task = predictor.task();
  manifest.signature = *std::move(signature);
  if (manifest.task == models::Task::kBinary) manifest.class_labels = {"0", "1"};
  if (manifest.task == models::Task::kMulticlass) {
    for (int k = 0; k < predictor.num_outputs(); ++k) {
      manifest.class_labels.push_back(absl::StrCat(k));
    }
  }
  manifest.library_versions = {{"strata", kVersion}, {"xgboost", imported->version}};
  manifest.feature_service = feature_service;
  // The original file rides along, so the package can always be checked against XGBoost.
  const std::string original =
      absl::StrCat("xgboost_model", format == models::XgboostFormat::kUbjson ? ".ubj" : ".json");
  return models::WritePackage(out, std::move(manifest), predictor, nullptr,
                              {{original, std::move(bytes)}});
}

absl::Status PredictFile(const std::string& dir, const std::string& data, const std::string& out,
                         int threads) {
  ASSIGN_OR_RETURN(std::unique_ptr<models::Model> model, models::Model::Load(dir));
  ASSIGN_OR_RETURN(table::Table inputs, io::ReadTable(data));
  absl::StatusOr<models::Model::Predictions> predictions = model->Predict(inputs, threads);
  if (!predictions.ok()) {
    return absl::Status(predictions.status().code(),
                        absl::StrCat(data, ": ", predictions.status().message()));
  }
  const std::vector<std::string> names =
      OutputNames(model->manifest(), predictions->num_outputs);
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  for (int k = 0; k < predictions->num_outputs; ++k) {
    table::ColumnBuilder builder(table::DataType::kFloat64);
    for (int64_t r = 0; r < predictions->rows; ++r) {
      builder.AppendFloat64(predictions->values[r * predictions->num_outputs + k]);
    }
    fields.push_back({names[k], table::DataType::kFloat64});
    columns.push_back(builder.Finish());
  }
  ASSIGN_OR_RETURN(table::Table result,
                   table::Table::Make(table::Schema(std::move(fields)), std::move(columns)));
  return io::WriteTable(out, result);
}

// Uploads every file of package `dir` under `logical_root`/model/ in the blob store.
absl::Status UploadPackage(blob::ArtifactStore& blobs, const std::string& dir,
                           const std::string& logical_root) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), dir).generic_string();
    RETURN_IF_ERROR(
        blobs.PutFile(absl::StrCat(logical_root, "/model/", rel), it->path().string()).status());
  }
  if (ec) return absl::InternalError(absl::StrCat("reading ", dir, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace

ModelPackageCommands::ModelPackageCommands(CLI::App* models) {
  CLI::App* import = models->add_subcommand(
      "import", "Turn a model trained elsewhere (XGBoost JSON or UBJSON) into a Strata package");
  import->add_option("--flavor", flavor_, "What trained it: xgboost")->capture_default_str();
  import->add_option("model", model_file_, "model.json or model.ubj (XGBoost save_model)")
      ->required();
  import->add_option("--signature", signature_file_,
                     "YAML: inputs: [{name: age, type: float64}, ...] in feature order")
      ->required();
  import->add_option("--out", out_, "Package directory to create")->required();
  import->add_option("--name", name_, "The model's name (default: the file's stem)");
  import->add_option("--feature-service", feature_service_,
                     "Feature service the package names: strata serve --feature-repo then "
                     "accepts requests carrying only its entity keys");
  actions_.push_back({import, [this] { return Import(); }});

  CLI::App* predict = models->add_subcommand("predict", "Predict a table with a local package");
  predict->add_option("--model", model_dir_, "Package directory")->required();
  predict->add_option("--data", data_, "Input table (.csv .tsv .jsonl .parquet)")->required();
  predict->add_option("--out", out_, "Output table, one column per output")->required();
  predict->add_option("--threads", threads_, "0 = one per core")->capture_default_str();
  actions_.push_back({predict, [this] { return Predict(); }});

  CLI::App* reg = models->add_subcommand(
      "register", "Register a package (a run id with model/ artifacts, or a local DIR)");
  reg->add_option("source", source_, "Run id, or a package directory")->required();
  reg->add_option("name", name_, "Registered model name")->required();
  home_ = DefaultHome();
  reg->add_option("--home", home_, "Home directory (default $STRATA_HOME or ~/.strata)")
      ->capture_default_str();
  reg->add_option("--store", store_uri_, "Metadata store URI; default sqlite under --home");
  reg->add_option("--artifacts", artifacts_dir_, "Blob store directory; default <home>/artifacts");
  actions_.push_back({reg, [this] { return Register(); }});

  CLI::App* alias = models->add_subcommand(
      "alias", "Point an alias of a registered model at a version (or --delete it)");
  alias->add_option("name", alias_model_, "Registered model name")->required();
  alias->add_option("alias", alias_, "Alias, e.g. champion")->required();
  alias->add_option("version", alias_version_, "Version number");
  alias->add_flag("--delete", alias_delete_, "Remove the alias");
  alias->add_option("--home", home_, "Home directory (default $STRATA_HOME or ~/.strata)")
      ->capture_default_str();
  alias->add_option("--store", store_uri_, "Metadata store URI; default sqlite under --home");
  actions_.push_back({alias, [this] { return Alias(); }});
}

int ModelPackageCommands::Run() {
  for (auto& [cmd, fn] : actions_) {
    if (cmd->parsed()) return fn();
  }
  return -1;
}

int ModelPackageCommands::Import() {
  if (flavor_ != "xgboost") {
    std::fprintf(stderr, "strata models import: unknown --flavor '%s' (xgboost)\n",
                 flavor_.c_str());
    return 2;
  }
  absl::Status s = ImportXgboost(model_file_, signature_file_, out_, name_, feature_service_);
  if (!s.ok()) return Fail("import", s);
  std::printf("wrote package %s\n", out_.c_str());
  return 0;
}

int ModelPackageCommands::Predict() {
  absl::Status s = PredictFile(model_dir_, data_, out_, threads_);
  if (!s.ok()) return Fail("predict", s);
  return 0;
}

int ModelPackageCommands::Register() {
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, OpenHomeDatabase(home_, store_uri_));
    ASSIGN_OR_RETURN(std::unique_ptr<blob::ArtifactStore> blobs,
                     blob::ArtifactStore::Open(HomeArtifactsDir(home_, artifacts_dir_)));
    ASSIGN_OR_RETURN(std::unique_ptr<tracking::TrackingStore> tracking,
                     OpenHomeTracking(db.get()));
    ASSIGN_OR_RETURN(std::unique_ptr<registry::ModelRegistry> registry,
                     registry::ModelRegistry::Open(db.get()));
    std::string run_id;
    if (fs::is_directory(source_)) {
      // Refuse a package that does not load (checksums, predictor) before uploading it.
      ASSIGN_OR_RETURN(std::unique_ptr<models::Model> model, models::Model::Load(source_));
      tracking::CreateRunRequest create;
      create.run_name = absl::StrCat("register-", name_);
      ASSIGN_OR_RETURN(tracking::Run created, tracking->CreateRun(create));
      run_id = created.info.run_id;
      ASSIGN_OR_RETURN(std::string root, api::MlflowArtifactsUriToPath(created.info.artifact_uri));
      RETURN_IF_ERROR(UploadPackage(*blobs, source_, root));
      tracking::UpdateRunRequest finish;
      finish.run_id = run_id;
      finish.status = "FINISHED";
      RETURN_IF_ERROR(tracking->UpdateRun(finish).status());
    } else {
      run_id = source_;
      ASSIGN_OR_RETURN(std::string artifact_uri, tracking->RunArtifactUri(run_id));
      ASSIGN_OR_RETURN(std::string root, api::MlflowArtifactsUriToPath(artifact_uri));
      absl::StatusOr<blob::BlobInfo> manifest = blobs->Get(absl::StrCat(root, "/model/MLmodel.json"));
      if (!manifest.ok()) {
        return absl::NotFoundError(
            absl::StrCat("run ", run_id, " has no model package (model/MLmodel.json)"));
      }
    }
    absl::StatusOr<registry::RegisteredModel> existing = registry->GetRegisteredModel(name_);
    if (!existing.ok()) {
      if (existing.status().code() != absl::StatusCode::kNotFound) return existing.status();
      RETURN_IF_ERROR(registry->CreateRegisteredModel(name_, "", {}).status());
    }
    registry::CreateModelVersionRequest request;
    request.name = name_;
    request.source = absl::StrCat("runs:/", run_id, "/model");
    request.run_id = run_id;
    ASSIGN_OR_RETURN(registry::ModelVersion version, registry->CreateModelVersion(request));
    std::printf("registered %s version %lld (source %s)\n", name_.c_str(),
                static_cast<long long>(version.version), request.source.c_str());
    return absl::OkStatus();
  };
  absl::Status s = run();
  if (!s.ok()) return Fail("register", s);
  return 0;
}

int ModelPackageCommands::Alias() {
  if (alias_delete_ == (alias_version_ > 0)) {
    std::fprintf(stderr, "strata models alias: give a version >= 1, or --delete\n");
    return 2;
  }
  auto run = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, OpenHomeDatabase(home_, store_uri_));
    ASSIGN_OR_RETURN(std::unique_ptr<registry::ModelRegistry> registry,
                     registry::ModelRegistry::Open(db.get()));
    if (alias_delete_) {
      RETURN_IF_ERROR(registry->DeleteRegisteredModelAlias(alias_model_, alias_, "cli"));
      std::printf("deleted alias %s of %s\n", alias_.c_str(), alias_model_.c_str());
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(
        registry->SetRegisteredModelAlias(alias_model_, alias_, alias_version_, "cli"));
    std::printf("%s@%s -> version %lld\n", alias_model_.c_str(), alias_.c_str(),
                static_cast<long long>(alias_version_));
    return absl::OkStatus();
  };
  absl::Status s = run();
  if (!s.ok()) return Fail("alias", s);
  return 0;
}

}  // namespace strata::cli
