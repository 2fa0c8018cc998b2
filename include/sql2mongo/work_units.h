// A run split into work units: each collection's root table as key ranges, plus one unit for its orphan
// scan. A unit is what a checkpoint, a resume and (later) another machine's claim refer to, so its id
// is stable for the same mapping and its bounds are typed key values, not only integers.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/value.h"

namespace sql2mongo {

struct WorkUnit {
  enum class Kind { kRange, kOrphans };
  // "<collection>/<n>" for ranges (n from 1, in key order), "<collection>/orphans" for the orphan scan.
  std::string id;
  std::string collection;
  Kind kind = Kind::kRange;
  // The root table's key columns (the _id's columns, in the _id's order) and the range [low, high) of
  // their values compared as one row value; an empty bound is open. Empty columns: the collection has
  // no key to range over (a generated _id), and the unit is the whole table.
  std::vector<std::string> key_columns;
  std::vector<Value> low;
  std::vector<Value> high;
  // The key of the last root row whose document (and every one before it in key order, within the
  // unit) the target acknowledged: a resumed unit reads only the rows after it. Empty: none yet.
  std::vector<Value> checkpoint;
  bool done = false;
  uint64_t rows_read = 0;           // root rows behind the checkpoint, over every run of the job
  uint64_t documents_written = 0;

  bool Resumable() const { return !key_columns.empty(); }
};

// The key columns a collection's units range over: the root table's columns of the _id (one column, or
// a composite's parts in order); empty for a generated _id.
std::vector<std::string> UnitKeyColumns(const CollectionPlan& collection);

// How many units a collection's table is split into.
struct UnitSizing {
  size_t units = 0;                 // per collection; 0: from the table's row estimate, as below
  size_t at_least = 1;              // the readers: never fewer units than can be read at once
  uint64_t rows_per_unit = 250000;  // a unit's size when sized from the estimate: a few seconds of work
  size_t at_most = 64;
};

// Splits each collection of `plan` into work units: key ranges of about equal row counts (fewer for
// small tables, one when the source cannot split or the _id is generated), and an orphan-scan unit when
// the collection embeds arrays. Reads only the source's catalog and keys.
Result<std::vector<WorkUnit>> PlanWorkUnits(const Plan& plan, Source& source, const UnitSizing& sizing);

// The run's units, shared by the pipeline (which moves a unit's checkpoint as the target acknowledges
// its batches in key order) and whoever keeps them (the job state, saved every few seconds). Thread-safe.
class UnitLedger {
 public:
  explicit UnitLedger(std::vector<WorkUnit> units);

  WorkUnit Get(size_t unit) const;
  // The units of `collection`, in plan order.
  std::vector<size_t> UnitsOf(const std::string& collection) const;
  // The unit's checkpoint moves to `key` with `rows` root rows and `documents` more behind it.
  void Advance(size_t unit, std::vector<Value> key, uint64_t rows, uint64_t documents);
  void MarkDone(size_t unit);
  // The units changed since the last call (every unit the first time), for saving.
  std::vector<WorkUnit> TakeChanged();
  void MarkAllChanged();  // a save failed: the next one carries every unit

 private:
  mutable std::mutex mutex_;
  std::vector<WorkUnit> units_;
  std::vector<bool> changed_;
};

}  // namespace sql2mongo
