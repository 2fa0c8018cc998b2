// Counters of one run, per collection, at every stage: read, embedded, written, rejected. The pipeline
// updates them per batch (atomics, no lock) and anyone may read them while the run goes on: the progress
// display, a report, a scheduler's health check.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sql2mongo/index_spec.h"
#include "sql2mongo/status.h"
#include "sql2mongo/value.h"
#include "sql2mongo/value_warnings.h"

namespace sql2mongo {

enum class CollectionState { kPending, kRunning, kDone, kFailed };

// One collection's figures at one moment (or at the end of the run).
struct CollectionCounters {
  std::string collection;
  std::string table;             // its root table
  uint64_t rows_read = 0;        // root rows of this collection
  uint64_t embedded_rows = 0;    // rows read from embedded tables (child and parent rows)
  uint64_t documents_built = 0;
  uint64_t documents_written = 0;
  uint64_t rejected = 0;         // rows or documents that went to the rejects file
  uint64_t rejected_rows = 0;    // ... of which rows of embedded tables (orphans, unmatched keys)
  uint64_t missing_parents = 0;  // object embeds whose foreign key pointed at no row (embedded as null)
  uint64_t bytes_written = 0;    // BSON bytes sent
  uint64_t warnings = 0;         // values that arrived but not as their column declares (RunSummary.warnings)
  uint64_t source_reopens = 0;   // source connections lost mid-read and reopened in the run's snapshot
  uint64_t already_upgraded = 0; // run --upgrade: documents already at the new schema_version, left as they were
  uint64_t documents_deleted = 0;  // incremental runs: documents whose rows are gone (or soft-deleted)
  // The sum (mod 2^64) of the XXH3-64 digests of every document the target took, as sent: with
  // documents_written, what a collection loaded aside must hold before a swap puts it live, checked
  // by reading it back (src/cli/swap_verification.cc) without reading the source again.
  uint64_t written_digest = 0;
  // Root rows expected, from the catalog (PostgreSQL reltuples, MySQL TABLE_ROWS, sqlite_stat1 or a
  // count); -1 when unknown. An estimate: a "where" or a stale statistic makes it differ from rows_read,
  // and it is replaced by rows_read once the collection is done.
  int64_t estimated_rows = -1;
  CollectionState state = CollectionState::kPending;
  double seconds = 0;            // wall time of the collection (so far, while it runs)
  // Thread time spent per stage, summed over the threads that ran it (so it may exceed `seconds`).
  double read_seconds = 0;   // source: reading the root rows
  double embed_seconds = 0;  // source: fetching embedded rows for each batch
  double build_seconds = 0;  // building BSON documents
  double write_seconds = 0;  // the target acknowledging bulk writes
};

// The live form: what the pipeline's threads update.
struct LiveCollectionCounters {
  LiveCollectionCounters(std::string collection_name, std::string table_name)
      : collection(std::move(collection_name)), table(std::move(table_name)) {}

  const std::string collection;
  const std::string table;
  std::atomic<uint64_t> rows_read{0};
  std::atomic<uint64_t> embedded_rows{0};
  std::atomic<uint64_t> documents_built{0};
  std::atomic<uint64_t> documents_written{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> rejected_rows{0};
  std::atomic<uint64_t> missing_parents{0};
  std::atomic<uint64_t> bytes_written{0};
  std::atomic<uint64_t> warnings{0};
  std::atomic<uint64_t> source_reopens{0};
  std::atomic<uint64_t> already_upgraded{0};
  std::atomic<uint64_t> documents_deleted{0};
  std::atomic<uint64_t> written_digest{0};
  std::atomic<int64_t> estimated_rows{-1};
  std::atomic<CollectionState> state{CollectionState::kPending};
  std::atomic<int64_t> started_ns{0};   // since the run started; set when it starts
  std::atomic<int64_t> finished_ns{0};  // ... when it ends
  std::atomic<uint64_t> read_ns{0};
  std::atomic<uint64_t> embed_ns{0};
  std::atomic<uint64_t> build_ns{0};
  std::atomic<uint64_t> write_ns{0};
};

// The counters of every collection of a run, in plan order, and the run's clock.
class RunProgress {
 public:
  // (collection, root table) per collection of the plan.
  explicit RunProgress(const std::vector<std::pair<std::string, std::string>>& collections);

  size_t size() const { return collections_.size(); }
  LiveCollectionCounters& at(size_t i) { return *collections_[i]; }
  const LiveCollectionCounters& at(size_t i) const { return *collections_[i]; }

  // A consistent enough copy (each counter read once) of every collection, now.
  std::vector<CollectionCounters> Read() const;
  CollectionCounters Read(size_t i) const;

  int64_t ElapsedNanos() const;
  double ElapsedSeconds() const { return static_cast<double>(ElapsedNanos()) / 1e9; }

  // What the run is waiting on right now, when it is not plain progress ("target unreachable, retrying
  // (attempt 3, 12 s)"); empty otherwise. Set by any thread, shown by the progress display.
  void SetNotice(std::string notice);
  std::string Notice() const;

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<std::unique_ptr<LiveCollectionCounters>> collections_;
  mutable std::mutex notice_mutex_;
  std::string notice_;
};

// What an incremental run rebuilt in one collection, and why (each document counted once).
struct IncrementalAccount {
  std::string collection;
  uint64_t root_changed = 0;    // its root row changed, was inserted, or was soft-deleted
  uint64_t child_changed = 0;   // an embedded array element's row changed
  uint64_t parent_changed = 0;  // an embedded N:1 row changed
  uint64_t gone = 0;            // of those, documents deleted: the row is gone, soft-deleted or out of "where"
  uint64_t detected = 0;        // "deletes": "detect": documents deleted whose root row no longer exists
  uint64_t Rebuilt() const { return root_changed + child_changed + parent_changed; }
};

struct RunSummary {
  std::vector<CollectionCounters> collections;
  std::string rejects_path;  // where the rejects went (a file, or a folder of <collection>.jsonl); empty when none
  std::vector<std::string> rejects_files;  // the files actually written
  std::vector<ValueWarning> warnings;       // per collection, table and column
  std::vector<IndexOutcome> indexes;        // created after each collection's load, or refused
  std::vector<ValidatorOutcome> validators; // of the collections with "validate"
  double seconds = 0;
  // Incremental runs ("incremental" in the mapping). `incremental`: this run read only what changed
  // since `since` (the last successful run's watermarks); `watermarks`: taken in this run's snapshot,
  // per tracked table; `changes`: per collection read incrementally.
  bool incremental = false;
  std::map<std::string, std::vector<Value>> since;
  std::map<std::string, std::vector<Value>> watermarks;
  std::vector<IncrementalAccount> changes;
  Status failure;  // why the run stopped early; ok when it ran to the end
  uint64_t TotalRejected() const;
};

}  // namespace sql2mongo
