#include "strata/http/router.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "strata/base/strings.h"

namespace strata::http {

const std::string* Request::QueryParam(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::vector<std::string> Request::QueryParams(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : query) {
    if (k == key) out.push_back(v);
  }
  return out;
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, AsAbsl(name))) return v;
  }
  return {};
}

void Router::Add(std::string method, std::string pattern, Handler handler,
                 std::optional<uint64_t> max_body_bytes) {
  std::string name = pattern;
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(name),
                          std::move(handler), AsyncHandler(), max_body_bytes});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler,
                      std::optional<uint64_t> max_body_bytes) {
  std::string name = pattern;
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(name), Handler(),
                          std::move(handler), max_body_bytes});
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_ != nullptr) sink_->Abandon();
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (sink_ != nullptr) sink_->Abandon();
}

void Responder::Send(Response response) {
  if (sink_ == nullptr) return;
  std::shared_ptr<Sink> sink = std::move(sink_);
  sink_ = nullptr;
  sink->Complete(std::move(response));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match m;
  const Route* best_prefix = nullptr;
  size_t best_len = 0;
  std::string best_wildcard;
  for (const Route& r : routes_) {
    bool is_prefix = absl::EndsWith(r.pattern, "/*");
    if (!is_prefix) {
      if (r.pattern != path) continue;
      if (r.method == method) {
        m.route = &r;
        m.wildcard.clear();
        return m;
      }
      m.path_known = true;
      continue;
    }
    std::string_view prefix(r.pattern.data(), r.pattern.size() - 1);  // keeps the '/'
    std::string_view bare(r.pattern.data(), r.pattern.size() - 2);    // without "/*"
    bool matches = absl::StartsWith(AsAbsl(path), AsAbsl(prefix)) || path == bare;
    if (!matches) continue;
    if (r.method != method) {
      m.path_known = true;
      continue;
    }
    if (prefix.size() > best_len || best_prefix == nullptr) {
      best_prefix = &r;
      best_len = prefix.size();
      best_wildcard = path.size() > prefix.size() ? std::string(path.substr(prefix.size())) : "";
    }
  }
  if (best_prefix != nullptr) {
    m.route = best_prefix;
    m.wildcard = std::move(best_wildcard);
  }
  return m;
}

}  // namespace strata::http
