// One inference request's identity and log record: its X-Request-Id (the client's, when sane,
// or a fresh random one), set on every response, and — when a serving::RequestLog is
// configured and samples the id — the entry logged after the response is sent.
//
// A RequestTrace is a value owned by the request's handler and moved into its completion
// callback; it is not shared between threads.
#ifndef STRATA_API_INTERNAL_REQUEST_TRACE_H_
#define STRATA_API_INTERNAL_REQUEST_TRACE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "strata/http/router.h"
#include "strata/models/model_package.h"
#include "strata/serving/model_server.h"
#include "strata/serving/request_log.h"
#include "strata/table/table.h"

namespace strata::api::internal {

inline constexpr std::string_view kRequestIdHeader = "X-Request-Id";
inline constexpr size_t kMaxRequestIdLength = 128;

// `client_id` when it is 1..128 visible ASCII characters (0x21..0x7E: no spaces or control
// bytes, so it is safe in a header and a log line), else 32 random lower-case hex digits
// (128 bits).
std::string RequestIdFor(std::string_view client_id);

class RequestTrace {
 public:
  // `protocol` is the log's protocol name ("v2", "tfserving", "mlflow"); `log` may be null.
  // A logged request keeps the log alive until it is done (it may finish on a batcher thread
  // after the HTTP server has stopped).
  RequestTrace(const http::Request& request, std::string_view protocol,
               const std::shared_ptr<serving::RequestLog>& log);

  const std::string& id() const { return id_; }
  // Whether this request is logged (a log is configured and samples its id).
  bool logged() const { return log_ != nullptr; }

  // The trace of a shadow's answer to this request: the same id and inputs, role "shadow",
  // the shadow's model and version. It never sends; LogShadow records the outcome.
  RequestTrace Shadow(const serving::ServedVersion& shadow) const;
  void LogShadow(const serving::ServedVersion& version,
                 absl::StatusOr<models::Model::Predictions> predictions);

  // The model the request reached (or named, when it was not found: version 0).
  void SetModel(std::string_view name, int64_t version);
  void SetModel(const serving::ServedVersion& version);
  // The decoded inputs, kept (sharing their storage) only when the request is logged.
  void SetInputs(const table::Table& inputs);

  // Adds X-Request-Id to `response`, sends it, then logs the failure `error` (when sampled).
  void SendError(http::Responder& responder, http::Response response, std::string_view error);
  // Adds X-Request-Id to `response`, sends it, then logs `predictions` (when sampled) under
  // the output names of `version`'s model.
  void SendPredictions(http::Responder& responder, http::Response response,
                       const serving::ServedVersion& version,
                       models::Model::Predictions&& predictions);

 private:
  // Sends and returns the status sent.
  int Send(http::Responder& responder, http::Response&& response);
  serving::RequestLogEntry Entry(int status);

  std::string id_;
  std::string_view protocol_;  // a literal
  std::shared_ptr<serving::RequestLog> log_;  // null unless this request is logged
  std::chrono::steady_clock::time_point start_{};
  std::string model_;
  int64_t version_ = 0;
  std::string_view role_ = "primary";  // a literal
  std::optional<table::Table> inputs_;
};

}  // namespace strata::api::internal

#endif  // STRATA_API_INTERNAL_REQUEST_TRACE_H_
