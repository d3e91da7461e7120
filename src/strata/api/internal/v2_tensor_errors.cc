#include "strata/api/internal/v2_tensor_errors.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"

namespace strata::api::internal {

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

absl::Status InputError(std::string_view input, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("input '", AsAbsl(input), "': ", AsAbsl(what)));
}

int SpecIndex(const std::vector<models::ColumnSpec>& specs, std::string_view name) {
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

absl::Status UnknownInputError(std::string_view input,
                               const std::vector<models::ColumnSpec>& specs) {
  std::vector<std::string> names;
  for (const models::ColumnSpec& s : specs) names.push_back(s.name);
  return InputError(input, absl::StrCat("not in the model's signature (inputs: ",
                                        absl::StrJoin(names, ", "), ")"));
}

}  // namespace strata::api::internal
