// The git state of a directory, read with libgit2: which commit it is at and whether tracked
// files differ from it.
#ifndef STRATA_DATA_INTERNAL_GIT_CAPTURE_H_
#define STRATA_DATA_INTERNAL_GIT_CAPTURE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "strata/data/dataset_store.h"

namespace strata::data::internal {

// Opens the repository containing `dir` (searching parent folders) and reports HEAD's commit
// id and whether any tracked file is modified, staged, deleted or renamed (untracked and
// ignored files do not count). Returns std::nullopt when `dir` is in no repository.
// Errors: INTERNAL with libgit2's message for a repository it cannot read.
absl::StatusOr<std::optional<GitInfo>> CaptureGit(const std::string& dir);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_GIT_CAPTURE_H_
