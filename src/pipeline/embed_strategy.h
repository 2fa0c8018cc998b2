// How the rows of one embed are fetched for a batch of parents, chosen per embed from the plan and per
// batch from the parents' keys:
//
// - merge stream (embed_merge.h, first): the root's integer key joined by the first level, and the level
//   below it: one stream per work unit and level, the batch takes its head; no query per batch.
// - key range: the batch's parent keys are integers in ascending order with few gaps (a root read in key
//   order: SQLite rowid tables, InnoDB's clustered primary key, a PostgreSQL heap loaded in key order, any
//   root a checkpointed run reads ORDER BY its key), so the children are one index range scan,
//   `fk >= first AND fk <= last`, instead of an IN list of point probes. Children of parents outside the
//   batch (gaps in the range) are dropped: each is read again by its own parent's batch, and a true orphan
//   by the orphan scan.
// - key list: `fk IN (...)`, for whatever the range cannot serve (keys out of order or sparse, text or
//   date keys whose SQL ordering may differ from ours, parents filtered by a "where").
// - cache: N:1 objects, keys not seen yet fetched by key list, rows kept across batches.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/value.h"

namespace sql2mongo {

// A batch's keys may span at most this many integers per key for a range fetch: past it the range would
// read more children of parents outside the batch than it saves in probes.
inline constexpr int64_t kMaxRangeSpanPerKey = 4;

struct EmbedFetchPlan {
  bool range_allowed = false;  // a batch whose keys allow it is fetched by key range
  std::string why;             // for check's plan line
};

// What the plan allows for `embed` of `parent`; the batch's keys decide the rest (KeysFormRange).
// `parent_is_root`: the parents are a collection's root rows (read in their table's order), not the rows
// of an array embed (which come grouped by their own parent, so rarely in the order of their key).
EmbedFetchPlan PlanEmbedFetch(const EmbedPlan& embed, const TablePlan& parent, bool parent_is_root);
// PlanEmbedFetch(embed, parent).range_allowed, without the words: called once per embed per batch.
bool RangeFetchAllowed(const EmbedPlan& embed, const TablePlan& parent);

// The value of an integer key part; nullopt for any other type (text, dates, decimals: SQL may order
// them otherwise than sql2mongo compares them).
std::optional<int64_t> IntegerKeyOf(const Value& value);

// Whether `keys` (distinct, in the parents' order; one value per key column) are integers in strictly
// ascending order whose leading column spans at most kMaxRangeSpanPerKey values per key: then
// [keys.front(), keys.back()] holds every key, and few others.
bool KeysFormRange(const std::vector<std::vector<Value>>& keys);

}  // namespace sql2mongo
