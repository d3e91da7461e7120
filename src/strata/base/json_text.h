// JSON string literals written by hand, for the writers on hot paths (inference responses,
// the access and request logs) that do not build a DOM. Request data need not be UTF-8: every
// byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) becomes U+FFFD, so the output always parses. '"', '\'
// and control characters are escaped (\u00XX for the controls).
#ifndef STRATA_BASE_JSON_TEXT_H_
#define STRATA_BASE_JSON_TEXT_H_

#include <string>
#include <string_view>

namespace strata {

// `value` as a quoted JSON string.
void AppendJsonString(std::string_view value, std::string& out);

// The same without the surrounding quotes, for writers that put the quotes around several
// pieces themselves.
void AppendJsonEscaped(std::string_view value, std::string& out);

}  // namespace strata

#endif  // STRATA_BASE_JSON_TEXT_H_
