// JSON text reader for XGBoost model files: nlohmann's SAX parser (iterative, so deep input
// cannot overflow the stack) driving a DOM builder that bounds nesting and reads each float
// from its own text as float32.
#include <charconv>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/models/internal/model_json.h"

namespace strata::models::internal {
namespace {

using nlohmann::json;

class DomBuilder : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Add(nullptr); }
  bool boolean(bool v) override { return Add(v); }
  bool number_integer(number_integer_t v) override { return Add(v); }
  bool number_unsigned(number_unsigned_t v) override { return Add(v); }
  bool number_float(number_float_t v, const string_t& text) override {
    float f = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), f);
    // Out of float range: keep the double; the model reader refuses non-finite floats.
    if (ec == std::errc() && end == text.data() + text.size()) return Add(static_cast<double>(f));
    return Add(v);
  }
  bool string(string_t& v) override { return Add(std::move(v)); }
  bool binary(binary_t& v) override { return Add(json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& e) override {
    std::string what = e.what();
    // nlohmann's message already says where; keep its reason after the last ": ".
    const size_t colon = what.rfind(": ");
    if (colon != std::string::npos) what = what.substr(colon + 2);
    error_ = absl::InvalidArgumentError(
        absl::StrCat("JSON byte offset ", position > 0 ? position - 1 : 0, ": ", what));
    return false;
  }

  absl::Status error() const { return error_; }
  json& root() { return root_; }

 private:
  json* Insert(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }
  bool Add(json value) {
    Insert(std::move(value));
    return true;
  }
  bool Open(json container) {
    if (stack_.size() >= static_cast<size_t>(kMaxModelNesting)) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat("JSON nesting deeper than ", kMaxModelNesting));
      return false;
    }
    stack_.push_back(Insert(std::move(container)));
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  json root_;
  std::vector<json*> stack_;
  std::string key_;
  absl::Status error_;
};

}  // namespace

absl::StatusOr<nlohmann::json> ParseModelJson(std::string_view text) {
  DomBuilder builder;
  const bool ok = json::sax_parse(text.begin(), text.end(), &builder,
                                  json::input_format_t::json, /*strict=*/true);
  if (!ok) {
    if (!builder.error().ok()) return builder.error();
    return absl::InvalidArgumentError("JSON: parse failed");
  }
  return std::move(builder.root());
}

}  // namespace strata::models::internal
