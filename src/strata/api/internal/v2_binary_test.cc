#include "strata/api/internal/v2_binary.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace strata::api::internal {
namespace {

using ::testing::HasSubstr;
using models::ValueType;

models::Signature FourColumns() {
  models::Signature s;
  s.inputs = {{"x", ValueType::kFloat64, false},
              {"n", ValueType::kInt64, false},
              {"flag", ValueType::kBool, false},
              {"city", ValueType::kString, false}};
  return s;
}

models::Signature TwoFloats() {
  models::Signature s;
  s.inputs = {{"a", ValueType::kFloat64, false}, {"b", ValueType::kFloat32, false}};
  return s;
}

template <typename T>
std::string Raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

std::string Bytes(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& e : elements) {
    uint32_t n = static_cast<uint32_t>(e.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
    out += e;
  }
  return out;
}

// A binary body: the header, its length (as the HTTP header would say), then `tensors`.
struct Body {
  std::string body;
  std::string header_length;
};

Body Make(const nlohmann::json& header, const std::string& tensors) {
  std::string h = header.dump();
  return {h + tensors, std::to_string(h.size())};
}

nlohmann::json BinaryInput(const std::string& name, const std::string& datatype,
                           std::vector<int64_t> shape, size_t bytes) {
  return {{"name", name},
          {"datatype", datatype},
          {"shape", shape},
          {"parameters", {{"binary_data_size", bytes}}}};
}

std::string DecodeError(const Body& b, const models::Signature& s, int64_t max_rows = 1000) {
  auto r = DecodeV2BinaryInferRequest(b.body, b.header_length, s, max_rows);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

// A valid four-column request: binary FP32, INT32, BOOL and BYTES tensors.
Body FourColumnBody() {
  std::string x = Raw(std::vector<float>{1.5f, -2.0f});
  std::string n = Raw(std::vector<int32_t>{7, -9});
  std::string flag = Raw(std::vector<uint8_t>{1, 0});
  std::string city = Bytes({"Oslo", ""});
  nlohmann::json header = {
      {"id", "r1"},
      {"inputs",
       {BinaryInput("x", "FP32", {2}, x.size()), BinaryInput("n", "INT32", {2, 1}, n.size()),
        BinaryInput("flag", "BOOL", {2}, flag.size()),
        BinaryInput("city", "BYTES", {2}, city.size())}},
      {"outputs", {{{"name", "predictions"}, {"parameters", {{"binary_data", true}}}}}}};
  return Make(header, x + n + flag + city);
}

TEST(V2BinaryTest, DecodesEveryBinaryDatatypeOfTheSignature) {
  Body b = FourColumnBody();
  auto r = DecodeV2BinaryInferRequest(b.body, b.header_length, FourColumns(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->request.id, "r1");
  EXPECT_EQ(r->request.requested_outputs, std::vector<std::string>{"predictions"});
  EXPECT_TRUE(r->binary_outputs.Wants("predictions"));
  EXPECT_FALSE(r->binary_outputs.all);
  const table::Table& t = r->request.inputs;
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("x"))->Float64s()[0], 1.5);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("x"))->Float64s()[1], -2.0);
  EXPECT_EQ((*t.ColumnByName("n"))->Int64s()[1], -9);
  EXPECT_EQ((*t.ColumnByName("flag"))->Bools()[0], 1);
  EXPECT_EQ((*t.ColumnByName("city"))->StringAt(0), "Oslo");
  EXPECT_EQ((*t.ColumnByName("city"))->StringAt(1), "");
}

TEST(V2BinaryTest, MixesBinaryAndJsonInputs) {
  std::string a = Raw(std::vector<double>{0.25, 4.0, 8.0});
  nlohmann::json header = {
      {"inputs",
       {{{"name", "b"}, {"datatype", "FP32"}, {"shape", {3}}, {"data", {1, 2, 3}}},
        BinaryInput("a", "FP64", {3}, a.size())}}};
  Body b = Make(header, a);
  auto r = DecodeV2BinaryInferRequest(b.body, b.header_length, TwoFloats(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  const table::Table& t = r->request.inputs;
  ASSERT_EQ(t.num_rows(), 3);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("a"))->Float64s()[2], 8.0);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("b"))->Float64s()[2], 3.0);
  EXPECT_FALSE(r->binary_outputs.Any());
}

TEST(V2BinaryTest, JsonRowsMustMatchBinaryRows) {
  std::string a = Raw(std::vector<double>{0.25, 4.0});
  nlohmann::json header = {
      {"inputs",
       {BinaryInput("a", "FP64", {2}, a.size()),
        {{"name", "b"}, {"datatype", "FP32"}, {"shape", {3}}, {"data", {1, 2, 3}}}}}};
  EXPECT_THAT(DecodeError(Make(header, a), TwoFloats()), HasSubstr("input 'b': has 3 rows"));
}

TEST(V2BinaryTest, DecodesTheFeatureMatrixFromFp16AndInts) {
  // 1.0, -2.5, 0.5, 65504 (the largest half) as IEEE binary16.
  std::string half = Raw(std::vector<uint16_t>{0x3c00, 0xc100, 0x3800, 0x7bff});
  nlohmann::json header = {{"inputs", {BinaryInput("features", "FP16", {2, 2}, half.size())}},
                           {"parameters", {{"binary_data_output", true}}}};
  Body b = Make(header, half);
  auto r = DecodeV2BinaryInferRequest(b.body, b.header_length, TwoFloats(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->binary_outputs.all);
  const table::Table& t = r->request.inputs;
  EXPECT_DOUBLE_EQ((*t.ColumnByName("a"))->Float64s()[0], 1.0);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("b"))->Float64s()[0], -2.5);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("a"))->Float64s()[1], 0.5);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("b"))->Float64s()[1], 65504.0);

  models::Signature ints;
  ints.inputs = {{"i", ValueType::kInt64, false}, {"f", ValueType::kBool, false}};
  std::string u = Raw(std::vector<uint64_t>{5, 1, 9, 2});
  Body bad = Make({{"inputs", {BinaryInput("m", "UINT64", {2, 2}, u.size())}}}, u);
  EXPECT_THAT(DecodeError(bad, ints), HasSubstr("element 3 (column 'f', bool) is 2"));
}

TEST(V2BinaryTest, NanPassesTheCodecForTheSignatureCheck) {
  // The codec keeps NaN; models::Model refuses it where the signature forbids missing values.
  std::string a = Raw(std::vector<double>{std::numeric_limits<double>::quiet_NaN()});
  std::string bb = Raw(std::vector<float>{1});
  Body b = Make({{"inputs", {BinaryInput("a", "FP64", {1}, 8), BinaryInput("b", "FP32", {1}, 4)}}},
                a + bb);
  auto r = DecodeV2BinaryInferRequest(b.body, b.header_length, TwoFloats(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(std::isnan((*r->request.inputs.ColumnByName("a"))->Float64s()[0]));
}

TEST(V2BinaryTest, RefusesHeaderLengthsThatLie) {
  Body b = FourColumnBody();
  b.header_length = std::to_string(b.body.size() + 1);
  EXPECT_THAT(DecodeError(b, FourColumns()), HasSubstr("beyond the end of the body"));
  b.header_length = "12abc";
  EXPECT_THAT(DecodeError(b, FourColumns()), HasSubstr("not a non-negative decimal"));
  b.header_length = "-3";
  EXPECT_THAT(DecodeError(b, FourColumns()), HasSubstr("not a non-negative decimal"));
  b.header_length = "5";
  EXPECT_THAT(DecodeError(b, FourColumns()), HasSubstr("malformed JSON in the first 5 bytes"));
}

TEST(V2BinaryTest, RefusesSizesThatDoNotMatchTheShape) {
  std::string a = Raw(std::vector<double>{1, 2});
  std::string bb = Raw(std::vector<float>{1, 2});
  Body b = Make({{"inputs", {BinaryInput("a", "FP64", {2}, 12), BinaryInput("b", "FP32", {2}, 4)}}},
                a + bb);
  EXPECT_THAT(DecodeError(b, TwoFloats()),
              HasSubstr("input 'a': binary_data_size 12 does not match shape [2] x FP64 "
                        "(8 bytes each) = 16 bytes"));
}

TEST(V2BinaryTest, NamesTheOffsetOfMissingAndLeftoverBytes) {
  std::string a = Raw(std::vector<double>{1, 2});
  nlohmann::json header = {
      {"inputs", {BinaryInput("a", "FP64", {2}, 16), BinaryInput("b", "FP32", {2}, 8)}}};
  const size_t h = header.dump().size();
  // b's 8 bytes are missing but 3.
  EXPECT_THAT(DecodeError(Make(header, a + "xyz"), TwoFloats()),
              HasSubstr(absl::StrCat("input 'b': binary_data_size 8 at byte offset ", h + 16,
                                     " runs past the end of the body (", h + 19,
                                     " bytes; 3 remain)")));
  std::string bb = Raw(std::vector<float>{1, 2});
  EXPECT_THAT(DecodeError(Make(header, a + bb + "!!"), TwoFloats()),
              HasSubstr(absl::StrCat("2 bytes left over at byte offset ", h + 24)));
}

TEST(V2BinaryTest, RefusesMalformedBytesElements) {
  models::Signature s;
  s.inputs = {{"city", ValueType::kString, false}};
  std::string two = Bytes({"ab", "cd"});
  // The second element's length says 9 bytes, 2 remain.
  std::string lying = two;
  lying[6] = 9;
  Body b = Make({{"inputs", {BinaryInput("city", "BYTES", {2}, lying.size())}}}, lying);
  const size_t h = b.body.size() - lying.size();
  EXPECT_THAT(DecodeError(b, s),
              HasSubstr(absl::StrCat("BYTES element 1 at byte offset ", h + 6, " has length 9")));
  // Shape says 3 elements, the data holds 2.
  Body three = Make({{"inputs", {BinaryInput("city", "BYTES", {3}, two.size())}}}, two);
  EXPECT_THAT(DecodeError(three, s), HasSubstr("BYTES element 2"));
  // Shape says 1, the data holds 2.
  Body one = Make({{"inputs", {BinaryInput("city", "BYTES", {1}, two.size())}}}, two);
  EXPECT_THAT(DecodeError(one, s), HasSubstr("6 bytes after the 1 BYTES elements"));
}

TEST(V2BinaryTest, RefusesBadValuesAndTypes) {
  models::Signature flags;
  flags.inputs = {{"flag", ValueType::kBool, false}};
  std::string two = Raw(std::vector<uint8_t>{1, 2});
  Body b = Make({{"inputs", {BinaryInput("flag", "BOOL", {2}, 2)}}}, two);
  EXPECT_THAT(DecodeError(b, flags), HasSubstr("input 'flag': BOOL element 1 at byte offset"));

  Body typed = Make({{"inputs", {BinaryInput("flag", "INT8", {2}, 2)}}}, two);
  EXPECT_THAT(DecodeError(typed, flags), HasSubstr("input 'flag': datatype INT8 does not match"));

  models::Signature ints;
  ints.inputs = {{"n", ValueType::kInt64, false}};
  std::string big = Raw(std::vector<uint64_t>{~uint64_t{0}});
  Body overflow = Make({{"inputs", {BinaryInput("n", "UINT64", {1}, 8)}}}, big);
  EXPECT_THAT(DecodeError(overflow, ints), HasSubstr("element 0 (18446744073709551615) does not"));

  Body unknown = Make({{"inputs", {BinaryInput("n", "FP128", {1}, 8)}}}, big);
  EXPECT_THAT(DecodeError(unknown, ints), HasSubstr("unknown datatype FP128"));

  nlohmann::json both = BinaryInput("n", "INT64", {1}, 8);
  both["data"] = {1};
  EXPECT_THAT(DecodeError(Make({{"inputs", {both}}}, big), ints), HasSubstr("both data and"));

  nlohmann::json negative = BinaryInput("n", "INT64", {1}, 8);
  negative["parameters"]["binary_data_size"] = -8;
  EXPECT_THAT(DecodeError(Make({{"inputs", {negative}}}, big), ints),
              HasSubstr("binary_data_size must be a non-negative integer"));

  Body huge = Make({{"inputs", {BinaryInput("n", "INT64", {1 << 30, 1 << 30, 1 << 30}, 8)}}}, big);
  EXPECT_THAT(DecodeError(huge, ints), HasSubstr("is too large"));
}

TEST(V2BinaryTest, AppliesTheSignatureRules) {
  std::string a = Raw(std::vector<double>{1, 2});
  Body missing = Make({{"inputs", {BinaryInput("a", "FP64", {2}, 16)}}}, a);
  EXPECT_THAT(DecodeError(missing, TwoFloats()), HasSubstr("missing input 'b'"));
  Body extra = Make({{"inputs", {BinaryInput("zz", "FP64", {2}, 16)}}}, a);
  EXPECT_THAT(DecodeError(extra, TwoFloats()), HasSubstr("input 'zz': not in the model's"));
  Body twice = Make(
      {{"inputs", {BinaryInput("a", "FP64", {1}, 8), BinaryInput("a", "FP64", {1}, 8)}}}, a);
  EXPECT_THAT(DecodeError(twice, TwoFloats()), HasSubstr("input 'a': given twice"));
  Body wide = Make({{"inputs", {BinaryInput("m", "FP64", {1, 2}, 16)}}}, a);
  ASSERT_TRUE(DecodeV2BinaryInferRequest(wide.body, wide.header_length, TwoFloats(), 10).ok());
  EXPECT_THAT(DecodeError(wide, TwoFloats(), 0), HasSubstr("exceeds the limit of 0 rows"));
  Body narrow = Make({{"inputs", {BinaryInput("m", "FP64", {2, 1}, 16)}}}, a);
  EXPECT_THAT(DecodeError(narrow, TwoFloats()), HasSubstr("has 1 columns, the signature has 2"));
  Body column = Make({{"inputs", {BinaryInput("a", "FP64", {1, 2}, 16)}}}, a);
  EXPECT_THAT(DecodeError(column, TwoFloats()), HasSubstr("is not a column"));
}

TEST(V2BinaryTest, ReadsBinaryOutputParametersOfJsonRequests) {
  EXPECT_FALSE(MayRequestBinaryOutputs(R"({"inputs":[]})"));
  std::string body =
      R"({"inputs":[],"outputs":[{"name":"p","parameters":{"binary_data":true}},{"name":"q"}]})";
  ASSERT_TRUE(MayRequestBinaryOutputs(body));
  auto r = ReadV2BinaryOutputs(body);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->Wants("p"));
  EXPECT_FALSE(r->Wants("q"));
  auto bad = ReadV2BinaryOutputs(R"({"parameters":{"binary_data_output":"yes"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("parameters.binary_data_output must be a boolean"));
}

TEST(V2BinaryTest, EncodesBinaryAndJsonOutputs) {
  models::Manifest manifest;
  manifest.signature.outputs = {{"p", ValueType::kFloat64, false},
                                {"q", ValueType::kFloat64, false}};
  models::Model::Predictions predictions;
  predictions.rows = 2;
  predictions.num_outputs = 2;
  predictions.values = {0.1, 0.9, 0.2, 0.8};
  V2BinaryOutputs binary;
  binary.names = {"q"};
  auto r = EncodeV2BinaryInferResponse("m", 3, "id7", manifest, predictions, {}, binary);
  ASSERT_TRUE(r.ok()) << r.status();
  nlohmann::json header = nlohmann::json::parse(r->body.substr(0, r->header_length));
  EXPECT_EQ(header["model_version"], "3");
  EXPECT_EQ(header["id"], "id7");
  EXPECT_EQ(header["outputs"][0]["data"], nlohmann::json({0.1, 0.2}));
  EXPECT_EQ(header["outputs"][1]["parameters"]["binary_data_size"], 16);
  EXPECT_FALSE(header["outputs"][1].contains("data"));
  ASSERT_EQ(r->body.size(), r->header_length + 16);
  double q[2];
  std::memcpy(q, r->body.data() + r->header_length, 16);
  EXPECT_EQ(q[0], 0.9);
  EXPECT_EQ(q[1], 0.8);

  // A combined output (the signature does not name the outputs): rows x outputs, row-major.
  models::Manifest unnamed;
  binary.all = true;
  auto combined = EncodeV2BinaryInferResponse("m", 1, "", unnamed, predictions, {}, binary);
  ASSERT_TRUE(combined.ok());
  nlohmann::json h = nlohmann::json::parse(combined->body.substr(0, combined->header_length));
  EXPECT_EQ(h["outputs"][0]["shape"], nlohmann::json({2, 2}));
  double all[4];
  ASSERT_EQ(combined->body.size(), combined->header_length + 32);
  std::memcpy(all, combined->body.data() + combined->header_length, 32);
  EXPECT_EQ(all[3], 0.8);

  auto unknown = EncodeV2BinaryInferResponse("m", 1, "", manifest, predictions, {"zz"}, binary);
  EXPECT_FALSE(unknown.ok());
}

}  // namespace
}  // namespace strata::api::internal
