// `strata serve --model DIR [--name N] [--model DIR2 --name N2 ...] --port P`: the inference
// server (Open Inference Protocol V2 REST) over local model packages.
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
  int64_t max_request_rows_ = 100000;
  int64_t max_batch_size_ = 0;
  int64_t max_queue_delay_us_ = 500;
  int64_t max_queue_rows_ = 0;
  uint64_t max_body_bytes_ = 64ull << 20;
  std::string access_log_;
  // Request/response log (serving::RequestLog); empty path = off.
  std::string request_log_;
  double request_log_sample_ = 1.0;
  int64_t request_log_max_pending_ = 10000;
  int64_t request_log_max_bytes_ = 256ll << 20;
  int64_t request_log_max_rows_ = 100;
};

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_SERVE_COMMAND_H_
