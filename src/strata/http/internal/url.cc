#include "strata/http/internal/url.h"

namespace strata::http::internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one query component; a malformed escape keeps the raw text.
void DecodeQueryPart(std::string_view in, std::string& out) {
  if (!PercentDecode(in, /*plus_as_space=*/true, out)) {
    out.assign(in.data(), in.size());
  }
}

}  // namespace

bool PercentDecode(std::string_view in, bool plus_as_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return false;
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool ParseTarget(std::string_view raw_target, std::string& path,
                 std::vector<std::pair<std::string, std::string>>& query) {
  size_t q = raw_target.find('?');
  std::string_view raw_path = raw_target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : raw_target.substr(q + 1);
  size_t hash = raw_query.find('#');
  if (hash != std::string_view::npos) raw_query = raw_query.substr(0, hash);

  size_t n = 0;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view key = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    // Reuse existing elements (and their string buffers) before growing.
    if (n == query.size()) query.emplace_back();
    DecodeQueryPart(key, query[n].first);
    DecodeQueryPart(value, query[n].second);
    ++n;
  }
  query.resize(n);
  return PercentDecode(raw_path, /*plus_as_space=*/false, path);
}

void AppendUrlEncoded(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : in) {
    unsigned char u = static_cast<unsigned char>(c);
    bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') ||
                      u == '-' || u == '_' || u == '.' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
}

}  // namespace strata::http::internal
