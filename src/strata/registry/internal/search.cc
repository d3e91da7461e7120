#include "strata/registry/internal/search.h"

#include <cctype>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::registry::internal {
namespace {

enum class TokenKind { kWord, kString, kBacktick, kOp, kLParen, kRParen, kComma, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // unquoted text for strings
  size_t offset = 0;
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
         c == '/' || c == '-';
}

class Parser {
 public:
  Parser(std::string_view filter, Dialect dialect) : filter_(filter), dialect_(dialect) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    RETURN_IF_ERROR(Lex());
    std::vector<FilterTerm> terms;
    if (Peek().kind == TokenKind::kEnd) return terms;
    while (true) {
      ASSIGN_OR_RETURN(FilterTerm term, Comparison());
      terms.push_back(std::move(term));
      const Token& t = Peek();
      if (t.kind == TokenKind::kEnd) break;
      if (t.kind != TokenKind::kWord || !absl::EqualsIgnoreCase(t.text, "and")) {
        return Error(
            absl::StrCat("expected AND or the end of the filter, found '", Describe(t), "'"),
            t.offset);
      }
      Next();
    }
    return terms;
  }

 private:
  absl::Status Error(std::string_view what, size_t offset) const {
    return absl::InvalidArgumentError(absl::StrCat("Invalid filter '", AsAbsl(filter_),
                                                   "': ", AsAbsl(what), " at offset ", offset));
  }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::kEnd:
        return "end of filter";
      case TokenKind::kString:
        return absl::StrCat("'", t.text, "'");
      default:
        return t.text;
    }
  }

  absl::Status Lex() {
    size_t i = 0;
    const size_t n = filter_.size();
    while (i < n) {
      char c = filter_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.offset = i;
      if (c == '\'' || c == '"' || c == '`') {
        t.kind = c == '`' ? TokenKind::kBacktick : TokenKind::kString;
        size_t j = i + 1;
        bool closed = false;
        while (j < n) {
          char d = filter_[j];
          if (d == '\\' && j + 1 < n) {
            t.text.push_back(filter_[j + 1]);
            j += 2;
          } else if (d == c && j + 1 < n && filter_[j + 1] == c) {
            t.text.push_back(c);
            j += 2;
          } else if (d == c) {
            closed = true;
            ++j;
            break;
          } else {
            t.text.push_back(d);
            ++j;
          }
        }
        if (!closed) return Error("unterminated quoted string", i);
        i = j;
      } else if (c == '(' || c == ')' || c == ',') {
        t.kind =
            c == '(' ? TokenKind::kLParen : (c == ')' ? TokenKind::kRParen : TokenKind::kComma);
        t.text = std::string(1, c);
        ++i;
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        t.kind = TokenKind::kOp;
        size_t len = 1;
        if (i + 1 < n && (filter_[i + 1] == '=' || (c == '<' && filter_[i + 1] == '>'))) len = 2;
        t.text = std::string(filter_.substr(i, len));
        if (t.text == "!") return Error("unexpected character '!'", i);
        i += len;
      } else if (IsWordChar(c)) {
        size_t j = i;
        while (j < n && IsWordChar(filter_[j])) ++j;
        t.kind = TokenKind::kWord;
        t.text = std::string(filter_.substr(i, j - i));
        i = j;
      } else {
        return Error(absl::StrCat("unexpected character '", std::string(1, c), "'"), i);
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.offset = n;
    tokens_.push_back(end);
    return absl::OkStatus();
  }

  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  absl::StatusOr<FilterTerm> Comparison() {
    FilterTerm term;
    const Token& field = Next();
    term.offset = field.offset;
    if (field.kind != TokenKind::kWord) {
      return Error(
          absl::StrCat("expected an attribute or tags.<key>, found '", Describe(field), "'"),
          field.offset);
    }
    std::string lower = absl::AsciiStrToLower(field.text);
    if (absl::StartsWith(lower, "tags.") || absl::StartsWith(lower, "tag.")) {
      term.field = FilterField::kTag;
      term.tag_key = field.text.substr(field.text.find('.') + 1);
      if (term.tag_key.empty()) {
        const Token& key = Peek();
        if (key.kind == TokenKind::kString || key.kind == TokenKind::kBacktick) {
          term.tag_key = Next().text;
        }
      }
      if (term.tag_key.empty()) return Error("missing tag key after 'tags.'", field.offset);
    } else {
      std::optional<FilterField> f = AttributeField(lower);
      if (!f) {
        return Error(absl::StrCat("invalid attribute '", field.text, "'; expected one of ",
                                  dialect_ == Dialect::kRegisteredModels
                                      ? "name, tags.<key>"
                                      : "name, run_id, source_path, version_number, tags.<key>"),
                     field.offset);
      }
      term.field = *f;
    }
    const Token& op = Next();
    ASSIGN_OR_RETURN(term.op, Operator(op));
    if (!OpAllowed(term.field, term.op)) {
      return Error(absl::StrCat("operator '", op.text, "' is not supported for '", field.text, "'"),
                   op.offset);
    }
    if (term.op == FilterOp::kIn || term.op == FilterOp::kNotIn) {
      const Token& open = Next();
      if (open.kind != TokenKind::kLParen) {
        return Error(absl::StrCat("expected '(' after IN, found '", Describe(open), "'"),
                     open.offset);
      }
      while (true) {
        ASSIGN_OR_RETURN(std::string v, Value(term.field));
        term.values.push_back(std::move(v));
        const Token& sep = Next();
        if (sep.kind == TokenKind::kRParen) break;
        if (sep.kind != TokenKind::kComma) {
          return Error(absl::StrCat("expected ',' or ')', found '", Describe(sep), "'"),
                       sep.offset);
        }
      }
    } else {
      ASSIGN_OR_RETURN(std::string v, Value(term.field));
      term.values.push_back(std::move(v));
    }
    return term;
  }

  std::optional<FilterField> AttributeField(std::string_view lower) const {
    if (lower == "name") return FilterField::kName;
    if (dialect_ == Dialect::kRegisteredModels) return std::nullopt;
    if (lower == "run_id") return FilterField::kRunId;
    if (lower == "source_path") return FilterField::kSourcePath;
    if (lower == "version_number") return FilterField::kVersionNumber;
    return std::nullopt;
  }

  absl::StatusOr<FilterOp> Operator(const Token& t) {
    if (t.kind == TokenKind::kOp) {
      if (t.text == "=") return FilterOp::kEq;
      if (t.text == "!=" || t.text == "<>") return FilterOp::kNe;
      if (t.text == "<") return FilterOp::kLt;
      if (t.text == "<=") return FilterOp::kLe;
      if (t.text == ">") return FilterOp::kGt;
      if (t.text == ">=") return FilterOp::kGe;
    } else if (t.kind == TokenKind::kWord) {
      if (absl::EqualsIgnoreCase(t.text, "like")) return FilterOp::kLike;
      if (absl::EqualsIgnoreCase(t.text, "ilike")) return FilterOp::kILike;
      if (absl::EqualsIgnoreCase(t.text, "in")) return FilterOp::kIn;
      if (absl::EqualsIgnoreCase(t.text, "not") && Peek().kind == TokenKind::kWord &&
          absl::EqualsIgnoreCase(Peek().text, "in")) {
        Next();
        return FilterOp::kNotIn;
      }
    }
    return Error(absl::StrCat("expected a comparison operator, found '", Describe(t), "'"),
                 t.offset);
  }

  static bool OpAllowed(FilterField field, FilterOp op) {
    switch (field) {
      case FilterField::kName:
        return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kLike ||
               op == FilterOp::kILike || op == FilterOp::kIn || op == FilterOp::kNotIn;
      case FilterField::kRunId:
        return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kIn ||
               op == FilterOp::kNotIn;
      case FilterField::kSourcePath:
      case FilterField::kTag:
        return op == FilterOp::kEq || op == FilterOp::kNe || op == FilterOp::kLike ||
               op == FilterOp::kILike;
      case FilterField::kVersionNumber:
        return op != FilterOp::kLike && op != FilterOp::kILike;
    }
    return false;
  }

  absl::StatusOr<std::string> Value(FilterField field) {
    const Token& t = Next();
    if (field == FilterField::kVersionNumber) {
      int64_t n = 0;
      if ((t.kind == TokenKind::kWord || t.kind == TokenKind::kString) &&
          absl::SimpleAtoi(t.text, &n)) {
        return absl::StrCat(n);
      }
      return Error(absl::StrCat("expected an integer version number, found '", Describe(t), "'"),
                   t.offset);
    }
    if (t.kind != TokenKind::kString) {
      return Error(absl::StrCat("expected a quoted string value, found '", Describe(t), "'"),
                   t.offset);
    }
    return t.text;
  }

  std::string_view filter_;
  Dialect dialect_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

std::string_view OpSql(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return " = ?";
    case FilterOp::kNe:
      return " <> ?";
    case FilterOp::kLt:
      return " < ?";
    case FilterOp::kLe:
      return " <= ?";
    case FilterOp::kGt:
      return " > ?";
    case FilterOp::kGe:
      return " >= ?";
    case FilterOp::kLike:
    case FilterOp::kILike:
      return " LIKE ?";
    case FilterOp::kIn:
      return " IN ";
    case FilterOp::kNotIn:
      return " NOT IN ";
  }
  return " = ?";
}

// `column <op> ?` with values bound; ILIKE compares lower-cased on both sides.
void AppendComparison(std::string_view column, const FilterTerm& term, bool numeric,
                      SqlFragment& out) {
  auto bind = [&](const std::string& v) {
    int64_t n = 0;
    if (numeric && absl::SimpleAtoi(v, &n)) {
      out.params.emplace_back(n);
    } else {
      out.params.emplace_back(v);
    }
  };
  if (term.op == FilterOp::kILike) {
    absl::StrAppend(&out.sql, "LOWER(", AsAbsl(column), ") LIKE LOWER(?)");
    bind(term.values[0]);
    return;
  }
  absl::StrAppend(&out.sql, AsAbsl(column), AsAbsl(OpSql(term.op)));
  if (term.op == FilterOp::kIn || term.op == FilterOp::kNotIn) {
    std::vector<std::string> marks(term.values.size(), "?");
    absl::StrAppend(&out.sql, "(", absl::StrJoin(marks, ", "), ")");
    for (const std::string& v : term.values) bind(v);
  } else {
    bind(term.values[0]);
  }
}

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(std::string_view filter, Dialect dialect) {
  return Parser(filter, dialect).Parse();
}

SqlFragment FilterToSql(const std::vector<FilterTerm>& terms, Dialect dialect) {
  SqlFragment out;
  const bool models = dialect == Dialect::kRegisteredModels;
  const std::string_view t = models ? "m" : "v";
  for (const FilterTerm& term : terms) {
    out.sql += " AND ";
    switch (term.field) {
      case FilterField::kName:
        AppendComparison(absl::StrCat(AsAbsl(t), ".name"), term, false, out);
        break;
      case FilterField::kRunId:
        AppendComparison("v.run_id", term, false, out);
        break;
      case FilterField::kSourcePath:
        AppendComparison("v.source", term, false, out);
        break;
      case FilterField::kVersionNumber:
        AppendComparison("v.version", term, true, out);
        break;
      case FilterField::kTag:
        // The tag must exist with a matching value (MLflow's semantics, also for !=).
        out.sql += models ? "EXISTS (SELECT 1 FROM registered_model_tags tg WHERE tg.name = m.name"
                          : "EXISTS (SELECT 1 FROM model_version_tags tg WHERE tg.name = v.name "
                            "AND tg.version = v.version";
        out.sql += " AND tg.key = ? AND ";
        out.params.emplace_back(term.tag_key);
        AppendComparison("tg.value", term, false, out);
        out.sql += ")";
        break;
    }
  }
  return out;
}

absl::StatusOr<std::string> OrderByToSql(const std::vector<std::string>& order_by,
                                         Dialect dialect) {
  const bool models = dialect == Dialect::kRegisteredModels;
  const std::string t = models ? "m" : "v";
  std::vector<std::string> parts;
  bool has_name = false;
  bool has_version = false;
  for (const std::string& clause : order_by) {
    std::vector<std::string> words =
        absl::StrSplit(clause, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    auto bad = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid order_by clause '", clause, "': ", AsAbsl(why),
                       models ? ". Valid keys are name, creation_timestamp, last_updated_timestamp."
                              : ". Valid keys are name, version_number, creation_timestamp, "
                                "last_updated_timestamp."));
    };
    if (words.empty() || words.size() > 2) return bad("expected '<key> [ASC|DESC]'");
    std::string key = absl::AsciiStrToLower(words[0]);
    if (absl::StartsWith(key, "attribute.")) key = key.substr(10);
    std::string column;
    if (key == "name") {
      column = t + ".name";
      has_name = true;
    } else if (key == "creation_timestamp") {
      column = t + ".creation_timestamp";
    } else if (key == "last_updated_timestamp" || key == "timestamp") {
      column = t + ".last_updated_timestamp";
    } else if (!models && key == "version_number") {
      column = "v.version";
      has_version = true;
    } else {
      return bad(absl::StrCat("unknown key '", words[0], "'"));
    }
    std::string dir = "ASC";
    if (words.size() == 2) {
      dir = absl::AsciiStrToUpper(words[1]);
      if (dir != "ASC" && dir != "DESC") {
        return bad(absl::StrCat("unknown direction '", words[1], "'"));
      }
    }
    parts.push_back(absl::StrCat(column, " ", dir));
  }
  if (parts.empty() && !models) parts.push_back("v.last_updated_timestamp DESC");
  if (!has_name) parts.push_back(t + ".name ASC");
  if (!models && !has_version) parts.push_back("v.version DESC");
  return absl::StrJoin(parts, ", ");
}

std::string EncodePageToken(int64_t position) {
  return absl::WebSafeBase64Escape(absl::StrCat("p", position));
}

absl::StatusOr<int64_t> DecodePageToken(std::string_view token) {
  std::string raw;
  int64_t position = 0;
  if (!absl::WebSafeBase64Unescape(AsAbsl(token), &raw) || raw.size() < 2 || raw[0] != 'p' ||
      !absl::SimpleAtoi(absl::string_view(raw).substr(1), &position) || position < 0) {
    return absl::InvalidArgumentError(absl::StrCat("Invalid page token '", AsAbsl(token), "'"));
  }
  return position;
}

absl::Status CheckMaxResults(int64_t max_results, int64_t limit) {
  if (max_results < 1 || max_results > limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid value for request parameter max_results. It must be between 1 and ",
                     limit, ", but got value ", max_results));
  }
  return absl::OkStatus();
}

}  // namespace strata::registry::internal
