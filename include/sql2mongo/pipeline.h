// Runs a plan: read -> resolve embeds -> build BSON -> write, one collection after another.
#pragma once

#include <string>

#include "sql2mongo/plan.h"
#include "sql2mongo/progress.h"
#include "sql2mongo/sink.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

struct RunOptions {
  size_t batch_size = 1000;            // root rows read and documents written per batch
  size_t batch_bytes = 16 << 20;       // a write batch is cut once its documents reach this many bytes
  bool drop = false;                   // replace the target collections
  int writers = 2;                     // batches written at once (the sink may allow fewer)
  int read_partitions = 1;             // key ranges of a root table read at once, each by its own reader
  std::string rejects_file;            // JSON lines, one per rejected row or document
  // A dry run's sample (sql2mongo check): at most this many root rows per collection, read by one
  // reader, and no orphan scan (it reads whole child tables). 0: every row.
  size_t sample_rows = 0;
};

// Runs every collection of the plan. summary.failure says why the run stopped early (source or target
// failure); the counters still tell what was done until then. Rows that could not become documents
// are counted as rejects, not as a failure.
RunSummary RunPlan(const Plan& plan, Source& source, Sink& sink, const RunOptions& options);

}  // namespace sql2mongo
