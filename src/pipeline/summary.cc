#include "pipeline/summary.h"

#include <fmt/format.h>

namespace sql2mongo {

std::string FormatSummary(const RunSummary& summary) {
  std::string out = fmt::format("{:<24} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>8} {:>10}\n", "collection",
                                "rows read", "joined", "written", "rejected", "dangling", "MB", "seconds", "docs/s");
  CollectionCounters total{"total"};
  for (const auto& c : summary.collections) {
    double rate = c.seconds > 0 ? c.documents_written / c.seconds : 0;
    out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9.2f} {:>8.2f} {:>10.0f}\n", c.collection,
                       c.rows_read, c.embedded_rows, c.documents_written, c.rejected, c.missing_parents,
                       c.bytes_written / 1e6, c.seconds, rate);
    total.rows_read += c.rows_read;
    total.embedded_rows += c.embedded_rows;
    total.documents_written += c.documents_written;
    total.rejected += c.rejected;
    total.missing_parents += c.missing_parents;
    total.bytes_written += c.bytes_written;
  }
  double rate = summary.seconds > 0 ? total.documents_written / summary.seconds : 0;
  out += fmt::format("{:<24} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9.2f} {:>8.2f} {:>10.0f}\n", "total",
                     total.rows_read, total.embedded_rows, total.documents_written, total.rejected,
                     total.missing_parents, total.bytes_written / 1e6, summary.seconds, rate);
  out += "joined: rows read from embedded tables; dangling: object embeds whose key matched no row.\n";
  if (total.missing_parents > 0)
    out += fmt::format("{} dangling references were stored as null.\n", total.missing_parents);
  if (!summary.rejects_file.empty())
    out += fmt::format("{} rows or documents were rejected; each is listed with its reason in {}\n", total.rejected,
                       summary.rejects_file);
  return out;
}

}  // namespace sql2mongo
