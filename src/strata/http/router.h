// Request/response types and the route table shared by the HTTP server and api/ handlers.
#ifndef STRATA_HTTP_ROUTER_H_
#define STRATA_HTTP_ROUTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::http {

struct Request {
  std::string method;  // upper case: GET, POST, ...
  std::string path;    // percent-decoded path, without the query string
  std::string raw_target;
  // Percent-decoded query parameters in order; repeated keys appear repeatedly.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // What a trailing "*" in the route pattern matched (percent-decoded, like `path`).
  std::string wildcard;
  std::string remote_address;

  // First value of query parameter `key`, or nullptr.
  const std::string* QueryParam(std::string_view key) const;
  std::vector<std::string> QueryParams(std::string_view key) const;
  // Header value (name compared case-insensitively), or empty.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the server streams this file as the body instead of `body`.
  std::string file_path;
};

using Handler = std::function<void(const Request&, Response&)>;

// Completes one request of an asynchronous handler, from any thread, at most once. Move-only.
// A Responder destroyed without Send() answers 500 (a handler that threw or forgot), so a
// connection never waits forever. The server posts the response back to the connection's
// strand; the I/O thread is never blocked while the work runs elsewhere (a batching queue).
class Responder {
 public:
  // What the server plugs in; exactly one of Complete / Abandon is called, once.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Complete(Response&& response) = 0;
    // The responder was dropped unanswered: the server answers 500 in its error shape.
    virtual void Abandon() = 0;
  };

  Responder() = default;
  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void Send(Response response);
  // False once sent (or for a default-constructed responder).
  bool pending() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<Sink> sink_;
};

// A handler that answers later through `responder`. It runs on the I/O thread and must return
// quickly: hand the work to another thread and Send() from there. The request is the
// handler's to keep.
using AsyncHandler = std::function<void(Request&& request, Responder responder)>;

// Route table. Patterns are exact paths ("/api/2.0/mlflow/runs/get") or a prefix ending in
// "/*" that matches the rest of the path ("/api/2.0/mlflow-artifacts/artifacts/*").
// Exact matches win over prefixes; longer prefixes over shorter ones.
class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    std::string name;  // label for metrics and the access log
    Handler handler;              // set for synchronous routes
    AsyncHandler async_handler;   // set for asynchronous routes
    std::optional<uint64_t> max_body_bytes;  // overrides ServerOptions::max_body_bytes
  };

  void Add(std::string method, std::string pattern, Handler handler,
           std::optional<uint64_t> max_body_bytes = std::nullopt);
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler,
                std::optional<uint64_t> max_body_bytes = std::nullopt);

  struct Match {
    const Route* route = nullptr;  // null when nothing matches
    bool path_known = false;       // some route has this path, but for another method (405)
    std::string wildcard;
  };
  Match Find(std::string_view method, std::string_view path) const;

  // All routes in the order added; the server sizes its per-route metrics from this.
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace strata::http

#endif  // STRATA_HTTP_ROUTER_H_
