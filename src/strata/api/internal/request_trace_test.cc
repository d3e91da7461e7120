#include "strata/api/internal/request_trace.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace strata::api::internal {
namespace {

bool IsHexId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(RequestIdFor, EchoesASaneClientId) {
  EXPECT_EQ(RequestIdFor("abc-123"), "abc-123");
  EXPECT_EQ(RequestIdFor("{\"x\":1}"), "{\"x\":1}");
  const std::string longest(kMaxRequestIdLength, 'z');
  EXPECT_EQ(RequestIdFor(longest), longest);
}

TEST(RequestIdFor, ReplacesAnInsaneOneWithARandomHexId) {
  for (const std::string& bad : {std::string(""), std::string(kMaxRequestIdLength + 1, 'z'),
                                std::string("has space"), std::string("tab\t"),
                                std::string("nl\n"), std::string("nul\0x", 5),
                                std::string("caf\xc3\xa9")}) {
    const std::string id = RequestIdFor(bad);
    EXPECT_TRUE(IsHexId(id)) << "for '" << bad << "' got '" << id << "'";
  }
}

TEST(RequestIdFor, GeneratedIdsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(RequestIdFor(""));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace strata::api::internal
