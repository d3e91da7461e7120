// Small online-store records for the store tests: an int64 entity key, a one-float64 record,
// and that float read back.
#ifndef STRATA_FEATURES_TESTING_ONLINE_RECORDS_H_
#define STRATA_FEATURES_TESTING_ONLINE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "gtest/gtest.h"
#include "strata/features/online_store.h"

namespace strata::features::testing {

inline std::string Key(int64_t id) {
  std::string k;
  AppendEntityKeyInt64(id, &k);
  return k;
}

// A record of one float64 feature written at `event` (created at `created`).
inline std::string Rec(int64_t event, int64_t created, double value) {
  OnlineRecord r;
  r.event_ts_micros = event;
  r.created_ts_micros = created;
  r.values = {value};
  return EncodeOnlineRecord(r);
}

// The feature of a Rec() record; a failed expectation and -1 when absent or undecodable.
inline double ValueOf(const std::optional<std::string>& record) {
  EXPECT_TRUE(record.has_value());
  if (!record) return -1;
  absl::StatusOr<OnlineRecord> r = DecodeOnlineRecord(*record);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::get<double>(r->values.at(0)) : -1;
}

}  // namespace strata::features::testing

#endif  // STRATA_FEATURES_TESTING_ONLINE_RECORDS_H_
