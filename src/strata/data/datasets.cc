#include "strata/data/datasets.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/ids.h"
#include "strata/base/sha256.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/data/internal/git_capture.h"
#include "strata/io/read_table.h"

namespace strata::data {
namespace {

using nlohmann::json;

constexpr size_t kMaxNameLength = 200;
constexpr size_t kChunkBytes = 1 << 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

absl::Status OpenError(const std::string& path, int err) {
  std::string msg = absl::StrCat(path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  return absl::InternalError(msg);
}

// Streams `path` through SHA-256 and, when `copy_to` is set, into that file.
absl::StatusOr<FileDigest> HashFile(const std::string& path, std::FILE* copy_to = nullptr,
                                    const std::string& copy_path = "") {
  File in(std::fopen(path.c_str(), "rb"));
  if (!in) return OpenError(path, errno);
  Sha256 hash;
  FileDigest out;
  std::string buf(kChunkBytes, '\0');
  while (true) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), in.get());
    if (n > 0) {
      hash.Update(std::string_view(buf.data(), n));
      out.size += static_cast<int64_t>(n);
      if (copy_to != nullptr && std::fwrite(buf.data(), 1, n, copy_to) != n) {
        return absl::InternalError(absl::StrCat("cannot write ", copy_path, ": ",
                                                std::strerror(errno)));
      }
    }
    if (n < buf.size()) {
      if (std::ferror(in.get())) {
        return absl::InternalError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
      }
      break;
    }
  }
  out.sha256 = hash.HexDigest();
  return out;
}

std::string OsUser() {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr && *found->pw_name != '\0') {
    return found->pw_name;
  }
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "unknown";
}

std::string FormatName(io::FileFormat f) {
  switch (f) {
    case io::FileFormat::kCsv:
      return "csv";
    case io::FileFormat::kTsv:
      return "tsv";
    case io::FileFormat::kParquet:
      return "parquet";
    case io::FileFormat::kJsonLines:
      return "jsonl";
  }
  return "unknown";
}

std::string SchemaJson(const table::Schema& schema) {
  json fields = json::array();
  for (const table::Field& f : schema.fields()) {
    fields.push_back({{"name", f.name}, {"type", std::string(table::DataTypeName(f.type))}});
  }
  return fields.dump();
}

// Logical path of a version's bytes: a ref unique to the version (so no add ever rewrites
// another version's ref), named after the original file for people browsing the store. The
// blob behind it is shared by every version, of any name, with the same bytes.
std::string ArtifactPathFor(std::string_view name, std::string file_name) {
  // Only characters no path check objects to (a file may be called "a%2f..csv").
  for (char& c : file_name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-') {
      c = '_';
    }
  }
  if (file_name.empty() || file_name[0] == '.') file_name = "data" + file_name;
  return absl::StrCat("datasets/", AsAbsl(name), "/", NewId(), "/", file_name);
}

absl::Status Corrupt(const DatasetVersion& v, std::string_view detail) {
  return absl::DataLossError(absl::StrCat("dataset ", v.name, "@", v.version, ": blob sha256:",
                                          v.sha256, " is corrupt: ", AsAbsl(detail)));
}

absl::Status CheckDigest(const DatasetVersion& v, const FileDigest& got) {
  if (got.sha256 != v.sha256) {
    return Corrupt(v, absl::StrCat("its bytes hash to sha256:", got.sha256));
  }
  if (got.size != v.size_bytes) {
    return Corrupt(v, absl::StrCat("it holds ", got.size, " bytes, the manifest says ",
                                   v.size_bytes));
  }
  return absl::OkStatus();
}

// The blob behind a manifest; a ref that is gone or damaged is the version's data loss.
absl::StatusOr<blob::BlobInfo> BlobOf(blob::ArtifactStore& blobs, const DatasetVersion& v) {
  absl::StatusOr<blob::BlobInfo> info = blobs.Get(v.artifact_path);
  if (!info.ok() &&
      (absl::IsNotFound(info.status()) || absl::IsDataLoss(info.status()))) {
    return Corrupt(v, AsStd(info.status().message()));
  }
  return info;
}

}  // namespace

absl::Status ValidateDatasetName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    std::string shown;
    for (char c : name.substr(0, 80)) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        absl::StrAppend(&shown, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      } else {
        shown.push_back(c);
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("invalid dataset name '", shown, "': ", AsAbsl(why)));
  };
  if (name.empty()) return bad("must not be empty");
  if (name.size() > kMaxNameLength) return bad(absl::StrCat("longer than ", kMaxNameLength));
  if (name[0] == '.' || name[0] == '-') return bad("must not start with '.' or '-'");
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-') {
      return bad("only letters, digits, '.', '_' and '-' are allowed");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> ParseVersion(std::string_view text) {
  if (text.empty() || text == "latest") return std::optional<int64_t>();
  int64_t v = 0;
  bool digits = true;
  for (char c : text) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits || !absl::SimpleAtoi(AsAbsl(text), &v) || v < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid dataset version '", AsAbsl(text.substr(0, 40)),
        "': expected a positive integer or 'latest'"));
  }
  return std::optional<int64_t>(v);
}

absl::StatusOr<DatasetRef> ParseDatasetRef(std::string_view text) {
  DatasetRef ref;
  const size_t at = text.rfind('@');
  std::string_view name = at == std::string_view::npos ? text : text.substr(0, at);
  RETURN_IF_ERROR(ValidateDatasetName(name));
  ref.name = std::string(name);
  if (at != std::string_view::npos) {
    if (at + 1 == text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid dataset reference '", AsAbsl(text),
                       "': nothing after '@' (use NAME@VERSION or NAME@latest)"));
    }
    ASSIGN_OR_RETURN(ref.version, ParseVersion(text.substr(at + 1)));
  }
  return ref;
}

absl::StatusOr<std::unique_ptr<Datasets>> Datasets::Open(store::Database* db,
                                                         blob::ArtifactStore* blobs) {
  ASSIGN_OR_RETURN(std::unique_ptr<DatasetStore> store, DatasetStore::Open(db));
  ASSIGN_OR_RETURN(std::unique_ptr<lineage::LineageStore> lineage, lineage::LineageStore::Open(db));
  return std::unique_ptr<Datasets>(new Datasets(std::move(store), std::move(lineage), blobs));
}

absl::Status Datasets::RecordLineage(const DatasetVersion& v) {
  const std::string name = absl::StrCat(v.name, "@", v.version);
  const json properties = {{"sha256", v.sha256},     {"rows", v.row_count},
                           {"format", v.file_format}, {"size_bytes", v.size_bytes},
                           {"source_path", v.source_path}};
  return lineage_->PutArtifact({0, "Dataset", name, "dataset:" + name, properties.dump(), 0})
      .status();
}

absl::StatusOr<AddResult> Datasets::AddVersion(std::string_view name, const std::string& path,
                                               const AddOptions& options) {
  RETURN_IF_ERROR(ValidateDatasetName(name));
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec).lexically_normal();
  if (ec) return absl::InvalidArgumentError(absl::StrCat(path, ": ", ec.message()));
  if (!std::filesystem::is_regular_file(abs, ec)) {
    if (!std::filesystem::exists(abs, ec)) {
      return absl::NotFoundError(absl::StrCat(path, ": No such file"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  ASSIGN_OR_RETURN(io::FileFormat format, io::FormatFromPath(path));

  // Hash first: re-adding unchanged bytes then costs one read and no parse.
  ASSIGN_OR_RETURN(FileDigest digest, HashFile(abs.string()));
  if (!options.force) {
    absl::StatusOr<DatasetVersion> latest = store_->GetLatest(name);
    if (latest.ok() && latest->sha256 == digest.sha256) {
      // Also repairs a lineage record an earlier add could not write.
      RETURN_IF_ERROR(RecordLineage(*latest));
      return AddResult{*latest, false};
    }
    if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  }

  // The copy into the blob store (which hashes again while copying) runs beside the parse:
  // both are a full pass over the file and they use different cores. The ref is new and unique
  // to this add, so a failed add can remove it without touching any other version's.
  const std::string artifact_path = ArtifactPathFor(name, abs.filename().string());
  absl::StatusOr<blob::BlobInfo> stored = absl::UnknownError("blob copy did not run");
  std::thread copier([&] { stored = blobs_->PutFile(artifact_path, abs.string()); });
  absl::StatusOr<DatasetVersion> described = Describe(name, abs, format, digest, options);
  copier.join();
  auto drop_ref = [&] {
    if (stored.ok()) blobs_->Delete(artifact_path).IgnoreError();
  };
  if (!stored.ok()) return stored.status();
  if (!described.ok()) {
    drop_ref();
    return described.status();
  }
  // A different hash means the file was rewritten after it was first hashed: the manifest
  // (schema, profile) might not describe the stored bytes.
  if (stored->sha256 != digest.sha256) {
    drop_ref();
    return absl::AbortedError(absl::StrCat(path, " changed while it was being added (sha256:",
                                           digest.sha256, " then sha256:", stored->sha256,
                                           "); add it again"));
  }
  described->artifact_path = artifact_path;
  absl::StatusOr<InsertVersionResult> inserted =
      store_->InsertVersion(*described, !options.force);
  // Not created: a concurrent adder stored identical bytes first; its version has its own ref.
  if (!inserted.ok() || !inserted->created) drop_ref();
  if (!inserted.ok()) return inserted.status();
  // After the version is committed: if this fails the version stands and the next add of the
  // same bytes (or LogRunInput) records it.
  RETURN_IF_ERROR(RecordLineage(inserted->version));
  return AddResult{std::move(inserted->version), inserted->created};
}

absl::StatusOr<DatasetVersion> Datasets::Describe(std::string_view name,
                                                  const std::filesystem::path& abs,
                                                  io::FileFormat format,
                                                  const FileDigest& digest,
                                                  const AddOptions& options) {
  ASSIGN_OR_RETURN(table::Table t, io::ReadTable(abs.string(), options.csv));
  json profile;
  if (options.profiler) {
    ASSIGN_OR_RETURN(profile, options.profiler(t));
    if (!profile.is_object()) {
      return absl::InvalidArgumentError("the profiler returned JSON that is not an object");
    }
  } else {
    profile = SummarizeColumns(t);
  }
  DatasetVersion v;
  v.name = std::string(name);
  v.sha256 = digest.sha256;
  v.size_bytes = digest.size;
  v.source_path = abs.string();
  v.file_format = FormatName(format);
  v.schema_json = SchemaJson(t.schema());
  v.row_count = t.num_rows();
  v.profile_json = profile.dump();
  if (options.capture_git) {
    std::error_code ec;
    std::string dir = options.git_search_dir;
    if (dir.empty()) dir = std::filesystem::current_path(ec).string();
    ASSIGN_OR_RETURN(v.git, internal::CaptureGit(dir));
  }
  v.created_by = options.created_by.empty() ? OsUser() : options.created_by;
  v.created_at_ms = NowMillis();
  v.description = options.description;
  v.tags = options.tags;
  return v;
}

absl::StatusOr<std::vector<DatasetSummary>> Datasets::ListDatasets() {
  return store_->ListDatasets();
}

absl::StatusOr<std::vector<DatasetVersion>> Datasets::ListVersions(std::string_view name) {
  RETURN_IF_ERROR(ValidateDatasetName(name));
  return store_->ListVersions(name);
}

absl::StatusOr<DatasetVersion> Datasets::GetVersion(const DatasetRef& ref) {
  RETURN_IF_ERROR(ValidateDatasetName(ref.name));
  if (ref.version) return store_->GetVersion(ref.name, *ref.version);
  return store_->GetLatest(ref.name);
}

absl::StatusOr<VerifiedBlob> Datasets::Verify(const DatasetRef& ref) {
  ASSIGN_OR_RETURN(DatasetVersion v, GetVersion(ref));
  ASSIGN_OR_RETURN(blob::BlobInfo info, BlobOf(*blobs_, v));
  absl::StatusOr<FileDigest> got = HashFile(info.blob_path);
  if (!got.ok()) {
    if (absl::IsNotFound(got.status())) return Corrupt(v, "the blob file is missing");
    return got.status();
  }
  RETURN_IF_ERROR(CheckDigest(v, *got));
  return VerifiedBlob{std::move(v), std::move(info.blob_path)};
}

absl::StatusOr<std::string> Datasets::Materialize(const DatasetRef& ref,
                                                  const std::string& out_path) {
  ASSIGN_OR_RETURN(DatasetVersion v, GetVersion(ref));
  ASSIGN_OR_RETURN(blob::BlobInfo info, BlobOf(*blobs_, v));
  std::error_code ec;
  std::filesystem::path target(out_path);
  if (std::filesystem::is_directory(target, ec)) {
    target /= std::filesystem::path(v.source_path).filename();
  }
  const std::string tmp = absl::StrCat(target.string(), ".strata-tmp-", getpid());
  File out(std::fopen(tmp.c_str(), "wb"));
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  absl::StatusOr<FileDigest> got = HashFile(info.blob_path, out.get(), tmp);
  absl::Status s = got.ok() ? CheckDigest(v, *got) : got.status();
  if (s.ok() && (std::fflush(out.get()) != 0 || fsync(fileno(out.get())) != 0)) {
    s = absl::InternalError(absl::StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  }
  out.reset();
  if (s.ok()) {
    std::filesystem::rename(tmp, target, ec);
    if (ec) s = absl::InternalError(absl::StrCat("cannot write ", target.string(), ": ", ec.message()));
  }
  if (!s.ok()) {
    std::filesystem::remove(tmp, ec);
    if (absl::IsNotFound(s)) return Corrupt(v, "the blob file is missing");
    return s;
  }
  return target.string();
}

absl::StatusOr<DatasetDiff> Datasets::Diff(const DatasetRef& from, const DatasetRef& to) {
  ASSIGN_OR_RETURN(DatasetVersion a, GetVersion(from));
  ASSIGN_OR_RETURN(DatasetVersion b, GetVersion(to));
  return DiffVersions(a, b);
}

absl::StatusOr<tracking::DatasetInput> Datasets::LogRunInput(const DatasetRef& ref,
                                                             std::string_view run_id,
                                                             std::string_view context,
                                                             tracking::TrackingStore& tracking) {
  ASSIGN_OR_RETURN(DatasetVersion v, GetVersion(ref));
  tracking::DatasetInput input = ToMlflowDatasetInput(v, context);
  RETURN_IF_ERROR(tracking.LogInputs(run_id, {input}));
  // The run as a lineage context holding the dataset, so "which runs used customers@3" is one
  // query of the graph as well.
  RETURN_IF_ERROR(RecordLineage(v));
  ASSIGN_OR_RETURN(std::optional<lineage::Artifact> artifact,
                   lineage_->FindArtifact("Dataset", absl::StrCat(v.name, "@", v.version)));
  ASSIGN_OR_RETURN(lineage::Context run, lineage_->PutContext({0, "MlflowRun",
                                                               std::string(run_id), "{}", 0}));
  if (artifact) RETURN_IF_ERROR(lineage_->Attribute(run.id, artifact->id));
  return input;
}

}  // namespace strata::data
