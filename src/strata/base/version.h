#ifndef STRATA_BASE_VERSION_H_
#define STRATA_BASE_VERSION_H_

namespace strata {
inline constexpr char kVersion[] = "0.1.0";
}  // namespace strata

#endif  // STRATA_BASE_VERSION_H_
