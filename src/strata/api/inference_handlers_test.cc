#include "strata/api/inference_handlers.h"

#include <cstring>
#include <string>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/api/v2_protocol.h"
#include "strata/http/client.h"
#include "strata/http/server.h"
#include "strata/serving/testing/test_models.h"

namespace strata::api {
namespace {

using ::testing::HasSubstr;
using models::ValueType;

class InferenceHandlersTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    serving::ServingOptions options;
    options.max_request_rows = 50;
    if (GetParam()) {  // the same surface with dynamic batching on
      options.batching.max_batch_size = 32;
      options.batching.max_queue_delay_us = 200;
    }
    models_ = std::make_shared<serving::ModelServer>(options);
    ASSERT_TRUE(models_
                    ->AddVersion("m", 1,
                                 serving::testing::SumModel(
                                     "m", {{"a", ValueType::kFloat64, false},
                                           {"b", ValueType::kInt64, false}}))
                    .ok());
    ASSERT_TRUE(models_
                    ->AddVersion("m", 2,
                                 serving::testing::SumModel(
                                     "m", {{"a", ValueType::kFloat64, false},
                                           {"b", ValueType::kInt64, false}},
                                     /*outputs=*/2))
                    .ok());
    // Every test also runs with a request log, so logging is exercised under all traffic.
    log_path_ = absl::StrCat(::testing::TempDir(), "/inference_requests_", getpid(), "_",
                             GetParam() ? "batched" : "direct", ".jsonl");
    std::filesystem::remove(log_path_);
    serving::RequestLogOptions log_options;
    log_options.path = log_path_;
    log_options.flush_interval_ms = 5;
    auto log = serving::RequestLog::Open(log_options);
    ASSERT_TRUE(log.ok()) << log.status();
    request_log_ = std::move(*log);
    http::Router router;
    AddInferenceRoutes(models_, router, request_log_);
    http::ServerOptions http_options;
    http_options.port = 0;
    http_options.threads = 2;
    http_options.error_responder = WriteV2Error;
    auto models = models_;
    http_options.extra_metrics = [models] { return models->RenderMetrics(); };
    auto server = http::Server::Start(std::move(router), http_options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = std::move(*http::Client::Create(absl::StrCat("http://127.0.0.1:", server_->port())));
  }

  http::ClientResponse Send(std::string_view method, std::string_view target,
                            std::string_view body = "") {
    auto res = client_->Send(method, target, body, "application/json");
    EXPECT_TRUE(res.ok()) << res.status();
    return res.ok() ? std::move(*res) : http::ClientResponse{};
  }

  void TearDown() override { std::filesystem::remove(log_path_); }

  // Stops the server and the log (flushing it) and returns the log's lines parsed.
  std::vector<nlohmann::json> StopAndReadLog() {
    server_.reset();
    request_log_.reset();  // the routes held the other references
    std::vector<nlohmann::json> lines;
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
  }

  std::shared_ptr<serving::ModelServer> models_;
  std::string log_path_;
  std::shared_ptr<serving::RequestLog> request_log_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Client> client_;
};

constexpr std::string_view kOneRow =
    R"({"id":"q","inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[2.0]},)"
    R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]}]})";

TEST_P(InferenceHandlersTest, HealthAndMetadata) {
  EXPECT_EQ(Send("GET", "/v2/health/live").status, 200);
  auto ready = Send("GET", "/v2/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_THAT(ready.body, HasSubstr("true"));
  auto meta = nlohmann::json::parse(Send("GET", "/v2").body);
  EXPECT_EQ(meta["name"], "strata");
  auto model = Send("GET", "/v2/models/m");
  ASSERT_EQ(model.status, 200) << model.body;
  auto mj = nlohmann::json::parse(model.body);
  EXPECT_EQ(mj["versions"], nlohmann::json({"1", "2"}));
  EXPECT_EQ(mj["inputs"][1]["name"], "b");
  EXPECT_EQ(mj["inputs"][1]["datatype"], "INT64");
  EXPECT_EQ(mj["outputs"][0]["shape"], nlohmann::json({-1, 2}));  // latest = version 2
  auto v1 = nlohmann::json::parse(Send("GET", "/v2/models/m/versions/1").body);
  EXPECT_EQ(v1["outputs"][0]["name"], "prediction");
  EXPECT_EQ(Send("GET", "/v2/models/m/ready").status, 200);
  EXPECT_EQ(Send("GET", "/v2/models/m/versions/1/ready").status, 200);
  auto missing = Send("GET", "/v2/models/m/versions/9/ready");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("\"error\""));
  EXPECT_EQ(Send("GET", "/v2/models/nope").status, 404);
  EXPECT_EQ(Send("GET", "/v2/models/m/bogus").status, 404);
  auto unrouted = Send("GET", "/nothing");
  EXPECT_EQ(unrouted.status, 404);
  EXPECT_THAT(unrouted.body, HasSubstr("{\"error\":"));
}

TEST_P(InferenceHandlersTest, InferOnLatestAndSpecificVersion) {
  auto one = Send("POST", "/v2/models/m/versions/1/infer", kOneRow);
  ASSERT_EQ(one.status, 200) << one.body;
  auto j = nlohmann::json::parse(one.body);
  EXPECT_EQ(j["model_version"], "1");
  EXPECT_EQ(j["id"], "q");
  EXPECT_EQ(j["outputs"][0]["name"], "prediction");
  EXPECT_EQ(j["outputs"][0]["data"][0], 2.0 + 2 * 3.0);
  auto latest = nlohmann::json::parse(Send("POST", "/v2/models/m/infer", kOneRow).body);
  EXPECT_EQ(latest["model_version"], "2");
  EXPECT_EQ(latest["outputs"][0]["shape"], nlohmann::json({1, 2}));
  EXPECT_EQ(latest["outputs"][0]["data"][1], 16.0);
  // The 2-D all-features form.
  auto matrix = Send("POST", "/v2/models/m/versions/1/infer",
                     R"({"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,1,2,2]}]})");
  ASSERT_EQ(matrix.status, 200) << matrix.body;
  EXPECT_EQ(nlohmann::json::parse(matrix.body)["outputs"][0]["data"], nlohmann::json({3.0, 6.0}));
}

TEST_P(InferenceHandlersTest, BadRequestsAre400NamingTheInputAndServerStaysUp) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "malformed JSON"},
      {R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]}]})", "missing input 'b'"},
      {R"({"inputs":[{"name":"a","shape":[1],"datatype":"BYTES","data":["x"]},)"
       R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]}]})",
       "input 'a': datatype BYTES"},
      {R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[null]},)"
       R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]}]})",
       "'a' row 0"},
      {R"({"inputs":[{"name":"x","shape":[60,2],"datatype":"FP64","data":[]}]})",
       "exceeds the limit of 50"},
      {R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]},)"
       R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]},)"
       R"({"name":"c","shape":[1],"datatype":"INT64","data":[3]}]})",
       "input 'c': not in the model's signature"},
      {R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]},)"
       R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]}],"outputs":[{"name":"zz"}]})",
       "output 'zz'"},
  };
  for (int round = 0; round < 3; ++round) {
    for (const auto& [body, expected] : cases) {
      auto res = Send("POST", "/v2/models/m/versions/1/infer", body);
      EXPECT_EQ(res.status, 400) << body << " -> " << res.body;
      EXPECT_THAT(res.body, HasSubstr(expected)) << body;
      EXPECT_THAT(res.body, HasSubstr("{\"error\":"));
    }
  }
  EXPECT_EQ(Send("POST", "/v2/models/nope/infer", kOneRow).status, 404);
  EXPECT_EQ(Send("POST", "/v2/models/m/versions/0/infer", kOneRow).status, 404);
  EXPECT_EQ(Send("POST", "/v2/models/m/versions/1/infer", kOneRow).status, 200);
  auto metrics = Send("GET", "/metrics");
  EXPECT_THAT(metrics.body, HasSubstr("nv_inference_request_failure{model=\"m\",version=\"1\"} 21"));
  EXPECT_THAT(metrics.body, HasSubstr("nv_inference_request_success{model=\"m\",version=\"1\"} 1"));
  EXPECT_THAT(metrics.body, HasSubstr("strata_http_requests_total"));
}

TEST_P(InferenceHandlersTest, ConcurrentClientsGetTheirOwnAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> correct{0};
  for (int c = 0; c < 6; ++c) {
    threads.emplace_back([&, c] {
      auto client = std::move(
          *http::Client::Create(absl::StrCat("http://127.0.0.1:", server_->port())));
      for (int i = 0; i < 50; ++i) {
        std::string body = absl::StrCat(
            R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[)", c, R"(]},)",
            R"({"name":"b","shape":[1],"datatype":"INT64","data":[)", i, "]}]}");
        auto res = client->Send("POST", "/v2/models/m/versions/1/infer", body);
        if (!res.ok() || res->status != 200) continue;
        auto j = nlohmann::json::parse(res->body);
        if (j["outputs"][0]["data"][0] == static_cast<double>(c + 2 * i)) ++correct;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(correct.load(), 300);
}

TEST_P(InferenceHandlersTest, BinaryOutputsOfAJsonRequest) {
  // Triton's binary tensor extension: a JSON request may ask for binary outputs.
  std::string body = R"({"inputs":[{"name":"a","shape":[2],"datatype":"FP64","data":[2.0,1.0]},)"
                     R"({"name":"b","shape":[2],"datatype":"INT64","data":[3,4]}],)"
                     R"("outputs":[{"name":"prediction","parameters":{"binary_data":true}}]})";
  auto res = Send("POST", "/v2/models/m/versions/1/infer", body);
  ASSERT_EQ(res.status, 200) << res.body;
  size_t header_length = 0;
  std::string content_type;
  for (const auto& [name, value] : res.headers) {
    if (name == "inference-header-content-length") header_length = std::stoul(value);
    if (name == "content-type") content_type = value;
  }
  EXPECT_EQ(content_type, "application/octet-stream");
  ASSERT_GT(header_length, 0u);
  ASSERT_EQ(res.body.size(), header_length + 16);
  auto header = nlohmann::json::parse(res.body.substr(0, header_length));
  EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 16);
  double values[2];
  std::memcpy(values, res.body.data() + header_length, 16);
  EXPECT_EQ(values[0], 2.0 + 2 * 3.0);
  EXPECT_EQ(values[1], 1.0 + 2 * 4.0);
  auto meta = nlohmann::json::parse(Send("GET", "/v2").body);
  EXPECT_EQ(meta["extensions"], nlohmann::json({"binary_tensor_data"}));
  auto bad = Send("POST", "/v2/models/m/versions/1/infer",
                  R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[2.0]},)"
                  R"({"name":"b","shape":[1],"datatype":"INT64","data":[3]}],)"
                  R"("parameters":{"binary_data_output":1}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("binary_data_output must be a boolean"));
}

TEST_P(InferenceHandlersTest, MlflowRefusesContentTypesItDoesNotRead) {
  auto res = client_->Send("POST", "/invocations", R"({"instances":[[1,2]]})", "text/plain");
  ASSERT_TRUE(res.ok()) << res.status();
  EXPECT_EQ(res->status, 415);
  auto j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["error_code"], "INVALID_PARAMETER_VALUE");
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("content type 'text/plain'"));
  auto ok = client_->Send("POST", "/invocations?model=m", R"({"instances":[[1,2]]})",
                          "application/json; charset=utf-8");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST(ServingHttpErrorTest, CarriesBothErrorShapes) {
  http::Response res;
  WriteServingHttpError(413, "request body exceeds the limit of 10 bytes", res);
  EXPECT_EQ(res.status, 413);
  auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["error"], "request body exceeds the limit of 10 bytes");
  EXPECT_EQ(j["message"], j["error"]);
  EXPECT_EQ(j["error_code"], "BAD_REQUEST");
  WriteServingHttpError(404, "no route \"x\"", res);
  j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["error_code"], "ENDPOINT_NOT_FOUND");
  EXPECT_EQ(j["error"], "no route \"x\"");
}

std::string HeaderOf(const http::ClientResponse& res, std::string_view name) {
  for (const auto& [key, value] : res.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_P(InferenceHandlersTest, EveryInferenceIsIdentifiedAndLogged) {
  auto v2 = Send("POST", "/v2/models/m/versions/1/infer", kOneRow);
  ASSERT_EQ(v2.status, 200) << v2.body;
  const std::string v2_id = HeaderOf(v2, "x-request-id");
  EXPECT_EQ(v2_id.size(), 32u);
  EXPECT_EQ(nlohmann::json::parse(v2.body)["id"], "q");  // V2's own id is the request's
  auto bad = Send("POST", "/v2/models/m/versions/1/infer", "{not json");
  ASSERT_EQ(bad.status, 400);
  const std::string bad_id = HeaderOf(bad, "x-request-id");
  auto tf = Send("POST", "/v1/models/m/versions/1:predict", R"({"instances":[{"a":1.5,"b":2}]})");
  ASSERT_EQ(tf.status, 200) << tf.body;
  auto mlflow = Send("POST", "/invocations?model=m",
                     R"({"dataframe_split":{"columns":["a","b"],"data":[[1.0,1]]}})");
  ASSERT_EQ(mlflow.status, 200) << mlflow.body;
  auto unknown = Send("POST", "/v1/models/nope:predict", R"({"instances":[]})");
  ASSERT_EQ(unknown.status, 404);
  for (const auto* res : {&bad, &tf, &mlflow, &unknown}) {
    EXPECT_EQ(HeaderOf(*res, "x-request-id").size(), 32u);
  }
  EXPECT_NE(v2_id, bad_id);

  std::vector<nlohmann::json> lines = StopAndReadLog();
  ASSERT_EQ(lines.size(), 5u);
  // Responses are sent before they are logged, so the lines follow the requests' order here
  // (one client, one request at a time).
  EXPECT_EQ(lines[0]["request_id"], v2_id);
  EXPECT_EQ(lines[0]["protocol"], "v2");
  EXPECT_EQ(lines[0]["model"], "m");
  EXPECT_EQ(lines[0]["version"], 1);
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["inputs"]["a"], nlohmann::json({2.0}));
  EXPECT_EQ(lines[0]["inputs"]["b"], nlohmann::json({3}));
  EXPECT_EQ(lines[0]["outputs"]["prediction"], nlohmann::json({8.0}));
  EXPECT_EQ(lines[1]["request_id"], bad_id);
  EXPECT_EQ(lines[1]["status"], 400);
  EXPECT_THAT(lines[1]["error"].get<std::string>(), HasSubstr("malformed JSON"));
  EXPECT_EQ(lines[2]["protocol"], "tfserving");
  EXPECT_EQ(lines[2]["outputs"]["prediction"], nlohmann::json({5.5}));
  EXPECT_EQ(lines[3]["protocol"], "mlflow");
  EXPECT_EQ(lines[3]["version"], 2);  // the latest; its two outputs are one combined output
  EXPECT_EQ(lines[3]["outputs"], nlohmann::json::parse(R"({"predictions":[[3.0,6.0]]})"));
  EXPECT_EQ(lines[4]["model"], "nope");
  EXPECT_EQ(lines[4]["version"], 0);
  EXPECT_EQ(lines[4]["status"], 404);
}

INSTANTIATE_TEST_SUITE_P(Batching, InferenceHandlersTest, ::testing::Bool());

}  // namespace
}  // namespace strata::api
