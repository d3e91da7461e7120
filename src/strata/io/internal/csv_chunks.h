// The CSV reader's parallel core: the body of a CSV file is cut at row boundaries into chunks
// that threads parse independently, each straight into typed column buffers.
//
// Cutting: a row boundary is a newline outside quotes. RFC 4180 quotes only toggle the
// "inside a quoted field" state ("" toggles twice), so the state at any byte is the parity of
// the quotes since the last known row start; malformed input may cut a chunk in the wrong
// place, but the first chunk holding a malformation is always cut right, and its error is the
// one reported (errors are taken in file order).
//
// Parsing a chunk never allocates per value: numbers go to their vectors, strings to one byte
// buffer plus offsets, nulls to a validity bitmap. A value that does not parse as the column's
// inferred type marks the column failed in that chunk (the reader then widens the type and
// parses that column again); under an overridden type it is an error.
#ifndef STRATA_IO_INTERNAL_CSV_CHUNKS_H_
#define STRATA_IO_INTERNAL_CSV_CHUNKS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/table/column.h"

namespace strata::io::internal {

struct CsvDialect {
  char delimiter = ',';
  std::vector<std::string> null_tokens;
};

// One row split into fields (the header, or the first row when there is none).
struct CsvHeaderRow {
  std::vector<std::string> fields;
  size_t end = 0;        // byte offset just past the row
  int64_t next_line = 1;  // physical line the next row starts on
};

// The first non-blank row at or after `begin` (whose physical line is `line`), or an empty
// field list at end of input. Errors: INVALID_ARGUMENT "line N: ...".
absl::StatusOr<CsvHeaderRow> ReadFirstRow(std::string_view data, size_t begin, int64_t line,
                                          const CsvDialect& dialect);

// Chunk boundaries [b0 = begin, b1, ..., bn = data.size()] of roughly `target` bytes each;
// at least one chunk, empty when begin == data.size().
std::vector<size_t> CutChunks(std::string_view data, size_t begin, size_t target);

// What to do with one column while parsing a chunk.
struct ColumnPlan {
  table::DataType type = table::DataType::kString;
  bool wanted = true;   // materialize it (false: skip its fields)
  bool strict = false;  // a value that does not parse is an error, not a failure mark
};

struct ChunkColumn {
  table::ColumnBuffers buffers;  // validity always kept while parsing
  bool failed = false;           // a value did not parse as the type (not strict)
  bool any_value = false;        // a non-null value was seen
};

struct ParsedChunk {
  int64_t rows = 0;
  int64_t lines = 0;  // physical newlines consumed
  std::vector<ChunkColumn> columns;
  // The first error, with its line relative to the chunk's first line (0-based).
  bool has_error = false;
  int64_t error_line = 0;
  std::string error;
};

// Parses rows in [begin, end) of `data` into `columns.size()` columns per `plan`.
// `names` are used in error messages.
ParsedChunk ParseChunk(std::string_view data, size_t begin, size_t end, const CsvDialect& dialect,
                       absl::Span<const ColumnPlan> plan, absl::Span<const std::string> names);

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_CSV_CHUNKS_H_
