// SHA-256 digests (OpenSSL), used for content addresses of artifacts and datasets.
#ifndef STRATA_BASE_SHA256_H_
#define STRATA_BASE_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

namespace strata {

// Incremental SHA-256. Not thread-safe; one instance per stream.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // Returns the digest as 64 lowercase hex characters. Call once.
  std::string HexDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot convenience: hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace strata

#endif  // STRATA_BASE_SHA256_H_
