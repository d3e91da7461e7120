#include "strata/io/internal/parquet_schema.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io::parquet {
namespace {

using ::testing::HasSubstr;
using table::DataType;

SchemaElement Group(const std::string& name, int children, Repetition rep = Repetition::kOptional) {
  SchemaElement e;
  e.name = name;
  e.num_children = children;
  e.has_repetition = true;
  e.repetition = rep;
  return e;
}

SchemaElement Leaf(const std::string& name, PhysicalType type,
                   Repetition rep = Repetition::kOptional) {
  SchemaElement e;
  e.name = name;
  e.has_type = true;
  e.type = type;
  e.has_repetition = true;
  e.repetition = rep;
  return e;
}

TEST(ParquetSchemaTest, FlatLeavesAndNestedOnes) {
  std::vector<SchemaElement> schema = {Group("root", 4), Leaf("a", PhysicalType::kInt64),
                                       Group("s", 1), Leaf("x", PhysicalType::kInt32),
                                       Leaf("r", PhysicalType::kInt32, Repetition::kRepeated),
                                       Leaf("b", PhysicalType::kByteArray, Repetition::kRequired)};
  absl::StatusOr<std::vector<parquet::Leaf>> leaves = ResolveSchema(schema);
  ASSERT_TRUE(leaves.ok()) << leaves.status();
  ASSERT_EQ(leaves->size(), 4u);
  EXPECT_EQ((*leaves)[0].path, "a");
  EXPECT_TRUE((*leaves)[0].plan_status.ok());
  EXPECT_EQ((*leaves)[0].plan.max_definition_level, 1);
  EXPECT_EQ((*leaves)[1].path, "s.x");
  EXPECT_EQ((*leaves)[1].top_level, "s");
  EXPECT_THAT(std::string((*leaves)[1].plan_status.message()),
              HasSubstr("unsupported: nested type (column 's.x')"));
  EXPECT_FALSE((*leaves)[2].plan_status.ok());  // repeated leaf of the root
  EXPECT_EQ((*leaves)[3].plan.type, DataType::kString);
  EXPECT_EQ((*leaves)[3].plan.max_definition_level, 0);
}

TEST(ParquetSchemaTest, MalformedTrees) {
  EXPECT_FALSE(ResolveSchema({}).ok());
  // The root claims two children, one is there.
  EXPECT_THAT(std::string(ResolveSchema({Group("root", 2), Leaf("a", PhysicalType::kInt32)})
                              .status()
                              .message()),
              HasSubstr("missing"));
  // A leftover element outside the tree.
  EXPECT_FALSE(ResolveSchema({Group("root", 1), Leaf("a", PhysicalType::kInt32),
                              Leaf("b", PhysicalType::kInt32)})
                   .ok());
  // A group of no children and no type.
  EXPECT_FALSE(ResolveSchema({Group("root", 1), Group("g", 0)}).ok());
}

TEST(ParquetSchemaTest, LogicalAndConvertedTypesPickConversions) {
  SchemaElement ts = Leaf("ts", PhysicalType::kInt64);
  ts.logical_type.kind = LogicalType::kTimestamp;
  ts.logical_type.unit = TimeUnit::kNanos;
  SchemaElement date = Leaf("d", PhysicalType::kInt32);
  date.has_converted_type = true;
  date.converted_type = ConvertedType::kDate;
  SchemaElement dec = Leaf("m", PhysicalType::kFixedLenByteArray);
  dec.type_length = 16;
  dec.logical_type.kind = LogicalType::kDecimal;
  dec.logical_type.decimal_scale = 4;
  SchemaElement half = Leaf("h", PhysicalType::kFixedLenByteArray);
  half.type_length = 2;
  half.logical_type.kind = LogicalType::kFloat16;
  SchemaElement u64 = Leaf("u", PhysicalType::kInt64);
  u64.logical_type.kind = LogicalType::kInteger;
  u64.logical_type.is_signed = false;
  SchemaElement uuid = Leaf("id", PhysicalType::kFixedLenByteArray);
  uuid.type_length = 16;
  uuid.logical_type.kind = LogicalType::kUuid;
  absl::StatusOr<std::vector<parquet::Leaf>> leaves =
      ResolveSchema({Group("root", 6), ts, date, dec, half, u64, uuid});
  ASSERT_TRUE(leaves.ok()) << leaves.status();
  EXPECT_EQ((*leaves)[0].plan.conversion, Conversion::kTimestampNanos);
  EXPECT_EQ((*leaves)[0].plan.type, DataType::kTimestamp);
  EXPECT_EQ((*leaves)[1].plan.conversion, Conversion::kDate);
  EXPECT_EQ((*leaves)[2].plan.conversion, Conversion::kDecimalBytes);
  EXPECT_EQ((*leaves)[2].plan.scale, 4);
  EXPECT_EQ((*leaves)[3].plan.conversion, Conversion::kFloat16);
  EXPECT_EQ((*leaves)[4].plan.conversion, Conversion::kUInt64);
  EXPECT_EQ((*leaves)[5].plan.type, DataType::kString);
  EXPECT_EQ(AnnotationName(ts), "TIMESTAMP(NANOS)");
  EXPECT_EQ(AnnotationName(dec), "DECIMAL(0,4)");
}

TEST(ParquetSchemaTest, FixedLenByteArrayNeedsALength) {
  SchemaElement bad = Leaf("f", PhysicalType::kFixedLenByteArray);
  absl::StatusOr<std::vector<parquet::Leaf>> leaves = ResolveSchema({Group("root", 1), bad});
  ASSERT_TRUE(leaves.ok());
  EXPECT_THAT(std::string((*leaves)[0].plan_status.message()), HasSubstr("length 0"));
}

}  // namespace
}  // namespace strata::io::parquet
