// libFuzzer target: Triton binary-tensor infer bodies (api/internal/v2_binary.h) must never
// crash, hang or read past the body, whatever the header length, header JSON and tensor bytes.
// The first 4 input bytes pick the Inference-Header-Content-Length value (sometimes beyond the
// body, sometimes not a number); the rest is the body.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "strata/api/internal/v2_binary.h"

namespace {

strata::models::Signature MixedSignature() {
  using strata::models::ValueType;
  strata::models::Signature s;
  s.inputs = {{"x", ValueType::kFloat64, false},
              {"n", ValueType::kInt64, true},
              {"flag", ValueType::kBool, false},
              {"city", ValueType::kString, false}};
  return s;
}

strata::models::Signature NumericSignature() {
  using strata::models::ValueType;
  strata::models::Signature s;
  s.inputs = {{"a", ValueType::kFloat64, false},
              {"b", ValueType::kInt64, false},
              {"c", ValueType::kBool, false}};
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const strata::models::Signature mixed = MixedSignature();
  static const strata::models::Signature numeric = NumericSignature();
  if (size < 4) return 0;
  uint32_t choice = 0;
  std::memcpy(&choice, data, 4);
  std::string_view body(reinterpret_cast<const char*>(data + 4), size - 4);
  std::string header_length;
  if ((choice >> 30) == 3) {
    header_length = "x" + std::to_string(choice & 0xff);
  } else {
    header_length = std::to_string(body.empty() ? choice % 8 : choice % (body.size() + 2));
  }
  for (const strata::models::Signature* s : {&mixed, &numeric}) {
    auto decoded = strata::api::internal::DecodeV2BinaryInferRequest(body, header_length, *s, 64);
    if (decoded.ok() && decoded->request.inputs.num_rows() > 64) __builtin_trap();
  }
  if (strata::api::internal::MayRequestBinaryOutputs(body)) {
    (void)strata::api::internal::ReadV2BinaryOutputs(body);
  }
  return 0;
}
