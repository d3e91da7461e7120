// A small blocking HTTP/1.1 client with one keep-alive connection, for the CLI, tests and
// benchmarks. Not thread-safe: one Client per thread.
#ifndef STRATA_HTTP_CLIENT_H_
#define STRATA_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace strata::http {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
};

class Client {
 public:
  // `base_url` like "http://127.0.0.1:5000". Errors: INVALID_ARGUMENT for a malformed URL.
  static absl::StatusOr<std::unique_ptr<Client>> Create(std::string_view base_url);
  virtual ~Client() = default;

  // Sends `method target` (target = path + query) and reads the response; reconnects once if
  // the kept-alive connection was closed. Errors: UNAVAILABLE when the server cannot be reached.
  virtual absl::StatusOr<ClientResponse> Send(
      std::string_view method, std::string_view target, std::string_view body = "",
      std::string_view content_type = "application/json") = 0;
};

// Percent-encodes a query-string component.
std::string UrlEncode(std::string_view s);

}  // namespace strata::http

#endif  // STRATA_HTTP_CLIENT_H_
