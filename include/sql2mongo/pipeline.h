// Runs a plan: read -> resolve embeds -> build BSON -> write, one collection after another.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/progress.h"
#include "sql2mongo/sink.h"
#include "sql2mongo/source.h"
#include "sql2mongo/work_units.h"

namespace sql2mongo {

// How 1:N embeds are fetched (src/pipeline/embed_strategy.h says which when): kAuto picks per embed;
// the others force one where it can serve, and key lists elsewhere (run --embed-fetch, for A/B runs).
enum class EmbedFetchMode { kAuto, kMerge, kRange, kKeyList };

struct RunOptions {
  size_t batch_size = 1000;            // root rows read and documents written per batch
  size_t batch_bytes = 16 << 20;       // a write batch is cut once its documents reach this many bytes
  bool drop = false;                   // replace every target collection (as "drop": true on each)
  int writers = 2;                     // batches written at once (the sink may allow fewer)
  int read_partitions = 1;             // key ranges of a root table read at once, each by its own reader
  // Where rejected rows and documents go, as JSON lines: a folder with one <collection>.jsonl each, or
  // one file when the path ends in ".jsonl".
  std::string rejects_file;
  // A dry run's sample (sql2mongo check): at most this many root rows per collection, read by one
  // reader, and no orphan scan (it reads whole child tables). 0: every row.
  size_t sample_rows = 0;
  // Counters the caller reads while the run goes (a progress display); made for the plan's collections
  // (in plan order) by the caller. nullptr: the run keeps its own.
  RunProgress* progress = nullptr;
  // The run's work units (PlanWorkUnits, or a resumed job's state): each collection reads its units not
  // yet done, each after its checkpoint, in key order, and the ledger follows what the target
  // acknowledged so a later run can resume. nullptr: the run splits each table into read_partitions
  // units of its own and keeps no checkpoints (so reads need no key order).
  UnitLedger* units = nullptr;
  // The units continue an interrupted run (--resume): see WriteMode::earlier_run_may_have_written.
  bool resumed = false;
  // How 1:N embeds are fetched: kAuto (the streamed merge join where the plan allows it, else a key
  // range when a batch's keys allow it, else an IN list; src/pipeline/embed_strategy.h), or one forced.
  EmbedFetchMode embed_fetch = EmbedFetchMode::kAuto;
  // Called once every collection is written (the source's snapshot ended, the sink finished), with each
  // collection's final counters, and before the sink publishes what it loaded aside: a failure here
  // leaves the live collections as they were. For checks of the loaded collections ("cutover": "swap"
  // reads each back and compares it with what the run wrote).
  std::function<Status(const std::vector<CollectionCounters>&)> before_publish;
  // Incremental runs. take_watermarks: read every tracked table's watermark in the snapshot (into
  // RunSummary::watermarks). changed_since: an incremental run, from these watermarks: each collection
  // with "incremental" tables rebuilds only the documents whose rows changed past them (others are
  // read whole); nullptr: a full run.
  bool take_watermarks = false;
  const std::map<std::string, std::vector<Value>>* changed_since = nullptr;
  // Install each collection's validator before its load and create its indexes after it
  // (src/pipeline/collection_setup.h): run does; check's sample and verify's comparison write nowhere
  // that keeps them.
  bool finish_collections = false;
  // Where a collection's $jsonSchema goes when the target refuses its validator ("": here).
  std::string schema_dir;
};

// Runs every collection of the plan. summary.failure says why the run stopped early (source or target
// failure); the counters still tell what was done until then. Rows that could not become documents
// are counted as rejects, not as a failure.
RunSummary RunPlan(const Plan& plan, Source& source, Sink& sink, const RunOptions& options);

// (collection, root table) of each collection, in plan order: what a RunProgress is made of.
std::vector<std::pair<std::string, std::string>> CollectionsOf(const Plan& plan);

}  // namespace sql2mongo
