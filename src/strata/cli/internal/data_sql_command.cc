// `strata data sql "SELECT ..." --table name=path ...`: SQL over data files through
// data::SqlSession (SQLite's engine over the tables in memory, nothing copied into a
// database).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/strings.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/cli/internal/table_printer.h"
#include "strata/data/sql.h"
#include "strata/io/json_lines.h"
#include "strata/io/read_table.h"
#include "strata/io/write_table.h"

namespace strata::cli {
namespace {

struct TableSpec {
  std::string name;
  std::string path;
};

class DataSqlCommand : public DataSubcommand {
 public:
  explicit DataSqlCommand(CLI::App& data) {
    app_ = data.add_subcommand("sql", "Run a SQL query (SQLite's dialect) over data files");
    app_->add_option("query", sql_, "One SELECT statement (WITH, joins, GROUP BY, windows, ...)")
        ->required();
    app_->add_option("--table", table_specs_,
                     "NAME=PATH: make the file at PATH (.csv, .tsv, ...) queryable as NAME; "
                     "repeat for more tables");
    app_->add_option("--out", out_, "Write the result to this file (.csv, .tsv, .jsonl)");
    app_->add_option("--max-rows", max_rows_, "Rows to print on the terminal")
        ->capture_default_str();
    app_->add_flag("--json", json_, "Print the result as JSON lines (one object per row)");
    app_->add_option("--timeout-ms", timeout_ms_, "Stop the query after this many ms (0: never)")
        ->capture_default_str();
    app_->add_flag("--timing", timing_, "Print load and query times on stderr");
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    if (max_rows_ < 0 || timeout_ms_ < 0) {
      std::fprintf(stderr, "strata data sql: --max-rows and --timeout-ms must not be negative\n");
      return 2;
    }
    std::vector<TableSpec> specs;
    absl::flat_hash_set<std::string> names;
    for (const std::string& spec : table_specs_) {
      const size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
        std::fprintf(stderr, "strata data sql: --table '%s' is not NAME=PATH\n", spec.c_str());
        return 2;
      }
      TableSpec parsed{.name = spec.substr(0, eq), .path = spec.substr(eq + 1)};
      if (absl::Status s = data::ValidateSqlTableName(parsed.name); !s.ok()) {
        std::fprintf(stderr, "strata data sql: --table '%s': %s\n", spec.c_str(),
                     std::string(s.message()).c_str());
        return 2;
      }
      if (!names.insert(absl::AsciiStrToLower(parsed.name)).second) {
        std::fprintf(stderr, "strata data sql: table '%s' is given twice\n", parsed.name.c_str());
        return 2;
      }
      specs.push_back(std::move(parsed));
    }

    absl::StatusOr<std::unique_ptr<data::SqlSession>> session = data::SqlSession::Create();
    if (!session.ok()) return Fail(session.status());
    const int64_t load_start = MonotonicMicros();
    for (TableSpec& spec : specs) {
      absl::StatusOr<table::Table> t = io::ReadTable(spec.path);
      if (!t.ok()) return Fail(t.status());
      if (absl::Status s = (*session)->RegisterTable(spec.name, *std::move(t)); !s.ok()) {
        Fail(s);
        return s.code() == absl::StatusCode::kAlreadyExists ? 2 : 1;
      }
    }
    const int64_t query_start = MonotonicMicros();
    const std::clock_t query_cpu_start = std::clock();
    data::SqlQueryOptions options;
    options.timeout_ms = timeout_ms_;
    absl::StatusOr<table::Table> result = (*session)->Query(sql_, options);
    const int64_t query_end = MonotonicMicros();
    const double query_cpu_s =
        static_cast<double>(std::clock() - query_cpu_start) / static_cast<double>(CLOCKS_PER_SEC);
    if (!result.ok()) return Fail(result.status());
    const double load_s = static_cast<double>(query_start - load_start) / 1e6;
    const double query_s = static_cast<double>(query_end - query_start) / 1e6;
    // CPU time beside wall time: on a shared machine the wall clock includes waiting.
    if (timing_) {
      std::fprintf(stderr, "timing: load %.3f s, query %.3f s (cpu %.3f s)\n", load_s, query_s,
                   query_cpu_s);
    }

    const int64_t rows = result->num_rows();
    if (!out_.empty()) {
      if (absl::Status s = io::WriteTable(out_, *result); !s.ok()) return Fail(s);
    }
    if (json_) {
      absl::StatusOr<std::string> lines = io::WriteJsonLines(*result);
      if (!lines.ok()) return Fail(lines.status());
      if (std::fwrite(lines->data(), 1, lines->size(), stdout) != lines->size() ||
          std::fflush(stdout) != 0) {
        return Fail(absl::UnavailableError("writing the JSON lines to stdout failed"));
      }
      return 0;
    }
    if (!out_.empty()) {
      std::printf("wrote %" PRId64 " row%s to %s (query %.3f s)\n", rows, rows == 1 ? "" : "s",
                  out_.c_str(), query_s);
      return 0;
    }
    const int64_t shown = std::min<int64_t>(rows, max_rows_);
    std::printf("%s", FormatAlignedRows(*result, shown).c_str());
    if (rows > shown) std::printf("... %" PRId64 " more rows\n", rows - shown);
    std::printf("(%" PRId64 " row%s, %.3f s)\n", rows, rows == 1 ? "" : "s", query_s);
    return 0;
  }

 private:
  static int Fail(const absl::Status& status) {
    std::fprintf(stderr, "strata data sql: %s\n", std::string(status.message()).c_str());
    return 1;
  }

  CLI::App* app_ = nullptr;
  std::string sql_;
  std::vector<std::string> table_specs_;
  std::string out_;
  int64_t max_rows_ = 50;
  bool json_ = false;
  int64_t timeout_ms_ = 0;
  bool timing_ = false;
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataSqlCommand(CLI::App& data) {
  return std::make_unique<DataSqlCommand>(data);
}

}  // namespace strata::cli
