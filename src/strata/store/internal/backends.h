// Private to store/: the two backend factories and the pieces database.cc shares with them.
#ifndef STRATA_STORE_INTERNAL_BACKENDS_H_
#define STRATA_STORE_INTERNAL_BACKENDS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "strata/store/database.h"

namespace strata::store::internal {

// Every Connection our backends lend out also runs multi-statement scripts (migrations).
// Not part of the public interface: only Migrate() needs it.
class ScriptConnection : public Connection {
 public:
  // Runs `sql`, which may hold several ';'-separated statements, without parameters.
  // Errors as for Execute().
  virtual absl::Status ExecuteScript(std::string_view sql) = 0;
};

// `target` is the part after "sqlite://": an absolute or relative file path, or ":memory:".
absl::StatusOr<std::unique_ptr<Database>> OpenSqlite(std::string_view target,
                                                     const DatabaseOptions& options);

// `uri` is a full libpq connection URI ("postgresql://..." or "postgres://...").
absl::StatusOr<std::unique_ptr<Database>> OpenPostgres(std::string_view uri,
                                                       const DatabaseOptions& options);

// Rewrites `?` placeholders to $1..$n, leaving those inside '...' literals, "..." identifiers,
// $tag$...$tag$ strings, -- and /* */ comments alone. Sets *count to the number rewritten.
std::string RewritePlaceholders(std::string_view sql, int* count);

// Both backends keep at most this many prepared statements per connection: dynamic SQL (IN
// lists of varying length) must not grow a cache without bound.
inline constexpr size_t kMaxCachedStatements = 256;

// `sql` cut to 200 characters for error messages.
std::string AbbreviateSql(std::string_view sql);

// Sleeps a random 0.2x-1x of min(max_ms, 2^attempt) milliseconds before a retry.
void SleepBackoff(int attempt, int max_ms);

}  // namespace strata::store::internal

#endif  // STRATA_STORE_INTERNAL_BACKENDS_H_
