// SIGINT/SIGTERM handling shared by the long-running commands (`strata server`, `strata serve`):
// the signals are blocked in every thread and one watcher thread turns them into a Stop(), so
// server threads never run signal handlers.
#ifndef STRATA_CLI_INTERNAL_STOP_SIGNALS_H_
#define STRATA_CLI_INTERNAL_STOP_SIGNALS_H_

#include <csignal>
#include <functional>

namespace strata::cli {

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it starts afterwards.
// Call before starting any server thread.
sigset_t BlockStopSignals();

// Runs `wait` (blocks until the server ends) while a watcher thread calls `stop` when one of
// `signals` arrives.
void WaitUntilStopped(const sigset_t& signals, const std::function<void()>& stop,
                      const std::function<void()>& wait);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_STOP_SIGNALS_H_
