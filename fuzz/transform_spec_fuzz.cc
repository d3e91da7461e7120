// libFuzzer target: transform specs (JSON and YAML) and fitted pipelines (JSON) must parse to
// a pipeline or an error for any bytes, and whatever FromJson accepts must serialize, reload
// and run Transform / TransformRow on a small table without crashing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/data/transforms.h"
#include "strata/table/table.h"

namespace {

strata::table::Table Probe() {
  using strata::table::ColumnBuilder;
  using strata::table::DataType;
  ColumnBuilder a(DataType::kFloat64), b(DataType::kString), c(DataType::kInt64);
  a.AppendFloat64(1.5);
  a.AppendNull();
  b.AppendString("x");
  b.AppendNull();
  c.AppendInt64(-3);
  c.AppendInt64(7);
  auto t = strata::table::Table::Make(
      strata::table::Schema({{"a", DataType::kFloat64}, {"b", DataType::kString},
                             {"c", DataType::kInt64}}),
      {a.Finish(), b.Finish(), c.Finish()});
  return t.ok() ? *t : strata::table::Table();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  static const strata::table::Table probe = Probe();
  (void)strata::data::TransformPipeline::FromSpecJson(input);
  auto spec = strata::data::TransformPipeline::FromSpecYaml(input);
  if (spec.ok() && spec->Fit(probe, "c").ok()) (void)spec->Transform(probe);
  auto fitted = strata::data::TransformPipeline::FromJson(input);
  if (fitted.ok()) {
    const std::string text = fitted->ToJson();
    auto again = strata::data::TransformPipeline::FromJson(text);
    if (!again.ok() || again->ToJson() != text) __builtin_trap();  // must round-trip
    (void)fitted->Transform(probe);
    (void)fitted->TransformRow({{"a", strata::data::Value(2.0)},
                                {"b", strata::data::Value(std::string("y"))},
                                {"c", strata::data::Value(int64_t{1})}});
  }
  return 0;
}
