// The event loop the calling thread runs, for code that runs on it without being handed it.
//
// Strata's HTTP server runs one single-threaded io_context per I/O thread (http/server.cc) and
// wraps each in an EventLoop. A client library called from a request handler (the Redis online
// store) asks EventLoop::Current() and, when there is one, does its network I/O on that same
// loop: the command is written from the handler's thread and the reply completes the request
// there, with no thread hop either way. Off loop threads Current() is null and such clients
// fall back to threads of their own.
//
// Shutdown: objects with I/O pending on a loop keep its io_context from running out of work,
// so they register a shutdown callback; the owner of the loop calls Shutdown() (on the loop's
// thread) when it stops serving, and each object finishes what is in flight and closes.
#ifndef STRATA_BASE_EVENT_LOOP_H_
#define STRATA_BASE_EVENT_LOOP_H_

#include <vector>

#include "absl/functional/any_invocable.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace strata {

class EventLoop {
 public:
  explicit EventLoop(boost::asio::io_context& context) : context_(context) {}
  // Runs the callbacks Shutdown() has not run (the loop is no longer running by then).
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The loop the calling thread is running (inside a Scope), or null.
  static EventLoop* Current();

  // Makes `loop` Current() on this thread for the scope's lifetime (around io_context::run()).
  class Scope {
   public:
    explicit Scope(EventLoop& loop);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    EventLoop* previous_;
  };

  boost::asio::io_context& context() const { return context_; }

  // Loop thread only. `callback` runs once, on the loop's thread, when Shutdown() is called
  // (at once if it already was), or at the latest when the EventLoop is destroyed.
  void AddShutdownCallback(absl::AnyInvocable<void()> callback);
  // Loop thread only; idempotent. Runs and drops every registered callback.
  void Shutdown();
  // True once Shutdown() was called: new long-lived I/O objects should not be made here.
  bool shutting_down() const { return shutting_down_; }

 private:
  boost::asio::io_context& context_;
  std::vector<absl::AnyInvocable<void()>> shutdown_callbacks_;
  bool shutting_down_ = false;
};

}  // namespace strata

#endif  // STRATA_BASE_EVENT_LOOP_H_
