// Strict, typed reading of one JSON object of a transform spec or fitted pipeline: every
// error names where it is ("step 2 (one_hot)") and the field, and fields nobody asked for are
// errors too, so a typo in a spec is never silently ignored.
//
// Thread-safety: a SpecReader is not thread-safe; the free functions are.
#ifndef STRATA_DATA_INTERNAL_SPEC_READER_H_
#define STRATA_DATA_INTERNAL_SPEC_READER_H_

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace strata::data::internal {

using Json = nlohmann::json;

// Reads fields of `object`; the first problem is kept and returned by Finish(). After an
// error the getters return their defaults, so callers read everything and check once.
class SpecReader {
 public:
  // `where` prefixes every message ("step 1 (standard_scaler)").
  SpecReader(const Json& object, std::string where);

  bool Has(std::string_view key) const;
  // A string field; `fallback` when absent (absent without a fallback is an error). A
  // non-empty `allowed` restricts the value.
  std::string String(std::string_view key, std::optional<std::string> fallback,
                     std::initializer_list<std::string_view> allowed = {});
  bool Bool(std::string_view key, std::optional<bool> fallback);
  // A finite number.
  double Number(std::string_view key, std::optional<double> fallback);
  // An integer >= `min`.
  int64_t Int(std::string_view key, std::optional<int64_t> fallback, int64_t min);
  std::vector<std::string> Strings(std::string_view key);
  // Finite numbers.
  std::vector<double> Numbers(std::string_view key);
  // The raw field (nullptr when absent, which is an error unless `optional`).
  const Json* Raw(std::string_view key, bool optional = false);

  // Records an error about `key` (for checks the getters cannot make).
  void Fail(std::string_view key, std::string_view problem);
  const std::string& where() const { return where_; }
  // The first error so far (fields not yet read are not checked).
  const absl::Status& status() const { return status_; }

  // The first error, else INVALID_ARGUMENT for a field that was never read, else OK.
  absl::Status Finish();

 private:
  const Json* Take(std::string_view key, bool required);

  const Json& object_;
  std::string where_;
  std::set<std::string, std::less<>> read_;
  absl::Status status_;
};

// Parses JSON text. Errors: INVALID_ARGUMENT with the parser's byte position.
absl::StatusOr<Json> ParseJsonText(std::string_view text, std::string_view what);

// Parses YAML text into the equivalent JSON value: mappings become objects, sequences arrays,
// plain scalars true/false, null/~, integers and decimals their JSON types, everything else
// (and every quoted scalar) a string. Errors: INVALID_ARGUMENT with the line.
absl::StatusOr<Json> ParseYamlText(std::string_view text, std::string_view what);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_SPEC_READER_H_
