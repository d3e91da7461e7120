#include "strata/data/transforms.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/data/internal/column_transform.h"
#include "strata/data/internal/spec_reader.h"

namespace strata::data {

using internal::Json;
using internal::SpecReader;

namespace {

constexpr char kFormat[] = "strata.transform_pipeline";
constexpr int64_t kFormatVersion = 1;

std::string ColumnList(const table::Schema& schema) {
  std::vector<std::string> names;
  for (const table::Field& f : schema.fields()) names.push_back(f.name);
  return absl::StrJoin(names, ", ");
}

}  // namespace

// One step: its kind, its input columns, and a fitted transformer per column with the
// fields that replace it.
struct TransformPipeline::Step {
  std::string kind;
  std::string where;  // "step 2 (one_hot)"
  std::vector<std::string> columns;
  std::vector<std::unique_ptr<internal::ColumnTransform>> transforms;  // one per column
  std::vector<std::string> column_where;                               // "... column 'city'"
  std::vector<std::vector<table::Field>> outputs;                      // after fit or load

  // Position of `name` among the step's columns, or -1.
  int IndexOf(std::string_view name) const {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return static_cast<int>(i);
    }
    return -1;
  }
  void DeriveOutputs() {
    outputs.clear();
    for (size_t i = 0; i < columns.size(); ++i) outputs.push_back(transforms[i]->OutputFields(columns[i]));
  }
};

TransformPipeline::TransformPipeline() = default;
TransformPipeline::~TransformPipeline() = default;
TransformPipeline::TransformPipeline(TransformPipeline&&) noexcept = default;
TransformPipeline& TransformPipeline::operator=(TransformPipeline&&) noexcept = default;

absl::StatusOr<TransformPipeline> TransformPipeline::FromSpecJson(std::string_view text) {
  ASSIGN_OR_RETURN(Json root, internal::ParseJsonText(text, "transform spec"));
  return FromParsed(root, /*fitted=*/false);
}

absl::StatusOr<TransformPipeline> TransformPipeline::FromSpecYaml(std::string_view text) {
  ASSIGN_OR_RETURN(Json root, internal::ParseYamlText(text, "transform spec"));
  return FromParsed(root, /*fitted=*/false);
}

absl::StatusOr<TransformPipeline> TransformPipeline::FromJson(std::string_view text) {
  ASSIGN_OR_RETURN(Json root, internal::ParseJsonText(text, "fitted pipeline"));
  return FromParsed(root, /*fitted=*/true);
}

absl::StatusOr<TransformPipeline> TransformPipeline::FromParsed(const nlohmann::json& root,
                                                                bool fitted) {
  SpecReader top(root, fitted ? "fitted pipeline" : "transform spec");
  if (fitted) {
    top.String("format", std::nullopt, {kFormat});
    const int64_t version = top.Int("format_version", std::nullopt, 1);
    if (version != kFormatVersion) {
      top.Fail("format_version", absl::StrCat("version ", version, " is not supported (this build reads ",
                                              kFormatVersion, ")"));
    }
  }
  const Json* steps = top.Raw("steps");
  if (steps != nullptr && !steps->is_array()) top.Fail("steps", "expected an array of steps");
  RETURN_IF_ERROR(top.Finish());

  TransformPipeline pipeline;
  for (size_t i = 0; i < steps->size(); ++i) {
    const Json& s = (*steps)[i];
    auto step = std::make_unique<Step>();
    std::string label = absl::StrCat("step ", i + 1);
    if (s.is_object() && s.contains("kind") && s["kind"].is_string()) {
      step->kind = s["kind"].get<std::string>();
      absl::StrAppend(&label, " (", step->kind, ")");
    }
    step->where = label;
    SpecReader r(s, label);
    r.String("kind", std::nullopt);
    step->columns = r.Strings("columns");
    if (r.Has("columns") && step->columns.empty()) r.Fail("columns", "is empty");
    absl::flat_hash_set<std::string> seen;
    for (const std::string& c : step->columns) {
      if (c.empty()) r.Fail("columns", "a column name is empty");
      if (!seen.insert(c).second) r.Fail("columns", absl::StrCat("'", c, "' appears twice"));
    }
    RETURN_IF_ERROR(r.status());
    for (const std::string& c : step->columns) {
      ASSIGN_OR_RETURN(std::unique_ptr<internal::ColumnTransform> t,
                       internal::MakeColumnTransform(step->kind, r));
      RETURN_IF_ERROR(r.status());
      step->transforms.push_back(std::move(t));
      step->column_where.push_back(absl::StrCat(label, " column '", c, "'"));
    }
    const Json* state = fitted ? r.Raw("fitted") : nullptr;
    if (fitted && state != nullptr && !state->is_object()) r.Fail("fitted", "expected an object keyed by column");
    RETURN_IF_ERROR(r.Finish());
    if (fitted) {
      for (size_t c = 0; c < step->columns.size(); ++c) {
        auto it = state->find(step->columns[c]);
        if (it == state->end()) {
          return absl::InvalidArgumentError(absl::StrCat(
              label, ": field 'fitted': no state for column '", step->columns[c], "'"));
        }
        SpecReader column_state(*it, absl::StrCat(step->column_where[c], " fitted"));
        RETURN_IF_ERROR(step->transforms[c]->LoadState(column_state));
        RETURN_IF_ERROR(column_state.Finish());
      }
      if (state->size() != step->columns.size()) {
        for (auto it = state->begin(); it != state->end(); ++it) {
          if (step->IndexOf(it.key()) < 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                label, ": field 'fitted': state for '", it.key(), "', which is not a step column"));
          }
        }
      }
      step->DeriveOutputs();
    }
    pipeline.steps_.push_back(std::move(step));
  }
  pipeline.fitted_ = fitted;
  return pipeline;
}

absl::Status TransformPipeline::Fit(const table::Table& data, std::string_view target) {
  fitted_ = false;
  table::Table current = data;
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& step = *steps_[i];
    const table::Column* target_column = nullptr;
    if (step.transforms.front()->needs_target()) {
      if (target.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(step.where, ": needs a target column; none was given"));
      }
      absl::StatusOr<const table::Column*> t = current.ColumnByName(target);
      if (!t.ok()) {
        return absl::NotFoundError(absl::StrCat(step.where, ": target column '", AsAbsl(target),
                                                "' is not in the input (columns: ",
                                                ColumnList(current.schema()), ")"));
      }
      target_column = *t;
    }
    for (size_t c = 0; c < step.columns.size(); ++c) {
      absl::StatusOr<const table::Column*> column = current.ColumnByName(step.columns[c]);
      if (!column.ok()) {
        return absl::NotFoundError(absl::StrCat(step.where, ": column '", step.columns[c],
                                                "' is not in the input (columns: ",
                                                ColumnList(current.schema()), ")"));
      }
      RETURN_IF_ERROR(step.transforms[c]->Fit(**column, target_column, step.column_where[c]));
    }
    step.DeriveOutputs();
    // Later steps learn from this step's output; when none of them reads a column this step
    // consumes or produces, applying it now would change nothing they see, so it is skipped.
    bool read_later = false;
    for (size_t j = i + 1; j < steps_.size() && !read_later; ++j) {
      for (const std::string& c : steps_[j]->columns) {
        if (step.IndexOf(c) >= 0) read_later = true;
        for (const std::vector<table::Field>& fields : step.outputs) {
          for (const table::Field& f : fields) read_later = read_later || f.name == c;
        }
      }
    }
    if (read_later) {
      ASSIGN_OR_RETURN(current, ApplyStep(step, static_cast<int>(i), current));
    }
  }
  fitted_ = true;
  return absl::OkStatus();
}

absl::StatusOr<table::Table> TransformPipeline::ApplyStep(const Step& step, int,
                                                          const table::Table& data) const {
  for (const std::string& c : step.columns) {
    if (!data.schema().FieldIndex(c)) {
      return absl::NotFoundError(absl::StrCat(step.where, ": column '", c,
                                              "' is not in the input (columns: ",
                                              ColumnList(data.schema()), ")"));
    }
  }
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  for (int i = 0; i < data.num_columns(); ++i) {
    const table::Field& f = data.schema().field(i);
    const int k = step.IndexOf(f.name);
    if (k < 0) {
      fields.push_back(f);
      columns.push_back(data.column(i));
      continue;
    }
    const auto ku = static_cast<size_t>(k);
    ASSIGN_OR_RETURN(std::vector<table::Column> out,
                     step.transforms[ku]->Apply(data.column(i), step.column_where[ku]));
    for (size_t j = 0; j < out.size(); ++j) {
      fields.push_back(step.outputs[ku][j]);
      columns.push_back(std::move(out[j]));
    }
  }
  absl::StatusOr<table::Table> t = table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(step.where, ": ", t.status().message()));
  return t;
}

absl::StatusOr<table::Table> TransformPipeline::Transform(const table::Table& data) const {
  if (!fitted_) return absl::FailedPreconditionError("the pipeline is not fitted");
  table::Table current = data;
  for (size_t i = 0; i < steps_.size(); ++i) {
    ASSIGN_OR_RETURN(current, ApplyStep(*steps_[i], static_cast<int>(i), current));
  }
  return current;
}

absl::StatusOr<Row> TransformPipeline::TransformRow(const Row& row) const {
  if (!fitted_) return absl::FailedPreconditionError("the pipeline is not fitted");
  Row current = row;
  Row next;
  std::vector<Value> values;
  for (const std::unique_ptr<Step>& s : steps_) {
    const Step& step = *s;
    for (const std::string& c : step.columns) {
      bool found = false;
      for (const auto& [name, value] : current) found = found || name == c;
      if (!found) {
        return absl::NotFoundError(absl::StrCat(step.where, ": column '", c, "' is not in the row"));
      }
    }
    next.clear();
    next.reserve(current.size());
    for (auto& [name, value] : current) {
      const int k = step.IndexOf(name);
      if (k < 0) {
        next.emplace_back(std::move(name), std::move(value));
        continue;
      }
      const auto ku = static_cast<size_t>(k);
      values.clear();
      RETURN_IF_ERROR(step.transforms[ku]->ApplyRow(value, step.column_where[ku], &values));
      for (size_t j = 0; j < values.size(); ++j) {
        next.emplace_back(step.outputs[ku][j].name, std::move(values[j]));
      }
    }
    std::swap(current, next);
  }
  return current;
}

std::string TransformPipeline::ToJson() const {
  Json root = Json::object();
  if (fitted_) {
    root["format"] = kFormat;
    root["format_version"] = kFormatVersion;
  }
  Json steps = Json::array();
  for (const std::unique_ptr<Step>& s : steps_) {
    Json step = Json::object();
    step["kind"] = s->kind;
    step["columns"] = s->columns;
    s->transforms.front()->WriteOptions(&step);
    if (fitted_) {
      Json state = Json::object();
      for (size_t c = 0; c < s->columns.size(); ++c) state[s->columns[c]] = s->transforms[c]->StateJson();
      step["fitted"] = std::move(state);
    }
    steps.push_back(std::move(step));
  }
  root["steps"] = std::move(steps);
  return root.dump(2);
}

std::vector<StepSummary> TransformPipeline::Summaries() const {
  std::vector<StepSummary> out;
  if (!fitted_) return out;
  for (const std::unique_ptr<Step>& s : steps_) {
    StepSummary summary;
    summary.kind = s->kind;
    for (size_t c = 0; c < s->columns.size(); ++c) {
      summary.lines.push_back(absl::StrCat(s->columns[c], ": ", s->transforms[c]->Summary()));
    }
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace strata::data
