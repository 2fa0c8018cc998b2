// What `sql2mongo init` measures before it proposes a document model: each table's catalog entry, its row
// count and row sizes, and for each foreign key how many child rows point at each parent (the fan-out).
// Everything is measured with plain Source::Scan streams, so any connector can be surveyed; the decisions
// made from these numbers live in model_proposal.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// Children per parent for one foreign key, over the child rows read.
struct FanOut {
  uint64_t child_rows = 0;        // rows read from the child table
  uint64_t null_keys = 0;         // of which some key column is NULL (they point at no parent)
  uint64_t parents_used = 0;      // distinct non-NULL keys
  // Over every parent row (those with no child count as 0) when the parent was surveyed, else over the
  // keys seen.
  uint64_t max = 0;
  uint64_t p50 = 0;
  uint64_t p99 = 0;
  bool capped = false;  // the child's scan stopped at the row cap: the figures are of a prefix
};

struct TableSurvey {
  TableInfo info;
  uint64_t rows = 0;
  bool rows_capped = false;  // the scan stopped at SurveyOptions::max_rows_per_table
  // Estimated BSON bytes of one row as a sub-document with the column names as keys.
  double average_row_bytes = 0;
  uint64_t max_row_bytes = 0;
  std::vector<FanOut> fan_outs;  // one per info.foreign_keys, same order
};

// A table that is listed but could not be described or read, with the reason.
struct UnreadableTable {
  std::string name;
  std::string reason;
};

struct CatalogSurvey {
  std::vector<TableSurvey> tables;        // in ListTables order
  std::vector<UnreadableTable> unreadable;
  std::vector<std::string> not_selected;  // listed by the source, left out by --tables
  std::vector<std::string> views;         // selected, but views: described, not read (their rows are their base tables')
  uint64_t max_rows_per_table = 0;        // the cap the scans used

  // The surveyed table named `name` (exact, then case-insensitive), or nullptr.
  const TableSurvey* Find(const std::string& name) const;
};

struct SurveyOptions {
  std::vector<std::string> tables;  // only these (exact or case-insensitive names); empty: every table
  // Each table is streamed once, up to this many rows: bounds the time and the memory of the per-key
  // counts (one map entry per distinct key of each foreign key).
  uint64_t max_rows_per_table = 5'000'000;
  size_t batch_rows = 10'000;
};

// Lists, describes and streams every selected table once. A table that cannot be described or read is
// reported in `unreadable`, not as an error; a name in options.tables that the source lacks is kNotFound.
Result<CatalogSurvey> SurveyCatalog(Source& source, const SurveyOptions& options);

}  // namespace sql2mongo
