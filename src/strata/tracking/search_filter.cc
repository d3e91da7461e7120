#include "strata/tracking/search_filter.h"

#include <cmath>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::tracking {
namespace {

// Echoed filters are clipped so an error message stays readable for huge inputs.
std::string Clip(std::string_view s) {
  constexpr size_t kMax = 500;
  if (s.size() <= kMax) return std::string(s);
  return absl::StrCat(AsAbsl(s.substr(0, kMax)), "...");
}

enum class TokenKind { kWord, kIdent, kString, kNumber, kOp, kLParen, kRParen, kComma, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // kWord: the word; kIdent: prefix; kString: decoded text; kNumber/kOp: as written.
  std::string text;
  std::string key;  // kIdent only
  double number = 0;
  size_t offset = 0;
  size_t length = 0;
};

bool IsWordStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsKeyChar(char c) { return IsWordChar(c) || c == '.' || c == ':' || c == '/' || c == '-'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(std::string_view input, std::string_view what) : in_(input), what_(what) {}

  absl::Status Error(std::string_view detail, size_t offset) const {
    return absl::InvalidArgumentError(absl::StrCat("Invalid ", AsAbsl(what_), " '", Clip(in_),
                                                   "': ", AsAbsl(detail), " at offset ", offset));
  }

  // The next token; kEnd at the end of input. Lexing is lazy so the first problem in reading
  // order is the one reported.
  absl::StatusOr<Token> NextToken() {
    while (pos_ < in_.size() && absl::ascii_isspace(static_cast<unsigned char>(in_[pos_]))) {
      ++pos_;
    }
    if (pos_ >= in_.size()) {
      Token end;
      end.kind = TokenKind::kEnd;
      end.offset = in_.size();
      return end;
    }
    return Next();
  }

 private:
  // A quoted run starting at pos_ (the quote). A doubled quote or a backslash escapes.
  absl::StatusOr<std::string> Quoted() {
    size_t start = pos_;
    char q = in_[pos_++];
    std::string out;
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (c == '\\' && pos_ + 1 < in_.size()) {
        out.push_back(in_[pos_ + 1]);
        pos_ += 2;
        continue;
      }
      if (c == q) {
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] == q) {
          out.push_back(q);
          pos_ += 2;
          continue;
        }
        ++pos_;
        return out;
      }
      out.push_back(c);
      ++pos_;
    }
    return Error("unterminated quoted string", start);
  }

  absl::StatusOr<Token> Next() {
    Token t;
    t.offset = pos_;
    char c = in_[pos_];
    auto peek = [&](size_t i) { return pos_ + i < in_.size() ? in_[pos_ + i] : '\0'; };
    if (IsWordStart(c)) {
      size_t s = pos_;
      while (pos_ < in_.size() && IsWordChar(in_[pos_])) ++pos_;
      t.text = std::string(in_.substr(s, pos_ - s));
      t.kind = TokenKind::kWord;
      if (pos_ < in_.size() && in_[pos_] == '.') {
        ++pos_;
        t.kind = TokenKind::kIdent;
        char k = peek(0);
        if (k == '`' || k == '"') {
          ASSIGN_OR_RETURN(t.key, Quoted());
        } else {
          size_t ks = pos_;
          while (pos_ < in_.size() && IsKeyChar(in_[pos_])) ++pos_;
          if (pos_ == ks) return Error("expected a key after '.'", pos_);
          t.key = std::string(in_.substr(ks, pos_ - ks));
        }
        if (t.key.empty()) return Error("empty key", t.offset);
        t.text = absl::AsciiStrToLower(t.text);
      }
    } else if (c == '\'' || c == '"') {
      t.kind = TokenKind::kString;
      ASSIGN_OR_RETURN(t.text, Quoted());
    } else if (c == '`') {
      return Error("a backtick-quoted name must follow an entity prefix like 'tags.'", pos_);
    } else if (IsDigit(c) || ((c == '-' || c == '+' || c == '.') &&
                              (IsDigit(peek(1)) || (peek(1) == '.' && IsDigit(peek(2)))))) {
      size_t s = pos_;
      if (c == '-' || c == '+') ++pos_;
      while (pos_ < in_.size() && IsDigit(in_[pos_])) ++pos_;
      if (pos_ < in_.size() && in_[pos_] == '.') {
        ++pos_;
        while (pos_ < in_.size() && IsDigit(in_[pos_])) ++pos_;
      }
      if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
        size_t save = pos_++;
        if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
        if (pos_ < in_.size() && IsDigit(in_[pos_])) {
          while (pos_ < in_.size() && IsDigit(in_[pos_])) ++pos_;
        } else {
          pos_ = save;
        }
      }
      if (pos_ < in_.size() && (IsWordChar(in_[pos_]) || in_[pos_] == '.')) {
        return Error("malformed number", s);
      }
      t.kind = TokenKind::kNumber;
      t.text = std::string(in_.substr(s, pos_ - s));
      std::string digits = t.text[0] == '+' ? t.text.substr(1) : t.text;
      if (!absl::SimpleAtod(digits, &t.number) || !std::isfinite(t.number)) {
        return Error(absl::StrCat("malformed number '", t.text, "'"), s);
      }
    } else if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? TokenKind::kLParen : c == ')' ? TokenKind::kRParen : TokenKind::kComma;
      t.text = std::string(1, c);
      ++pos_;
    } else if (c == '=' || c == '<' || c == '>' || c == '!') {
      t.kind = TokenKind::kOp;
      if ((c == '<' || c == '>' || c == '!') && peek(1) == '=') {
        t.text = std::string(in_.substr(pos_, 2));
        pos_ += 2;
      } else if (c == '!') {
        return Error("unexpected character '!'", pos_);
      } else {
        t.text = std::string(1, c);
        ++pos_;
      }
    } else {
      std::string shown =
          absl::ascii_isprint(static_cast<unsigned char>(c))
              ? std::string(1, c)
              : absl::StrCat("\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      return Error(absl::StrCat("unexpected character '", shown, "'"), pos_);
    }
    t.length = pos_ - t.offset;
    return t;
  }

  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
};

std::string Describe(const Token& t, std::string_view input) {
  if (t.kind == TokenKind::kEnd) return "end of input";
  return absl::StrCat("token '", AsAbsl(input.substr(t.offset, t.length)), "'");
}

bool IsKeyword(const Token& t, std::string_view kw) {
  return t.kind == TokenKind::kWord && absl::EqualsIgnoreCase(t.text, AsAbsl(kw));
}

class Parser {
 public:
  Parser(std::string_view input, Lexer& lexer) : in_(input), lexer_(lexer) {}

  // Reads the first token; call once before Filter() or OrderBy().
  absl::Status Start() { return Advance(); }

  absl::StatusOr<std::vector<FilterTerm>> Filter() {
    std::vector<FilterTerm> out;
    if (Peek().kind == TokenKind::kEnd) return out;
    while (true) {
      ASSIGN_OR_RETURN(FilterTerm term, Comparison());
      out.push_back(std::move(term));
      const Token& t = Peek();
      if (t.kind == TokenKind::kEnd) return out;
      if (IsKeyword(t, "and")) {
        RETURN_IF_ERROR(Advance());
        continue;
      }
      if (IsKeyword(t, "or")) {
        return lexer_.Error("unexpected token 'OR' (only AND is supported)", t.offset);
      }
      return Unexpected(t, "expected AND or end of filter");
    }
  }

  absl::StatusOr<OrderByTerm> OrderBy(FilterTerm* ident) {
    ASSIGN_OR_RETURN(*ident, Identifier());
    OrderByTerm o;
    const Token& t = Peek();
    if (IsKeyword(t, "asc") || IsKeyword(t, "desc")) {
      o.ascending = IsKeyword(t, "asc");
      RETURN_IF_ERROR(Advance());
    }
    if (Peek().kind != TokenKind::kEnd) return Unexpected(Peek(), "expected ASC, DESC or end");
    return o;
  }

 private:
  const Token& Peek() const { return cur_; }

  absl::Status Advance() {
    ASSIGN_OR_RETURN(cur_, lexer_.NextToken());
    return absl::OkStatus();
  }

  absl::Status Unexpected(const Token& t, std::string_view expected) const {
    return lexer_.Error(absl::StrCat("unexpected ", Describe(t, in_), " (", AsAbsl(expected), ")"),
                        t.offset);
  }

  absl::StatusOr<FilterTerm> Identifier() {
    const Token& t = Peek();
    FilterTerm term;
    term.offset = t.offset;
    if (t.kind == TokenKind::kIdent) {
      term.prefix = t.text;
      term.key = t.key;
    } else if (t.kind == TokenKind::kWord && !IsKeyword(t, "and") && !IsKeyword(t, "or") &&
               !IsKeyword(t, "not")) {
      term.key = t.text;
    } else {
      return Unexpected(t, "expected an identifier like metrics.<key>");
    }
    RETURN_IF_ERROR(Advance());
    return term;
  }

  // A single value: a quoted string or a number.
  absl::Status Value(FilterTerm& term) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kString) {
      term.value_kind = FilterValueKind::kString;
      term.text = t.text;
    } else if (t.kind == TokenKind::kNumber) {
      term.value_kind = FilterValueKind::kNumber;
      term.number = t.number;
      term.text = t.text;
    } else {
      return Unexpected(t, "expected a quoted string or a number");
    }
    RETURN_IF_ERROR(Advance());
    return absl::OkStatus();
  }

  absl::Status List(FilterTerm& term) {
    if (Peek().kind != TokenKind::kLParen) return Unexpected(Peek(), "expected '('");
    RETURN_IF_ERROR(Advance());
    term.value_kind = FilterValueKind::kList;
    while (true) {
      const Token& t = Peek();
      if (t.kind != TokenKind::kString && t.kind != TokenKind::kNumber) {
        return Unexpected(t, "expected a quoted string or a number");
      }
      term.list.push_back(t.text);
      RETURN_IF_ERROR(Advance());
      if (Peek().kind == TokenKind::kComma) {
        RETURN_IF_ERROR(Advance());
        continue;
      }
      if (Peek().kind == TokenKind::kRParen) {
        RETURN_IF_ERROR(Advance());
        return absl::OkStatus();
      }
      return Unexpected(Peek(), "expected ',' or ')'");
    }
  }

  absl::StatusOr<FilterTerm> Comparison() {
    ASSIGN_OR_RETURN(FilterTerm term, Identifier());
    const Token& t = Peek();
    if (t.kind == TokenKind::kOp) {
      const std::string& o = t.text;
      term.op = o == "="    ? FilterOp::kEq
                : o == "!=" ? FilterOp::kNe
                : o == "<"  ? FilterOp::kLt
                : o == "<=" ? FilterOp::kLe
                : o == ">"  ? FilterOp::kGt
                            : FilterOp::kGe;
      RETURN_IF_ERROR(Advance());
      RETURN_IF_ERROR(Value(term));
      return term;
    }
    if (IsKeyword(t, "like") || IsKeyword(t, "ilike")) {
      term.op = IsKeyword(t, "like") ? FilterOp::kLike : FilterOp::kILike;
      RETURN_IF_ERROR(Advance());
      if (Peek().kind != TokenKind::kString) {
        return Unexpected(Peek(), "expected a quoted pattern");
      }
      RETURN_IF_ERROR(Value(term));
      return term;
    }
    if (IsKeyword(t, "in")) {
      term.op = FilterOp::kIn;
      RETURN_IF_ERROR(Advance());
      RETURN_IF_ERROR(List(term));
      return term;
    }
    if (IsKeyword(t, "not")) {
      RETURN_IF_ERROR(Advance());
      if (!IsKeyword(Peek(), "in")) return Unexpected(Peek(), "expected IN after NOT");
      RETURN_IF_ERROR(Advance());
      term.op = FilterOp::kNotIn;
      RETURN_IF_ERROR(List(term));
      return term;
    }
    if (IsKeyword(t, "is")) {
      RETURN_IF_ERROR(Advance());
      term.op = FilterOp::kIsNull;
      if (IsKeyword(Peek(), "not")) {
        term.op = FilterOp::kIsNotNull;
        RETURN_IF_ERROR(Advance());
      }
      if (!IsKeyword(Peek(), "null")) return Unexpected(Peek(), "expected NULL");
      RETURN_IF_ERROR(Advance());
      return term;
    }
    return Unexpected(t, "expected a comparison operator");
  }

  std::string_view in_;
  Lexer& lexer_;
  Token cur_;
};

absl::Status TermError(std::string_view filter, const FilterTerm& t, std::string_view detail) {
  return absl::InvalidArgumentError(absl::StrCat("Invalid filter '", Clip(filter),
                                                 "': ", AsAbsl(detail), " at offset ", t.offset));
}

std::string Ident(const FilterTerm& t) {
  return t.prefix.empty() ? t.key : absl::StrCat(t.prefix, ".", t.key);
}

bool IsNumericOp(FilterOp op) {
  return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kLt || op == FilterOp::kLe ||
         op == FilterOp::kGt || op == FilterOp::kGe;
}

bool IsStringOp(FilterOp op) {
  return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kLike ||
         op == FilterOp::kILike;
}

FilterEntity RunEntity(const std::string& prefix) {
  if (prefix == "metric" || prefix == "metrics") return FilterEntity::kMetric;
  if (prefix == "param" || prefix == "params" || prefix == "parameter" || prefix == "parameters") {
    return FilterEntity::kParam;
  }
  if (prefix == "tag" || prefix == "tags") return FilterEntity::kTag;
  if (prefix == "attribute" || prefix == "attributes" || prefix == "attr" || prefix == "run") {
    return FilterEntity::kAttribute;
  }
  if (prefix == "dataset" || prefix == "datasets") return FilterEntity::kDataset;
  return FilterEntity::kUnknown;
}

// Canonical run attribute name, or empty when unknown.
std::string RunAttribute(std::string_view key) {
  std::string k = absl::AsciiStrToLower(AsAbsl(key));
  if (k == "run_id" || k == "run_uuid" || k == "id") return "run_id";
  if (k == "created" || k == "start_time") return "start_time";
  if (k == "run_name" || k == "run name" || k == "status" || k == "user_id" ||
      k == "artifact_uri" || k == "lifecycle_stage" || k == "end_time") {
    return k == "run name" ? "run_name" : k;
  }
  return "";
}

bool IsNumericRunAttribute(std::string_view k) { return k == "start_time" || k == "end_time"; }

absl::Status CheckString(std::string_view filter, const FilterTerm& t, std::string_view what) {
  if (t.value_kind != FilterValueKind::kString) {
    return TermError(filter, t,
                     absl::StrCat("expected a quoted string value for ", AsAbsl(what), " '",
                                  Ident(t), "' (e.g. 'my-value'), got ", t.text));
  }
  return absl::OkStatus();
}

absl::Status CheckNumber(std::string_view filter, const FilterTerm& t, std::string_view what) {
  if (t.value_kind != FilterValueKind::kNumber) {
    return TermError(filter, t,
                     absl::StrCat("expected a numeric value for ", AsAbsl(what), " '", Ident(t),
                                  "', got '", t.text, "'"));
  }
  return absl::OkStatus();
}

absl::Status BadOp(std::string_view filter, const FilterTerm& t, std::string_view allowed) {
  return TermError(filter, t,
                   absl::StrCat("invalid comparator '", AsAbsl(FilterOpName(t.op)), "' for '",
                                Ident(t), "' (allowed: ", AsAbsl(allowed), ")"));
}

absl::Status CheckRunTerm(std::string_view filter, FilterTerm& t) {
  if (t.prefix.empty()) {
    return TermError(filter, t,
                     absl::StrCat("invalid identifier '", t.key,
                                  "': use 'attributes.<key>', 'metrics.<key>', 'params.<key>', "
                                  "'tags.<key>' or 'datasets.<key>'"));
  }
  t.entity = RunEntity(t.prefix);
  bool is_null_op = t.op == FilterOp::kIsNull || t.op == FilterOp::kIsNotNull;
  bool is_list_op = t.op == FilterOp::kIn || t.op == FilterOp::kNotIn;
  switch (t.entity) {
    case FilterEntity::kUnknown:
      return TermError(filter, t, absl::StrCat("invalid entity type '", t.prefix, "'"));
    case FilterEntity::kMetric:
      if (!IsNumericOp(t.op)) return BadOp(filter, t, "=, !=, <, <=, >, >=");
      return CheckNumber(filter, t, "metric");
    case FilterEntity::kParam:
    case FilterEntity::kTag:
      if (is_null_op) return absl::OkStatus();
      if (!IsStringOp(t.op)) return BadOp(filter, t, "=, !=, LIKE, ILIKE, IS NULL, IS NOT NULL");
      return CheckString(filter, t, t.entity == FilterEntity::kParam ? "param" : "tag");
    case FilterEntity::kAttribute: {
      std::string canon = RunAttribute(t.key);
      if (canon.empty()) {
        return TermError(filter, t,
                         absl::StrCat("invalid attribute key '", t.key,
                                      "' (valid: run_id, run_name, status, user_id, "
                                      "artifact_uri, lifecycle_stage, start_time, end_time, "
                                      "created)"));
      }
      t.key = canon;
      if (IsNumericRunAttribute(canon)) {
        if (!IsNumericOp(t.op)) return BadOp(filter, t, "=, !=, <, <=, >, >=");
        return CheckNumber(filter, t, "attribute");
      }
      if (is_list_op) {
        if (canon != "run_id") return BadOp(filter, t, "=, !=, LIKE, ILIKE");
        return absl::OkStatus();
      }
      if (!IsStringOp(t.op)) {
        return BadOp(filter, t,
                     canon == "run_id" ? "=, !=, LIKE, ILIKE, IN, NOT IN" : "=, !=, LIKE, ILIKE");
      }
      return CheckString(filter, t, "attribute");
    }
    case FilterEntity::kDataset: {
      std::string k = absl::AsciiStrToLower(t.key);
      if (k != "name" && k != "digest" && k != "context") {
        return TermError(
            filter, t,
            absl::StrCat("invalid dataset key '", t.key, "' (valid: name, digest, context)"));
      }
      t.key = k;
      if (is_list_op) return absl::OkStatus();
      if (!IsStringOp(t.op)) return BadOp(filter, t, "=, !=, LIKE, ILIKE, IN, NOT IN");
      return CheckString(filter, t, "dataset");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExperimentTerm(std::string_view filter, FilterTerm& t) {
  bool attr =
      t.prefix.empty() || t.prefix == "attribute" || t.prefix == "attributes" || t.prefix == "attr";
  if (t.prefix == "tag" || t.prefix == "tags") {
    t.entity = FilterEntity::kTag;
    if (!IsStringOp(t.op)) return BadOp(filter, t, "=, !=, LIKE, ILIKE");
    return CheckString(filter, t, "tag");
  }
  if (!attr) return TermError(filter, t, absl::StrCat("invalid entity type '", t.prefix, "'"));
  t.entity = FilterEntity::kAttribute;
  std::string k = absl::AsciiStrToLower(t.key);
  if (k == "name") {
    t.key = k;
    if (!IsStringOp(t.op)) return BadOp(filter, t, "=, !=, LIKE, ILIKE");
    return CheckString(filter, t, "attribute");
  }
  if (k == "creation_time" || k == "last_update_time") {
    t.key = k;
    if (!IsNumericOp(t.op)) return BadOp(filter, t, "=, !=, <, <=, >, >=");
    return CheckNumber(filter, t, "attribute");
  }
  return TermError(filter, t,
                   absl::StrCat("invalid attribute key '", t.key,
                                "' (valid: name, creation_time, last_update_time)"));
}

absl::StatusOr<OrderByTerm> ParseOrderBy(std::string_view order_by, FilterTerm* ident) {
  Lexer lexer(order_by, "order_by clause");
  Parser parser(order_by, lexer);
  RETURN_IF_ERROR(parser.Start());
  return parser.OrderBy(ident);
}

absl::Status OrderError(std::string_view order_by, std::string_view detail) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid order_by clause '", Clip(order_by), "': ", AsAbsl(detail)));
}

}  // namespace

std::string_view FilterOpName(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "=";
    case FilterOp::kNe:
      return "!=";
    case FilterOp::kLt:
      return "<";
    case FilterOp::kLe:
      return "<=";
    case FilterOp::kGt:
      return ">";
    case FilterOp::kGe:
      return ">=";
    case FilterOp::kLike:
      return "LIKE";
    case FilterOp::kILike:
      return "ILIKE";
    case FilterOp::kIn:
      return "IN";
    case FilterOp::kNotIn:
      return "NOT IN";
    case FilterOp::kIsNull:
      return "IS NULL";
    case FilterOp::kIsNotNull:
      return "IS NOT NULL";
  }
  return "?";
}

absl::StatusOr<std::vector<FilterTerm>> ParseFilterExpression(std::string_view filter) {
  Lexer lexer(filter, "filter");
  Parser parser(filter, lexer);
  RETURN_IF_ERROR(parser.Start());
  return parser.Filter();
}

absl::StatusOr<std::vector<FilterTerm>> ParseRunFilter(std::string_view filter) {
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseFilterExpression(filter));
  for (FilterTerm& t : terms) RETURN_IF_ERROR(CheckRunTerm(filter, t));
  return terms;
}

absl::StatusOr<std::vector<FilterTerm>> ParseExperimentFilter(std::string_view filter) {
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseFilterExpression(filter));
  for (FilterTerm& t : terms) RETURN_IF_ERROR(CheckExperimentTerm(filter, t));
  return terms;
}

absl::StatusOr<OrderByTerm> ParseRunOrderBy(std::string_view order_by) {
  FilterTerm ident;
  ASSIGN_OR_RETURN(OrderByTerm o, ParseOrderBy(order_by, &ident));
  o.key = ident.key;
  o.entity = ident.prefix.empty() ? FilterEntity::kAttribute : RunEntity(ident.prefix);
  if (o.entity == FilterEntity::kUnknown || o.entity == FilterEntity::kDataset) {
    return OrderError(order_by, absl::StrCat("invalid entity type '", ident.prefix, "'"));
  }
  if (o.entity == FilterEntity::kAttribute) {
    std::string canon = RunAttribute(ident.key);
    if (canon.empty()) {
      return OrderError(order_by, absl::StrCat("invalid attribute key '", ident.key, "'"));
    }
    o.key = canon;
  }
  return o;
}

absl::StatusOr<OrderByTerm> ParseExperimentOrderBy(std::string_view order_by) {
  FilterTerm ident;
  ASSIGN_OR_RETURN(OrderByTerm o, ParseOrderBy(order_by, &ident));
  if (!ident.prefix.empty() && ident.prefix != "attribute" && ident.prefix != "attributes" &&
      ident.prefix != "attr") {
    return OrderError(order_by, absl::StrCat("invalid entity type '", ident.prefix, "'"));
  }
  std::string k = absl::AsciiStrToLower(ident.key);
  if (k != "name" && k != "experiment_id" && k != "creation_time" && k != "last_update_time") {
    return OrderError(order_by, absl::StrCat("invalid attribute key '", ident.key,
                                             "' (valid: name, experiment_id, creation_time, "
                                             "last_update_time)"));
  }
  o.entity = FilterEntity::kAttribute;
  o.key = k;
  return o;
}

}  // namespace strata::tracking
