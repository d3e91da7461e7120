#include "strata/stats/hyperloglog.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/stats/internal/bytes.h"
// Inlined so the batch updates hash without a call per value (the hashes are unchanged).
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "HLL1";
constexpr uint8_t kVersion = 1;

// Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for the share x of empty registers.
double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0;
  double z = x;
  double previous = 0;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z != previous);
  return z;
}

// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for saturated registers.
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1 - x;
  double previous = 0;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
  } while (z != previous);
  return z / 3;
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

uint64_t HashInt64(int64_t value) { return XXH3_64bits(&value, sizeof(value)); }

uint64_t HashDouble(double value) {
  if (value == 0) value = 0;  // -0.0 -> +0.0
  if (std::isnan(value)) value = std::numeric_limits<double>::quiet_NaN();
  return XXH3_64bits(&value, sizeof(value));
}

HyperLogLog::HyperLogLog(int precision)
    : precision_(std::clamp(precision, kMinPrecision, kMaxPrecision)),
      registers_(size_t{1} << precision_, 0) {}

void HyperLogLog::UpdateInt64s(absl::Span<const int64_t> values) {
  for (int64_t v : values) UpdateHash(XXH3_64bits(&v, sizeof(v)));
}

void HyperLogLog::UpdateStrings(absl::Span<const std::string_view> values) {
  for (std::string_view v : values) UpdateHash(XXH3_64bits(v.data(), v.size()));
}

absl::Status HyperLogLog::Merge(const HyperLogLog& other) {
  if (other.precision_ != precision_) {
    return absl::InvalidArgumentError(absl::StrCat("HyperLogLog merge: precision differs (",
                                                   precision_, " vs ", other.precision_, ")"));
  }
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  return absl::OkStatus();
}

double HyperLogLog::Estimate() const {
  const int q = 64 - precision_;
  std::vector<int64_t> histogram(static_cast<size_t>(q) + 2, 0);
  for (uint8_t r : registers_) ++histogram[r];
  const double m = static_cast<double>(registers_.size());
  const double empty = static_cast<double>(histogram[0]);
  if (empty > 0) {
    // Small range: linear counting beats the HLL estimate while under ~2.5 m distinct values.
    const double linear = m * std::log(m / empty);
    if (linear <= 2.5 * m) return linear;
  }
  double z = m * Tau(1 - static_cast<double>(histogram[static_cast<size_t>(q) + 1]) / m);
  for (int k = q; k >= 1; --k) z = 0.5 * (z + static_cast<double>(histogram[static_cast<size_t>(k)]));
  z += m * Sigma(empty / m);
  constexpr double kAlphaInfinity = 0.721347520444481703680;  // 1 / (2 ln 2)
  return kAlphaInfinity * m * m / z;
}

absl::Status HyperLogLog::ValidateRegisters() const {
  const int max_rank = 64 - precision_ + 1;
  for (size_t i = 0; i < registers_.size(); ++i) {
    if (registers_[i] > max_rank) {
      return absl::InvalidArgumentError(absl::StrCat("register ", i, " holds ",
                                                     static_cast<int>(registers_[i]),
                                                     ", above the maximum rank ", max_rank));
    }
  }
  return absl::OkStatus();
}

std::string HyperLogLog::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<uint8_t>(static_cast<uint8_t>(precision_));
  w.PutRaw(registers_.data(), registers_.size());
  return w.Take();
}

absl::StatusOr<HyperLogLog> HyperLogLog::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "HyperLogLog");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  uint8_t p = 0;
  if (absl::Status s = r.Get(&p); !s.ok()) return s;
  if (p < kMinPrecision || p > kMaxPrecision) {
    return r.Error(5, absl::StrCat("precision ", static_cast<int>(p), " outside [", kMinPrecision,
                                   ", ", kMaxPrecision, "]"));
  }
  HyperLogLog hll(p);
  if (r.remaining() != hll.registers_.size()) {
    return r.Error(6, absl::StrCat("expected ", hll.registers_.size(), " register bytes, found ",
                                   r.remaining()));
  }
  if (absl::Status s = r.GetRaw(hll.registers_.data(), hll.registers_.size()); !s.ok()) return s;
  if (absl::Status s = hll.ValidateRegisters(); !s.ok()) return r.Error(6, std::string(s.message()));
  return hll;
}

nlohmann::json HyperLogLog::ToJson() const {
  std::string raw(registers_.begin(), registers_.end());
  return {{"p", precision_}, {"registers", std::string(absl::Base64Escape(raw))}};
}

absl::StatusOr<HyperLogLog> HyperLogLog::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("HyperLogLog JSON: ", std::string(what)));
  };
  if (!json.is_object() || !json.contains("p") || !json.contains("registers")) {
    return bad("expected an object with 'p' and 'registers'");
  }
  if (!json["p"].is_number_integer() || !json["registers"].is_string()) {
    return bad("'p' must be an integer and 'registers' a base64 string");
  }
  const int64_t p = json["p"].get<int64_t>();
  if (p < kMinPrecision || p > kMaxPrecision) {
    return bad(absl::StrCat("'p' ", p, " outside [", kMinPrecision, ", ", kMaxPrecision, "]"));
  }
  std::string raw;
  if (!absl::Base64Unescape(AsAbsl(json["registers"].get_ref<const std::string&>()), &raw)) {
    return bad("'registers' is not valid base64");
  }
  HyperLogLog hll(static_cast<int>(p));
  if (raw.size() != hll.registers_.size()) {
    return bad(absl::StrCat("'registers' decodes to ", raw.size(), " bytes, expected ",
                            hll.registers_.size()));
  }
  std::memcpy(hll.registers_.data(), raw.data(), raw.size());
  if (absl::Status s = hll.ValidateRegisters(); !s.ok()) return bad(std::string(s.message()));
  return hll;
}

}  // namespace strata::stats
