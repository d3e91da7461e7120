#include "strata/base/event_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "gtest/gtest.h"

namespace strata {
namespace {

TEST(EventLoopTest, CurrentOnlyInsideAScopeAndOnItsThread) {
  boost::asio::io_context context(1);
  EventLoop loop(context);
  EXPECT_EQ(EventLoop::Current(), nullptr);
  EventLoop* seen_inside = nullptr;
  EventLoop* seen_elsewhere = &loop;
  std::thread runner([&] {
    EventLoop::Scope scope(loop);
    boost::asio::post(context, [&] {
      seen_inside = EventLoop::Current();
      std::thread other([&] { seen_elsewhere = EventLoop::Current(); });
      other.join();
    });
    context.run();
  });
  runner.join();
  EXPECT_EQ(seen_inside, &loop);
  EXPECT_EQ(seen_elsewhere, nullptr);
  EXPECT_EQ(EventLoop::Current(), nullptr);
  {
    boost::asio::io_context inner_context(1);
    EventLoop inner(inner_context);
    EventLoop::Scope outer_scope(loop);
    {
      EventLoop::Scope inner_scope(inner);
      EXPECT_EQ(EventLoop::Current(), &inner);
    }
    EXPECT_EQ(EventLoop::Current(), &loop);
  }
  EXPECT_EQ(EventLoop::Current(), nullptr);
}

TEST(EventLoopTest, ShutdownRunsEachCallbackOnce) {
  boost::asio::io_context context(1);
  int runs = 0, late = 0, nested = 0;
  {
    EventLoop loop(context);
    loop.AddShutdownCallback([&] { ++runs; });
    loop.AddShutdownCallback([&] {
      ++runs;
      loop.AddShutdownCallback([&] { ++nested; });  // registered while closing: still runs
    });
    EXPECT_FALSE(loop.shutting_down());
    loop.Shutdown();
    EXPECT_TRUE(loop.shutting_down());
    EXPECT_EQ(runs, 2);
    EXPECT_EQ(nested, 1);
    loop.Shutdown();
    EXPECT_EQ(runs, 2);
    loop.AddShutdownCallback([&] { ++late; });  // after Shutdown: at once
    EXPECT_EQ(late, 1);
  }
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(late, 1);
}

TEST(EventLoopTest, DestructionRunsWhatShutdownDidNot) {
  boost::asio::io_context context(1);
  int runs = 0;
  {
    EventLoop loop(context);
    loop.AddShutdownCallback([&] { ++runs; });
  }
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace strata
