// How large a collection's documents will be, estimated before anything is built: the document count
// from the root table's row count, the size spread from a sample of root rows with each embed's sampled
// fan-out and the sampled rows' own widths, and every parent whose document would pass the target's
// size limit, found with one GROUP BY count per embedded array (Source::CountRows) rather than by
// reading the child tables. For `sql2mongo check`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

struct EstimateOptions {
  size_t sample_rows = 1000;          // root rows sampled, and parent rows per embed level
  uint64_t max_child_rows = 100'000;  // rows read per embed for its fan-out and widths...
  uint64_t max_child_bytes = 64 << 20;  // ... and bytes (as BSON), whichever comes first
  uint64_t max_document_bytes = 16 * 1024 * 1024;
  size_t max_oversized = 10;          // parents listed per embedded array
};

// A parent row whose document would pass the limit because of one embedded array.
struct OversizedDocument {
  std::string embed_path;    // the plan's path of the array, e.g. "customers.invoices.lines"
  std::string array;         // its place in the document: "invoices.lines"
  std::string parent_table;  // the table whose row holds the array
  std::vector<std::pair<std::string, std::string>> parent_key;  // (column, value as the database prints it)
  std::string child_table;
  uint64_t rows = 0;             // rows the array would hold
  uint64_t item_bytes = 0;       // estimated bytes of one of them, with what is embedded in it
  uint64_t estimated_bytes = 0;  // of the whole document
  bool parent_is_root = true;    // false: the parent row is itself embedded in the document
};

struct CollectionEstimate {
  std::optional<uint64_t> documents;  // root rows that satisfy its "where"; unset when the source cannot count
  size_t sampled = 0;                 // root rows the sizes come from (the first ones the scan returns)
  uint64_t average_bytes = 0;
  uint64_t p99_bytes = 0;
  uint64_t max_bytes = 0;
  // Some embed's sample stopped at max_child_rows or max_child_bytes: its fan-out, and so the sizes,
  // are at least these.
  bool partial = false;
  std::vector<OversizedDocument> oversized;
  bool more_oversized = false;     // some array has more such parents than are listed
  std::vector<std::string> notes;  // what could not be estimated, and why
};

// Reads at most options.sample_rows root rows, and per embed the rows of those parents (up to
// options.max_child_rows), then runs one count per embedded array. Fails only when the source does.
Result<CollectionEstimate> EstimateCollection(const CollectionPlan& collection, Source& source,
                                              const EstimateOptions& options = {});

}  // namespace sql2mongo
