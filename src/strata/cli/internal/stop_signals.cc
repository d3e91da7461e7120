#include "strata/cli/internal/stop_signals.h"

#include <pthread.h>

#include <thread>

namespace strata::cli {

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void WaitUntilStopped(const sigset_t& signals, const std::function<void()>& stop,
                      const std::function<void()>& wait) {
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop();
  });
  wait();
  // Wake the watcher if the server stopped by itself; the signal is blocked, so sigwait
  // consumes it.
  pthread_kill(watcher.native_handle(), SIGTERM);
  watcher.join();
}

}  // namespace strata::cli
