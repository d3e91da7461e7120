// `strata data convert IN OUT`: reads IN with io::ReadTable and writes OUT in the format its
// extension names, through io::WriteTable.
#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/cli/internal/data_subcommand.h"
#include "strata/io/parquet_writer.h"
#include "strata/io/write_table.h"
#include "strata/io/read_table.h"
#include "strata/table/table.h"

namespace strata::cli {
namespace {

class DataConvertCommand : public DataSubcommand {
 public:
  explicit DataConvertCommand(CLI::App& data) {
    app_ = data.add_subcommand("convert", "Convert a data file to another format (.csv, .tsv, .jsonl, .parquet)");
    app_->add_option("input", input_, "Data file to read (.csv, .tsv, .jsonl, .parquet)")->required();
    app_->add_option("output", output_, "File to write; the format comes from its extension")
        ->required();
    io::ParquetWriteOptions& p = options_.parquet;
    app_->add_option("--compression", p.compression,
                     "Parquet codec: uncompressed, snappy, gzip, zstd, brotli, lz4_raw")
        ->capture_default_str();
    app_->add_option("--compression-level", p.compression_level, "Codec level (0 = default)")
        ->capture_default_str();
    app_->add_option("--row-group-size", p.row_group_size, "Rows per Parquet row group")
        ->capture_default_str();
    app_->add_option("--page-size", p.data_page_size, "Target bytes per data page")
        ->capture_default_str();
    app_->add_option("--page-version", p.data_page_version, "Data page version: 1 or 2")
        ->capture_default_str();
    app_->add_flag("--no-dictionary", no_dictionary_, "Write PLAIN values only");
    app_->add_flag("--no-statistics", no_statistics_, "Leave out min/max/null count");
    app_->add_flag("--page-checksums", p.page_checksums, "CRC-32 in every page header");
    app_->add_option("--threads", p.threads, "Columns encoded at once (0 = hardware threads)")
        ->capture_default_str();
    app_->add_option("--delimiter", delimiter_, "CSV field delimiter (one character)")
        ->capture_default_str();
  }

  CLI::App* app() const override { return app_; }

  int Run() override {
    if (!UsageOk()) return 2;
    options_.parquet.dictionary = !no_dictionary_;
    options_.parquet.write_statistics = !no_statistics_;
    io::CsvOptions csv;
    csv.delimiter = delimiter_[0];
    const int64_t start = MonotonicMicros();
    absl::StatusOr<table::Table> t = io::ReadTable(input_, csv);
    const int64_t read_done = MonotonicMicros();
    if (!t.ok()) return Fail(t.status());
    const absl::Status written = io::WriteTable(output_, *t, options_);
    const int64_t write_done = MonotonicMicros();
    if (!written.ok()) return Fail(written);
    struct stat st {};
    const int64_t bytes = ::stat(output_.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
    std::printf("%s: %" PRId64 " rows x %d columns, %" PRId64
                " bytes (read %.3f s, wrote %.3f s)\n",
                output_.c_str(), t->num_rows(), t->num_columns(), bytes,
                static_cast<double>(read_done - start) / 1e6,
                static_cast<double>(write_done - read_done) / 1e6);
    return 0;
  }

 private:
  static int Fail(const absl::Status& status) {
    std::fprintf(stderr, "strata data convert: %s\n", std::string(status.message()).c_str());
    return 1;
  }

  // Option errors found before any reading are usage errors (exit 2).
  bool UsageOk() const {
    std::string problem;
    const io::ParquetWriteOptions& p = options_.parquet;
    if (delimiter_.size() != 1) {
      problem = "--delimiter must be one character";
    } else if (absl::StatusOr<io::parquet::CompressionCodec> codec =
                   io::ParseCompressionName(p.compression);
               !codec.ok()) {
      problem = absl::StrCat("--compression: ", codec.status().message());
    } else if (p.row_group_size < 1) {
      problem = "--row-group-size must be at least 1";
    } else if (p.data_page_size < 1 || p.data_page_size > (int64_t{1} << 30)) {
      problem = "--page-size must be between 1 and 1073741824";
    } else if (p.data_page_version != 1 && p.data_page_version != 2) {
      problem = "--page-version must be 1 or 2";
    } else if (p.threads < 0) {
      problem = "--threads must be 0 or more";
    }
    if (problem.empty()) return true;
    std::fprintf(stderr, "strata data convert: %s\n", problem.c_str());
    return false;
  }

  CLI::App* app_ = nullptr;
  std::string input_;
  std::string output_;
  io::WriteOptions options_;
  bool no_dictionary_ = false;
  bool no_statistics_ = false;
  std::string delimiter_ = ",";
};

}  // namespace

std::unique_ptr<DataSubcommand> MakeDataConvertCommand(CLI::App& data) {
  return std::make_unique<DataConvertCommand>(data);
}

}  // namespace strata::cli
