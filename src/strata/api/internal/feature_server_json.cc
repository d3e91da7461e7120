#include "strata/api/internal/feature_server_json.h"

#include <charconv>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "simdjson.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"

namespace strata::api::internal {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

absl::StatusOr<simdjson::dom::object> ParseObject(simdjson::dom::parser& parser,
                                                  std::string_view body) {
  element root;
  simdjson::error_code error = parser.parse(body.data(), body.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON body: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the body must be a JSON object");
  }
  return object;
}

absl::Status MemberTypeError(std::string_view member, std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", AsAbsl(member), "' must be ", AsAbsl(expected)));
}

absl::StatusOr<std::string> GetString(element e, std::string_view member) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return MemberTypeError(member, "a string");
  return std::string(s);
}

absl::StatusOr<std::vector<std::string>> GetStringList(element e, std::string_view member) {
  simdjson::dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) {
    return MemberTypeError(member, "an array of strings");
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (element item : array) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", AsAbsl(member), "'[", i, "] must be a string"));
    }
    out.emplace_back(s);
    ++i;
  }
  return out;
}

absl::StatusOr<int64_t> GetTimestamp(element e, std::string_view member) {
  std::string_view s;
  int64_t micros = 0;
  if (e.get_string().get(s) != simdjson::SUCCESS) {
    return MemberTypeError(member, "an RFC 3339 timestamp string");
  }
  if (!io::ParseTimestampMicros(s, &micros)) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(member), "': '", AsAbsl(s),
                                                   "' is not an RFC 3339 timestamp"));
  }
  return micros;
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {  // JSON has no NaN/Infinity
    out->append("null");
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendValue(const features::OnlineValue& value, std::string* out) {
  switch (value.index()) {
    case 0:
      out->append("null");
      break;
    case 1:
      out->append(std::get<bool>(value) ? "true" : "false");
      break;
    case 2:
      AppendInt(std::get<int64_t>(value), out);
      break;
    case 3:
      AppendDouble(std::get<double>(value), out);
      break;
    case 4:
      AppendJsonString(std::get<std::string>(value), *out);
      break;
    default:
      out->push_back('"');
      AppendRfc3339(std::get<features::OnlineTimestamp>(value).micros, out);
      out->push_back('"');
  }
}

// Days since 1970-01-01 -> civil date (proleptic Gregorian), the well-known era arithmetic.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

void AppendDigits(unsigned value, int width, std::string* out) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

}  // namespace

void AppendRfc3339(int64_t micros, std::string* out) {
  constexpr int64_t kPerDay = 86'400'000'000;
  int64_t days = micros / kPerDay;
  int64_t rest = micros % kPerDay;
  if (rest < 0) {
    rest += kPerDay;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  const int64_t seconds = rest / 1'000'000;
  const unsigned fraction = static_cast<unsigned>(rest % 1'000'000);
  if (year >= 0 && year <= 9999) {
    AppendDigits(static_cast<unsigned>(year), 4, out);
  } else {
    AppendInt(year, out);
  }
  out->push_back('-');
  AppendDigits(month, 2, out);
  out->push_back('-');
  AppendDigits(day, 2, out);
  out->push_back('T');
  AppendDigits(static_cast<unsigned>(seconds / 3600), 2, out);
  out->push_back(':');
  AppendDigits(static_cast<unsigned>(seconds / 60 % 60), 2, out);
  out->push_back(':');
  AppendDigits(static_cast<unsigned>(seconds % 60), 2, out);
  if (fraction != 0) {
    out->push_back('.');
    AppendDigits(fraction, 6, out);
  }
  out->push_back('Z');
}

absl::StatusOr<features::OnlineFeaturesRequest> DecodeGetOnlineFeaturesRequest(
    std::string_view body) {
  thread_local simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body);
  if (!object.ok()) return object.status();
  features::OnlineFeaturesRequest request;
  bool has_entities = false;
  for (simdjson::dom::key_value_pair member : *object) {
    const std::string_view key = member.key;
    if (key == "features") {
      absl::StatusOr<std::vector<std::string>> refs = GetStringList(member.value, key);
      if (!refs.ok()) return refs.status();
      request.features = *std::move(refs);
    } else if (key == "feature_service") {
      absl::StatusOr<std::string> name = GetString(member.value, key);
      if (!name.ok()) return name.status();
      request.feature_service = *std::move(name);
      if (request.feature_service.empty()) {
        return absl::InvalidArgumentError("'feature_service' is empty");
      }
    } else if (key == "full_feature_names") {
      if (member.value.get_bool().get(request.full_feature_names) != simdjson::SUCCESS) {
        return MemberTypeError(key, "true or false");
      }
    } else if (key == "entities") {
      has_entities = true;
      simdjson::dom::object entities;
      if (member.value.get_object().get(entities) != simdjson::SUCCESS) {
        return MemberTypeError(key, "an object of join key -> array of values");
      }
      for (simdjson::dom::key_value_pair entity : entities) {
        features::EntityKeyColumn column;
        column.join_key = std::string(entity.key);
        simdjson::dom::array values;
        if (entity.value.get_array().get(values) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError(absl::StrCat(
              "entities['", column.join_key, "'] must be an array of values"));
        }
        column.values.reserve(values.size());
        size_t i = 0;
        for (element v : values) {
          int64_t n = 0;
          std::string_view s;
          if (v.type() == element_type::INT64 && v.get_int64().get(n) == simdjson::SUCCESS) {
            column.values.emplace_back(n);
          } else if (v.get_string().get(s) == simdjson::SUCCESS) {
            column.values.emplace_back(std::string(s));
          } else {
            const char* what = v.type() == element_type::UINT64 ? "an integer beyond int64"
                               : v.type() == element_type::DOUBLE ? "a non-integer number"
                               : v.is_null()                      ? "null"
                                                                  : "not an integer or string";
            return absl::InvalidArgumentError(absl::StrCat("entities['", column.join_key, "'][",
                                                           i, "] is ", what,
                                                           ": join keys are int64 or string"));
          }
          ++i;
        }
        request.entities.push_back(std::move(column));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown member '", AsAbsl(key),
          "' (expected features, feature_service, entities, full_feature_names)"));
    }
  }
  if (!has_entities) return absl::InvalidArgumentError("the request has no 'entities'");
  return request;
}

std::string EncodeOnlineFeaturesResponse(const features::OnlineFeaturesResponse& response) {
  std::string out;
  out.reserve(128 + response.columns.size() * (64 + 48 * static_cast<size_t>(response.rows)));
  out.append("{\"metadata\":{\"feature_names\":[");
  for (size_t c = 0; c < response.columns.size(); ++c) {
    if (c > 0) out.push_back(',');
    AppendJsonString(response.columns[c].name, out);
  }
  out.append("]},\"results\":[");
  int64_t last_micros = 0;
  std::string last_text;
  AppendRfc3339(last_micros, &last_text);
  for (size_t c = 0; c < response.columns.size(); ++c) {
    const features::OnlineFeatureColumn& column = response.columns[c];
    if (c > 0) out.push_back(',');
    out.append("{\"values\":[");
    for (size_t r = 0; r < column.values.size(); ++r) {
      if (r > 0) out.push_back(',');
      AppendValue(column.values[r], &out);
    }
    out.append("],\"statuses\":[");
    for (size_t r = 0; r < column.statuses.size(); ++r) {
      if (r > 0) out.push_back(',');
      out.push_back('"');
      out.append(features::FeatureStatusName(column.statuses[r]));
      out.push_back('"');
    }
    out.append("],\"event_timestamps\":[");
    for (size_t r = 0; r < column.event_ts_micros.size(); ++r) {
      if (r > 0) out.push_back(',');
      out.push_back('"');
      // The features of one view share their row's timestamp: format each value once.
      const int64_t micros = column.event_ts_micros[r];
      if (micros != last_micros) {
        last_micros = micros;
        last_text.clear();
        AppendRfc3339(micros, &last_text);
      }
      out.append(last_text);
      out.push_back('"');
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

absl::StatusOr<features::PushRequest> DecodePushRequest(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body);
  if (!object.ok()) return object.status();
  features::PushRequest request;
  bool has_df = false;
  for (simdjson::dom::key_value_pair member : *object) {
    const std::string_view key = member.key;
    if (key == "push_source_name") {
      absl::StatusOr<std::string> name = GetString(member.value, key);
      if (!name.ok()) return name.status();
      request.push_source_name = *std::move(name);
    } else if (key == "to") {
      absl::StatusOr<std::string> to = GetString(member.value, key);
      if (!to.ok()) return to.status();
      absl::StatusOr<features::PushTarget> target = features::ParsePushTarget(*to);
      if (!target.ok()) return target.status();
      request.to = *target;
    } else if (key == "allow_registry_cache") {
      // Feast's clients send it; Strata's registry snapshot is always current.
      bool ignored = false;
      if (member.value.get_bool().get(ignored) != simdjson::SUCCESS) {
        return MemberTypeError(key, "true or false");
      }
    } else if (key == "df") {
      has_df = true;
      simdjson::dom::object df;
      if (member.value.get_object().get(df) != simdjson::SUCCESS) {
        return MemberTypeError(key, "an object of column -> array of values");
      }
      for (simdjson::dom::key_value_pair column_json : df) {
        features::PushColumn column;
        column.name = std::string(column_json.key);
        simdjson::dom::array values;
        if (column_json.value.get_array().get(values) != simdjson::SUCCESS) {
          return absl::InvalidArgumentError(
              absl::StrCat("df['", column.name, "'] must be an array of values"));
        }
        column.values.reserve(values.size());
        size_t i = 0;
        for (element v : values) {
          switch (v.type()) {
            case element_type::NULL_VALUE:
              column.values.emplace_back(std::monostate{});
              break;
            case element_type::BOOL:
              column.values.emplace_back(v.get_bool().value_unsafe());
              break;
            case element_type::INT64:
              column.values.emplace_back(v.get_int64().value_unsafe());
              break;
            case element_type::DOUBLE:
              column.values.emplace_back(v.get_double().value_unsafe());
              break;
            case element_type::STRING:
              column.values.emplace_back(std::string(v.get_string().value_unsafe()));
              break;
            case element_type::UINT64:
              return absl::InvalidArgumentError(absl::StrCat(
                  "df['", column.name, "'][", i, "] is an integer beyond int64"));
            default:
              return absl::InvalidArgumentError(absl::StrCat(
                  "df['", column.name, "'][", i, "] must be a number, string, bool or null"));
          }
          ++i;
        }
        request.columns.push_back(std::move(column));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown member '", AsAbsl(key), "' (expected push_source_name, df, to)"));
    }
  }
  if (request.push_source_name.empty()) {
    return absl::InvalidArgumentError("the push has no 'push_source_name'");
  }
  if (!has_df) return absl::InvalidArgumentError("the push has no 'df'");
  return request;
}

absl::StatusOr<MaterializeRequest> DecodeMaterializeRequest(std::string_view body,
                                                            bool incremental) {
  thread_local simdjson::dom::parser parser;
  absl::StatusOr<simdjson::dom::object> object = ParseObject(parser, body);
  if (!object.ok()) return object.status();
  MaterializeRequest request;
  bool has_end = false;
  for (simdjson::dom::key_value_pair member : *object) {
    const std::string_view key = member.key;
    if (key == "start_ts" && !incremental) {
      absl::StatusOr<int64_t> ts = GetTimestamp(member.value, key);
      if (!ts.ok()) return ts.status();
      request.start_micros = *ts;
    } else if (key == "end_ts") {
      absl::StatusOr<int64_t> ts = GetTimestamp(member.value, key);
      if (!ts.ok()) return ts.status();
      request.end_micros = *ts;
      has_end = true;
    } else if (key == "feature_views") {
      if (member.value.is_null()) continue;
      absl::StatusOr<std::vector<std::string>> views = GetStringList(member.value, key);
      if (!views.ok()) return views.status();
      request.feature_views = *std::move(views);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown member '", AsAbsl(key), "' (expected ",
          incremental ? "end_ts, feature_views)" : "start_ts, end_ts, feature_views)"));
    }
  }
  if (!incremental && !request.start_micros.has_value()) {
    return absl::InvalidArgumentError("the request has no 'start_ts'");
  }
  if (!has_end) return absl::InvalidArgumentError("the request has no 'end_ts'");
  if (request.start_micros.has_value() && *request.start_micros > request.end_micros) {
    return absl::InvalidArgumentError("'start_ts' is after 'end_ts'");
  }
  return request;
}

}  // namespace strata::api::internal
