#include "strata/cli/internal/serve_command.h"

#include <csignal>
#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

#include "strata/api/inference_handlers.h"
#include "strata/api/v2_protocol.h"
#include "strata/cli/internal/stop_signals.h"
#include "strata/http/server.h"
#include "strata/models/model_package.h"
#include "strata/serving/model_server.h"
#include "strata/serving/request_log.h"

namespace strata::cli {

ServeCommand::ServeCommand(CLI::App& app) {
  command_ = app.add_subcommand("serve", "Serve model packages over HTTP (Open Inference Protocol V2)");
  command_->add_option("--model", models_, "Model package directory (repeatable)")->required();
  command_->add_option("--name", names_,
                       "Name to serve each --model under, in order (default: the package's name)");
  command_->add_option("--version", versions_, "Version number of each --model, in order (default 1)");
  command_->add_option("--host", host_)->capture_default_str();
  command_->add_option("--port", port_)->capture_default_str();
  command_->add_option("--threads", threads_, "I/O threads (0 = one per core)")
      ->capture_default_str();
  command_->add_option("--max-request-rows", max_request_rows_, "Rows per request at most")
      ->capture_default_str();
  command_->add_option("--max-batch-size", max_batch_size_,
                       "Dynamic batching: rows per predictor call (0 or 1 = off)")
      ->capture_default_str();
  command_->add_option("--max-queue-delay-us", max_queue_delay_us_,
                       "Dynamic batching: how long a request waits for others")
      ->capture_default_str();
  command_->add_option("--max-queue-rows", max_queue_rows_,
                       "Dynamic batching: rows waiting at most before 429 (0 = 16 x batch size)")
      ->capture_default_str();
  command_->add_option("--max-body-bytes", max_body_bytes_)->capture_default_str();
  command_->add_option("--access-log", access_log_, "Access log path or '-' for stderr (default none)");
  // Request/response logging (JSON lines, sampled, asynchronous, bounded).
  command_->add_option("--request-log", request_log_,
                       "Request/response log (JSON lines) path or '-' for stderr (default none)");
  command_->add_option("--request-log-sample", request_log_sample_,
                       "Fraction of requests logged, by a hash of the request id")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command_->add_option("--request-log-max-pending", request_log_max_pending_,
                       "Entries waiting for the log writer at most; more are dropped (counted)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command_->add_option("--request-log-max-bytes", request_log_max_bytes_,
                       "Rotate the log to PATH.1 past this size (0 = never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command_->add_option("--request-log-max-rows", request_log_max_rows_,
                       "Rows of inputs/outputs kept per logged request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

int ServeCommand::Run() {
  if (!command_->parsed()) return -1;
  for (const std::string& m : models_) {
    if (std::string_view(m).substr(0, 8) == "models:/") {
      std::fprintf(stderr,
                   "strata serve: --model %s: registry URIs (models:/NAME@ALIAS) are not "
                   "supported yet; pass a package directory\n",
                   m.c_str());
      return 2;
    }
  }
  if (names_.size() > models_.size() || versions_.size() > models_.size()) {
    std::fprintf(stderr, "strata serve: more --name/--version values than --model values\n");
    return 2;
  }
  const sigset_t signals = BlockStopSignals();

  serving::ServingOptions options;
  options.max_request_rows = max_request_rows_;
  options.batching.max_batch_size = max_batch_size_;
  options.batching.max_queue_delay_us = max_queue_delay_us_;
  options.batching.max_queue_rows = max_queue_rows_;
  auto models = std::make_shared<serving::ModelServer>(options);
  for (size_t i = 0; i < models_.size(); ++i) {
    absl::StatusOr<std::unique_ptr<models::Model>> model = models::Model::Load(models_[i]);
    if (!model.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", model.status().ToString().c_str());
      return 1;
    }
    std::string name = i < names_.size() ? names_[i] : (*model)->manifest().name;
    if (name.empty()) {
      std::fprintf(stderr, "strata serve: --model %s: the package has no name; pass --name\n",
                   models_[i].c_str());
      return 2;
    }
    int64_t version = i < versions_.size() ? versions_[i] : 1;
    absl::Status added = models->AddVersion(name, version, std::move(*model));
    if (!added.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", added.ToString().c_str());
      return 2;
    }
    std::fprintf(stderr, "strata serve: model %s version %lld from %s\n", name.c_str(),
                 static_cast<long long>(version), models_[i].c_str());
  }

  std::shared_ptr<serving::RequestLog> request_log;
  if (!request_log_.empty()) {
    serving::RequestLogOptions log_options;
    log_options.path = request_log_;
    log_options.sample_rate = request_log_sample_;
    log_options.max_pending = request_log_max_pending_;
    log_options.max_file_bytes = request_log_max_bytes_;
    log_options.max_rows = request_log_max_rows_;
    absl::StatusOr<std::unique_ptr<serving::RequestLog>> opened =
        serving::RequestLog::Open(std::move(log_options));
    if (!opened.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", opened.status().ToString().c_str());
      return 1;
    }
    request_log = std::move(*opened);
  }

  http::Router router;
  api::AddInferenceRoutes(models, router, request_log);
  http::ServerOptions http_options;
  http_options.host = host_;
  http_options.port = port_;
  http_options.threads = threads_;
  http_options.max_body_bytes = max_body_bytes_;
  http_options.access_log_path = access_log_;
  http_options.error_responder = api::WriteV2Error;
  http_options.extra_metrics = [models, request_log] {
    return request_log == nullptr ? models->RenderMetrics()
                                  : models->RenderMetrics() + request_log->RenderMetrics();
  };
  absl::StatusOr<std::unique_ptr<http::Server>> server =
      http::Server::Start(std::move(router), http_options);
  if (!server.ok()) {
    std::fprintf(stderr, "strata serve: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "strata serve listening on http://%s:%d\n", host_.c_str(),
               (*server)->port());
  WaitUntilStopped(signals, [&] { (*server)->Stop(); }, [&] { (*server)->Wait(); });
  return 0;
}

}  // namespace strata::cli
