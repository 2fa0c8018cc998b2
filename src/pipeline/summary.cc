#include "pipeline/summary.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pipeline/change_finder.h"

namespace sql2mongo {
namespace {

std::string Row(const std::string& name, const CollectionCounters& c, double seconds, const std::string& note) {
  double rate = seconds > 0 ? c.documents_written / seconds : 0;
  return fmt::format("{:<24} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9.2f} {:>8.2f} {:>10.0f}{}\n", name, c.rows_read,
                     c.embedded_rows, c.documents_written, c.rejected, c.warnings, c.missing_parents,
                     c.bytes_written / 1e6, seconds, rate, note);
}

std::string WatermarksText(const std::map<std::string, std::vector<Value>>& watermarks) {
  std::string text;
  for (const auto& [path, value] : watermarks)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", path, value.empty() ? "(no rows)" : WatermarkText(value[0]));
  return text.empty() ? "none" : text;
}

// Whether the run read only what changed, from where, and what it rebuilt and deleted, per collection.
std::string IncrementalText(const RunSummary& summary) {
  if (summary.watermarks.empty()) return "";
  if (!summary.incremental)
    return fmt::format("full run: every row read; watermarks taken: {}.\n", WatermarksText(summary.watermarks));
  std::string out = fmt::format("incremental run: changes since {}; watermarks now {}.\n", WatermarksText(summary.since),
                                WatermarksText(summary.watermarks));
  for (const IncrementalAccount& c : summary.changes)
    out += fmt::format("  {}: {} documents rebuilt ({} root rows changed, {} through embedded rows, {} through N:1 "
                       "rows), {} deleted ({} whose rows are gone or soft-deleted, {} detected)\n",
                       c.collection, c.Rebuilt(), c.root_changed, c.child_changed, c.parent_changed, c.gone + c.detected,
                       c.gone, c.detected);
  return out;
}

}  // namespace

std::string FormatWarning(const ValueWarning& warning) {
  std::string examples;
  for (const auto& example : warning.examples) examples += (examples.empty() ? "" : ", ") + fmt::format("'{}'", example);
  return fmt::format("{}: {}.{}: {} {} (e.g. {})", warning.collection, warning.table, warning.column, warning.count,
                     warning.what, examples);
}

std::vector<std::string> UnaccountedRows(const RunSummary& summary) {
  std::vector<std::string> problems;
  if (!summary.failure.ok()) return problems;  // batches in flight when it stopped are neither
  for (const auto& c : summary.collections) {
    uint64_t root_rejects = c.rejected - c.rejected_rows;
    if (c.rows_read == c.documents_written + root_rejects) continue;
    problems.push_back(fmt::format("{}: {} rows read, but {} documents written + {} rejected = {}: {} rows are "
                                   "unaccounted for (a bug: please report it with the mapping)",
                                   c.collection, c.rows_read, c.documents_written, root_rejects,
                                   c.documents_written + root_rejects,
                                   static_cast<int64_t>(c.rows_read) - static_cast<int64_t>(c.documents_written + root_rejects)));
  }
  return problems;
}

CollectionCounters TotalOf(const RunSummary& summary) { return TotalOf(summary.collections, summary.seconds); }

CollectionCounters TotalOf(const std::vector<CollectionCounters>& collections, double seconds) {
  CollectionCounters total;
  total.collection = "total";
  for (const auto& c : collections) {
    total.rows_read += c.rows_read;
    total.embedded_rows += c.embedded_rows;
    total.documents_built += c.documents_built;
    total.documents_written += c.documents_written;
    total.rejected += c.rejected;
    total.rejected_rows += c.rejected_rows;
    total.missing_parents += c.missing_parents;
    total.bytes_written += c.bytes_written;
    total.warnings += c.warnings;
    total.source_reopens += c.source_reopens;
    total.already_upgraded += c.already_upgraded;
  }
  total.seconds = seconds;
  return total;
}

RunVerdict VerdictOf(const RunSummary& summary) {
  if (!summary.failure.ok() || !UnaccountedRows(summary).empty()) return RunVerdict::kFailed;
  return summary.TotalRejected() > 0 ? RunVerdict::kRejects : RunVerdict::kWritten;
}

std::string FormatIndexesAndValidators(const RunSummary& summary) {
  std::string out;
  std::vector<std::string> created, refused;
  for (const IndexOutcome& index : summary.indexes) {
    std::string name = index.collection + "." + index.name;
    if (index.state == IndexOutcome::State::kRefused) refused.push_back(fmt::format("{} ({})", name, index.reason));
    else created.push_back(index.state == IndexOutcome::State::kAlreadyThere ? name + " (already there)" : name);
  }
  if (!created.empty()) out += fmt::format("Indexes created: {}.\n", fmt::join(created, ", "));
  for (const auto& index : refused) out += fmt::format("Index REFUSED by the target: {}\n", index);
  for (const ValidatorOutcome& validator : summary.validators) {
    if (validator.installed)
      out += fmt::format("Validator of {} installed (validationLevel {}).\n", validator.collection,
                         ValidationName(validator.level));
    else
      out += fmt::format("Validator of {} NOT installed ({}); its schema is in {}\n", validator.collection,
                         validator.reason, validator.schema_file);
  }
  return out;
}

std::string FormatSummary(const RunSummary& summary) {
  std::string out = fmt::format("{:<24} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8} {:>10}\n", "collection",
                                "rows read", "joined", "written", "rejected", "warnings", "dangling", "MB", "seconds",
                                "docs/s");
  for (const auto& c : summary.collections) {
    std::string note = c.state == CollectionState::kFailed    ? "  (failed)"
                       : c.state == CollectionState::kPending ? "  (not run)"
                                                              : "";
    out += Row(c.collection, c, c.seconds, note);
  }
  CollectionCounters total = TotalOf(summary);
  out += Row("total", total, summary.seconds, "");
  out += "joined: rows read from embedded tables; dangling: object embeds whose key matched no row.\n";
  out += IncrementalText(summary);
  for (const auto& warning : summary.warnings) out += "warning: " + FormatWarning(warning) + "\n";
  if (total.missing_parents > 0)
    out += fmt::format("{} dangling references were stored as null.\n", total.missing_parents);
  if (total.already_upgraded > 0)
    out += fmt::format("{} of the documents written were at the new schema_version already and were left as they "
                       "were (an earlier --upgrade run had done them).\n", total.already_upgraded);
  if (total.source_reopens > 0)
    out += fmt::format("The source connection was lost {} times and reopened in the run's snapshot each time; no "
                       "row was read twice or missed.\n", total.source_reopens);
  if (!summary.rejects_path.empty())
    out += fmt::format("{} rows or documents were rejected; each is listed with its reason in {}\n", total.rejected,
                       summary.rejects_path);
  out += FormatIndexesAndValidators(summary);
  std::vector<std::string> unaccounted = UnaccountedRows(summary);
  for (const auto& problem : unaccounted) out += "ROWS UNACCOUNTED FOR: " + problem + "\n";
  switch (VerdictOf(summary)) {
    case RunVerdict::kWritten:
      out += fmt::format("OK: every row read is written: {} documents in {} collections, in {:.2f} s.\n",
                         total.documents_written, summary.collections.size(), summary.seconds);
      break;
    case RunVerdict::kRejects:
      out += fmt::format("FINISHED WITH REJECTS: {} documents written, {} rejected (listed with their reasons).\n",
                         total.documents_written, total.rejected);
      break;
    case RunVerdict::kFailed:
      out += summary.failure.ok()
                 ? std::string("FAILED: rows are unaccounted for (see above).\n")
                 : fmt::format("FAILED: {} documents written before the run stopped: {}\n", total.documents_written,
                               summary.failure.message());
      break;
  }
  return out;
}

}  // namespace sql2mongo
