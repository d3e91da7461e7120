#include "strata/blob/artifact_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/sha256.h"

namespace strata::blob {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Regular files under `dir`, recursively (symlinks not followed).
int CountFiles(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && !e.is_symlink()) ++n;
  }
  return n;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "strata_blob_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = ArtifactStore::Open(dir_ + "/root");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::vector<std::string> Names(std::string_view dir) {
    auto entries = store_->List(dir);
    EXPECT_TRUE(entries.ok()) << entries.status();
    std::vector<std::string> out;
    if (!entries.ok()) return out;
    for (const auto& e : *entries) out.push_back(e.name + (e.is_dir ? "/" : ""));
    return out;
  }

  std::string dir_;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_F(ArtifactStoreTest, PutGetRoundTripUsesContentAddress) {
  auto info = store_->Put("1/abc/artifacts/model/model.pkl", "pickled bytes");
  ASSERT_TRUE(info.ok()) << info.status();
  std::string sha = Sha256Hex("pickled bytes");
  EXPECT_EQ(info->sha256, sha);
  EXPECT_EQ(info->size, 13u);
  EXPECT_EQ(info->blob_path,
            absl::StrCat(store_->root(), "/blobs/sha256/", sha.substr(0, 2), "/", sha.substr(2)));
  EXPECT_EQ(Slurp(store_->root() + "/refs/1/abc/artifacts/model/model.pkl"),
            absl::StrCat("sha256:", sha, " 13\n"));

  auto got = store_->Get("1/abc/artifacts/model/model.pkl");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->blob_path, info->blob_path);
  EXPECT_EQ(got->size, 13u);
  EXPECT_EQ(*store_->ReadAll("1/abc/artifacts/model/model.pkl"), "pickled bytes");
  EXPECT_TRUE(absl::IsNotFound(store_->Get("1/abc/artifacts/model/other").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("1/abc/artifacts/model").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("1/abc/artifacts/model/model.pkl/x").status()));
}

TEST_F(ArtifactStoreTest, IdenticalContentIsStoredOnce) {
  ASSERT_TRUE(store_->Put("a/one.txt", "same").ok());
  ASSERT_TRUE(store_->Put("b/two.txt", "same").ok());
  ASSERT_TRUE(store_->Put("a/one.txt", "same").ok());
  EXPECT_EQ(CountFiles(store_->root() + "/blobs"), 1);
  EXPECT_EQ(CountFiles(store_->root() + "/tmp"), 0);  // dropped temps are cleaned up
  EXPECT_EQ(*store_->ReadAll("b/two.txt"), "same");
  ASSERT_TRUE(store_->Put("c/three.txt", "different").ok());
  EXPECT_EQ(CountFiles(store_->root() + "/blobs"), 2);
}

TEST_F(ArtifactStoreTest, EmptyFileIsAnArtifact) {
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(*store_->ReadAll("empty"), "");
  auto entries = store_->List("");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].file_size, 0u);
  EXPECT_FALSE((*entries)[0].is_dir);
}

TEST_F(ArtifactStoreTest, OverwriteReplacesTheRef) {
  ASSERT_TRUE(store_->Put("x/f.txt", "version 1").ok());
  ASSERT_TRUE(store_->Put("x/f.txt", "version two").ok());
  EXPECT_EQ(*store_->ReadAll("x/f.txt"), "version two");
  EXPECT_EQ(store_->Get("x/f.txt")->size, 11u);
  EXPECT_THAT(Names("x"), ElementsAre("f.txt"));
  EXPECT_EQ(CountFiles(store_->root() + "/tmp"), 0);
}

TEST_F(ArtifactStoreTest, FileAndFolderCannotShareAPath) {
  ASSERT_TRUE(store_->Put("d/file", "1").ok());
  ASSERT_TRUE(store_->Put("d/sub/inner", "2").ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Put("d/file/under", "x").status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->Put("d/sub", "x").status()));
  EXPECT_EQ(*store_->ReadAll("d/file"), "1");
}

TEST_F(ArtifactStoreTest, PutFileStreamsALocalFile) {
  std::string local = dir_ + "/big.bin";
  std::string content;
  for (int i = 0; i < 3 * 1024 * 1024 + 17; ++i) content.push_back(static_cast<char>(i * 31));
  {
    std::ofstream out(local, std::ios::binary);
    out << content;
  }
  auto info = store_->PutFile("r/data/big.bin", local);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sha256, Sha256Hex(content));
  EXPECT_EQ(info->size, content.size());
  EXPECT_EQ(*store_->ReadAll("r/data/big.bin"), content);
  EXPECT_TRUE(absl::IsNotFound(store_->PutFile("r/x", dir_ + "/missing").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutFile("r/x", dir_).status()));
}

TEST_F(ArtifactStoreTest, ListIsSortedNonRecursiveWithFullPaths) {
  ASSERT_TRUE(store_->Put("1/r/artifacts/b.txt", "bb").ok());
  ASSERT_TRUE(store_->Put("1/r/artifacts/a.txt", "a").ok());
  ASSERT_TRUE(store_->Put("1/r/artifacts/model/MLmodel", "m").ok());
  ASSERT_TRUE(store_->Put("1/r/artifacts/model/deep/x", "x").ok());
  auto entries = store_->List("1/r/artifacts");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].path, "1/r/artifacts/a.txt");
  EXPECT_EQ((*entries)[0].file_size, 1u);
  EXPECT_EQ((*entries)[1].path, "1/r/artifacts/b.txt");
  EXPECT_EQ((*entries)[1].file_size, 2u);
  EXPECT_EQ((*entries)[2].path, "1/r/artifacts/model");
  EXPECT_EQ((*entries)[2].name, "model");
  EXPECT_TRUE((*entries)[2].is_dir);
  EXPECT_THAT(Names(""), ElementsAre("1/"));
  EXPECT_THAT(Names("1/r/artifacts/model"), ElementsAre("MLmodel", "deep/"));
  // Missing folders and files list as empty, as MLflow's local repository does.
  EXPECT_TRUE(Names("nope/nothing").empty());
  EXPECT_TRUE(Names("1/r/artifacts/a.txt").empty());
}

TEST_F(ArtifactStoreTest, DeleteFileAndFolderPrunesEmptyParents) {
  ASSERT_TRUE(store_->Put("1/r/artifacts/a.txt", "a").ok());
  ASSERT_TRUE(store_->Put("1/r/artifacts/model/MLmodel", "m").ok());
  ASSERT_TRUE(store_->Put("1/r/artifacts/model/deep/x", "x").ok());
  ASSERT_TRUE(store_->Delete("1/r/artifacts/model").ok());
  EXPECT_THAT(Names("1/r/artifacts"), ElementsAre("a.txt"));
  EXPECT_TRUE(absl::IsNotFound(store_->Get("1/r/artifacts/model/MLmodel").status()));
  ASSERT_TRUE(store_->Delete("1/r/artifacts/a.txt").ok());
  EXPECT_TRUE(Names("").empty());
  EXPECT_TRUE(absl::IsNotFound(store_->Delete("1/r/artifacts/a.txt")));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Delete("")));
  // Blobs outlive refs until garbage collection.
  EXPECT_EQ(CountFiles(store_->root() + "/blobs"), 3);
}

TEST_F(ArtifactStoreTest, GarbageCollectRemovesOnlyUnreferencedBlobs) {
  ASSERT_TRUE(store_->Put("keep", "kept bytes").ok());
  ASSERT_TRUE(store_->Put("shared1", "shared").ok());
  ASSERT_TRUE(store_->Put("shared2", "shared").ok());
  ASSERT_TRUE(store_->Put("drop", "dropped bytes!").ok());
  ASSERT_TRUE(store_->Put("over", "old").ok());
  ASSERT_TRUE(store_->Put("over", "new").ok());
  ASSERT_TRUE(store_->Delete("drop").ok());
  ASSERT_TRUE(store_->Delete("shared1").ok());
  auto stats = store_->GarbageCollect();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->blobs_removed, 2);  // "dropped bytes!" and "old"
  EXPECT_EQ(stats->bytes_freed, 14u + 3u);
  EXPECT_EQ(CountFiles(store_->root() + "/blobs"), 3);
  EXPECT_EQ(*store_->ReadAll("keep"), "kept bytes");
  EXPECT_EQ(*store_->ReadAll("shared2"), "shared");
  EXPECT_EQ(*store_->ReadAll("over"), "new");
  EXPECT_EQ(store_->GarbageCollect()->blobs_removed, 0);
}

TEST_F(ArtifactStoreTest, TraversalCorpusIsRejected) {
  const std::vector<std::string> bad = {
      "",
      "/etc/passwd",
      "..",
      "../x",
      "a/../../x",
      "a/./b",
      ".",
      "a//b",
      "a/",
      "a\\..\\b",
      "a\\b",
      std::string("a\0b", 3),
      "%2e%2e/x",
      "a/%2E%2e/b",
      "a/%252e%252e/b",
      "%2e",
      "a%2fb",
      "a%5cb",
      "x%00y",
      std::string(256, 'n'),
  };
  for (const std::string& path : bad) {
    SCOPED_TRACE(path);
    absl::Status s = store_->Put(path, "evil").status();
    EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
    EXPECT_TRUE(absl::IsInvalidArgument(store_->Get(path).status()));
    if (!path.empty()) {
      EXPECT_TRUE(absl::IsInvalidArgument(store_->List(path).status()));
    }
    EXPECT_TRUE(absl::IsInvalidArgument(store_->Delete(path)));
  }
  EXPECT_THAT(std::string(ValidateArtifactPath("a/../b").message()), HasSubstr("a/../b"));
  // Nothing escaped into the root's parent or into refs.
  EXPECT_EQ(CountFiles(dir_), 0);
  // Names that only look odd are fine.
  for (const char* ok : {"a/..b", "a/b..", "...", ".hidden", "100%/x", "a%2/b", "sp ace"}) {
    SCOPED_TRACE(ok);
    EXPECT_TRUE(store_->Put(ok, "fine").ok());
  }
}

TEST_F(ArtifactStoreTest, SymlinkPlantedInRefsIsRejected) {
  std::string outside = dir_ + "/outside";
  fs::create_directories(outside);
  { std::ofstream(outside + "/secret") << "sha256:" << std::string(64, 'a') << " 6\n"; }
  ASSERT_TRUE(store_->Put("1/r/artifacts/ok.txt", "ok").ok());
  fs::create_directory_symlink(outside, store_->root() + "/refs/1/r/artifacts/link");
  fs::create_symlink(outside + "/secret", store_->root() + "/refs/1/r/artifacts/file_link");

  EXPECT_TRUE(absl::IsInvalidArgument(store_->Get("1/r/artifacts/link/secret").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Get("1/r/artifacts/file_link").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->List("1/r/artifacts/link").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Put("1/r/artifacts/link/new", "x").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Put("1/r/artifacts/file_link", "x").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->Delete("1/r/artifacts/link/secret")));
  // Listing the parent skips the links instead of following them.
  EXPECT_THAT(Names("1/r/artifacts"), ElementsAre("ok.txt"));
  // Deleting the folder removes the links, not what they point at.
  ASSERT_TRUE(store_->Delete("1/r").ok());
  EXPECT_TRUE(fs::exists(outside + "/secret"));
  EXPECT_FALSE(fs::exists(outside + "/new"));
}

TEST_F(ArtifactStoreTest, ConcurrentPutsFromEightThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Same content and same paths from every thread, plus per-thread unique files.
        if (!store_->Put(absl::StrCat("shared/f", i % 5), absl::StrCat("content ", i % 5)).ok()) {
          ++failures[t];
        }
        if (!store_->Put(absl::StrCat("t", t, "/f", i), absl::StrCat("content ", i % 5)).ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_EQ(CountFiles(store_->root() + "/blobs"), 5);
  EXPECT_EQ(CountFiles(store_->root() + "/tmp"), 0);
  EXPECT_EQ(CountFiles(store_->root() + "/refs"), 5 + kThreads * kPerThread);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(*store_->ReadAll(absl::StrCat("shared/f", i)), absl::StrCat("content ", i));
  }
}

TEST_F(ArtifactStoreTest, ReopenSeesStoredArtifacts) {
  ASSERT_TRUE(store_->Put("p/q", "persisted").ok());
  store_.reset();
  auto reopened = ArtifactStore::Open(dir_ + "/root/");
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*(*reopened)->ReadAll("p/q"), "persisted");
  EXPECT_TRUE(absl::IsInvalidArgument(ArtifactStore::Open("").status()));
}

TEST_F(ArtifactStoreTest, CorruptRefIsDataLoss) {
  ASSERT_TRUE(store_->Put("c", "x").ok());
  std::ofstream(store_->root() + "/refs/c", std::ios::trunc) << "garbage\n";
  EXPECT_TRUE(absl::IsDataLoss(store_->Get("c").status()));
  EXPECT_TRUE(absl::IsDataLoss(store_->GarbageCollect().status()));
}

}  // namespace
}  // namespace strata::blob
