// Helpers both backends share (declared in backends.h).
#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/store/internal/backends.h"

namespace strata::store::internal {

std::string AbbreviateSql(std::string_view sql) {
  constexpr size_t kMax = 200;
  if (sql.size() <= kMax) return std::string(sql);
  return absl::StrCat(AsAbsl(sql.substr(0, kMax)), "...");
}

void SleepBackoff(int attempt, int max_ms) {
  static thread_local std::minstd_rand rng(std::random_device{}());
  int cap_ms = 1;
  while (attempt-- > 0 && cap_ms < max_ms) cap_ms *= 2;
  cap_ms = std::min(cap_ms, max_ms);
  std::this_thread::sleep_for(std::chrono::microseconds(
      std::uniform_int_distribution<int>(cap_ms * 200, cap_ms * 1000)(rng)));
}

}  // namespace strata::store::internal
