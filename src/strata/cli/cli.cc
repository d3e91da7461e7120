#include "strata/cli/cli.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "CLI/CLI.hpp"
#include "strata/api/api_server.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"
#include "strata/cli/internal/data_commands.h"
#include "strata/cli/internal/features_commands.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/cli/internal/model_package_commands.h"
#include "strata/cli/internal/serve_command.h"
#include "strata/cli/internal/stop_signals.h"
#include "strata/cli/internal/tracking_commands.h"
#include "strata/cli/internal/train_command.h"

namespace strata::cli {
namespace {

// Blocks SIGINT/SIGTERM in every thread and stops the server when one arrives, so the HTTP
// threads never run signal handlers.
int RunServer(const api::ApiServerConfig& config) {
  const sigset_t signals = BlockStopSignals();

  absl::StatusOr<std::unique_ptr<api::ApiServer>> server = api::ApiServer::Start(config);
  if (!server.ok()) {
    std::fprintf(stderr, "strata server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "strata server %s listening on http://%s:%d (home %s)\n", kVersion,
               config.host.c_str(), (*server)->port(), config.home.c_str());
  WaitUntilStopped(signals, [&] { (*server)->Stop(); }, [&] { (*server)->Wait(); });
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Strata: the machine-learning infrastructure stack in one binary"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(kVersion));

  api::ApiServerConfig server_config;
  server_config.home = DefaultHome();
  CLI::App* server = app.add_subcommand("server", "Run the tracking, registry and artifact server");
  server->add_option("--home", server_config.home, "Home directory for embedded defaults")
      ->capture_default_str();
  server->add_option("--store", server_config.store_uri,
                     "Metadata store URI (sqlite:///path.db or postgresql://...); "
                     "default sqlite under --home");
  server->add_option("--artifacts", server_config.artifacts_dir,
                     "Artifact directory; default <home>/artifacts");
  server->add_option("--host", server_config.host)->capture_default_str();
  server->add_option("--port", server_config.port)->capture_default_str();
  server->add_option("--threads", server_config.threads,
                     "request threads (0 = two per core on SQLite, four on PostgreSQL)");
  server->add_option("--max-body-bytes", server_config.max_body_bytes)->capture_default_str();
  server->add_option("--access-log", server_config.access_log,
                     "Access log path, '-' for stderr, 'off' to disable");
  server->add_option("--feature-project", server_config.feature_project,
                     "Feature project served at /get-online-features, /push, /materialize* "
                     "(default: the only applied project, or --feature-repo's)");
  server->add_option("--feature-repo", server_config.feature_repo,
                     "Feature repository directory (its project; file sources' paths for "
                     "offline push)");
  server->add_option("--feature-poll-interval-ms", server_config.feature_poll_interval_ms,
                     "How often the feature registry is checked for a new applied version")
      ->capture_default_str();

  CLI::App* version = app.add_subcommand("version", "Print the version");

  TrackingCommands tracking_commands(app);
  DataCommands data_commands(app);
  ModelPackageCommands model_package_commands(tracking_commands.models_app());
  ServeCommand serve_command(app);
  TrainCommand train_command(app);
  FeaturesCommands features_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (106 for a missing argument, ...) become our one usage code, 2;
    // --help stays 0.
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (version->parsed()) {
    std::printf("strata %s\n", kVersion);
    return 0;
  }
  if (server->parsed()) return RunServer(server_config);
  const int serve_exit = serve_command.Run();
  if (serve_exit >= 0) return serve_exit;
  if (const int train_exit = train_command.Run(); train_exit >= 0) return train_exit;
  if (const int features_exit = features_commands.Run(); features_exit >= 0) return features_exit;
  const int data_exit = data_commands.Run();
  if (data_exit >= 0) return data_exit;
  const int model_package_exit = model_package_commands.Run();
  if (model_package_exit >= 0) return model_package_exit;
  return tracking_commands.Run();
}

}  // namespace strata::cli
