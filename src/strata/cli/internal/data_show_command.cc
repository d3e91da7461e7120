#include "strata/cli/internal/data_subcommand.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <memory>
#include <vector>

#include "strata/base/clock.h"
#include "strata/cli/internal/table_printer.h"
#include "strata/io/read_table.h"
#include "strata/table/table.h"

namespace strata::cli {
namespace {

class DataShowCommand : public DataSubcommand {
 public:
  explicit DataShowCommand(CLI::App& data) {
    app_ = data.add_subcommand("show", "Print a data file's schema and first rows");
    app_->add_option("path", path_, "Data file (.csv, .tsv)")->required();
    app_->add_option("--rows", rows_, "Rows to print")->capture_default_str();
    app_->add_flag("--schema", schema_only_, "Print only the schema and the row count");
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
    if (schema_only_ || t->num_columns() == 0) return 0;
    std::printf("\n%s", FormatAlignedRows(*t, std::min(rows_, t->num_rows())).c_str());
    return 0;
  }

 private:
  CLI::App* app_ = nullptr;
  std::string path_;
  int64_t rows_ = 10;
  bool schema_only_ = false;
  std::string delimiter_ = ",";
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataShowCommand(CLI::App& data) {
  return std::make_unique<DataShowCommand>(data);
}

}  // namespace strata::cli
