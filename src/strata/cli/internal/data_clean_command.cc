// `strata data clean --spec clean.yaml IN OUT [--quarantine bad.csv] [--report report.json]`
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/strings.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/data/clean.h"
#include "strata/io/csv_writer.h"
#include "strata/io/read_table.h"

namespace strata::cli {
namespace {

// The outputs are staged beside their final paths and renamed into place together.
std::string StagingPath(const std::string& path) { return absl::StrCat(path, ".tmp-", getpid()); }

absl::Status StageCsv(const std::string& path, const table::Table& t, char delimiter) {
  io::CsvWriteOptions options;
  options.delimiter = delimiter;
  const std::string staging = StagingPath(path);
  absl::Status s = io::WriteCsvFile(staging, t, options);
  if (s.ok()) return s;
  // Name the path the user gave, not the staging file.
  std::string_view message = AsStd(s.message());
  if (message.substr(0, staging.size()) == staging) message.remove_prefix(staging.size());
  return absl::Status(s.code(), absl::StrCat(path, AsAbsl(message)));
}

absl::Status StageText(const std::string& path, const std::string& text) {
  const std::string staging = StagingPath(path);
  std::ofstream out(staging, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) {
    const int err = errno;
    std::remove(staging.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": write failed: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status CommitStaged(const std::string& path) {
  const std::string staging = StagingPath(path);
  if (std::rename(staging.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(staging.c_str());
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

// The columns a step reads; empty lists that mean "every column" yield `all`.
std::vector<std::string> ColumnsOf(const data::CleanRule& rule,
                                   const std::vector<std::string>& all) {
  std::vector<std::string> out;
  if (auto* s = std::get_if<data::CoerceStep>(&rule)) {
    for (const data::CoerceColumn& c : s->columns) out.push_back(c.column);
  } else if (auto* s = std::get_if<data::FillNullsStep>(&rule)) {
    for (const data::FillColumn& c : s->columns) out.push_back(c.column);
  } else if (auto* s = std::get_if<data::DedupStep>(&rule)) {
    out = s->keys.empty() ? all : s->keys;
  } else if (auto* s = std::get_if<data::DropNullsStep>(&rule)) {
    out = s->columns.empty() ? all : s->columns;
  } else {
    std::visit(
        [&out](const auto& step) {
          if constexpr (requires { step.columns; }) {
            for (const auto& c : step.columns) {
              if constexpr (std::is_same_v<std::decay_t<decltype(c)>, std::string>)
                out.push_back(c);
            }
          }
        },
        rule);
  }
  return out;
}

// The header names of a CSV/TSV file, read from its first record only.
std::vector<std::string> HeaderNames(const std::string& path, char delimiter) {
  std::ifstream in(path, std::ios::binary);
  std::string head;
  char ch;
  bool quoted = false;
  while (head.size() < (size_t{1} << 20) && in.get(ch)) {
    if (ch == '"') quoted = !quoted;
    if (ch == '\n' && !quoted) break;
    head.push_back(ch);
  }
  io::CsvOptions options;
  options.delimiter = delimiter;
  absl::StatusOr<table::Table> t = io::ReadCsv(head + "\n", options);
  std::vector<std::string> names;
  if (t.ok()) {
    for (const table::Field& f : t->schema().fields()) names.push_back(f.name);
  }
  return names;
}

bool IsDelimited(const std::string& path, char* delimiter) {
  absl::StatusOr<io::FileFormat> format = io::FormatFromPath(path);
  if (!format.ok()) return false;
  if (*format == io::FileFormat::kCsv) *delimiter = ',';
  if (*format == io::FileFormat::kTsv) *delimiter = '\t';
  return *format == io::FileFormat::kCsv || *format == io::FileFormat::kTsv;
}

class DataCleanCommand : public DataSubcommand {
 public:
  explicit DataCleanCommand(CLI::App& data) {
    app_ = data.add_subcommand("clean", "Apply a declarative YAML cleaning spec to a data file");
    app_->add_option("--spec", spec_path_, "Cleaning spec (YAML; see src/strata/data/README.md)")
        ->required();
    app_->add_option("in", in_path_, "Input data file (.csv, .tsv)")->required();
    app_->add_option("out", out_path_, "Cleaned output (.csv, .tsv)")->required();
    app_->add_option("--quarantine", quarantine_path_,
                     "Rejected values (row, column, rule, reason, value) as CSV; default "
                     "OUT-stem.quarantine.csv when there are any");
    app_->add_option("--report", report_path_, "Write the report as JSON here");
    app_->add_flag("--timing", timing_, "Print read, clean and write times");
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    char out_delimiter = ',';
    char quarantine_delimiter = ',';
    if (!IsDelimited(out_path_, &out_delimiter)) {
      return Usage(absl::StrCat("OUT must be .csv or .tsv (other writers have not landed yet): ",
                                out_path_));
    }
    if (quarantine_path_.empty()) {
      const size_t dot = out_path_.find_last_of('.');
      quarantine_path_ = out_path_.substr(0, dot) + ".quarantine.csv";
      quarantine_defaulted_ = true;
    }
    if (!IsDelimited(quarantine_path_, &quarantine_delimiter)) {
      return Usage(absl::StrCat("--quarantine must be .csv or .tsv: ", quarantine_path_));
    }
    std::ifstream spec_file(spec_path_, std::ios::binary);
    if (!spec_file)
      return Fail(absl::StrCat(spec_path_, ": cannot open the spec: ", std::strerror(errno)));
    std::stringstream spec_text;
    spec_text << spec_file.rdbuf();
    absl::StatusOr<data::CleanSpec> spec = data::ParseCleanSpec(spec_text.str());
    if (!spec.ok()) return Fail(absl::StrCat(spec_path_, ": ", spec.status().message()));

    io::CsvOptions csv;
    char in_delimiter = ',';
    if (IsDelimited(in_path_, &in_delimiter)) csv.column_types = TextColumns(*spec, in_delimiter);
    const int64_t t0 = MonotonicMicros();
    absl::StatusOr<table::Table> input = io::ReadTable(in_path_, csv);
    if (!input.ok()) return Fail(std::string(input.status().message()));
    const int64_t t1 = MonotonicMicros();
    absl::StatusOr<data::CleanResult> result = data::ApplyCleanSpec(*input, *spec);
    if (!result.ok()) return Fail(absl::StrCat(spec_path_, ": ", result.status().message()));
    const int64_t t2 = MonotonicMicros();

    // Everything is written to temporary files first and moved into place only when all
    // writes succeeded, so a failure never leaves a partial OUT.
    std::vector<std::string> written;
    auto staged = [&](const std::string& path, absl::Status s) {
      if (s.ok()) written.push_back(path);
      return s;
    };
    const bool write_quarantine = !quarantine_defaulted_ || result->quarantine.num_rows() > 0;
    absl::Status s = staged(out_path_, StageCsv(out_path_, result->cleaned, out_delimiter));
    if (s.ok() && write_quarantine) {
      s = staged(quarantine_path_,
                 StageCsv(quarantine_path_, result->quarantine, quarantine_delimiter));
    }
    if (s.ok() && !report_path_.empty()) {
      s = staged(report_path_,
                 StageText(report_path_,
                           data::CleanReportToJson(result->report)
                                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                               "\n"));
    }
    for (const std::string& path : written) {
      if (s.ok()) {
        s = CommitStaged(path);
      } else {
        std::remove(StagingPath(path).c_str());
      }
    }
    if (!s.ok()) return Fail(std::string(s.message()));
    const int64_t t3 = MonotonicMicros();

    std::printf("%s", data::CleanReportToText(result->report).c_str());
    std::printf("wrote %s (%" PRId64 " rows)", out_path_.c_str(), result->cleaned.num_rows());
    if (write_quarantine) {
      std::printf(", %s (%" PRId64 " entries)", quarantine_path_.c_str(),
                  result->quarantine.num_rows());
    }
    if (!report_path_.empty()) std::printf(", %s", report_path_.c_str());
    std::printf("\n");
    if (timing_) {
      std::printf("timing: read %.3f s, clean %.3f s, write %.3f s\n",
                  static_cast<double>(t1 - t0) / 1e6, static_cast<double>(t2 - t1) / 1e6,
                  static_cast<double>(t3 - t2) / 1e6);
    }
    return 0;
  }

 private:
  // Columns whose first use in the spec is a coerce step are read as text, so that coercion
  // sees (and the quarantine keeps) the values as written, not as the reader inferred them.
  absl::flat_hash_map<std::string, table::DataType> TextColumns(const data::CleanSpec& spec,
                                                                char delimiter) {
    const std::vector<std::string> names = HeaderNames(in_path_, delimiter);
    const absl::flat_hash_set<std::string> present(names.begin(), names.end());
    absl::flat_hash_set<std::string> used;
    absl::flat_hash_map<std::string, table::DataType> out;
    for (const data::CleanStep& step : spec.steps) {
      const bool coerce = std::holds_alternative<data::CoerceStep>(step.rule);
      for (const std::string& c : ColumnsOf(step.rule, names)) {
        if (used.insert(c).second && coerce && present.contains(c))
          out[c] = table::DataType::kString;
      }
    }
    return out;
  }

  int Usage(const std::string& message) {
    std::fprintf(stderr, "strata data clean: %s\n", message.c_str());
    return 2;
  }
  int Fail(const std::string& message) {
    std::fprintf(stderr, "strata data clean: %s\n", message.c_str());
    return 1;
  }

  CLI::App* app_ = nullptr;
  std::string spec_path_;
  std::string in_path_;
  std::string out_path_;
  std::string quarantine_path_;
  bool quarantine_defaulted_ = false;
  std::string report_path_;
  bool timing_ = false;
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataCleanCommand(CLI::App& data) {
  return std::make_unique<DataCleanCommand>(data);
}

}  // namespace strata::cli
