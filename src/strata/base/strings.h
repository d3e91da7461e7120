// String interop. Debian 12's Abseil is built with its own absl::string_view (not an alias of
// std::string_view; see ABSL_OPTION_USE_STD_STRING_VIEW in absl/base/options.h), so Abseil's
// string functions (StrCat, StartsWith, SimpleAtoi, ...) and Status constructors do not take a
// std::string_view directly. Convert at the boundary with these helpers.
#ifndef STRATA_BASE_STRINGS_H_
#define STRATA_BASE_STRINGS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace strata {

inline absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view AsStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace strata

#endif  // STRATA_BASE_STRINGS_H_
