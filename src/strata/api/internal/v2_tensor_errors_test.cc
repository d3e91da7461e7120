#include "strata/api/internal/v2_tensor_errors.h"

#include "gtest/gtest.h"

namespace strata::api::internal {
namespace {

TEST(V2TensorErrorsTest, NamesTheInputAndTheSignature) {
  const std::vector<models::ColumnSpec> specs = {{"a", models::ValueType::kFloat64, false},
                                                 {"b", models::ValueType::kInt64, true}};
  EXPECT_EQ(SpecIndex(specs, "b"), 1);
  EXPECT_EQ(SpecIndex(specs, "c"), -1);
  EXPECT_EQ(ShapeText({2, 30}), "[2, 30]");
  absl::Status e = UnknownInputError("c", specs);
  EXPECT_EQ(e.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e.message(), "input 'c': not in the model's signature (inputs: a, b)");
  EXPECT_EQ(InputError("a", "given twice").message(), "input 'a': given twice");
}

}  // namespace
}  // namespace strata::api::internal
