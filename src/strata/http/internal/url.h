// URL helpers shared by the server (target parsing) and the client (encoding).
#ifndef STRATA_HTTP_INTERNAL_URL_H_
#define STRATA_HTTP_INTERNAL_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::http::internal {

// Percent-decodes `in` into `out` (cleared first). With `plus_as_space`, '+' becomes ' ' (query
// strings, application/x-www-form-urlencoded). Returns false on a malformed escape ("%4", "%zz")
// or a decoded NUL byte, leaving `out` unspecified.
bool PercentDecode(std::string_view in, bool plus_as_space, std::string& out);

// Splits `raw_target` ("/p/a%20th?k=v&k=w") into the decoded path and decoded query pairs.
// `query` is overwritten in place so the strings' capacity is reused between requests on one
// connection. Query components with a bad escape are kept verbatim (clients are lenient there
// too); returns false only when the path does not decode.
bool ParseTarget(std::string_view raw_target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query);

// Percent-encodes everything except RFC 3986 unreserved characters.
void AppendUrlEncoded(std::string_view in, std::string& out);

}  // namespace strata::http::internal

#endif  // STRATA_HTTP_INTERNAL_URL_H_
