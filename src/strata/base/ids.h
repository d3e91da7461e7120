// Identifiers: random 128-bit ids rendered as 32 lowercase hex digits (MLflow's run_id shape).
#ifndef STRATA_BASE_IDS_H_
#define STRATA_BASE_IDS_H_

#include <string>

namespace strata {

// A new random id, 32 lowercase hex characters. Thread-safe.
std::string NewId();

}  // namespace strata

#endif  // STRATA_BASE_IDS_H_
