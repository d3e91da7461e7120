// Open-loop, constant-rate HTTP/1.1 load generator (what wrk2 does; wrk2 is not packaged here).
//
// Requests are scheduled at fixed intervals (rate R: request i is due at start + i / R) and
// handed to whichever keep-alive connection is idle; when every connection is busy they wait
// in a FIFO. Latency is measured from the request's *scheduled* time, not from when it was
// written, so a server that stalls is charged for the requests that queued up behind the
// stall (no coordinated omission). Each thread runs its own epoll loop with its share of the
// rate and connections.
//
// Usage:
//   loadgen --port P [--host 127.0.0.1] [--path /] [--body-file F] [--content-type T]
//           --rate R [--connections 16] [--threads 1] [--duration 10] [--warmup 2]
//           [--tick-us T]
// Prints one JSON object: the offered rate, the achieved rate (responses received during the
// measured period / its length), latency percentiles (ms) of the requests scheduled in the
// measured period (after the warm-up), counts of non-2xx responses and socket errors.
//
// Where the time goes: every response's latency is also split at two more points, so that a
// tail can be placed on the server or on this generator (on a 2-core machine they share the
// cores, and a generator that is not running when a response arrives reads it late):
//   * sent: when the request's first byte went to send(2);
//   * arrived: the kernel's receive timestamp of the response's last segment (SO_TIMESTAMPNS;
//     on loopback the kernel stamps it when the server's write queues it).
// "to_arrival" = arrived - scheduled (the end-to-end figure minus the generator's delay in
// reading an answer that is already there), "server" = arrived - sent. The end-to-end figure
// (p50_ms, p99_ms, ...) stays the headline; the split is a diagnosis.
//
// --tick-us T (default 0 = off): each thread sleeps to the next T µs tick whatever arrives, then
// takes every answer that came and every send that fell due in one go: one wake-up per tick
// instead of one per send and one per answer (the generator's CPU at 50k/s falls from ~0.85 to
// ~0.65 of a core at T = 100). An answer waits for the tick, and that wait is charged to its
// latency. Measured against the default in bench/results/serving_p99.md (no clear gain).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

int64_t TimespecNs(const timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// The kernel stamps received data with CLOCK_REALTIME; this turns such a stamp into NowNs()'s
// clock (read once: the offset does not move measurably within a run).
int64_t RealtimeToSteadyOffsetNs() {
  timespec real{};
  int64_t before = NowNs();
  clock_gettime(CLOCK_REALTIME, &real);
  int64_t after = NowNs();
  return TimespecNs(real) - (before + after) / 2;
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  std::string body_file;
  std::string content_type = "application/json";
  double rate = 1000;
  int connections = 16;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 2;
  int tick_us = 0;   // 0 = wake for every send and every answer
};

struct ThreadResult {
  std::vector<int64_t> latencies_ns;  // measured period only
  std::vector<int64_t> to_arrival_ns;  // same requests: kernel arrival - scheduled
  std::vector<int64_t> server_ns;      // same requests: kernel arrival - first send
  int64_t completed = 0;              // scheduled in the measured period and answered
  int64_t answered_in_window = 0;     // responses received during the measured period
  int64_t non2xx = 0;
  int64_t socket_errors = 0;
  int64_t scheduled = 0;   // measured period only
  int64_t unfinished = 0;  // scheduled in the measured period, not answered by the end
};

// One keep-alive connection: at most one request in flight.
struct Conn {
  int fd = -1;
  bool busy = false;
  bool connecting = true;
  int64_t scheduled_ns = 0;  // of the request in flight
  int64_t sent_ns = 0;       // its first send(2)
  int64_t arrived_ns = 0;    // kernel timestamp of the last segment read, steady clock
  size_t written = 0;
  std::string in;  // response bytes received so far
};

// Length of a complete response at the front of `in` (0 = incomplete, -1 = unparseable);
// `status` gets the status code.
int64_t ResponseLength(const std::string& in, int& status) {
  size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return 0;
  if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0) return -1;
  status = std::atoi(in.c_str() + 9);
  int64_t content_length = -1;
  size_t pos = in.find("\r\n") + 2;
  while (pos < head_end) {
    size_t eol = in.find("\r\n", pos);
    std::string_view line(in.data() + pos, eol - pos);
    if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
      std::string_view v = line.substr(15);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      std::from_chars(v.data(), v.data() + v.size(), content_length);
    }
    pos = eol + 2;
  }
  if (content_length < 0) return -1;  // the servers measured here always send it
  int64_t total = static_cast<int64_t>(head_end + 4) + content_length;
  return static_cast<int64_t>(in.size()) >= total ? total : 0;
}

class Worker {
 public:
  Worker(const Options& options, const std::string& request, double rate, int connections,
         int64_t start_ns)
      : options_(options), request_(request), interval_ns_(1e9 / rate), start_ns_(start_ns),
        conns_(static_cast<size_t>(connections)) {}

  ThreadResult Run() {
    epoll_ = epoll_create1(0);
    for (size_t i = 0; i < conns_.size(); ++i) Connect(i);
    const int64_t measure_from = start_ns_ + static_cast<int64_t>(options_.warmup_s * 1e9);
    const int64_t end = measure_from + static_cast<int64_t>(options_.duration_s * 1e9);
    measure_from_ = measure_from;
    measure_end_ = end;
    int64_t sent_index = 0;
    std::vector<epoll_event> events(conns_.size() + 1);
    for (;;) {
      int64_t now = NowNs();
      // Everything due by now joins the queue, stamped with its scheduled time.
      for (;;) {
        int64_t due = start_ns_ + static_cast<int64_t>(static_cast<double>(sent_index) *
                                                       interval_ns_);
        if (due > now || due >= end) break;
        queue_.push_back(due);
        if (due >= measure_from) ++result_.scheduled;
        ++sent_index;
      }
      Dispatch();
      int64_t next_due =
          start_ns_ + static_cast<int64_t>(static_cast<double>(sent_index) * interval_ns_);
      if (next_due >= end && queue_.empty() && InFlight() == 0) break;
      if (now > end + 2'000'000'000) break;  // answers that never come
      int n = 0;
      if (options_.tick_us > 0) {
        // Tick mode (see the top of this file): answers wait for the tick.
        const int64_t tick_ns = static_cast<int64_t>(options_.tick_us) * 1000;
        int64_t wake = start_ns_ + ((now - start_ns_) / tick_ns + 1) * tick_ns;
        wake = std::min(wake, end + 2'000'000'000);
        timespec ts{static_cast<time_t>(wake / 1'000'000'000),
                    static_cast<long>(wake % 1'000'000'000)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
        n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 0);
      } else {
        int64_t wait_ns = std::max<int64_t>(0, std::min(next_due, end + 2'000'000'000) - now);
        timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000),
                    static_cast<long>(wait_ns % 1'000'000'000)};
        n = epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &ts, nullptr);
      }
      for (int i = 0; i < n; ++i) OnEvent(events[static_cast<size_t>(i)].data.u64,
                                           events[static_cast<size_t>(i)].events);
    }
    for (const Conn& c : conns_) {
      if (c.busy && c.scheduled_ns >= measure_from_) ++result_.unfinished;
    }
    for (int64_t due : queue_) {
      if (due >= measure_from_) ++result_.unfinished;
    }
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
    return std::move(result_);
  }

 private:
  int InFlight() const {
    int n = 0;
    for (const Conn& c : conns_) n += c.busy ? 1 : 0;
    return n;
  }

  void Connect(size_t i) {
    Conn& c = conns_[i];
    c = Conn();
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(options_.port));
    inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr);
    int rc = connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    if (rc != 0 && errno != EINPROGRESS) {
      ++result_.socket_errors;
      close(c.fd);
      c.fd = -1;
      return;
    }
    c.connecting = rc != 0;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
    ev.data.u64 = i;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  void Dispatch() {
    for (size_t i = 0; i < conns_.size() && !queue_.empty(); ++i) {
      Conn& c = conns_[i];
      if (c.fd < 0 || c.busy || c.connecting) continue;
      StartNext(i);
    }
  }

  // The idle connection `i` takes the oldest queued request and starts writing it.
  void StartNext(size_t i) {
    Conn& c = conns_[i];
    c.busy = true;
    c.scheduled_ns = queue_.front();
    queue_.pop_front();
    c.written = 0;
    c.sent_ns = NowNs();
    Write(i);
  }

  void Write(size_t i) {
    Conn& c = conns_[i];
    while (c.written < request_.size()) {
      ssize_t n = send(c.fd, request_.data() + c.written, request_.size() - c.written,
                       MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) return;  // EPOLLOUT resumes it
        Fail(i);
        return;
      }
      c.written += static_cast<size_t>(n);
    }
  }

  void Fail(size_t i) {
    Conn& c = conns_[i];
    ++result_.socket_errors;
    // The request in flight is retried on the new connection with its original schedule.
    if (c.busy) queue_.push_front(c.scheduled_ns);
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    Connect(i);
  }

  void OnEvent(uint64_t i, uint32_t events) {
    Conn& c = conns_[i];
    if (c.fd < 0) return;
    if (events & EPOLLERR) {
      Fail(i);
      return;
    }
    if (c.connecting && (events & EPOLLOUT)) {
      c.connecting = false;
      Dispatch();
    }
    if (c.busy && c.written < request_.size() && (events & EPOLLOUT)) Write(i);
    if (events & (EPOLLIN | EPOLLRDHUP)) Read(i);
  }

  void Read(size_t i) {
    Conn& c = conns_[i];
    char buf[16384];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
    for (;;) {
      iovec iov{buf, sizeof(buf)};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(c.fd, &msg, 0);
      if (n > 0) {
        for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm != nullptr; cm = CMSG_NXTHDR(&msg, cm)) {
          if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
            c.arrived_ns = TimespecNs(ts) - realtime_offset_ns_;
          }
        }
      }
      if (n == 0) {
        Fail(i);  // the server closed the connection
        return;
      }
      if (n < 0) {
        if (errno == EAGAIN) break;
        Fail(i);
        return;
      }
      c.in.append(buf, static_cast<size_t>(n));
      // A short read drained the socket: the next bytes raise a new edge, so the EAGAIN
      // recv that would confirm it is one system call per response saved.
      if (static_cast<size_t>(n) < sizeof(buf)) break;
    }
    for (;;) {
      int status = 0;
      int64_t len = ResponseLength(c.in, status);
      if (len == 0) return;
      if (len < 0 || !c.busy) {
        Fail(i);
        return;
      }
      int64_t now = NowNs();
      if (now >= measure_from_ && now < measure_end_) ++result_.answered_in_window;
      if (c.scheduled_ns >= measure_from_) {
        result_.latencies_ns.push_back(now - c.scheduled_ns);
        // Without a stamp (not seen on Linux) the arrival counts as the read: no time is
        // taken off the server's account.
        int64_t arrived = c.arrived_ns > 0 ? std::min(c.arrived_ns, now) : now;
        result_.to_arrival_ns.push_back(arrived - c.scheduled_ns);
        result_.server_ns.push_back(arrived - c.sent_ns);
        ++result_.completed;
        if (status < 200 || status > 299) ++result_.non2xx;
      }
      c.in.erase(0, static_cast<size_t>(len));
      c.busy = false;
      c.arrived_ns = 0;
      if (!queue_.empty()) StartNext(i);
    }
  }

  const Options& options_;
  const std::string& request_;
  const double interval_ns_;
  const int64_t start_ns_;
  int64_t measure_from_ = 0;
  int64_t measure_end_ = 0;
  const int64_t realtime_offset_ns_ = RealtimeToSteadyOffsetNs();
  int epoll_ = -1;
  std::vector<Conn> conns_;
  std::deque<int64_t> queue_;
  ThreadResult result_;
};

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--host") {
      o.host = v;
    } else if (a == "--port") {
      o.port = std::atoi(v.c_str());
    } else if (a == "--path") {
      o.path = v;
    } else if (a == "--body-file") {
      o.body_file = v;
    } else if (a == "--content-type") {
      o.content_type = v;
    } else if (a == "--rate") {
      o.rate = std::atof(v.c_str());
    } else if (a == "--connections") {
      o.connections = std::atoi(v.c_str());
    } else if (a == "--threads") {
      o.threads = std::atoi(v.c_str());
    } else if (a == "--duration") {
      o.duration_s = std::atof(v.c_str());
    } else if (a == "--warmup") {
      o.warmup_s = std::atof(v.c_str());
    } else if (a == "--tick-us") {
      o.tick_us = std::atoi(v.c_str());
    } else {
      return false;
    }
  }
  return o.port > 0 && o.rate > 0 && o.connections > 0 && o.threads > 0 &&
         o.connections >= o.threads && o.duration_s > 0 && o.warmup_s >= 0 &&
         o.tick_us >= 0 && o.tick_us <= 10000;
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: loadgen --port P --rate R [--host H] [--path P] [--body-file F] "
                 "[--content-type T] [--connections N] [--threads T] [--duration S] "
                 "[--warmup S] [--tick-us 0..10000]\n");
    return 2;
  }
  std::string body;
  if (!o.body_file.empty()) {
    std::ifstream f(o.body_file, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "loadgen: cannot read %s\n", o.body_file.c_str());
      return 1;
    }
    body.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  std::ostringstream req;
  req << (body.empty() ? "GET " : "POST ") << o.path << " HTTP/1.1\r\nHost: " << o.host << ":"
      << o.port << "\r\n";
  if (!body.empty()) {
    req << "Content-Type: " << o.content_type << "\r\nContent-Length: " << body.size() << "\r\n";
  }
  req << "\r\n" << body;
  const std::string request = req.str();

  const int64_t start = NowNs() + 50'000'000;  // connections are open before the first send
  std::vector<ThreadResult> results(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    int conns = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    // Threads start staggered by part of the interval so their schedules interleave.
    int64_t offset = static_cast<int64_t>(1e9 / o.rate * t);
    threads.emplace_back([&, t, conns, offset] {
      Worker w(o, request, o.rate / o.threads, conns, start + offset);
      results[static_cast<size_t>(t)] = w.Run();
    });
  }
  for (std::thread& t : threads) t.join();

  ThreadResult all;
  for (ThreadResult& r : results) {
    all.latencies_ns.insert(all.latencies_ns.end(), r.latencies_ns.begin(),
                            r.latencies_ns.end());
    all.to_arrival_ns.insert(all.to_arrival_ns.end(), r.to_arrival_ns.begin(),
                             r.to_arrival_ns.end());
    all.server_ns.insert(all.server_ns.end(), r.server_ns.begin(), r.server_ns.end());
    all.completed += r.completed;
    all.answered_in_window += r.answered_in_window;
    all.non2xx += r.non2xx;
    all.socket_errors += r.socket_errors;
    all.scheduled += r.scheduled;
    all.unfinished += r.unfinished;
  }
  std::sort(all.latencies_ns.begin(), all.latencies_ns.end());
  std::sort(all.to_arrival_ns.begin(), all.to_arrival_ns.end());
  std::sort(all.server_ns.begin(), all.server_ns.end());
  std::printf(
      "{\"offered_rps\": %.1f, \"achieved_rps\": %.1f, \"scheduled\": %lld, \"completed\": %lld, "
      "\"unfinished\": %lld, \"non2xx\": %lld, \"socket_errors\": %lld, \"p50_ms\": %.4f, "
      "\"p90_ms\": %.4f, \"p99_ms\": %.4f, \"p999_ms\": %.4f, \"max_ms\": %.4f, "
      "\"to_arrival_p50_ms\": %.4f, \"to_arrival_p99_ms\": %.4f, \"server_p50_ms\": %.4f, "
      "\"server_p99_ms\": %.4f, \"tick_us\": %d}\n",
      o.rate, static_cast<double>(all.answered_in_window) / o.duration_s,
      static_cast<long long>(all.scheduled), static_cast<long long>(all.completed),
      static_cast<long long>(all.unfinished), static_cast<long long>(all.non2xx),
      static_cast<long long>(all.socket_errors), Percentile(all.latencies_ns, 50),
      Percentile(all.latencies_ns, 90), Percentile(all.latencies_ns, 99),
      Percentile(all.latencies_ns, 99.9),
      all.latencies_ns.empty() ? 0.0 : static_cast<double>(all.latencies_ns.back()) / 1e6,
      Percentile(all.to_arrival_ns, 50), Percentile(all.to_arrival_ns, 99),
      Percentile(all.server_ns, 50), Percentile(all.server_ns, 99), o.tick_us);
  return 0;
}
