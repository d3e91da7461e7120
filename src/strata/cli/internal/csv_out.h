// A minimal RFC 4180 CSV writer for `strata data clean`'s outputs.
// IMPORTANT: to be replaced by io::WriteTable once it lands (issue 3); kept tiny on purpose.
#ifndef STRATA_CLI_INTERNAL_CSV_OUT_H_
#define STRATA_CLI_INTERNAL_CSV_OUT_H_

#include <string>

#include "absl/status/status.h"
#include "strata/table/table.h"

namespace strata::cli {

// `table` as CSV text: a header, then one line per row (LF). A null cell is empty; a string
// is quoted when it holds the delimiter, a quote, CR or LF, has outer spaces, is empty or
// equals a null token of io's CSV reader (so that reading it back gives the same values).
std::string CsvText(const table::Table& table, char delimiter);

// Writes `text` to `path + ".tmp-<pid>"`; call CommitFile to move it into place. On any
// error the temporary file is removed. Errors: UNAVAILABLE naming the path and errno text.
absl::Status WriteTempFile(const std::string& path, const std::string& text);
// Renames the temporary file of WriteTempFile onto `path`; or removes it (DiscardFile).
absl::Status CommitFile(const std::string& path);
void DiscardFile(const std::string& path);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_CSV_OUT_H_
