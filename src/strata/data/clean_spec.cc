// ParseCleanSpec: YAML text -> CleanSpec. yaml-cpp throws; every exception is caught here
// and becomes INVALID_ARGUMENT naming the line and column.
#include <cmath>
#include <exception>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/status_macros.h"
#include "strata/data/clean.h"
#include "strata/io/parse_value.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/yaml.h"

namespace strata::data {
namespace {

constexpr size_t kMaxSpecBytes = size_t{1} << 20;

SpecLocation Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return SpecLocation{mark.line + 1, mark.column + 1};
}

absl::Status ErrorAt(SpecLocation where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("clean spec line ", where.line, ", column ",
                                                 where.column, ": ", std::string(what)));
}

const char* KindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
      return "null";
    default:
      return "nothing";
  }
}

// Parses one step's mapping; `context` ("step 2 (fill_nulls)") prefixes every message.
class StepReader {
 public:
  StepReader(const YAML::Node& map, std::string context)
      : map_(map), context_(std::move(context)) {}

  absl::Status Error(const YAML::Node& at, std::string_view what) const {
    return ErrorAt(Where(at), absl::StrCat(context_, ": ", std::string(what)));
  }
  absl::Status Error(std::string_view what) const { return Error(map_, what); }

  // Every key must be one of `known`.
  absl::Status CheckKeys(std::initializer_list<std::string_view> known) const {
    absl::flat_hash_set<std::string> seen;
    for (const auto& kv : map_) {
      if (!kv.first.IsScalar()) return Error(kv.first, "keys must be plain names");
      const std::string key = kv.first.Scalar();
      bool ok = false;
      for (std::string_view k : known) ok |= k == key;
      if (!ok) {
        return Error(
            kv.first,
            absl::StrCat("unknown key '", key, "' (known: ",
                         absl::StrJoin(std::vector<std::string>(known.begin(), known.end()), ", "),
                         ")"));
      }
      if (!seen.insert(key).second)
        return Error(kv.first, absl::StrCat("key '", key, "' given twice"));
    }
    return absl::OkStatus();
  }

  YAML::Node Get(const char* key) const { return map_[key]; }
  bool Has(const char* key) const { return static_cast<bool>(map_[key]); }

  absl::StatusOr<std::string> Scalar(const YAML::Node& node, std::string_view what) const {
    if (!node.IsScalar()) {
      return Error(node,
                   absl::StrCat(std::string(what), " must be a scalar, not ", KindName(node)));
    }
    return node.Scalar();
  }

  absl::StatusOr<bool> Bool(const char* key, bool fallback) const {
    const YAML::Node node = Get(key);
    if (!node) return fallback;
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      return Error(node, absl::StrCat("'", key, "' must be true or false"));
    }
    return value;
  }

  absl::StatusOr<double> Number(const char* key, double fallback) const {
    const YAML::Node node = Get(key);
    if (!node) return fallback;
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      return Error(node, absl::StrCat("'", key, "' must be a finite number"));
    }
    return value;
  }

  // `key` from a fixed vocabulary; `names[i]` maps to `values[i]`.
  template <typename E>
  absl::StatusOr<E> Choice(const char* key,
                           std::initializer_list<std::pair<std::string_view, E>> options,
                           E fallback) const {
    const YAML::Node node = Get(key);
    if (!node) return fallback;
    std::vector<std::string> names;
    if (node.IsScalar()) {
      for (const auto& [name, value] : options) {
        if (node.Scalar() == name) return value;
      }
    }
    for (const auto& option : options) names.emplace_back(option.first);
    return Error(node, absl::StrCat("'", key, "' must be one of ", absl::StrJoin(names, ", ")));
  }

  absl::StatusOr<OnError> OnErrorPolicy(const YAML::Node& owner, OnError fallback) const {
    StepReader r(owner, context_);
    // `on_error: null` unquoted is YAML's null; it means the null policy all the same.
    if (r.Has("on_error") && r.Get("on_error").IsNull()) return OnError::kNull;
    return r.Choice<OnError>(
        "on_error", {{"quarantine_row", OnError::kQuarantineRow}, {"null", OnError::kNull}},
        fallback);
  }

  // A list of scalars under `key`; a lone scalar is a list of one.
  absl::StatusOr<std::vector<std::string>> Names(const char* key, bool required) const {
    const YAML::Node node = Get(key);
    std::vector<std::string> out;
    if (!node) {
      if (required) return Error(absl::StrCat("'", key, "' is required"));
      return out;
    }
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) {
      return Error(
          node, absl::StrCat("'", key, "' must be a list of column names, not ", KindName(node)));
    }
    absl::flat_hash_set<std::string> seen;
    for (const YAML::Node& item : node) {
      ASSIGN_OR_RETURN(std::string name, Scalar(item, absl::StrCat("an entry of '", key, "'")));
      if (!seen.insert(name).second) return Error(item, absl::StrCat("'", name, "' listed twice"));
      out.push_back(std::move(name));
    }
    if (required && out.empty()) return Error(node, absl::StrCat("'", key, "' must not be empty"));
    return out;
  }

  // A mapping under `key` (column -> settings), required and non-empty.
  absl::StatusOr<YAML::Node> ColumnMap(const char* key) const {
    const YAML::Node node = Get(key);
    if (!node) return Error(absl::StrCat("'", key, "' is required"));
    if (!node.IsMap() || node.size() == 0) {
      return Error(node, absl::StrCat("'", key, "' must be a mapping of column name to settings"));
    }
    absl::flat_hash_set<std::string> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) return Error(kv.first, "column names must be scalars");
      if (!seen.insert(kv.first.Scalar()).second) {
        return Error(kv.first, absl::StrCat("column '", kv.first.Scalar(), "' listed twice"));
      }
    }
    return node;
  }

  const std::string& context() const { return context_; }

 private:
  YAML::Node map_;
  std::string context_;
};

absl::StatusOr<table::DataType> TypeFromName(const StepReader& r, const YAML::Node& node) {
  static constexpr std::pair<std::string_view, table::DataType> kTypes[] = {
      {"bool", table::DataType::kBool},          {"int64", table::DataType::kInt64},
      {"int", table::DataType::kInt64},          {"float64", table::DataType::kFloat64},
      {"float", table::DataType::kFloat64},      {"string", table::DataType::kString},
      {"str", table::DataType::kString},         {"timestamp", table::DataType::kTimestamp},
      {"datetime", table::DataType::kTimestamp}, {"category", table::DataType::kCategory}};
  if (node.IsScalar()) {
    for (const auto& [name, type] : kTypes) {
      if (node.Scalar() == name) return type;
    }
  }
  return r.Error(node,
                 "'type' must be one of bool, int64 (int), float64 (float), string (str), "
                 "timestamp (datetime), category");
}

absl::Status CheckTimestampFormat(const StepReader& r, const YAML::Node& node,
                                  std::string_view format) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 == format.size()) return r.Error(node, "'format' ends with a lone '%'");
    const char d = format[++i];
    if (std::string_view("YmdHMSfz%").find(d) == std::string_view::npos) {
      return r.Error(node, absl::StrCat("'format' directive '%", std::string(1, d),
                                        "' is not supported (known: %Y %m %d %H %M %S %f %z %%)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CoerceStep> ParseCoerce(const StepReader& r, const YAML::Node& step) {
  RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "on_error"}));
  ASSIGN_OR_RETURN(OnError step_policy, r.OnErrorPolicy(step, OnError::kQuarantineRow));
  ASSIGN_OR_RETURN(YAML::Node columns, r.ColumnMap("columns"));
  CoerceStep out;
  for (const auto& kv : columns) {
    CoerceColumn c;
    c.column = kv.first.Scalar();
    c.where = Where(kv.first);
    c.on_error = step_policy;
    const YAML::Node& settings = kv.second;
    if (settings.IsScalar()) {  // `age: int64`
      ASSIGN_OR_RETURN(c.type, TypeFromName(r, settings));
    } else if (settings.IsMap()) {
      StepReader cr(settings, absl::StrCat(r.context(), ", column '", c.column, "'"));
      RETURN_IF_ERROR(cr.CheckKeys({"type", "format", "on_error"}));
      if (!cr.Has("type")) return cr.Error("'type' is required");
      ASSIGN_OR_RETURN(c.type, TypeFromName(cr, cr.Get("type")));
      ASSIGN_OR_RETURN(c.on_error, cr.OnErrorPolicy(settings, step_policy));
      if (cr.Has("format")) {
        if (c.type != table::DataType::kTimestamp) {
          return cr.Error(cr.Get("format"), "'format' applies only to type timestamp");
        }
        ASSIGN_OR_RETURN(c.format, cr.Scalar(cr.Get("format"), "'format'"));
        RETURN_IF_ERROR(CheckTimestampFormat(cr, cr.Get("format"), c.format));
      }
    } else {
      return r.Error(settings, absl::StrCat("column '", c.column,
                                            "' needs a type name or a mapping {type: ...}"));
    }
    out.columns.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<FillNullsStep> ParseFillNulls(const StepReader& r) {
  RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns"}));
  ASSIGN_OR_RETURN(YAML::Node columns, r.ColumnMap("columns"));
  FillNullsStep out;
  auto strategy_of = [&](const StepReader& at,
                         const YAML::Node& node) -> absl::StatusOr<FillStrategy> {
    if (node.IsScalar()) {
      if (node.Scalar() == "mean") return FillStrategy::kMean;
      if (node.Scalar() == "median") return FillStrategy::kMedian;
      if (node.Scalar() == "mode") return FillStrategy::kMode;
      if (node.Scalar() == "value") return FillStrategy::kValue;
    }
    return at.Error(node,
                    "the strategy must be mean, median, mode or value (a constant is "
                    "written {value: ...})");
  };
  for (const auto& kv : columns) {
    FillColumn c;
    c.column = kv.first.Scalar();
    c.where = Where(kv.first);
    const YAML::Node& settings = kv.second;
    if (settings.IsScalar()) {  // `age: median`
      ASSIGN_OR_RETURN(c.strategy, strategy_of(r, settings));
      if (c.strategy == FillStrategy::kValue)
        return r.Error(settings, "write a constant as {value: ...}");
    } else if (settings.IsMap()) {
      StepReader cr(settings, absl::StrCat(r.context(), ", column '", c.column, "'"));
      RETURN_IF_ERROR(cr.CheckKeys({"strategy", "value"}));
      c.strategy = FillStrategy::kValue;
      if (cr.Has("strategy")) {
        ASSIGN_OR_RETURN(c.strategy, strategy_of(cr, cr.Get("strategy")));
      }
      if (c.strategy == FillStrategy::kValue) {
        if (!cr.Has("value")) return cr.Error("'value' is required for a constant fill");
        if (cr.Get("value").IsNull()) return cr.Error(cr.Get("value"), "'value' must not be null");
        ASSIGN_OR_RETURN(c.value, cr.Scalar(cr.Get("value"), "'value'"));
      } else if (cr.Has("value")) {
        return cr.Error(cr.Get("value"), "'value' applies only to strategy value");
      }
    } else {
      return r.Error(settings, absl::StrCat("column '", c.column,
                                            "' needs mean, median, mode or {value: ...}"));
    }
    out.columns.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<ClipOutliersStep> ParseClip(const StepReader& r) {
  RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "method", "k", "threshold", "action"}));
  ClipOutliersStep out;
  ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
  ASSIGN_OR_RETURN(out.method,
                   r.Choice<OutlierMethod>(
                       "method", {{"iqr", OutlierMethod::kIqr}, {"zscore", OutlierMethod::kZScore}},
                       OutlierMethod::kIqr));
  if (out.method == OutlierMethod::kIqr && r.Has("threshold")) {
    return r.Error(r.Get("threshold"), "'threshold' applies to method zscore; iqr takes 'k'");
  }
  if (out.method == OutlierMethod::kZScore && r.Has("k")) {
    return r.Error(r.Get("k"), "'k' applies to method iqr; zscore takes 'threshold'");
  }
  ASSIGN_OR_RETURN(out.k, r.Number("k", 1.5));
  ASSIGN_OR_RETURN(out.threshold, r.Number("threshold", 3.0));
  if (out.k < 0) return r.Error(r.Get("k"), "'k' must not be negative");
  if (out.threshold <= 0) return r.Error(r.Get("threshold"), "'threshold' must be positive");
  ASSIGN_OR_RETURN(out.action,
                   r.Choice<OutlierAction>("action",
                                           {{"clip", OutlierAction::kClip},
                                            {"quarantine_row", OutlierAction::kQuarantineRow}},
                                           OutlierAction::kClip));
  return out;
}

absl::StatusOr<StringsStep> ParseStrings(const StepReader& r) {
  RETURN_IF_ERROR(
      r.CheckKeys({"rule", "name", "columns", "trim", "collapse_whitespace", "case", "replace"}));
  StringsStep out;
  ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
  ASSIGN_OR_RETURN(out.trim, r.Bool("trim", false));
  ASSIGN_OR_RETURN(out.collapse_whitespace, r.Bool("collapse_whitespace", false));
  ASSIGN_OR_RETURN(out.fold, r.Choice<CaseFold>(
                                 "case", {{"lower", CaseFold::kLower}, {"upper", CaseFold::kUpper}},
                                 CaseFold::kNone));
  if (r.Has("replace")) {
    const YAML::Node replace = r.Get("replace");
    if (!replace.IsMap())
      return r.Error(replace, "'replace' must be a mapping of old value to new value");
    absl::flat_hash_set<std::string> seen;
    for (const auto& kv : replace) {
      ASSIGN_OR_RETURN(std::string from, r.Scalar(kv.first, "a 'replace' key"));
      ASSIGN_OR_RETURN(std::string to, r.Scalar(kv.second, "a 'replace' value"));
      if (!seen.insert(from).second)
        return r.Error(kv.first, absl::StrCat("'", from, "' replaced twice"));
      out.replace.emplace_back(std::move(from), std::move(to));
    }
  }
  if (!out.trim && !out.collapse_whitespace && out.fold == CaseFold::kNone && out.replace.empty()) {
    return r.Error("nothing to do: give trim, collapse_whitespace, case or replace");
  }
  return out;
}

absl::StatusOr<RangeStep> ParseRange(const StepReader& r, const YAML::Node& step) {
  RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "min", "max", "on_error"}));
  RangeStep out;
  ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
  ASSIGN_OR_RETURN(out.on_error, r.OnErrorPolicy(step, OnError::kQuarantineRow));
  if (r.Has("min")) {
    ASSIGN_OR_RETURN(out.min, r.Scalar(r.Get("min"), "'min'"));
  }
  if (r.Has("max")) {
    ASSIGN_OR_RETURN(out.max, r.Scalar(r.Get("max"), "'max'"));
  }
  if (!out.min && !out.max) return r.Error("give 'min', 'max' or both");
  return out;
}

absl::StatusOr<CleanRule> ParseRule(const std::string& rule, const StepReader& r,
                                    const YAML::Node& step) {
  if (rule == "coerce") return ParseCoerce(r, step);
  if (rule == "drop_nulls") {
    RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns"}));
    DropNullsStep out;
    ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/false));
    return out;
  }
  if (rule == "fill_nulls") return ParseFillNulls(r);
  if (rule == "dedup") {
    RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "keys", "keep"}));
    DedupStep out;
    ASSIGN_OR_RETURN(out.keys, r.Names("keys", /*required=*/false));
    ASSIGN_OR_RETURN(
        out.keep,
        r.Choice<DedupKeep>("keep", {{"first", DedupKeep::kFirst}, {"last", DedupKeep::kLast}},
                            DedupKeep::kFirst));
    return out;
  }
  if (rule == "clip_outliers") return ParseClip(r);
  if (rule == "strings") return ParseStrings(r);
  if (rule == "range") return ParseRange(r, step);
  if (rule == "allowed") {
    RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "in", "on_error"}));
    AllowedStep out;
    ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
    ASSIGN_OR_RETURN(out.on_error, r.OnErrorPolicy(step, OnError::kQuarantineRow));
    const YAML::Node in = r.Get("in");
    if (!in) return r.Error("'in' is required");
    if (!in.IsSequence() || in.size() == 0)
      return r.Error(in, "'in' must be a non-empty list of values");
    for (const YAML::Node& v : in) {
      ASSIGN_OR_RETURN(std::string value, r.Scalar(v, "an entry of 'in'"));
      out.values.push_back(std::move(value));
    }
    return out;
  }
  if (rule == "not_empty") {
    RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "on_error"}));
    NotEmptyStep out;
    ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
    ASSIGN_OR_RETURN(out.on_error, r.OnErrorPolicy(step, OnError::kQuarantineRow));
    return out;
  }
  if (rule == "max_length") {
    RETURN_IF_ERROR(r.CheckKeys({"rule", "name", "columns", "max", "on_error"}));
    MaxLengthStep out;
    ASSIGN_OR_RETURN(out.columns, r.Names("columns", /*required=*/true));
    ASSIGN_OR_RETURN(out.on_error, r.OnErrorPolicy(step, OnError::kQuarantineRow));
    const YAML::Node max = r.Get("max");
    if (!max) return r.Error("'max' is required");
    int64_t value = 0;
    if (!max.IsScalar() || !YAML::convert<int64_t>::decode(max, value) || value < 0) {
      return r.Error(max, "'max' must be a non-negative integer");
    }
    out.max = value;
    return out;
  }
  return r.Error(r.Get("rule"), absl::StrCat("unknown rule '", rule,
                                             "' (known: coerce, drop_nulls, fill_nulls, dedup, "
                                             "clip_outliers, strings, range, allowed, not_empty, "
                                             "max_length)"));
}

absl::StatusOr<CleanSpec> ParseDocument(const YAML::Node& root) {
  if (!root.IsMap()) {
    return ErrorAt(Where(root),
                   absl::StrCat("the spec must be a mapping with 'steps', not ", KindName(root)));
  }
  StepReader top(root, "spec");
  RETURN_IF_ERROR(top.CheckKeys({"version", "steps"}));
  if (top.Has("version")) {
    const YAML::Node v = top.Get("version");
    if (!v.IsScalar() || v.Scalar() != "1") return top.Error(v, "'version' must be 1");
  }
  const YAML::Node steps = root["steps"];
  if (!steps) return top.Error("'steps' is required");
  if (!steps.IsSequence() || steps.size() == 0)
    return top.Error(steps, "'steps' must be a non-empty list");
  CleanSpec spec;
  int index = 0;
  for (const YAML::Node& node : steps) {
    ++index;
    if (!node.IsMap()) {
      return ErrorAt(
          Where(node),
          absl::StrCat("step ", index, " must be a mapping with 'rule', not ", KindName(node)));
    }
    const YAML::Node rule_node = node["rule"];
    if (!rule_node)
      return ErrorAt(Where(node), absl::StrCat("step ", index, ": 'rule' is required"));
    if (!rule_node.IsScalar()) {
      return ErrorAt(Where(rule_node),
                     absl::StrCat("step ", index, ": 'rule' must be a rule name"));
    }
    const std::string rule = rule_node.Scalar();
    StepReader r(node, absl::StrCat("step ", index, " (", rule, ")"));
    CleanStep step;
    step.where = Where(node);
    if (r.Has("name")) {
      ASSIGN_OR_RETURN(step.name, r.Scalar(r.Get("name"), "'name'"));
    }
    ASSIGN_OR_RETURN(step.rule, ParseRule(rule, r, node));
    spec.steps.push_back(std::move(step));
  }
  return spec;
}

}  // namespace

std::string_view CleanRuleName(const CleanRule& rule) {
  static constexpr std::string_view kNames[] = {
      "coerce",  "drop_nulls", "fill_nulls", "dedup",     "clip_outliers",
      "strings", "range",      "allowed",    "not_empty", "max_length"};
  static_assert(std::variant_size_v<CleanRule> == std::size(kNames));
  return kNames[rule.index()];
}

absl::StatusOr<CleanSpec> ParseCleanSpec(std::string_view yaml_text) {
  if (yaml_text.size() > kMaxSpecBytes) {
    return absl::InvalidArgumentError(absl::StrCat("clean spec: ", yaml_text.size(),
                                                   " bytes is over the limit of ", kMaxSpecBytes));
  }
  if (yaml_text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("clean spec: a NUL byte at offset ", yaml_text.find('\0')));
  }
  // YAML is Unicode text; rejecting other bytes here keeps them out of messages and reports.
  if (const size_t bad = io::InvalidUtf8At(yaml_text); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("clean spec: invalid UTF-8 at byte offset ", bad));
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    return ParseDocument(root);
  } catch (const YAML::DeepRecursion& e) {
    return ErrorAt(SpecLocation{e.mark.line + 1, e.mark.column + 1}, "nested too deeply");
  } catch (const YAML::Exception& e) {
    // e.msg without yaml-cpp's own "error at line ..." prefix: we give the position once.
    return ErrorAt(SpecLocation{e.mark.line + 1, e.mark.column + 1}, e.msg);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("clean spec: ", e.what()));
  }
}

}  // namespace strata::data
