// The footer's flattened schema tree, resolved to leaves and read plans: which leaves are
// flat (readable) and how each converts (see parquet_reader.h for the type mapping).
#ifndef STRATA_IO_INTERNAL_PARQUET_SCHEMA_H_
#define STRATA_IO_INTERNAL_PARQUET_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/io/internal/parquet_column_reader.h"
#include "strata/io/internal/parquet_metadata.h"

namespace strata::io::parquet {

struct Leaf {
  std::string path;           // dotted
  std::string top_level;      // the root child it belongs to
  const SchemaElement* element = nullptr;
  bool nested = false;        // under a group other than the root, or repeated
  absl::Status plan_status;   // why it cannot be read, when not OK
  LeafPlan plan;
};

// The leaves in schema order (the order of a row group's column chunks).
// Errors: INVALID_ARGUMENT for a malformed tree (children past the end, a group without
// children, a leaf without a type, too deep).
absl::StatusOr<std::vector<Leaf>> ResolveSchema(const std::vector<SchemaElement>& schema);

std::string PhysicalTypeName(PhysicalType type);
std::string EncodingName(Encoding encoding);
// "TIMESTAMP(MICROS)", "DECIMAL(10,2)", "STRING", ... or "" when unannotated.
std::string AnnotationName(const SchemaElement& element);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_SCHEMA_H_
