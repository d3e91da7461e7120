#include <time.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "strata/base/clock.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/cli/internal/table_printer.h"
#include "strata/data/profile.h"
#include "strata/io/csv_reader.h"
#include "strata/io/read_table.h"

namespace strata::cli {
namespace {

// CPU seconds of this process: on a shared machine the wall time alone hides contention.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A number for the summary table: integers without decimals, others with 6 significant digits.
std::string Short(double v) {
  if (std::isnan(v)) return "-";
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return absl::StrFormat("%.0f", v);
  return absl::StrFormat("%.6g", v);
}

std::string Clip(std::string s, size_t width) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > width) s = s.substr(0, width - 3) + "...";
  return s;
}

std::vector<std::string> SummaryCells(const data::ColumnProfile& c, int64_t rows) {
  const std::string nulls = rows == 0 ? "-" : absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(c.null_count) / static_cast<double>(rows));
  std::string min = "-", mean = "-", max = "-";
  if (c.type == table::DataType::kTimestamp && c.has_moments) {
    min = io::FormatTimestampMicros(static_cast<int64_t>(c.min));
    mean = io::FormatTimestampMicros(static_cast<int64_t>(std::llround(c.mean)));
    max = io::FormatTimestampMicros(static_cast<int64_t>(c.max));
  } else if (c.type == table::DataType::kBool && c.has_moments) {
    mean = Short(c.mean);
  } else if (c.has_moments) {
    min = Short(c.min);
    mean = Short(c.mean);
    max = Short(c.max);
  } else if (c.has_lengths) {
    // Strings: lengths, marked so they are not read as values.
    min = absl::StrCat("len ", c.min_length);
    mean = absl::StrCat("len ", Short(c.mean_length));
    max = absl::StrCat("len ", c.max_length);
  }
  return {Clip(c.name, 32), std::string(table::DataTypeName(c.type)), nulls, Short(c.distinct), min, mean, max};
}

class DataProfileCommand : public DataSubcommand {
 public:
  explicit DataProfileCommand(CLI::App& data) {
    app_ = data.add_subcommand("profile", "Profile a data file: per-column statistics, a JSON profile, an HTML report");
    app_->add_option("path", path_, "Data file (.csv, .tsv)")->required();
    app_->add_option("--json", json_path_, "Write the profile as JSON to this file ('-' for stdout)");
    app_->add_option("--html", html_path_, "Write a self-contained HTML report to this file");
    app_->add_option("--threads", threads_, "Worker threads (0: one per core)")->capture_default_str();
    app_->add_option("--top-k", top_k_, "Top values per column")->capture_default_str();
    app_->add_option("--bins", bins_, "Histogram bins")->capture_default_str();
    app_->add_flag("--no-correlations", no_correlations_, "Skip the numeric correlation matrix");
    app_->add_flag("--sketches", sketches_, "Include the mergeable sketches in the JSON");
    app_->add_flag("--timing", timing_, "Print the read and profile times separately");
    app_->add_option("--delimiter", delimiter_, "CSV field delimiter (one character)")->capture_default_str();
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    if (delimiter_.size() != 1) return Usage("--delimiter must be one character");
    if (threads_ < 0 || top_k_ < 0 || bins_ < 1) return Usage("--threads, --top-k must be >= 0 and --bins >= 1");
    io::CsvOptions csv;
    csv.delimiter = delimiter_[0];
    const int64_t read_start = MonotonicMicros();
    absl::StatusOr<table::Table> t = io::ReadTable(path_, csv);
    const int64_t read_micros = MonotonicMicros() - read_start;
    if (!t.ok()) return Fail(t.status().message());
    data::ProfileOptions options;
    options.threads = threads_;
    options.top_k = top_k_;
    options.histogram_bins = bins_;
    options.correlations = !no_correlations_;
    const int64_t profile_start = MonotonicMicros();
    const double cpu_start = ProcessCpuSeconds();
    absl::StatusOr<data::TableProfile> profile = data::ProfileTable(*t, options);
    const int64_t profile_micros = MonotonicMicros() - profile_start;
    const double profile_cpu = ProcessCpuSeconds() - cpu_start;
    if (!profile.ok()) return Fail(profile.status().message());

    const bool json_to_stdout = json_path_ == "-";
    // With the JSON on stdout, everything else goes to stderr so the JSON stays parseable.
    FILE* text = json_to_stdout ? stderr : stdout;
    std::fprintf(text, "%s: %" PRId64 " rows x %d columns\n", path_.c_str(), t->num_rows(), t->num_columns());
    if (timing_) {
      std::fprintf(text, "read %.3f s, profile %.3f s (cpu %.3f s)\n", static_cast<double>(read_micros) / 1e6,
                   static_cast<double>(profile_micros) / 1e6, profile_cpu);
    }
    PrintSummary(text, *profile);
    if (!json_path_.empty()) {
      const std::string json = data::ProfileToJson(*profile, sketches_).dump(2) + "\n";
      if (json_to_stdout) {
        std::fwrite(json.data(), 1, json.size(), stdout);
      } else if (!WriteFile(json_path_, json)) {
        return Fail(absl::StrCat("cannot write ", json_path_));
      }
    }
    if (!html_path_.empty() && !WriteFile(html_path_, data::ProfileToHtml(*profile, path_))) {
      return Fail(absl::StrCat("cannot write ", html_path_));
    }
    return 0;
  }

 private:
  static int Usage(std::string_view message) {
    std::fprintf(stderr, "strata data profile: %s\n", std::string(message).c_str());
    return 2;
  }
  static int Fail(absl::string_view message) {
    std::fprintf(stderr, "strata data profile: %s\n", std::string(message).c_str());
    return 1;
  }
  static bool WriteFile(const std::string& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    return static_cast<bool>(out);
  }

  static void PrintSummary(FILE* out, const data::TableProfile& profile) {
    std::vector<std::vector<std::string>> rows = {{"column", "type", "nulls", "distinct", "min", "mean", "max"}};
    for (const data::ColumnProfile& c : profile.columns) rows.push_back(SummaryCells(c, profile.rows));
    const std::string text = FormatAlignedCells(rows);
    std::fwrite(text.data(), 1, text.size(), out);
  }

  CLI::App* app_ = nullptr;
  std::string path_;
  std::string json_path_;
  std::string html_path_;
  int threads_ = 0;
  int top_k_ = 10;
  int bins_ = 20;
  bool no_correlations_ = false;
  bool sketches_ = false;
  bool timing_ = false;
  std::string delimiter_ = ",";
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataProfileCommand(CLI::App& data) {
  return std::make_unique<DataProfileCommand>(data);
}

}  // namespace strata::cli
