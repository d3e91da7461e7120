#include "strata/base/event_loop.h"

#include <utility>

namespace strata {
namespace {
thread_local EventLoop* current_loop = nullptr;
}  // namespace

EventLoop::~EventLoop() { Shutdown(); }

EventLoop* EventLoop::Current() { return current_loop; }

EventLoop::Scope::Scope(EventLoop& loop) : previous_(current_loop) { current_loop = &loop; }
EventLoop::Scope::~Scope() { current_loop = previous_; }

void EventLoop::AddShutdownCallback(absl::AnyInvocable<void()> callback) {
  if (shutting_down_) {
    callback();
    return;
  }
  shutdown_callbacks_.push_back(std::move(callback));
}

void EventLoop::Shutdown() {
  shutting_down_ = true;
  // A callback may register another (an object made while closing): run until none is left.
  while (!shutdown_callbacks_.empty()) {
    std::vector<absl::AnyInvocable<void()>> callbacks = std::move(shutdown_callbacks_);
    shutdown_callbacks_.clear();
    for (absl::AnyInvocable<void()>& callback : callbacks) callback();
  }
}

}  // namespace strata
