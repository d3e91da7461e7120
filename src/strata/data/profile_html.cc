// The HTML report: one self-contained page. Inline CSS and SVG drawn here; no scripts, no
// fonts or images from the network. Every string that comes from the data (column names,
// values, the title) goes through Escape().
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "strata/data/profile.h"
#include "strata/io/csv_reader.h"

namespace strata::data {
namespace {

using table::DataType;

std::string Escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Clip(std::string_view s, size_t width) {
  if (s.size() <= width) return std::string(s);
  size_t cut = width - 1;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
  return absl::StrCat(std::string(s.substr(0, cut)), "\xE2\x80\xA6");
}

std::string Num(double v) {
  if (std::isnan(v)) return "&ndash;";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::fabs(v) < 1e15 && v == std::floor(v)) return absl::StrFormat("%.0f", v);
  return absl::StrFormat("%.6g", v);
}

std::string Timestamp(double micros) { return Escape(io::FormatTimestampMicros(static_cast<int64_t>(std::llround(micros)))); }

std::string ValueText(const ColumnProfile& c, double v) {
  return c.type == DataType::kTimestamp ? Timestamp(v) : Num(v);
}

std::string Percent(double share) { return absl::StrFormat("%.1f%%", 100 * share); }

constexpr char kStyle[] = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
header{background:#1f2a44;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px;word-break:break-all}
header p{margin:0;color:#c9d1e3}
main{padding:20px 28px;max-width:1200px}
h2{font-size:17px;margin:0 0 8px;word-break:break-all}
table.overview{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0002}
.overview th,.overview td{padding:6px 10px;border-bottom:1px solid #e5e7eb;text-align:left;white-space:nowrap}
.overview th{background:#eef1f6;font-weight:600}
.overview td.name{white-space:normal;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px;margin-top:20px}
.card{background:#fff;border-radius:6px;padding:14px 16px;box-shadow:0 1px 2px #0002;overflow:hidden}
.type{display:inline-block;font-size:12px;padding:1px 7px;border-radius:9px;background:#e0e7ff;color:#3730a3;margin-left:6px;vertical-align:middle}
dl.stats{display:grid;grid-template-columns:repeat(4,auto);gap:2px 12px;margin:8px 0}
dl.stats dt{color:#6b7280}
dl.stats dd{margin:0;font-variant-numeric:tabular-nums;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:14px}
.charts figure{margin:0}
figcaption{font-size:12px;color:#6b7280}
svg text{font:11px system-ui,sans-serif;fill:#374151}
section.corr{background:#fff;border-radius:6px;padding:14px 16px;margin-top:20px;box-shadow:0 1px 2px #0002;overflow-x:auto}
)css";

// A horizontal bar showing the null share (red) of a column.
std::string NullBar(double share, int width) {
  const int filled = static_cast<int>(std::lround(std::clamp(share, 0.0, 1.0) * width));
  return absl::StrFormat(
      "<svg class=\"nullbar\" width=\"%d\" height=\"10\" role=\"img\" aria-label=\"null share %s\">"
      "<rect width=\"%d\" height=\"10\" fill=\"#d1fae5\"/><rect width=\"%d\" height=\"10\" fill=\"#ef4444\"/></svg>",
      width, Percent(share), width, filled);
}

std::string HistogramSvg(const ColumnProfile& c) {
  const stats::Histogram& h = c.histogram;
  constexpr int kWidth = 260, kHeight = 120, kPlot = 96;
  const int64_t top = std::max<int64_t>(1, *std::max_element(h.counts().begin(), h.counts().end()));
  std::string svg = absl::StrFormat("<svg class=\"histogram\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"histogram\">",
                                    kWidth, kHeight);
  const double bar = static_cast<double>(kWidth) / h.bins();
  for (int i = 0; i < h.bins(); ++i) {
    const int64_t n = h.counts()[static_cast<size_t>(i)];
    const double height = static_cast<double>(kPlot) * static_cast<double>(n) / static_cast<double>(top);
    absl::StrAppendFormat(&svg,
                          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#6366f1\">"
                          "<title>[%s, %s): %d</title></rect>",
                          i * bar + 0.5, kPlot - height, std::max(bar - 1, 0.5), height,
                          ValueText(c, h.edge(i)), ValueText(c, h.edge(i + 1)), n);
  }
  absl::StrAppendFormat(&svg, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/>", kPlot, kWidth, kPlot);
  absl::StrAppendFormat(&svg, "<text x=\"0\" y=\"%d\">%s</text>", kHeight - 4, ValueText(c, h.lo()));
  absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text></svg>", kWidth, kHeight - 4,
                        ValueText(c, h.hi()));
  return svg;
}

std::string TopValuesSvg(const ColumnProfile& c) {
  constexpr int kWidth = 240, kRow = 16, kLabel = 110;
  const int rows = static_cast<int>(c.top_values.size());
  const int64_t top = std::max<int64_t>(1, c.top_values.front().count);
  std::string svg = absl::StrFormat("<svg class=\"topvalues\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"top values\">",
                                    kWidth, rows * kRow + 2);
  for (int i = 0; i < rows; ++i) {
    const TopValue& v = c.top_values[static_cast<size_t>(i)];
    const double width = (kWidth - kLabel - 40) * static_cast<double>(v.count) / static_cast<double>(top);
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                          "<rect x=\"%d\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#10b981\"><title>%s: %d</title></rect>"
                          "<text x=\"%.2f\" y=\"%d\">%d</text>",
                          kLabel - 4, i * kRow + 12, Escape(Clip(v.value, 16)), kLabel, i * kRow + 2, width, kRow - 4,
                          Escape(Clip(v.value, 200)), v.count, kLabel + width + 3, i * kRow + 12, v.count);
  }
  return svg + "</svg>";
}

void AppendStat(std::string& out, std::string_view label, const std::string& value) {
  absl::StrAppend(&out, "<dt>", std::string(label), "</dt><dd>", value, "</dd>");
}

std::string Card(const ColumnProfile& c, int64_t rows, int index) {
  const double null_share = rows > 0 ? static_cast<double>(c.null_count) / static_cast<double>(rows) : 0;
  std::string out = absl::StrFormat("<section class=\"card\" id=\"column-%d\"><h2>%s<span class=\"type\">%s</span></h2>",
                                    index, Escape(c.name), std::string(table::DataTypeName(c.type)));
  absl::StrAppend(&out, "<div>nulls ", Percent(null_share), " ", NullBar(null_share, 200), "</div><dl class=\"stats\">");
  AppendStat(out, "count", Num(static_cast<double>(c.count)));
  AppendStat(out, "nulls", Num(static_cast<double>(c.null_count)));
  AppendStat(out, "distinct", Num(c.distinct));
  if (c.type == DataType::kFloat64) {
    AppendStat(out, "NaN", Num(static_cast<double>(c.nan_count)));
    AppendStat(out, "inf", Num(static_cast<double>(c.inf_count)));
  }
  if (c.has_moments) {
    if (c.type == DataType::kBool) {
      AppendStat(out, "share true", Percent(c.mean));
    } else {
      AppendStat(out, "min", ValueText(c, c.min));
      AppendStat(out, "max", ValueText(c, c.max));
      AppendStat(out, "mean", ValueText(c, c.mean));
      AppendStat(out, c.type == DataType::kTimestamp ? "stddev (s)" : "stddev",
                 Num(c.type == DataType::kTimestamp ? c.stddev / 1e6 : c.stddev));
    }
  }
  for (size_t i = 0; i < c.quantiles.size(); ++i) AppendStat(out, kProfileQuantileKeys[i], ValueText(c, c.quantiles[i]));
  if (c.has_lengths) {
    AppendStat(out, "length min", Num(static_cast<double>(c.min_length)));
    AppendStat(out, "length max", Num(static_cast<double>(c.max_length)));
    AppendStat(out, "length mean", Num(c.mean_length));
  }
  if ((c.type == DataType::kString || c.type == DataType::kCategory) && c.count > 0) {
    const double n = static_cast<double>(c.count);
    AppendStat(out, "looks numeric", Percent(static_cast<double>(c.looks_numeric) / n));
    AppendStat(out, "looks timestamp", Percent(static_cast<double>(c.looks_timestamp) / n));
    AppendStat(out, "looks bool", Percent(static_cast<double>(c.looks_bool) / n));
  }
  absl::StrAppend(&out, "</dl><div class=\"charts\">");
  if (c.histogram.bins() > 0) {
    absl::StrAppend(&out, "<figure>", HistogramSvg(c), "<figcaption>histogram (", c.histogram.bins(),
                    " bins)</figcaption></figure>");
  }
  if (!c.top_values.empty()) {
    absl::StrAppend(&out, "<figure>", TopValuesSvg(c), "<figcaption>top values</figcaption></figure>");
  }
  return out + "</div></section>";
}

// Blue for -1 through white at 0 to red for +1.
std::string CorrelationColor(double r) {
  if (std::isnan(r)) return "#e5e7eb";
  const double t = std::clamp(std::fabs(r), 0.0, 1.0);
  const int fade = static_cast<int>(std::lround(255 * (1 - t)));
  return r >= 0 ? absl::StrFormat("#ff%02x%02x", fade, fade) : absl::StrFormat("#%02x%02xff", fade, fade);
}

std::string HeatMap(const TableProfile& p) {
  const int n = static_cast<int>(p.correlation_columns.size());
  constexpr int kCell = 44, kLabel = 130;
  std::string svg = absl::StrFormat("<svg class=\"heatmap\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"correlation heat map\">",
                                    kLabel + n * kCell + 10, kLabel + n * kCell + 10);
  for (int i = 0; i < n; ++i) {
    const std::string name = Escape(Clip(p.correlation_columns[static_cast<size_t>(i)], 18));
    absl::StrAppendFormat(&svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", kLabel - 6,
                          kLabel + i * kCell + kCell / 2 + 4, name);
    absl::StrAppendFormat(&svg, "<text transform=\"translate(%d,%d) rotate(-45)\">%s</text>",
                          kLabel + i * kCell + kCell / 2, kLabel - 6, name);
    for (int j = 0; j < n; ++j) {
      const double r = p.correlation_matrix[static_cast<size_t>(i)][static_cast<size_t>(j)];
      absl::StrAppendFormat(&svg,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" stroke=\"#fff\">"
                            "<title>%s / %s: %s</title></rect>"
                            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>",
                            kLabel + j * kCell, kLabel + i * kCell, kCell, kCell, CorrelationColor(r),
                            Escape(p.correlation_columns[static_cast<size_t>(i)]),
                            Escape(p.correlation_columns[static_cast<size_t>(j)]),
                            std::isnan(r) ? "undefined" : absl::StrFormat("%.3f", r), kLabel + j * kCell + kCell / 2,
                            kLabel + i * kCell + kCell / 2 + 4, std::isnan(r) ? "" : absl::StrFormat("%.2f", r));
    }
  }
  return svg + "</svg>";
}

}  // namespace

std::string ProfileToHtml(const TableProfile& p, std::string_view title) {
  int64_t nulls = 0;
  for (const ColumnProfile& c : p.columns) nulls += c.null_count;
  const double cells = static_cast<double>(p.rows) * static_cast<double>(p.columns.size());
  std::string out = absl::StrCat("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
                                 "<meta name=\"viewport\" content=\"width=device-width\">",
                                 "<title>Profile: ", Escape(title), "</title><style>", kStyle, "</style></head><body>");
  absl::StrAppend(&out, "<header><h1>", Escape(title), "</h1><p>", p.rows, " rows &middot; ", p.columns.size(),
                  " columns &middot; ", cells > 0 ? Percent(static_cast<double>(nulls) / cells) : "0%",
                  " cells null</p></header><main>");
  absl::StrAppend(&out, "<table class=\"overview\"><thead><tr><th>column</th><th>type</th><th>nulls</th><th></th>"
                        "<th>distinct</th><th>min</th><th>mean</th><th>max</th></tr></thead><tbody>");
  for (size_t i = 0; i < p.columns.size(); ++i) {
    const ColumnProfile& c = p.columns[i];
    const double share = p.rows > 0 ? static_cast<double>(c.null_count) / static_cast<double>(p.rows) : 0;
    std::string min = "&ndash;", mean = "&ndash;", max = "&ndash;";
    if (c.has_moments && c.type != DataType::kBool) {
      min = ValueText(c, c.min);
      mean = ValueText(c, c.mean);
      max = ValueText(c, c.max);
    } else if (c.has_moments) {
      mean = Percent(c.mean) + " true";
    }
    absl::StrAppend(&out, "<tr><td class=\"name\"><a href=\"#column-", i, "\">", Escape(c.name), "</a></td><td>",
                    std::string(table::DataTypeName(c.type)), "</td><td>", Percent(share), "</td><td>",
                    NullBar(share, 80), "</td><td>", Num(c.distinct), "</td><td>", min, "</td><td>", mean,
                    "</td><td>", max, "</td></tr>");
  }
  absl::StrAppend(&out, "</tbody></table><div class=\"cards\">");
  for (size_t i = 0; i < p.columns.size(); ++i) absl::StrAppend(&out, Card(p.columns[i], p.rows, static_cast<int>(i)));
  absl::StrAppend(&out, "</div>");
  if (p.correlation_columns.size() >= 2) {
    absl::StrAppend(&out, "<section class=\"corr\"><h2>Pearson correlation</h2>", HeatMap(p), "</section>");
  }
  absl::StrAppend(&out, "</main></body></html>\n");
  return out;
}

}  // namespace strata::data
