#include "strata/data/internal/git_capture.h"

#include <git2.h>

#include <memory>

#include "absl/strings/str_cat.h"

namespace strata::data::internal {
namespace {

// libgit2's global state is reference counted; one guard per capture keeps it balanced.
class LibGit2 {
 public:
  LibGit2() { git_libgit2_init(); }
  ~LibGit2() { git_libgit2_shutdown(); }
  LibGit2(const LibGit2&) = delete;
  LibGit2& operator=(const LibGit2&) = delete;
};

struct RepoFree {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
struct StatusListFree {
  void operator()(git_status_list* l) const { git_status_list_free(l); }
};

absl::Status GitError(const char* what, const std::string& dir) {
  const git_error* e = git_error_last();
  return absl::InternalError(absl::StrCat("git: ", what, " for ", dir, ": ",
                                          e != nullptr && e->message ? e->message : "unknown"));
}

}  // namespace

absl::StatusOr<std::optional<GitInfo>> CaptureGit(const std::string& dir) {
  LibGit2 lib;
  git_repository* raw = nullptr;
  // Flags 0: search parent folders, stop at nothing but the filesystem root.
  int rc = git_repository_open_ext(&raw, dir.c_str(), 0, nullptr);
  if (rc == GIT_ENOTFOUND) return std::optional<GitInfo>();
  if (rc != 0) return GitError("cannot open repository", dir);
  std::unique_ptr<git_repository, RepoFree> repo(raw);

  GitInfo info;
  const char* workdir = git_repository_workdir(repo.get());
  info.repo_path = workdir != nullptr ? workdir : git_repository_path(repo.get());
  while (info.repo_path.size() > 1 && info.repo_path.back() == '/') info.repo_path.pop_back();

  git_oid head;
  rc = git_reference_name_to_id(&head, repo.get(), "HEAD");
  if (rc == 0) {
    char hex[GIT_OID_HEXSZ + 1] = {};
    git_oid_tostr(hex, sizeof(hex), &head);
    info.commit = hex;
  } else if (rc != GIT_ENOTFOUND && rc != GIT_EUNBORNBRANCH) {
    return GitError("cannot resolve HEAD", dir);
  }

  if (workdir != nullptr) {
    git_status_options opts;
    git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    // Tracked files only: no untracked, no ignored; submodules are their own repositories.
    opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
    git_status_list* list = nullptr;
    if (git_status_list_new(&list, repo.get(), &opts) != 0) {
      return GitError("cannot read status", dir);
    }
    std::unique_ptr<git_status_list, StatusListFree> owned(list);
    info.dirty = git_status_list_entrycount(list) > 0;
  }
  return std::optional<GitInfo>(std::move(info));
}

}  // namespace strata::data::internal
