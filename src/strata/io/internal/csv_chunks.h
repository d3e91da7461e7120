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
// buffer plus offsets, nulls to a validity bitmap. A chunk is parsed a batch of rows at a
// time: the rows are cut into field spans first (internal/csv_scan.h finds the special bytes
// 64 at a time), then each column's fields go through one loop specialised for its type. A value that does not parse as the column's
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

// Rows in [begin, end) as ParseChunk will see them: non-blank rows, ended by LF, CR or CRLF
// outside quotes. Lets the reader size every column once before the threads fill it in.
int64_t CountRows(std::string_view data, size_t begin, size_t end);

// What to do with one column while parsing a chunk.
struct ColumnPlan {
  table::DataType type = table::DataType::kString;
  bool wanted = true;   // materialize it (false: skip its fields)
  bool strict = false;  // a value that does not parse is an error, not a failure mark
};

// Where a chunk writes one column: the whole column's arrays, sized for every row of the
// file; the chunk writes rows [row_base, row_base + rows). Strings write chunk-local end
// offsets at offsets[row + 1] and their bytes to the chunk's own buffer; the reader rebases.
struct ColumnTarget {
  int64_t* ints = nullptr;
  double* doubles = nullptr;
  uint8_t* bools = nullptr;
  int64_t* offsets = nullptr;
};

struct ChunkColumn {
  std::string bytes;               // string values of this chunk
  std::vector<uint64_t> validity;  // this chunk's rows; empty while there is no null
  bool failed = false;             // a value did not parse as the type (not strict)
  bool any_value = false;          // a non-null value was seen
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

// Parses the `row_count` rows in [begin, end) of `data` (as counted by CountRows) into
// `targets` per `plan`, starting at row `row_base`. `names` are used in error messages.
ParsedChunk ParseChunk(std::string_view data, size_t begin, size_t end, const CsvDialect& dialect,
                       absl::Span<const ColumnPlan> plan, absl::Span<const std::string> names,
                       absl::Span<const ColumnTarget> targets, int64_t row_base,
                       int64_t row_count);

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_CSV_CHUNKS_H_
