// Number-to-text shared by data/'s reports (profile summaries, cleaning notes).
#ifndef STRATA_DATA_INTERNAL_TEXT_FORMAT_H_
#define STRATA_DATA_INTERNAL_TEXT_FORMAT_H_

#include <string>

namespace strata::data::internal {

// The shortest text that reads back to the same double; "nan", "inf", "-inf".
std::string FormatDouble(double value);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_TEXT_FORMAT_H_
