#include "strata/api/internal/request_trace.h"

#include <functional>
#include <random>
#include <thread>
#include <utility>

#include "strata/api/v2_protocol.h"

namespace strata::api::internal {
namespace {

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (unsigned char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RandomRequestId() {
  // One generator per thread: no lock on the request path. Seeded from the OS so ids from
  // different processes and restarts do not collide.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    const auto thread_hash = std::hash<std::thread::id>()(std::this_thread::get_id());
    std::seed_seq seed{device(), device(), device(), device(),
                       static_cast<unsigned>(thread_hash)};
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = generator();
    for (int i = 0; i < 16; ++i) {
      id[static_cast<size_t>(half * 16 + i)] = kHex[bits & 0xf];
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace

std::string RequestIdFor(std::string_view client_id) {
  return SaneRequestId(client_id) ? std::string(client_id) : RandomRequestId();
}

RequestTrace::RequestTrace(const http::Request& request, std::string_view protocol,
                           const std::shared_ptr<serving::RequestLog>& log)
    : id_(RequestIdFor(request.Header(kRequestIdHeader))), protocol_(protocol) {
  if (log != nullptr && log->Sample(id_)) {
    log_ = log;
    start_ = std::chrono::steady_clock::now();
  }
}

void RequestTrace::SetModel(std::string_view name, int64_t version) {
  if (log_ == nullptr) return;
  model_ = std::string(name);
  version_ = version;
}

void RequestTrace::SetModel(const serving::ServedVersion& version) {
  SetModel(version.name(), version.version());
}

void RequestTrace::SetInputs(const table::Table& inputs) {
  if (log_ != nullptr) inputs_ = inputs;
}

int RequestTrace::Send(http::Responder& responder, http::Response&& response) {
  const int status = response.status;
  response.headers.emplace_back(std::string(kRequestIdHeader), id_);
  responder.Send(std::move(response));
  return status;
}

serving::RequestLogEntry RequestTrace::Entry(int status) {
  serving::RequestLogEntry entry;
  entry.request_id = id_;
  entry.model = std::move(model_);
  entry.version = version_;
  entry.protocol = std::string(protocol_);
  entry.role = std::string(role_);
  entry.http_status = status;
  entry.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - start_)
                         .count();
  entry.inputs = std::move(inputs_);
  return entry;
}

void RequestTrace::SendError(http::Responder& responder, http::Response response,
                             std::string_view error) {
  const int status = Send(responder, std::move(response));
  if (log_ == nullptr) return;
  serving::RequestLogEntry entry = Entry(status);
  entry.error = std::string(error);
  log_->Log(std::move(entry));
}

void RequestTrace::SendPredictions(http::Responder& responder, http::Response response,
                                   const serving::ServedVersion& version,
                                   models::Model::Predictions&& predictions) {
  const int status = Send(responder, std::move(response));
  if (log_ == nullptr) return;
  serving::RequestLogEntry entry = Entry(status);
  entry.output_names = OutputNames(version.model().manifest(), predictions.num_outputs);
  entry.outputs = std::move(predictions);
  log_->Log(std::move(entry));
}

RequestTrace RequestTrace::Shadow(const serving::ServedVersion& shadow) const {
  RequestTrace trace = *this;
  trace.role_ = "shadow";
  trace.SetModel(shadow);
  if (trace.log_ != nullptr) trace.start_ = std::chrono::steady_clock::now();
  return trace;
}

void RequestTrace::LogShadow(const serving::ServedVersion& version,
                             absl::StatusOr<models::Model::Predictions> predictions) {
  if (log_ == nullptr) return;
  // The status the shadow would have answered with.
  serving::RequestLogEntry entry =
      Entry(predictions.ok() ? 200 : InferenceHttpStatus(predictions.status()));
  if (predictions.ok()) {
    entry.output_names = OutputNames(version.model().manifest(), predictions->num_outputs);
    entry.outputs = std::move(*predictions);
  } else {
    entry.error = std::string(predictions.status().message());
  }
  log_->Log(std::move(entry));
}

}  // namespace strata::api::internal
