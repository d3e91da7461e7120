#include "strata/cli/internal/data_subcommand.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/cli/internal/table_printer.h"
#include "strata/io/parquet_reader.h"
#include "strata/io/read_table.h"
#include "strata/table/table.h"

namespace strata::cli {
namespace {

class DataShowCommand : public DataSubcommand {
 public:
  explicit DataShowCommand(CLI::App& data) {
    app_ = data.add_subcommand("show", "Print a data file's schema and first rows");
    app_->add_option("path", path_, "Data file (.csv, .tsv, .parquet)")->required();
    app_->add_option("--rows", rows_, "Rows to print")->capture_default_str();
    app_->add_flag("--schema", schema_only_,
                   "Print only the schema and the row count (for Parquet also the file's "
                   "physical schema, row groups, codecs, encodings and statistics)");
    app_->add_flag("--tsv", tsv_,
                   "Print the rows as tab-separated values, untruncated, floats with 17 digits "
                   "(backslash, tab, newline and carriage return escaped as \\\\, \\t, \\n, \\r)");
    app_->add_option("--delimiter", delimiter_, "CSV field delimiter (one character)")
        ->capture_default_str();
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    if (delimiter_.size() != 1) {
      std::fprintf(stderr, "strata data show: --delimiter must be one character\n");
      return 2;
    }
    io::CsvOptions options;
    options.delimiter = delimiter_[0];
    const int64_t start = MonotonicMicros();
    absl::StatusOr<table::Table> t = io::ReadTable(path_, options);
    const int64_t elapsed = MonotonicMicros() - start;
    if (!t.ok()) {
      std::fprintf(stderr, "strata data show: %s\n", std::string(t.status().message()).c_str());
      return 1;
    }
    std::printf("%s: %" PRId64 " rows x %d columns (read in %.3f s)\n", path_.c_str(), t->num_rows(),
                t->num_columns(), static_cast<double>(elapsed) / 1e6);
    for (const table::Field& f : t->schema().fields()) {
      std::printf("  %s: %s\n", f.name.c_str(), std::string(table::DataTypeName(f.type)).c_str());
    }
    if (schema_only_) {
      absl::StatusOr<io::FileFormat> format = io::FormatFromPath(path_);
      if (format.ok() && *format == io::FileFormat::kParquet) {
        absl::StatusOr<io::ParquetFileInfo> info = io::ReadParquetFileInfo(path_);
        if (!info.ok()) {
          std::fprintf(stderr, "strata data show: %s\n", std::string(info.status().message()).c_str());
          return 1;
        }
        std::printf("\n%s", info->ToString().c_str());
      }
      return 0;
    }
    if (t->num_columns() == 0) return 0;
    const int64_t rows = std::min(rows_, t->num_rows());
    if (tsv_) {
      std::printf("\n");
      for (int64_t r = -1; r < rows; ++r) {
        std::string line;
        for (int c = 0; c < t->num_columns(); ++c) {
          absl::StrAppend(&line, c == 0 ? "" : "\t",
                          r < 0 ? t->schema().field(c).name : ExactCellText(t->column(c), r));
        }
        line.push_back('\n');
        std::fwrite(line.data(), 1, line.size(), stdout);  // binary cells may hold NUL bytes
      }
      return 0;
    }
    std::printf("\n%s", FormatAlignedRows(*t, rows).c_str());
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string path_;
  int64_t rows_ = 10;
  bool schema_only_ = false;
  bool tsv_ = false;
  std::string delimiter_ = ",";
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataShowCommand(CLI::App& data) {
  return std::make_unique<DataShowCommand>(data);
}

}  // namespace strata::cli
