// Fetches the rows every embed needs for one batch of parent rows: one query per embed per batch of
// (at most kMaxKeysPerQuery) parent keys, at every depth. Never one query per parent row: that N+1
// pattern is ~90x slower than batched fetching on the measured machine (PERFORMANCE-NOTES.md).
#pragma once

#include <vector>

#include "sql2mongo/document_builder.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// Keys per IN (...) list. SQLite allows 32766 bound parameters; this leaves room for composite keys and
// keeps each statement's plan cheap.
inline constexpr size_t kMaxKeysPerQuery = 4000;

// Resolves every embed of `plan` for `parents` (rows of plan.table), recursively. Adds the number of
// rows fetched to *embedded_rows.
Status ResolveEmbeds(Source& source, const TablePlan& plan, const RowBatch& parents,
                     std::vector<ResolvedEmbed>* out, uint64_t* embedded_rows);

}  // namespace sql2mongo
