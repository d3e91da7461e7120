// A minimal RFC 4180 CSV writer for `strata data transform` output.
//
// IMPORTANT: a stopgap, to be replaced by io::WriteTable / io::WriteCsv (being written in
// io/) once that lands; it exists only so the transform verbs do not wait for it. Nulls are
// empty fields; empty strings are written quoted ("") so the CSV reader keeps them apart;
// doubles in shortest round-trip form; timestamps as io::FormatTimestampMicros. Known gap: a
// one-column table's null row is an empty line, which CSV readers skip.
#ifndef STRATA_CLI_INTERNAL_TRANSFORM_CSV_OUT_H_
#define STRATA_CLI_INTERNAL_TRANSFORM_CSV_OUT_H_

#include <string>

#include "absl/status/status.h"
#include "strata/table/table.h"

namespace strata::cli {

// Errors: UNAVAILABLE naming the path when it cannot be written.
absl::Status WriteTransformCsv(const table::Table& t, const std::string& path);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_TRANSFORM_CSV_OUT_H_
