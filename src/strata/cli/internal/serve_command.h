// `strata serve --model models:/NAME@ALIAS|models:/NAME/VERSION|models:/NAME/latest|DIR ...
// --port P`: the inference server (Open Inference Protocol V2, TF Serving REST, MLflow
// /invocations) over registered versions (fetched from the home's stores, followed by polling
// the registry and hot-swapped) and local packages; with --feature-repo DIR or
// --feature-project P also Feast's feature-server routes (api/feature_server_handlers.h).
#ifndef STRATA_CLI_INTERNAL_SERVE_COMMAND_H_
#define STRATA_CLI_INTERNAL_SERVE_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace strata::cli {

class ServeCommand {
 public:
  // Registers `serve` on `app`.
  explicit ServeCommand(CLI::App& app);
  // Runs the server until SIGINT/SIGTERM when `serve` was parsed; returns the exit code, or
  // -1 when another command was parsed.
  int Run();

 private:
  CLI::App* command_ = nullptr;
  std::vector<std::string> models_;
  std::vector<std::string> names_;
  std::vector<int64_t> versions_;
  std::string host_ = "127.0.0.1";
  int port_ = 8000;
  int threads_ = 0;
  int scheduler_slice_us_ = 0;  // http::ServerOptions::scheduler_slice_us
  int64_t max_request_rows_ = 100000;
  int64_t max_batch_size_ = 0;
  int64_t max_queue_delay_us_ = 500;
  int64_t max_queue_rows_ = 0;
  uint64_t max_body_bytes_ = 64ull << 20;
  std::string access_log_;
  std::string home_;
  std::string store_uri_;
  std::string artifacts_dir_;
  std::string cache_dir_;
  int64_t poll_interval_ms_ = 2000;
  int keep_versions_ = 1;
  std::vector<std::string> canaries_;
  std::vector<std::string> shadows_;
  // Request/response log (serving::RequestLog); empty path = off.
  std::string request_log_;
  double request_log_sample_ = 1.0;
  int64_t request_log_max_pending_ = 10000;
  int64_t request_log_max_bytes_ = 256ll << 20;
  int64_t request_log_max_rows_ = 100;
  // Feature server routes (/get-online-features, /push, /materialize*): off unless one is set.
  std::string feature_repo_;
  std::string feature_project_;
  int64_t feature_poll_interval_ms_ = 1000;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_SERVE_COMMAND_H_
