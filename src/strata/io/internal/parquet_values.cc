#include "strata/io/internal/parquet_values.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/internal/parquet_decoders.h"

namespace strata::io::parquet {
namespace {

using table::DataType;

constexpr int64_t kMicrosPerDay = 86400LL * 1000000LL;
constexpr int64_t kJulianDayOfEpoch = 2440588;

int64_t FloorDiv(int64_t v, int64_t d) {
  int64_t q = v / d;
  if ((v % d) != 0 && ((v < 0) != (d < 0))) --q;
  return q;
}

double Pow10(int32_t scale) { return std::pow(10.0, static_cast<double>(scale)); }

double HalfToDouble(uint16_t h) {
  const int sign = (h >> 15) & 1;
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(static_cast<double>(mant), -24);
  } else if (exp == 31) {
    v = mant == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<double>(mant + 1024), exp - 25);
  }
  return sign ? -v : v;
}

// Big-endian two's complement of any length, as a double: exact up to 8 significant bytes
// (after dropping sign-extension bytes), else correctly rounded to within a few ulps.
double BigEndianToDouble(std::string_view b) {
  if (b.empty()) return 0;
  const bool negative = (static_cast<uint8_t>(b[0]) & 0x80) != 0;
  const char sign_byte = negative ? '\xff' : '\0';
  while (b.size() > 8 && b[0] == sign_byte &&
         ((static_cast<uint8_t>(b[1]) & 0x80) != 0) == negative) {
    b.remove_prefix(1);
  }
  if (b.size() <= 8) {
    uint64_t u = negative ? ~uint64_t{0} : 0;
    for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
    return static_cast<double>(static_cast<int64_t>(u));
  }
  // The magnitude of a negative value is its ones' complement plus one.
  double v = 0;
  for (char c : b) {
    const auto byte = static_cast<uint8_t>(c);
    v = v * 256.0 + static_cast<uint8_t>(negative ? ~byte : byte);
  }
  return negative ? -(v + 1) : v;
}

absl::Status Overflow(const LeafPlan& plan, size_t index, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("value ", index, " of the page: ", what,
                                                 " does not fit a 64-bit microsecond count"));
}

absl::Status NeedBytes(std::string_view encoding, int64_t count, int64_t width, size_t size) {
  if (count < 0 || width <= 0 || static_cast<uint64_t>(count) > size / static_cast<uint64_t>(width)) {
    return absl::InvalidArgumentError(absl::StrCat(AsAbsl(encoding), ": ", count, " values of ",
                                                   width, " bytes need more than the ", size,
                                                   " bytes of the page"));
  }
  return absl::OkStatus();
}

int PhysicalWidth(const LeafPlan& plan) {
  switch (plan.physical) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kInt96:
      return 12;
    case PhysicalType::kFixedLenByteArray:
      return plan.type_length;
    default:
      return 0;
  }
}

// Fixed-width little-endian values in `bytes` (count * width of them) to the dense vectors.
void AppendFixed(const LeafPlan& plan, const uint8_t* bytes, int64_t count, DenseValues* d) {
  const auto n = static_cast<size_t>(count);
  if (n == 0) return;
  switch (plan.physical) {
    case PhysicalType::kInt32: {
      const size_t base = d->ints.size();
      d->ints.resize(base + n);
      int64_t* out = d->ints.data() + base;
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, bytes + 4 * i, 4);
        out[i] = v;
      }
      break;
    }
    case PhysicalType::kInt64: {
      const size_t base = d->ints.size();
      d->ints.resize(base + n);
      std::memcpy(d->ints.data() + base, bytes, 8 * n);
      break;
    }
    case PhysicalType::kFloat: {
      const size_t base = d->doubles.size();
      d->doubles.resize(base + n);
      double* out = d->doubles.data() + base;
      for (size_t i = 0; i < n; ++i) {
        float v;
        std::memcpy(&v, bytes + 4 * i, 4);
        out[i] = v;
      }
      break;
    }
    case PhysicalType::kDouble: {
      const size_t base = d->doubles.size();
      d->doubles.resize(base + n);
      std::memcpy(d->doubles.data() + base, bytes, 8 * n);
      break;
    }
    default: {
      const auto width = static_cast<size_t>(PhysicalWidth(plan));
      const char* p = reinterpret_cast<const char*>(bytes);
      for (size_t i = 0; i < n; ++i) d->views.emplace_back(p + i * width, width);
      break;
    }
  }
}

}  // namespace

bool IsIdentityConversion(const LeafPlan& plan) {
  switch (plan.conversion) {
    case Conversion::kBool:
    case Conversion::kInt:
    case Conversion::kTimestampMicros:
    case Conversion::kTimeMicros:
    case Conversion::kFloat:
      return true;
    default:
      return false;
  }
}

absl::Status DecodeDense(const LeafPlan& plan, Encoding encoding, std::string_view data,
                         int64_t count, DenseValues* d, DecodeBudget* budget) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  const PhysicalType phys = plan.physical;
  switch (encoding) {
    case Encoding::kPlain: {
      if (phys == PhysicalType::kBoolean) {
        if (count < 0 || static_cast<uint64_t>(count) > data.size() * 8) {
          return absl::InvalidArgumentError(absl::StrCat("PLAIN: ", count, " booleans need more than ",
                                                         data.size(), " bytes"));
        }
        const size_t base = d->bools.size();
        d->bools.resize(base + static_cast<size_t>(count));
        UnpackBits(bytes, data.size(), 1, 0, count, d->bools.data() + base);
        return absl::OkStatus();
      }
      if (phys == PhysicalType::kByteArray) return DecodePlainByteArrays(data, count, &d->views);
      const int width = PhysicalWidth(plan);
      if (absl::Status s = NeedBytes("PLAIN", count, width, data.size()); !s.ok()) return s;
      AppendFixed(plan, bytes, count, d);
      return absl::OkStatus();
    }
    case Encoding::kRle: {
      if (phys != PhysicalType::kBoolean) break;
      if (data.size() < 4) return absl::InvalidArgumentError("RLE booleans: no length prefix");
      uint32_t len = 0;
      std::memcpy(&len, data.data(), 4);
      if (len > data.size() - 4) {
        return absl::InvalidArgumentError(absl::StrCat("RLE booleans: length ", len,
                                                       " runs past the page"));
      }
      RleBitPackedDecoder rle(data.substr(4, len), 1);
      const size_t base = d->bools.size();
      d->bools.resize(base + static_cast<size_t>(count));
      return rle.Decode(d->bools.data() + base, count, 1);
    }
    case Encoding::kDeltaBinaryPacked: {
      if (phys != PhysicalType::kInt32 && phys != PhysicalType::kInt64) break;
      size_t consumed = 0;
      const size_t base = d->ints.size();
      if (absl::Status s = DecodeDeltaBinaryPacked(data, count, &d->ints, &consumed); !s.ok()) {
        return s;
      }
      if (phys == PhysicalType::kInt32) {
        for (size_t i = base; i < d->ints.size(); ++i) {
          d->ints[i] = static_cast<int32_t>(static_cast<uint32_t>(d->ints[i]));
        }
      }
      return absl::OkStatus();
    }
    case Encoding::kDeltaLengthByteArray:
      if (phys != PhysicalType::kByteArray) break;
      return DecodeDeltaLengthByteArrays(data, count, &d->views, &d->scratch);
    case Encoding::kDeltaByteArray: {
      if (phys != PhysicalType::kByteArray && phys != PhysicalType::kFixedLenByteArray) break;
      const size_t base = d->views.size();
      const int64_t allowed = budget == nullptr ? INT64_MAX : budget->bytes.load();
      absl::Status s = DecodeDeltaByteArrays(data, count, &d->storage, &d->views, &d->scratch,
                                             allowed < 0 ? 0 : static_cast<uint64_t>(allowed));
      if (!s.ok()) return s;
      if (budget != nullptr) budget->bytes.fetch_sub(static_cast<int64_t>(d->storage.size()));
      if (phys == PhysicalType::kFixedLenByteArray) {
        for (size_t i = base; i < d->views.size(); ++i) {
          if (static_cast<int32_t>(d->views[i].size()) != plan.type_length) {
            return absl::InvalidArgumentError(absl::StrCat(
                "DELTA_BYTE_ARRAY value ", i - base, " has ", d->views[i].size(),
                " bytes in a FIXED_LEN_BYTE_ARRAY(", plan.type_length, ") column"));
          }
        }
      }
      return absl::OkStatus();
    }
    case Encoding::kByteStreamSplit: {
      const int width = PhysicalWidth(plan);
      if (phys == PhysicalType::kInt96 || phys == PhysicalType::kBoolean ||
          phys == PhysicalType::kByteArray || width <= 0) {
        break;
      }
      if (absl::Status s = NeedBytes("BYTE_STREAM_SPLIT", count, width, data.size()); !s.ok()) {
        return s;
      }
      d->storage.resize(static_cast<size_t>(count) * static_cast<size_t>(width));
      auto* out = reinterpret_cast<uint8_t*>(d->storage.data());
      if (absl::Status s = DecodeByteStreamSplit(data, width, count, out); !s.ok()) return s;
      AppendFixed(plan, out, count, d);
      return absl::OkStatus();
    }
    default:
      break;
  }
  return absl::UnimplementedError(absl::StrCat("unsupported: encoding ", static_cast<int>(encoding),
                                               " for physical type ", static_cast<int>(phys)));
}

absl::Status AppendConverted(const LeafPlan& plan, const DenseValues& d,
                             table::ColumnBuffers* out) {
  switch (plan.conversion) {
    case Conversion::kBool:
      out->bools.insert(out->bools.end(), d.bools.begin(), d.bools.end());
      return absl::OkStatus();
    case Conversion::kInt:
    case Conversion::kTimestampMicros:
    case Conversion::kTimeMicros:
      out->ints.insert(out->ints.end(), d.ints.begin(), d.ints.end());
      return absl::OkStatus();
    case Conversion::kFloat:
      out->doubles.insert(out->doubles.end(), d.doubles.begin(), d.doubles.end());
      return absl::OkStatus();
    case Conversion::kUInt32:
      for (int64_t v : d.ints) out->ints.push_back(static_cast<int64_t>(static_cast<uint32_t>(v)));
      return absl::OkStatus();
    case Conversion::kUInt64:
      for (size_t i = 0; i < d.ints.size(); ++i) {
        if (d.ints[i] < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "value ", i, " of the page: UINT64 ", static_cast<uint64_t>(d.ints[i]),
              " exceeds the int64 range (unsupported)"));
        }
      }
      out->ints.insert(out->ints.end(), d.ints.begin(), d.ints.end());
      return absl::OkStatus();
    case Conversion::kDate:
    case Conversion::kTimeMillis:
    case Conversion::kTimestampMillis: {
      const int64_t factor = plan.conversion == Conversion::kDate ? kMicrosPerDay : 1000;
      for (size_t i = 0; i < d.ints.size(); ++i) {
        int64_t v = 0;
        if (__builtin_mul_overflow(d.ints[i], factor, &v)) return Overflow(plan, i, "timestamp");
        out->ints.push_back(v);
      }
      return absl::OkStatus();
    }
    case Conversion::kTimeNanos:
    case Conversion::kTimestampNanos:
      for (int64_t v : d.ints) out->ints.push_back(FloorDiv(v, 1000));
      return absl::OkStatus();
    case Conversion::kInt96Timestamp:
      for (size_t i = 0; i < d.views.size(); ++i) {
        int64_t nanos = 0;
        int32_t day = 0;
        std::memcpy(&nanos, d.views[i].data(), 8);
        std::memcpy(&day, d.views[i].data() + 8, 4);
        // Wrap-around arithmetic, the inverse of Spark's writer, which wraps for instants
        // near the int64 microsecond limits (parquet-testing's int96_from_spark.parquet).
        const uint64_t micros =
            (static_cast<uint64_t>(static_cast<int64_t>(day)) -
             static_cast<uint64_t>(kJulianDayOfEpoch)) * static_cast<uint64_t>(kMicrosPerDay) +
            static_cast<uint64_t>(FloorDiv(nanos, 1000));
        out->ints.push_back(static_cast<int64_t>(micros));
      }
      return absl::OkStatus();
    case Conversion::kDecimalInt: {
      const double divisor = Pow10(plan.scale);
      for (int64_t v : d.ints) out->doubles.push_back(static_cast<double>(v) / divisor);
      return absl::OkStatus();
    }
    case Conversion::kDecimalBytes: {
      const double divisor = Pow10(plan.scale);
      for (std::string_view v : d.views) out->doubles.push_back(BigEndianToDouble(v) / divisor);
      return absl::OkStatus();
    }
    case Conversion::kFloat16:
      for (std::string_view v : d.views) {
        uint16_t h = 0;
        std::memcpy(&h, v.data(), 2);
        out->doubles.push_back(HalfToDouble(h));
      }
      return absl::OkStatus();
    case Conversion::kBytes: {
      size_t total = 0;
      for (std::string_view v : d.views) total += v.size();
      out->bytes.reserve(out->bytes.size() + total);
      for (std::string_view v : d.views) {
        out->bytes.append(v.data(), v.size());
        out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
      }
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown conversion");
}

absl::Status AppendGathered(const table::ColumnBuffers& dict, const uint32_t* idx,
                            int64_t count, std::atomic<int64_t>* byte_budget,
                            table::ColumnBuffers* out) {
  const auto n = static_cast<size_t>(count);
  switch (out->type) {
    case DataType::kBool: {
      const size_t base = out->bools.size();
      out->bools.resize(base + n);
      for (size_t i = 0; i < n; ++i) out->bools[base + i] = dict.bools[idx[i]];
      break;
    }
    case DataType::kInt64:
    case DataType::kTimestamp: {
      const size_t base = out->ints.size();
      out->ints.resize(base + n);
      int64_t* dst = out->ints.data() + base;
      const int64_t* src = dict.ints.data();
      for (size_t i = 0; i < n; ++i) dst[i] = src[idx[i]];
      break;
    }
    case DataType::kFloat64: {
      const size_t base = out->doubles.size();
      out->doubles.resize(base + n);
      double* dst = out->doubles.data() + base;
      const double* src = dict.doubles.data();
      for (size_t i = 0; i < n; ++i) dst[i] = src[idx[i]];
      break;
    }
    case DataType::kString:
    case DataType::kCategory: {
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        total += static_cast<size_t>(dict.offsets[idx[i] + 1] - dict.offsets[idx[i]]);
      }
      if (byte_budget->fetch_sub(static_cast<int64_t>(total)) < static_cast<int64_t>(total)) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "dictionary strings of ", total,
            " bytes exceed what the file's size can plausibly hold (the reader's decode budget)"));
      }
      size_t pos = out->bytes.size();
      out->bytes.resize(pos + total);
      char* dst = out->bytes.data();
      const size_t obase = out->offsets.size();
      out->offsets.resize(obase + n);
      int64_t* offs = out->offsets.data() + obase;
      for (size_t i = 0; i < n; ++i) {
        const int64_t begin = dict.offsets[idx[i]];
        const auto len = static_cast<size_t>(dict.offsets[idx[i] + 1] - begin);
        std::memcpy(dst + pos, dict.bytes.data() + begin, len);
        pos += len;
        offs[i] = static_cast<int64_t>(pos);
      }
      break;
    }
  }
  return absl::OkStatus();
}

int64_t ValueCount(const table::ColumnBuffers& b) {
  switch (b.type) {
    case DataType::kBool:
      return static_cast<int64_t>(b.bools.size());
    case DataType::kInt64:
    case DataType::kTimestamp:
      return static_cast<int64_t>(b.ints.size());
    case DataType::kFloat64:
      return static_cast<int64_t>(b.doubles.size());
    case DataType::kString:
    case DataType::kCategory:
      return static_cast<int64_t>(b.offsets.size()) - 1;
  }
  return 0;
}

namespace {

template <typename T>
void SpreadVector(const uint8_t* levels, int64_t rows, int64_t dense, uint8_t max_level,
                  std::vector<T>* v) {
  const size_t base = v->size() - static_cast<size_t>(dense);
  v->resize(base + static_cast<size_t>(rows));
  T* p = v->data() + base;
  int64_t j = dense - 1;
  for (int64_t r = rows - 1; r >= 0 && r > j; --r) {
    if (levels[r] == max_level) {
      p[r] = p[j--];
    } else {
      p[r] = T{};
    }
  }
}

}  // namespace

void SpreadNulls(const uint8_t* levels, int64_t rows, int64_t dense, uint8_t max_level,
                 table::ColumnBuffers* out) {
  if (rows == dense) return;
  switch (out->type) {
    case DataType::kBool:
      SpreadVector(levels, rows, dense, max_level, &out->bools);
      break;
    case DataType::kInt64:
    case DataType::kTimestamp:
      SpreadVector(levels, rows, dense, max_level, &out->ints);
      break;
    case DataType::kFloat64:
      SpreadVector(levels, rows, dense, max_level, &out->doubles);
      break;
    case DataType::kString:
    case DataType::kCategory: {
      // Offsets are end positions: a null row ends where the previous value ended.
      std::vector<int64_t>& o = out->offsets;
      const size_t base = o.size() - static_cast<size_t>(dense);  // o[base - 1] = start
      o.resize(base + static_cast<size_t>(rows));
      int64_t j = dense - 1;
      for (int64_t r = rows - 1; r >= 0 && r > j; --r) {
        if (levels[r] == max_level) {
          o[base + r] = o[base + j--];
        } else {
          o[base + r] = j >= 0 ? o[base + j] : o[base - 1];
        }
      }
      break;
    }
  }
}

}  // namespace strata::io::parquet
