// The streamed merge join: a work unit's root rows are read ORDER BY their key, and each merged array
// level below them is read as ONE stream per unit, ordered by the same root key, so the rows of a batch
// of parents are the head of each stream; no query per batch.
//
// - first level: `SELECT child.* FROM child WHERE fk in the unit's range ORDER BY fk, order_by`;
// - second level: the grandchild joined to its parent in the database, carrying the parent's foreign key
//   (the root key): `SELECT g.*, p.fk FROM g JOIN p ON g.fk = p.pk WHERE p.fk in the unit's range
//   ORDER BY p.fk, g.fk, g.order_by`. The grandchildren of a batch are then grouped by their own parent
//   as a key list's rows are (embed_resolver.cc), so p's order and its ties need not be repeated here.
//
// A batch takes from each stream every row whose root key is at most the batch's last key. Rows of
// keys no parent of the batch holds (a gap: a missing parent, an orphan) are dropped by the resolver as
// a key range's are, and left to the orphan scan; rows whose root key is NULL (in no document) or not an
// integer (SQLite's dynamic types: never equal to an integer key) are dropped here, and the orphan scan
// finds those that are orphans, as it does with key lists. Nothing is counted twice: a row is taken once.
//
// Only integer keys: the database orders integers exactly as sql2mongo compares them, whereas text
// follows the column's collation ('a' < 'B' or not) and a merge in another order would misplace rows.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// The name the second level's stream gives the carried root key (never a column of the grandchild).
inline constexpr char kCarriedRootKey[] = "s2m_root_key";

// Whether one array embed of a collection can come from a merge stream, and why (for check).
struct MergeDecision {
  bool merged = false;
  const EmbedPlan* through = nullptr;  // a second level: the first-level embed whose table it is joined to
  std::string why;
};

// For every array embed of `collection`'s root and of its first level, whether the merge join may
// stream it, from the plan (single-column key of the root joined by the first level, no "where" on the
// tables joined through) and the catalog (integer key columns).
std::map<const EmbedPlan*, MergeDecision> PlanMergeJoin(const CollectionPlan& collection, Source& source);

// The streams of one work unit. Used by one reader thread.
class MergeStreams {
 public:
  // One stream per merged embed of `plan`, over `root_range` (the root scan's range on the unit's key
  // column; nullopt: the whole table). Each is a cursor (Source::Scan), so memory stays one chunk each.
  static Result<std::unique_ptr<MergeStreams>> Open(Source& source, const std::map<const EmbedPlan*, MergeDecision>& plan,
                                                    const std::optional<KeyRange>& root_range);

  // The next root batch, its key in column `key_column`. False when its keys are not integers in
  // strictly ascending order past the previous batch's: the caller stops merging for the rest of the unit.
  bool StartBatch(const RowBatch& roots, int key_column);
  bool Streams(const EmbedPlan& embed) const { return streams_.count(&embed) > 0; }
  // Replaces *rows with the rows of `embed` whose root key is at most the current batch's last key, in
  // stream order (a second level's with the carried key as one more column, last).
  Status Take(const EmbedPlan& embed, RowBatch* rows);

 private:
  struct Stream {
    std::unique_ptr<RowStream> rows;
    std::string table;
    int key_column = -1;  // of the root key, in the stream's rows
    RowBatch pending;     // the chunk read last; rows from `next` on are not taken yet
    size_t next = 0;
    bool ended = false;
    int64_t last_taken = INT64_MIN;
    bool took_any = false;
    size_t last_batch_rows = 0;  // rows the last batch took: room reserved for the next
  };

  std::map<const EmbedPlan*, Stream> streams_;
  bool started_ = false;
  int64_t batch_last_ = INT64_MIN;
};

}  // namespace sql2mongo
