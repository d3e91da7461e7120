// The online read path over the real stores: LMDB in a temporary directory and Redis at
// STRATA_TEST_REDIS_URL (skipped when unset, a failure with CI=true), one typed test.
#include "strata/features/online_features.h"

#include <atomic>
#include <filesystem>
#include <future>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/ids.h"
#include "strata/features/testing/test_redis.h"

namespace strata::features {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using table::DataType;

constexpr int64_t kHour = 3'600'000'000;
constexpr int64_t kNow = 1'800'000'000'000'000;  // 2027-01-15

// Counts Read calls and forwards to a real store (checks "one read per view").
class CountingStore : public OnlineStore {
 public:
  explicit CountingStore(OnlineStore* inner) : inner_(inner) {}
  absl::StatusOr<OnlineWriteStats> Write(std::string_view view_key,
                                         absl::Span<const OnlineWrite> rows) override {
    return inner_->Write(view_key, rows);
  }
  absl::Status Read(std::string_view view_key, absl::Span<const std::string> entity_keys,
                    std::vector<std::optional<std::string>>* records) override {
    ++reads;
    keys_read += static_cast<int>(entity_keys.size());
    return inner_->Read(view_key, entity_keys, records);
  }
  absl::Status DeleteView(std::string_view view_key) override {
    return inner_->DeleteView(view_key);
  }
  std::string Describe() const override { return inner_->Describe(); }
  std::atomic<int> reads{0};
  std::atomic<int> keys_read{0};

 private:
  OnlineStore* inner_;
};

FeatureRepository Definitions(const std::string& project) {
  FeatureRepository repo;
  repo.config.project = project;
  repo.entities = {
      {"merchant", {{"merchant_id", DataType::kString}, {"terminal", DataType::kInt64}}, "", {}, "", {}},
      {"user", {{"user_id", DataType::kInt64}}, "", {}, "", {}},
  };
  FeatureView user_stats;
  user_stats.name = "user_stats";
  user_stats.entities = {"user"};
  user_stats.source = "src";
  user_stats.ttl_micros = kHour;
  user_stats.schema = {{"f1", DataType::kFloat64}, {"f2", DataType::kInt64},
                       {"label", DataType::kString}};
  FeatureView txn_stats;
  txn_stats.name = "txn_stats";
  txn_stats.entities = {"user", "merchant"};
  txn_stats.source = "src";
  txn_stats.ttl_micros = 0;  // never expires
  txn_stats.schema = {{"amount", DataType::kFloat64}, {"f1", DataType::kFloat64},
                      {"flag", DataType::kBool}, {"seen", DataType::kTimestamp}};
  repo.feature_views = {txn_stats, user_stats};
  repo.feature_services = {
      {"fraud", {"user_stats:f2", "txn_stats:*"}, {}, "", "", {}},
  };
  return repo;
}

std::string UserKey(int64_t id) {
  std::string key;
  AppendEntityKeyInt64(id, &key);
  return key;
}

std::string TxnKey(int64_t user, std::string_view merchant, int64_t terminal) {
  std::string key;
  AppendEntityKeyInt64(user, &key);
  AppendEntityKeyString(merchant, &key);
  AppendEntityKeyInt64(terminal, &key);
  return key;
}

std::string Record(int64_t event_ts, std::vector<OnlineValue> values) {
  OnlineRecord record;
  record.event_ts_micros = event_ts;
  record.values = std::move(values);
  return EncodeOnlineRecord(record);
}

struct LmdbBackend {
  static constexpr bool kRedis = false;
};
struct RedisBackend {
  static constexpr bool kRedis = true;
};

template <typename Backend>
class OnlineFeaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    project_ = "of" + NewId().substr(0, 12);
    StoreConfig config{"lmdb", ""};
    if constexpr (Backend::kRedis) {
      STRATA_SHARED_REDIS_URL_OR_SKIP(url);
      config = {"redis", url};
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("strata_of_" + project_);
    }
    absl::StatusOr<std::unique_ptr<OnlineStore>> store = OpenOnlineStore(config, dir_.string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    counting_ = std::make_unique<CountingStore>(store_.get());
    absl::StatusOr<std::unique_ptr<const FeatureServer>> server =
        FeatureServer::Create(Definitions(project_), 7);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);

    const std::string user_view = OnlineViewKey(project_, "user_stats");
    std::vector<OnlineWrite> users = {
        {UserKey(1), Record(kNow - 10, {1.5, int64_t{10}, std::string("a")})},
        {UserKey(2), Record(kNow - kHour, {2.5, std::monostate{}, std::string("b")})},  // ttl edge
        {UserKey(3), Record(kNow - kHour - 1, {3.5, int64_t{30}, std::string("c")})},   // expired
        {UserKey(4), Record(kNow, {4.5, int64_t{40}})},  // older schema: 2 of 3 features
    };
    ASSERT_TRUE(store_->Write(user_view, users).ok());
    std::vector<OnlineWrite> txns = {
        {TxnKey(1, "m1", 7),
         Record(kNow - 1000 * kHour, {99.0, 0.25, true, OnlineTimestamp{kNow - 5}})},
        {TxnKey(1, "m1", 8), Record(kNow, {1.0, 0.5, false, std::monostate{}})},
    };
    ASSERT_TRUE(store_->Write(OnlineViewKey(project_, "txn_stats"), txns).ok());
  }
  void TearDown() override {
    if (store_ != nullptr) {
      EXPECT_TRUE(store_->DeleteView(OnlineViewKey(project_, "user_stats")).ok());
      EXPECT_TRUE(store_->DeleteView(OnlineViewKey(project_, "txn_stats")).ok());
    }
    counting_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Both read paths, which must agree: the blocking one (counted) and the asynchronous one
  // (on Redis answered from the store's pipeline thread, one read per view in flight at once).
  absl::StatusOr<OnlineFeaturesResponse> Get(OnlineFeaturesRequest request) {
    absl::StatusOr<OnlineFeaturesResponse> sync =
        server_->GetOnlineFeatures(*counting_, request, kNow);
    std::promise<absl::StatusOr<OnlineFeaturesResponse>> promise;
    std::future<absl::StatusOr<OnlineFeaturesResponse>> answer = promise.get_future();
    FeatureServer::GetOnlineFeaturesAsync(
        server_, store_, request, kNow,
        [&promise](absl::StatusOr<OnlineFeaturesResponse> r) { promise.set_value(std::move(r)); });
    ExpectSameAnswer(sync, answer.get());
    return sync;
  }

  static void ExpectSameAnswer(const absl::StatusOr<OnlineFeaturesResponse>& a,
                               const absl::StatusOr<OnlineFeaturesResponse>& b) {
    ASSERT_EQ(a.status(), b.status());
    if (!a.ok()) return;
    EXPECT_EQ(a->rows, b->rows);
    EXPECT_EQ(a->join_key_columns, b->join_key_columns);
    ASSERT_EQ(a->columns.size(), b->columns.size());
    for (size_t c = 0; c < a->columns.size(); ++c) {
      EXPECT_EQ(a->columns[c].name, b->columns[c].name);
      EXPECT_EQ(a->columns[c].values, b->columns[c].values) << a->columns[c].name;
      EXPECT_EQ(a->columns[c].statuses, b->columns[c].statuses) << a->columns[c].name;
      EXPECT_EQ(a->columns[c].event_ts_micros, b->columns[c].event_ts_micros);
    }
  }
  absl::Status GetError(OnlineFeaturesRequest request) { return Get(std::move(request)).status(); }

  std::string project_;
  std::filesystem::path dir_;
  std::shared_ptr<OnlineStore> store_;
  std::unique_ptr<CountingStore> counting_;
  std::shared_ptr<const FeatureServer> server_;
};

using Backends = ::testing::Types<LmdbBackend, RedisBackend>;
TYPED_TEST_SUITE(OnlineFeaturesTest, Backends);

OnlineFeaturesRequest Users(std::vector<int64_t> ids, std::vector<std::string> features) {
  OnlineFeaturesRequest request;
  request.features = std::move(features);
  EntityKeyColumn column{"user_id", {}};
  for (int64_t id : ids) column.values.emplace_back(id);
  request.entities.push_back(std::move(column));
  return request;
}

TYPED_TEST(OnlineFeaturesTest, StatusesValuesAndTimestamps) {
  absl::StatusOr<OnlineFeaturesResponse> r =
      this->Get(Users({1, 2, 3, 4, 5}, {"user_stats:f1", "user_stats:f2"}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows, 5);
  EXPECT_EQ(r->join_key_columns, 1);
  ASSERT_EQ(r->columns.size(), 3u);
  EXPECT_EQ(r->columns[0].name, "user_id");
  EXPECT_THAT(r->columns[0].values,
              ElementsAre(OnlineValue{int64_t{1}}, OnlineValue{int64_t{2}},
                          OnlineValue{int64_t{3}}, OnlineValue{int64_t{4}},
                          OnlineValue{int64_t{5}}));
  EXPECT_THAT(r->columns[0].statuses, ::testing::Each(FeatureStatus::kPresent));
  const OnlineFeatureColumn& f1 = r->columns[1];
  EXPECT_EQ(f1.name, "f1");
  // 1 fresh, 2 exactly at now - ttl (still present), 3 one µs older (expired), 4 stored under
  // an older schema, 5 absent.
  EXPECT_THAT(f1.statuses, ElementsAre(FeatureStatus::kPresent, FeatureStatus::kPresent,
                                       FeatureStatus::kOutsideMaxAge, FeatureStatus::kNotFound,
                                       FeatureStatus::kNotFound));
  EXPECT_THAT(f1.values, ElementsAre(OnlineValue{1.5}, OnlineValue{2.5}, OnlineValue{},
                                     OnlineValue{}, OnlineValue{}));
  EXPECT_THAT(f1.event_ts_micros, ElementsAre(kNow - 10, kNow - kHour, kNow - kHour - 1, 0, 0));
  const OnlineFeatureColumn& f2 = r->columns[2];
  EXPECT_THAT(f2.statuses, ElementsAre(FeatureStatus::kPresent, FeatureStatus::kNullValue,
                                       FeatureStatus::kOutsideMaxAge, FeatureStatus::kNotFound,
                                       FeatureStatus::kNotFound));
  EXPECT_THAT(f2.values, ElementsAre(OnlineValue{int64_t{10}}, OnlineValue{}, OnlineValue{},
                                     OnlineValue{}, OnlineValue{}));
  // One store read for the view, all five rows in it.
  EXPECT_EQ(this->counting_->reads.load(), 1);
  EXPECT_EQ(this->counting_->keys_read.load(), 5);
}

TYPED_TEST(OnlineFeaturesTest, TtlIsCheckedAgainstTheGivenNow) {
  OnlineFeaturesRequest request = Users({1}, {"user_stats:label"});
  absl::StatusOr<OnlineFeaturesResponse> fresh =
      this->server_->GetOnlineFeatures(*this->store_, request, kNow - 10 + kHour);
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->columns[1].statuses[0], FeatureStatus::kPresent);
  EXPECT_EQ(fresh->columns[1].values[0], OnlineValue{std::string("a")});
  absl::StatusOr<OnlineFeaturesResponse> stale =
      this->server_->GetOnlineFeatures(*this->store_, request, kNow - 10 + kHour + 1);
  ASSERT_TRUE(stale.ok()) << stale.status();
  EXPECT_EQ(stale->columns[1].statuses[0], FeatureStatus::kOutsideMaxAge);
  EXPECT_EQ(stale->columns[1].values[0], OnlineValue{});
  EXPECT_EQ(stale->columns[1].event_ts_micros[0], kNow - 10);
}

OnlineFeaturesRequest Txns(std::vector<std::string> features) {
  OnlineFeaturesRequest request;
  request.features = std::move(features);
  // Entity columns in another order than the view's keys: matched by name.
  request.entities = {{"terminal", {int64_t{7}, int64_t{8}, int64_t{9}}},
                      {"merchant_id", {std::string("m1"), std::string("m1"), std::string("m1")}},
                      {"user_id", {int64_t{1}, int64_t{1}, int64_t{1}}}};
  return request;
}

TYPED_TEST(OnlineFeaturesTest, MultiKeyEntitiesAndZeroTtl) {
  absl::StatusOr<OnlineFeaturesResponse> r = this->Get(Txns({"txn_stats:*"}));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->columns.size(), 7u);
  EXPECT_EQ(r->columns[0].name, "terminal");
  EXPECT_EQ(r->columns[1].name, "merchant_id");
  EXPECT_EQ(r->columns[2].name, "user_id");
  EXPECT_EQ(r->columns[3].name, "amount");
  EXPECT_EQ(r->columns[6].name, "seen");
  // ttl 0: a row 1000 hours old is still PRESENT.
  EXPECT_THAT(r->columns[3].statuses, ElementsAre(FeatureStatus::kPresent,
                                                  FeatureStatus::kPresent,
                                                  FeatureStatus::kNotFound));
  EXPECT_THAT(r->columns[3].values, ElementsAre(OnlineValue{99.0}, OnlineValue{1.0}, OnlineValue{}));
  EXPECT_THAT(r->columns[5].values, ElementsAre(OnlineValue{true}, OnlineValue{false}, OnlineValue{}));
  EXPECT_THAT(r->columns[6].values,
              ElementsAre(OnlineValue{OnlineTimestamp{kNow - 5}}, OnlineValue{}, OnlineValue{}));
  EXPECT_THAT(r->columns[6].statuses, ElementsAre(FeatureStatus::kPresent,
                                                  FeatureStatus::kNullValue,
                                                  FeatureStatus::kNotFound));
  EXPECT_EQ(this->counting_->reads.load(), 1);
}

TYPED_TEST(OnlineFeaturesTest, FullFeatureNamesAndCollisions) {
  OnlineFeaturesRequest request = Txns({"txn_stats:f1", "user_stats:f1"});
  absl::Status collision = this->GetError(request);
  EXPECT_TRUE(absl::IsInvalidArgument(collision)) << collision;
  EXPECT_THAT(collision.message(), HasSubstr("both named 'f1'"));
  EXPECT_THAT(collision.message(), HasSubstr("full_feature_names"));

  request.full_feature_names = true;
  absl::StatusOr<OnlineFeaturesResponse> r = this->Get(request);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->columns.size(), 5u);
  EXPECT_EQ(r->columns[3].name, "txn_stats__f1");
  EXPECT_EQ(r->columns[4].name, "user_stats__f1");
  EXPECT_THAT(r->columns[3].values, ElementsAre(OnlineValue{0.25}, OnlineValue{0.5}, OnlineValue{}));
  EXPECT_THAT(r->columns[4].values, ElementsAre(OnlineValue{1.5}, OnlineValue{1.5}, OnlineValue{1.5}));
  // Two views: two reads.
  EXPECT_EQ(this->counting_->reads.load(), 2);
}

TYPED_TEST(OnlineFeaturesTest, FeatureServiceExpandsInItsOrder) {
  OnlineFeaturesRequest request = Txns({});
  request.feature_service = "fraud";
  absl::StatusOr<OnlineFeaturesResponse> r = this->Get(request);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> names;
  for (const OnlineFeatureColumn& c : r->columns) names.push_back(c.name);
  EXPECT_THAT(names, ElementsAre("terminal", "merchant_id", "user_id", "f2", "amount", "f1",
                                 "flag", "seen"));
  EXPECT_THAT(r->columns[3].values,
              ElementsAre(OnlineValue{int64_t{10}}, OnlineValue{int64_t{10}},
                          OnlineValue{int64_t{10}}));
}

TYPED_TEST(OnlineFeaturesTest, StringKeysTypedAndMissing) {
  OnlineFeaturesRequest request = Txns({"txn_stats:amount"});
  request.entities[1].values = {std::string("m1"), std::string("nope"), std::string("")};
  request.entities[0].values = {int64_t{7}, int64_t{7}, int64_t{7}};
  absl::StatusOr<OnlineFeaturesResponse> r = this->Get(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->columns[3].statuses, ElementsAre(FeatureStatus::kPresent,
                                                  FeatureStatus::kNotFound,
                                                  FeatureStatus::kNotFound));
}

TYPED_TEST(OnlineFeaturesTest, UndecodableStoredRecordIsDataLossNamingTheRow) {
  std::string bytes = Record(kNow, {9.5, int64_t{90}, std::string("zz")});
  bytes.resize(bytes.size() - 3);  // the string's bytes cut short
  ASSERT_TRUE(this->store_->Write(OnlineViewKey(this->project_, "user_stats"),
                                  std::vector<OnlineWrite>{{UserKey(9), bytes}})
                  .ok());
  absl::Status status = this->GetError(Users({1, 9}, {"user_stats:f1"}));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
  EXPECT_THAT(status.message(), HasSubstr("'user_stats': stored record of entity row 1"));
}

TYPED_TEST(OnlineFeaturesTest, BadRequestsNameTheProblem) {
  struct Case {
    OnlineFeaturesRequest request;
    std::string message;
  };
  std::vector<Case> cases;
  cases.push_back({Users({1}, {"nope:f1"}), "unknown feature view 'nope'"});
  cases.push_back({Users({1}, {"user_stats:nope"}), "has no feature 'nope'"});
  cases.push_back({Users({1}, {"user_stats"}), "is not 'view:feature'"});
  cases.push_back({Users({1}, {"user_stats:f1:x"}), "is not 'view:feature'"});
  cases.push_back({Users({1}, {":f1"}), "is not 'view:feature'"});
  cases.push_back({Users({1}, {"user_stats:f1", "user_stats:f1"}), "requested twice"});
  cases.push_back({Users({1}, {"user_stats:*", "user_stats:f2"}), "requested twice"});
  cases.push_back({Users({1}, {}), "names no features"});
  cases.push_back({Users({}, {"user_stats:f1"}), "the entity set is empty"});
  cases.push_back({Users({1}, {"txn_stats:amount"}), "needs join key 'merchant_id'"});
  {
    OnlineFeaturesRequest r = Users({1}, {"user_stats:f1"});
    r.feature_service = "fraud";
    cases.push_back({r, "not both"});
  }
  {
    OnlineFeaturesRequest r = Users({1}, {});
    r.feature_service = "nope";
    cases.push_back({r, "unknown feature service 'nope'"});
  }
  {
    OnlineFeaturesRequest r = Users({1}, {"user_stats:f1"});
    r.entities.clear();
    cases.push_back({r, "has no entities"});
  }
  {
    OnlineFeaturesRequest r = Users({1, 2}, {"user_stats:f1"});
    r.entities[0].values[1] = std::string("2");
    cases.push_back({r, "entity 'user_id' row 1: expected int64"});
  }
  {
    OnlineFeaturesRequest r = Txns({"txn_stats:amount"});
    r.entities[1].values[0] = int64_t{5};
    cases.push_back({r, "entity 'merchant_id' row 0: expected string"});
  }
  {
    OnlineFeaturesRequest r = Txns({"txn_stats:amount"});
    r.entities[2].values.pop_back();
    cases.push_back({r, "unequal lengths"});
  }
  {
    OnlineFeaturesRequest r = Users({1}, {"user_stats:f1"});
    r.entities.push_back({"driver_id", {int64_t{1}}});
    cases.push_back({r, "'driver_id' is not a join key of any requested feature view"});
  }
  {
    OnlineFeaturesRequest r = Users({1}, {"user_stats:f1"});
    r.entities.push_back(r.entities[0]);
    cases.push_back({r, "'user_id' is given twice"});
  }
  for (const Case& c : cases) {
    absl::Status status = this->GetError(c.request);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.message << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  // Nothing was read for any of them.
  EXPECT_EQ(this->counting_->reads.load(), 0);
}

TEST(FeatureServerTest, CreateRejectsAViewWithAnUnknownEntity) {
  FeatureRepository repo = Definitions("p");
  repo.feature_views[0].entities = {"ghost"};
  absl::StatusOr<std::unique_ptr<const FeatureServer>> server =
      FeatureServer::Create(std::move(repo), 1);
  EXPECT_TRUE(absl::IsInvalidArgument(server.status())) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("unknown entity 'ghost'"));
}

TEST(FeatureServerTest, PrecomputedViewTables) {
  absl::StatusOr<std::unique_ptr<const FeatureServer>> server =
      FeatureServer::Create(Definitions("p"), 3);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->registry_version(), 3);
  const FeatureServer::ViewTable* txn = (*server)->FindView("txn_stats");
  ASSERT_NE(txn, nullptr);
  EXPECT_EQ(txn->view_key, OnlineViewKey("p", "txn_stats"));
  std::vector<std::string> keys;
  for (const JoinKey& k : txn->join_keys) keys.push_back(k.name);
  EXPECT_THAT(keys, ElementsAre("user_id", "merchant_id", "terminal"));
  EXPECT_EQ(txn->feature_index.at("flag"), 2);
  EXPECT_EQ((*server)->FindView("nope"), nullptr);
}

TEST(FeatureStatusTest, Names) {
  EXPECT_EQ(FeatureStatusName(FeatureStatus::kPresent), "PRESENT");
  EXPECT_EQ(FeatureStatusName(FeatureStatus::kNotFound), "NOT_FOUND");
  EXPECT_EQ(FeatureStatusName(FeatureStatus::kNullValue), "NULL_VALUE");
  EXPECT_EQ(FeatureStatusName(FeatureStatus::kOutsideMaxAge), "OUTSIDE_MAX_AGE");
}

}  // namespace
}  // namespace strata::features
