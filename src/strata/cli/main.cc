#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "strata/cli/cli.h"

int main(int argc, char** argv) {
  // Log lines go to stderr: stdout carries command output (tables, JSON) that callers parse.
  spdlog::set_default_logger(spdlog::stderr_color_mt("strata"));
  return strata::cli::Main(argc, argv);
}
