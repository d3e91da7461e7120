// Inference by entity key over a real LMDB online store in a temporary directory.
#include "strata/serving/entity_features.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/table/column.h"

namespace strata::serving {
namespace {

using ::testing::HasSubstr;
using table::DataType;

constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr int64_t kDay = 86'400'000'000;

features::FeatureRepository Definitions() {
  features::FeatureRepository repo;
  repo.config.project = "p";
  repo.entities = {{"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}}};
  features::FeatureView view;
  view.name = "stats";
  view.entities = {"user"};
  view.source = "src";
  view.ttl_micros = kDay;
  view.schema = {{"amount", DataType::kFloat64}, {"count", DataType::kInt64},
                 {"city", DataType::kString}};
  repo.feature_views = {view};
  repo.feature_services = {{"svc", {"stats:*"}, {}, "", "", {}}};
  return repo;
}

class EntityFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("entity-features-" + NewId());
    store_ = features::OpenOnlineStore({"lmdb", ""}, dir_.string()).value();
    server_ = features::FeatureServer::Create(Definitions(), 1).value();
    // User 1 fresh, user 2 older than the 1-day ttl, user 3 with a null amount.
    std::vector<features::OnlineWrite> rows;
    auto add = [&](int64_t id, int64_t ts, features::OnlineValue amount) {
      features::OnlineWrite w;
      features::AppendEntityKeyInt64(id, &w.entity_key);
      w.record = features::EncodeOnlineRecord(
          {ts, INT64_MIN, {std::move(amount), int64_t{id * 10}, std::string("lisbon")}});
      rows.push_back(std::move(w));
    };
    add(1, kNow - 1000, 1.5);
    add(2, kNow - 2 * kDay, 2.5);
    add(3, kNow - 1000, std::monostate{});
    ASSERT_TRUE(store_->Write(features::OnlineViewKey("p", "stats"), rows).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  table::Table Users(std::vector<int64_t> ids) {
    table::ColumnBuilder b(DataType::kInt64);
    for (int64_t id : ids) b.AppendInt64(id);
    return table::Table::Make(table::Schema({{"user_id", DataType::kInt64}}), {b.Finish()})
        .value();
  }

  std::filesystem::path dir_;
  std::unique_ptr<features::OnlineStore> store_;
  std::unique_ptr<const features::FeatureServer> server_;
};

TEST_F(EntityFeaturesTest, SignatureIsTheServiceJoinKeys) {
  absl::StatusOr<models::Signature> keys = EntityKeySignature(*server_, "svc");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->inputs.size(), 1u);
  EXPECT_EQ(keys->inputs[0].name, "user_id");
  EXPECT_EQ(keys->inputs[0].type, models::ValueType::kInt64);
  EXPECT_TRUE(absl::IsNotFound(EntityKeySignature(*server_, "nope").status()));
}

TEST_F(EntityFeaturesTest, ReadsFeaturesIntoTheModelsTypes) {
  models::Signature signature;
  signature.inputs = {{"count", models::ValueType::kFloat64, false},
                      {"amount", models::ValueType::kFloat64, true},
                      {"user_id", models::ValueType::kInt64, false}};
  absl::StatusOr<table::Table> t =
      ReadModelInputs(*server_, *store_, "svc", Users({1, 3}), signature, kNow);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->schema().field(0).name, "count");
  EXPECT_DOUBLE_EQ(t->column(0).Float64s()[0], 10.0);  // int64 feature -> float64 input
  EXPECT_DOUBLE_EQ(t->column(0).Float64s()[1], 30.0);
  EXPECT_DOUBLE_EQ(t->column(1).Float64s()[0], 1.5);
  EXPECT_TRUE(t->column(1).IsNull(1));  // NULL_VALUE into a nullable input
  EXPECT_EQ(t->column(2).Int64s()[1], 3);
}

TEST_F(EntityFeaturesTest, MissingValuesForStrictInputsNameTheStatus) {
  models::Signature signature;
  signature.inputs = {{"amount", models::ValueType::kFloat64, false}};
  absl::Status expired =
      ReadModelInputs(*server_, *store_, "svc", Users({1, 2}), signature, kNow).status();
  EXPECT_TRUE(absl::IsInvalidArgument(expired));
  EXPECT_THAT(expired.message(), HasSubstr("'amount' row 1: feature status OUTSIDE_MAX_AGE"));
  absl::Status unknown =
      ReadModelInputs(*server_, *store_, "svc", Users({99}), signature, kNow).status();
  EXPECT_THAT(unknown.message(), HasSubstr("row 0: feature status NOT_FOUND"));
}

TEST_F(EntityFeaturesTest, InputsTheServiceLacksOrCannotConvertAreRefused) {
  models::Signature missing;
  missing.inputs = {{"age", models::ValueType::kFloat64, true}};
  EXPECT_THAT(ReadModelInputs(*server_, *store_, "svc", Users({1}), missing, kNow)
                  .status()
                  .message(),
              HasSubstr("model input 'age' is not a feature of feature service 'svc'"));
  models::Signature wrong;
  wrong.inputs = {{"city", models::ValueType::kFloat64, true}};
  EXPECT_THAT(
      ReadModelInputs(*server_, *store_, "svc", Users({1}), wrong, kNow).status().message(),
      HasSubstr("feature 'city' row 0: the stored value does not convert"));
}

}  // namespace
}  // namespace strata::serving
