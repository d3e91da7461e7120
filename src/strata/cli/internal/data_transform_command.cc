// `strata data fit-transform` (learn a transform pipeline from a spec and a table) and
// `strata data transform` (apply a fitted pipeline to a table).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/strings.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/data/transforms.h"
#include "strata/io/csv_writer.h"
#include "strata/io/read_table.h"
#include "strata/io/write_table.h"
#include "strata/table/table.h"

namespace strata::cli {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

double Seconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }

// The transformed table: by the extension as io::WriteTable does (.csv, .tsv, .jsonl,
// .parquet, ...), and CSV for any other name, as the output has always been.
absl::Status WriteTransformOutput(const table::Table& t, const std::string& path) {
  for (const char* ext : {".csv", ".tsv", ".jsonl", ".ndjson", ".parquet", ".pq"}) {
    if (absl::EndsWithIgnoreCase(AsAbsl(path), ext)) return io::WriteTable(path, t);
  }
  return io::WriteCsvFile(path, t);
}

int Fail(const char* verb, const absl::Status& s) {
  std::fprintf(stderr, "strata data %s: %s\n", verb, std::string(s.message()).c_str());
  return 1;
}

data::Value CellValue(const table::Column& c, int64_t r) {
  if (c.IsNull(r)) return data::Value();
  switch (c.type()) {
    case table::DataType::kBool: return data::Value(c.Bools()[r] != 0);
    case table::DataType::kInt64:
    case table::DataType::kTimestamp: return data::Value(c.Int64s()[r]);
    case table::DataType::kFloat64: return data::Value(c.Float64s()[r]);
    default: return data::Value(std::string(c.StringAt(r)));
  }
}

// Mean TransformRow latency over the first `rows` rows (rows converted beforehand, so only
// the transform is timed). Prints "row latency: X us per row over N rows".
absl::Status BenchRows(const data::TransformPipeline& p, const table::Table& t, int64_t rows) {
  rows = std::min(rows, t.num_rows());
  std::vector<data::Row> input(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < t.num_columns(); ++c) {
      input[static_cast<size_t>(r)].emplace_back(t.schema().field(c).name, CellValue(t.column(c), r));
    }
  }
  size_t sink = 0;
  const int64_t start = MonotonicMicros();
  for (const data::Row& row : input) {
    absl::StatusOr<data::Row> out = p.TransformRow(row);
    if (!out.ok()) return out.status();
    sink += out->size();
  }
  const int64_t elapsed = MonotonicMicros() - start;
  std::printf("row latency: %.3f us per row over %" PRId64 " rows (%zu values out)\n",
              rows > 0 ? static_cast<double>(elapsed) / static_cast<double>(rows) : 0.0, rows, sink);
  return absl::OkStatus();
}

class DataFitTransformCommand : public DataSubcommand {
 public:
  explicit DataFitTransformCommand(CLI::App& data) {
    app_ = data.add_subcommand("fit-transform",
                               "Fit a transform pipeline from a spec (JSON or YAML) on a table");
    app_->add_option("--spec", spec_path_, "Pipeline spec (.json, .yaml, .yml)")->required();
    app_->add_option("input", input_, "Training data (.csv, .tsv)")->required();
    app_->add_option("--pipeline", pipeline_path_, "Where to write the fitted pipeline (JSON)")
        ->required();
    app_->add_option("--target", target_, "Target column (for target_encoder steps)");
    app_->add_option("--out", out_path_, "Also write the transformed training data (CSV)");
    app_->add_flag("--timing", timing_, "Print read, fit and transform times");
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    absl::StatusOr<std::string> spec_text = ReadFile(spec_path_);
    if (!spec_text.ok()) return Fail("fit-transform", spec_text.status());
    const bool yaml = absl::EndsWithIgnoreCase(spec_path_, ".yaml") ||
                      absl::EndsWithIgnoreCase(spec_path_, ".yml");
    absl::StatusOr<data::TransformPipeline> p =
        yaml ? data::TransformPipeline::FromSpecYaml(*spec_text)
             : data::TransformPipeline::FromSpecJson(*spec_text);
    if (!p.ok()) return Fail("fit-transform", p.status());

    int64_t t0 = MonotonicMicros();
    absl::StatusOr<table::Table> t = io::ReadTable(input_);
    if (!t.ok()) return Fail("fit-transform", t.status());
    const int64_t read_us = MonotonicMicros() - t0;

    t0 = MonotonicMicros();
    if (absl::Status s = p->Fit(*t, target_); !s.ok()) return Fail("fit-transform", s);
    const int64_t fit_us = MonotonicMicros() - t0;

    int64_t transform_us = -1;
    if (timing_ || !out_path_.empty()) {
      t0 = MonotonicMicros();
      absl::StatusOr<table::Table> out = p->Transform(*t);
      transform_us = MonotonicMicros() - t0;
      if (!out.ok()) return Fail("fit-transform", out.status());
      if (!out_path_.empty()) {
        if (absl::Status s = WriteTransformOutput(*out, out_path_); !s.ok()) return Fail("fit-transform", s);
      }
    }
    if (absl::Status s = WriteFile(pipeline_path_, p->ToJson() + "\n"); !s.ok()) {
      return Fail("fit-transform", s);
    }

    std::printf("fitted %d steps on %" PRId64 " rows of %s\n", p->num_steps(), t->num_rows(),
                input_.c_str());
    int i = 1;
    for (const data::StepSummary& s : p->Summaries()) {
      std::printf("step %d: %s\n", i++, s.kind.c_str());
      for (const std::string& line : s.lines) std::printf("  %s\n", line.c_str());
    }
    std::printf("wrote fitted pipeline to %s\n", pipeline_path_.c_str());
    if (timing_) {
      std::printf("timing: read %.3f s, fit %.3f s, transform %.3f s\n", Seconds(read_us),
                  Seconds(fit_us), Seconds(transform_us));
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string spec_path_;
  std::string input_;
  std::string pipeline_path_;
  std::string target_;
  std::string out_path_;
  bool timing_ = false;
};

class DataTransformCommand : public DataSubcommand {
 public:
  explicit DataTransformCommand(CLI::App& data) {
    app_ = data.add_subcommand("transform", "Apply a fitted transform pipeline to a table");
    app_->add_option("--pipeline", pipeline_path_, "Fitted pipeline (JSON from fit-transform)")
        ->required();
    app_->add_option("input", input_, "Data to transform (.csv, .tsv)")->required();
    app_->add_option("output", output_, "Where to write the result (CSV; .tsv, .jsonl, .parquet by extension)");
    app_->add_flag("--timing", timing_, "Print read, transform and write times");
    app_->add_option("--bench-row", bench_rows_,
                     "Also time TransformRow (the serving path) over the first N rows");
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    if (output_.empty() && bench_rows_ <= 0) {
      std::fprintf(stderr, "strata data transform: give OUTPUT (or --bench-row N)\n");
      return 2;
    }
    absl::StatusOr<std::string> text = ReadFile(pipeline_path_);
    if (!text.ok()) return Fail("transform", text.status());
    absl::StatusOr<data::TransformPipeline> p = data::TransformPipeline::FromJson(*text);
    if (!p.ok()) return Fail("transform", p.status());

    int64_t t0 = MonotonicMicros();
    absl::StatusOr<table::Table> t = io::ReadTable(input_);
    if (!t.ok()) return Fail("transform", t.status());
    const int64_t read_us = MonotonicMicros() - t0;
    int64_t transform_us = 0, write_us = 0;
    if (!output_.empty()) {
      t0 = MonotonicMicros();
      absl::StatusOr<table::Table> out = p->Transform(*t);
      transform_us = MonotonicMicros() - t0;
      if (!out.ok()) return Fail("transform", out.status());
      t0 = MonotonicMicros();
      if (absl::Status s = WriteTransformOutput(*out, output_); !s.ok()) return Fail("transform", s);
      write_us = MonotonicMicros() - t0;
      std::printf("transformed %" PRId64 " rows x %d columns into %d columns: %s\n", t->num_rows(),
                  t->num_columns(), out->num_columns(), output_.c_str());
    }
    if (bench_rows_ > 0) {
      if (absl::Status s = BenchRows(*p, *t, bench_rows_); !s.ok()) return Fail("transform", s);
    }
    if (timing_) {
      std::printf("timing: read %.3f s, transform %.3f s, write %.3f s\n", Seconds(read_us),
                  Seconds(transform_us), Seconds(write_us));
    }
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string pipeline_path_;
  std::string input_;
  std::string output_;
  bool timing_ = false;
  int64_t bench_rows_ = 0;
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataFitTransformCommand(CLI::App& data) {
  return std::make_unique<DataFitTransformCommand>(data);
}

std::unique_ptr<DataSubcommand> MakeDataTransformCommand(CLI::App& data) {
  return std::make_unique<DataTransformCommand>(data);
}

}  // namespace strata::cli
