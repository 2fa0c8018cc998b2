// What an incremental run must rebuild: from each tracked table's rows whose change column grew past
// the last successful run's watermark, the root keys of the documents those rows are part of. A changed
// embedded row leads to its parent through its foreign key, level by level up to the root (a changed
// invoice line rebuilds its customer through invoice -> customer); a changed N:1 row leads to the rows
// that point at it, the same way. Every step is a batched key-filter scan, never a query per key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"
#include "sql2mongo/value.h"

namespace sql2mongo {

// Per tracked table (ChangeTracking::path): the highest change-column value seen, as one value.
using Watermarks = std::map<std::string, std::vector<Value>>;

// Why an incremental run rebuilds documents; each root key is counted once, by the first reason found
// (its root row, then its embedded rows in the mapping's order).
struct RebuildReasons {
  uint64_t root_changed = 0;    // the root row itself changed (or was inserted, or soft-deleted)
  uint64_t child_changed = 0;   // a row embedded as an array element (at any depth) changed
  uint64_t parent_changed = 0;  // a row embedded as an N:1 object changed
};

// The documents of one collection an incremental run rebuilds.
struct CollectionChanges {
  std::vector<std::vector<Value>> keys;  // root keys (the _id's columns, in its order), each once
  RebuildReasons reasons;
};

struct ChangeSet {
  Watermarks watermarks;  // every tracked table's, in this snapshot (the old one where nothing grew past it)
  std::map<std::string, CollectionChanges> collections;  // by collection; only for an incremental run
};

// In the source's current snapshot: the watermarks of every tracked table of `plan`, and, when `since`
// is given (an incremental run), the root keys each tracked collection must rebuild. Reads the change
// column and the join columns of the changed rows only; without `since` (a full run) the change column
// of every row, to take the first watermarks.
Result<ChangeSet> FindChanges(const Plan& plan, Source& source, const Watermarks* since);

// A watermark for people: dates in ISO 8601 UTC, other values as ValueToDisplay shows them.
std::string WatermarkText(const Value& value);

// Whether `a` sorts after `b`: numbers by value (any width), dates, text (bytewise), decimals by value.
// kDataError for values no change column holds (binary, documents) or of two kinds.
Result<bool> ChangeValueAfter(const Value& a, const Value& b);

}  // namespace sql2mongo
