#include "strata/models/model_package.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/data/testing/transform_tables.h"

namespace strata::models {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using data::testing::Floats;
using data::testing::Ints;
using data::testing::MakeTable;
using data::testing::Strings;

// out = sum_j (j + 1) * x_j, so every feature's position shows in the result.
class WeightedSumPredictor : public Predictor {
 public:
  explicit WeightedSumPredictor(int features) : features_(features) {}
  std::string_view flavor() const override { return "test_sum"; }
  Task task() const override { return Task::kRegression; }
  int num_features() const override { return features_; }
  int num_outputs() const override { return 1; }
  void Predict(const float* x, int64_t rows, double* out) const override {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int j = 0; j < features_; ++j) sum += (j + 1) * static_cast<double>(x[r * features_ + j]);
      out[r] = sum;
    }
  }
  std::string ToJson() const override { return "{\"features\": " + std::to_string(features_) + "}"; }

 private:
  int features_;
};

Manifest TwoInputManifest(bool b_nullable) {
  Manifest m;
  m.name = "demo";
  m.flavor = "test_sum";
  m.task = Task::kRegression;
  m.signature.inputs = {{"a", ValueType::kFloat64, false}, {"b", ValueType::kInt64, b_nullable}};
  m.signature.outputs = {{"prediction", ValueType::kFloat64, false}};
  m.feature_names = {"a", "b"};
  return m;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

class PackageDir : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("strata_models_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST(SignatureTest, ReadsYamlWithTypesAndNullable) {
  absl::StatusOr<Signature> s = Signature::FromYaml(R"(
inputs: [{name: age, type: float64}, {name: n, type: int64, nullable: true},
         {name: city, type: string}, {name: ok, type: bool}, {name: f, type: float32}]
outputs: [{name: p, type: float64}]
)");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->inputs.size(), 5u);
  EXPECT_EQ(s->inputs[1].type, ValueType::kInt64);
  EXPECT_TRUE(s->inputs[1].nullable);
  EXPECT_FALSE(s->inputs[0].nullable);
  EXPECT_EQ(s->inputs[4].type, ValueType::kFloat32);
  ASSERT_EQ(s->outputs.size(), 1u);
  absl::StatusOr<Signature> back = Signature::FromJson(s->ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), s->ToJson());
}

TEST(SignatureTest, NamesTheBadEntry) {
  EXPECT_THAT(Signature::FromYaml("inputs: [{name: a, type: float64}, {name: b, type: complex}]")
                  .status()
                  .message(),
              HasSubstr("inputs[1] ('b'): unknown type 'complex'"));
  EXPECT_THAT(Signature::FromYaml("inputs: [{name: a, type: int64}, {name: a, type: int64}]")
                  .status()
                  .message(),
              HasSubstr("inputs[1]: duplicate column name 'a'"));
  EXPECT_THAT(Signature::FromYaml("inputs: [{name: a, typ: int64}]").status().message(),
              HasSubstr("inputs[0]: unknown field 'typ'"));
  EXPECT_THAT(Signature::FromYaml("outputs: []").status().message(), HasSubstr("'inputs'"));
  EXPECT_THAT(Signature::FromYaml("inputs: [a: [").status().message(), HasSubstr("signature"));
  EXPECT_FALSE(Signature::FromJson("[1, 2]").ok());
}

TEST(ManifestTest, RoundTripsAndRejectsWrongTypes) {
  Manifest m = TwoInputManifest(false);
  m.metrics["rmse"] = 0.25;
  m.library_versions["strata"] = "0.1.0";
  m.files = {{"predictor.json", std::string(64, 'a'), 12}};
  absl::StatusOr<Manifest> back = Manifest::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), m.ToJson());

  nlohmann::json bad = nlohmann::json::parse(m.ToJson());
  bad["files"][0]["size"] = "12";
  EXPECT_THAT(Manifest::FromJson(bad.dump()).status().message(), HasSubstr("files[0]"));
  bad = nlohmann::json::parse(m.ToJson());
  bad["task"] = "ranking";
  EXPECT_THAT(Manifest::FromJson(bad.dump()).status().message(), HasSubstr("'task'"));
  bad = nlohmann::json::parse(m.ToJson());
  bad["format_version"] = 2;
  EXPECT_THAT(Manifest::FromJson(bad.dump()).status().message(), HasSubstr("format_version 2"));
  EXPECT_FALSE(Manifest::FromJson("{").ok());
}

TEST(ModelTest, PredictsInFeatureOrderAndWidensIntegers) {
  Model model(TwoInputManifest(false), std::make_unique<WeightedSumPredictor>(2), std::nullopt);
  table::Table in = MakeTable({{"b", Ints({10, 20, 30})}, {"a", Floats({1.5, 2.5, 3.5})}});
  absl::StatusOr<Model::Predictions> p = model.Predict(in);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->rows, 3);
  EXPECT_EQ(p->num_outputs, 1);
  EXPECT_EQ(p->values, (std::vector<double>{21.5, 42.5, 63.5}));
}

TEST(ModelTest, RefusesBadInputsNamingTheColumn) {
  Model model(TwoInputManifest(false), std::make_unique<WeightedSumPredictor>(2), std::nullopt);
  auto message = [&](const table::Table& t) {
    return std::string(model.Predict(t).status().message());
  };
  EXPECT_THAT(message(MakeTable({{"a", Floats({1.0})}})), HasSubstr("missing input column 'b'"));
  EXPECT_THAT(message(MakeTable({{"a", Floats({1.0})}, {"b", Ints({1})}, {"c", Ints({1})}})),
              HasSubstr("unexpected input column 'c'"));
  EXPECT_THAT(message(MakeTable({{"a", Strings({"x"})}, {"b", Ints({1})}})),
              HasSubstr("input column 'a' has type string, the signature wants float64"));
  EXPECT_THAT(message(MakeTable({{"a", Floats({1.0, std::nullopt})}, {"b", Ints({1, 2})}})),
              HasSubstr("input column 'a' row 1: missing value"));
  EXPECT_THAT(message(MakeTable({{"a", Floats({std::numeric_limits<double>::quiet_NaN()})},
                                 {"b", Ints({1})}})),
              HasSubstr("input column 'a' row 0"));
  EXPECT_THAT(message(MakeTable({{"a", Floats({1.0})}, {"b", Floats({1.0})}})),
              HasSubstr("'b' has type float64, the signature wants int64"));
}

TEST(ModelTest, NullableColumnsBecomeNan) {
  Model model(TwoInputManifest(true), std::make_unique<WeightedSumPredictor>(2), std::nullopt);
  absl::StatusOr<std::vector<float>> m =
      model.FeatureMatrix(MakeTable({{"a", Floats({1.0})}, {"b", Ints({std::nullopt})}}));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0], 1.0f);
  EXPECT_TRUE(std::isnan((*m)[1]));
}

TEST(ModelTest, FeaturesAreFloatInputsOnlyWithoutTransformsInSignatureOrder) {
  Manifest floats = TwoInputManifest(false);
  floats.signature.inputs[1].type = ValueType::kFloat32;
  Model direct(floats, std::make_unique<WeightedSumPredictor>(2), std::nullopt);
  EXPECT_TRUE(direct.features_are_float_inputs());
  // PredictFeatures on the matrix FeatureMatrix builds equals Predict.
  table::Table in = MakeTable({{"a", Floats({1.5, 2.5})}, {"b", Floats({10, 20})}});
  absl::StatusOr<std::vector<float>> m = direct.FeatureMatrix(in);
  ASSERT_TRUE(m.ok()) << m.status();
  Model::Predictions p = direct.PredictFeatures(m->data(), 2);
  EXPECT_EQ(p.rows, 2);
  EXPECT_EQ(p.values, direct.Predict(in)->values);

  Model with_int(TwoInputManifest(false), std::make_unique<WeightedSumPredictor>(2),
                 std::nullopt);
  EXPECT_FALSE(with_int.features_are_float_inputs());
  Manifest reordered = floats;
  reordered.feature_names = {"b", "a"};
  EXPECT_FALSE(
      Model(reordered, std::make_unique<WeightedSumPredictor>(2), std::nullopt)
          .features_are_float_inputs());
  table::Table train = MakeTable({{"a", Floats({1.0, 3.0})}, {"b", Floats({0, 0})}});
  Model transformed(floats, std::make_unique<WeightedSumPredictor>(2),
                    data::testing::FitSpec(
                        R"({"steps": [{"kind": "standard_scaler", "columns": ["a"]}]})", train));
  EXPECT_FALSE(transformed.features_are_float_inputs());
}

TEST(ModelTest, AppliesTheTransformsBeforePredicting) {
  table::Table train = MakeTable({{"a", Floats({1.0, 3.0})}, {"b", Ints({0, 0})}});
  data::TransformPipeline pipeline = data::testing::FitSpec(
      R"({"steps": [{"kind": "standard_scaler", "columns": ["a"]}]})", train);
  Model model(TwoInputManifest(false), std::make_unique<WeightedSumPredictor>(2),
              std::move(pipeline));
  absl::StatusOr<Model::Predictions> p =
      model.Predict(MakeTable({{"a", Floats({3.0, 1.0})}, {"b", Ints({1, 1})}}));
  ASSERT_TRUE(p.ok()) << p.status();
  // a is standardised to +1 / -1 (mean 2, population std 1); b weighs 2.
  EXPECT_EQ(p->values, (std::vector<double>{3.0, 1.0}));
}

TEST(PredictParallelTest, MatchesOneThreadOnABigBatch) {
  WeightedSumPredictor predictor(3);
  const int64_t rows = 10007;
  std::vector<float> x(static_cast<size_t>(rows * 3));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 97) * 0.5f;
  std::vector<double> one(rows), many(rows);
  PredictParallel(predictor, x.data(), rows, one.data(), 1);
  PredictParallel(predictor, x.data(), rows, many.data(), 4);
  EXPECT_EQ(one, many);
}

TEST(TaskTest, NamesRoundTrip) {
  for (Task t : {Task::kRegression, Task::kBinary, Task::kMulticlass}) {
    EXPECT_EQ(*ParseTask(TaskName(t)), t);
  }
  EXPECT_FALSE(ParseTask("ranking").ok());
}

TEST_F(PackageDir, WritesEveryFileWithItsChecksum) {
  const fs::path dir = root_ / "pkg";
  ASSERT_TRUE(WritePackage(dir.string(), TwoInputManifest(false), WeightedSumPredictor(2),
                           nullptr, {{"extra/notes.txt", "hello"}})
                  .ok());
  absl::StatusOr<Manifest> m = Manifest::FromJson(ReadFile(dir / "MLmodel.json"));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->files.size(), 2u);
  for (const PackageFile& f : m->files) {
    EXPECT_EQ(ReadFile(dir / f.path).size(), f.size) << f.path;
  }
  EXPECT_EQ(ReadFile(dir / "extra/notes.txt"), "hello");
  // No staging directory is left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_)) ++entries;
  EXPECT_EQ(entries, 1);
  // A second write into the same (non-empty) directory is refused.
  EXPECT_EQ(WritePackage(dir.string(), TwoInputManifest(false), WeightedSumPredictor(2), nullptr)
                .code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(PackageDir, RefusesAManifestThatDisagreesWithThePredictor) {
  Manifest m = TwoInputManifest(false);
  m.feature_names = {"a"};
  EXPECT_THAT(WritePackage((root_ / "p").string(), m, WeightedSumPredictor(2), nullptr).message(),
              HasSubstr("does not match the predictor"));
  EXPECT_FALSE(WritePackage((root_ / "q").string(), TwoInputManifest(false),
                            WeightedSumPredictor(2), nullptr, {{"../escape", "x"}})
                   .ok());
  EXPECT_FALSE(fs::exists(root_ / "escape"));
}

TEST_F(PackageDir, LoadRefusesDamagedPackages) {
  const fs::path dir = root_ / "pkg";
  ASSERT_TRUE(
      WritePackage(dir.string(), TwoInputManifest(false), WeightedSumPredictor(2), nullptr).ok());
  const std::string original = ReadFile(dir / "predictor.json");

  // Same size, one byte changed: the checksum catches it.
  std::string flipped = original;
  flipped[1] = flipped[1] == 'x' ? 'y' : 'x';
  WriteFile(dir / "predictor.json", flipped);
  absl::StatusOr<std::unique_ptr<Model>> loaded = Model::Load(dir.string());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr("checksum mismatch for predictor.json"));

  WriteFile(dir / "predictor.json", original.substr(0, original.size() / 2));
  loaded = Model::Load(dir.string());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr("has " + std::to_string(original.size() / 2)));

  fs::remove(dir / "predictor.json");
  EXPECT_EQ(Model::Load(dir.string()).status().code(), absl::StatusCode::kDataLoss);

  // Intact files but a flavor nobody reads.
  WriteFile(dir / "predictor.json", original);
  EXPECT_EQ(Model::Load(dir.string()).status().code(), absl::StatusCode::kUnimplemented);

  EXPECT_EQ(Model::Load((root_ / "nothing").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PackageDir, LoadRefusesPathsOutsideThePackage) {
  const fs::path dir = root_ / "pkg";
  ASSERT_TRUE(
      WritePackage(dir.string(), TwoInputManifest(false), WeightedSumPredictor(2), nullptr).ok());
  nlohmann::json m = nlohmann::json::parse(ReadFile(dir / "MLmodel.json"));
  m["files"][0]["path"] = "../../etc/passwd";
  WriteFile(dir / "MLmodel.json", m.dump());
  absl::StatusOr<std::unique_ptr<Model>> loaded = Model::Load(dir.string());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("leaves the package"));
}

}  // namespace
}  // namespace strata::models
