// Rows (+ the child and parent rows resolved for them) -> bson_t, following a plan's document shape.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/row_batch.h"
#include "sql2mongo/sink.h"

namespace sql2mongo {

// Rows [first, first + count) of a batch: of the embed's own `rows`, or of `in` when that is set.
struct RowSpan {
  uint32_t first = 0;
  uint32_t count = 0;
  const RowBatch* in = nullptr;  // a batch of ResolvedEmbed::borrowed (an N:1 row from the cache)
};

// The rows of one embed fetched for one batch of parent rows, grouped by join key: each key's rows are
// one run of `rows`, in the embed's order_by (a span, not a list of row numbers: no allocation per key).
struct ResolvedEmbed {
  RowBatch rows;
  // Join key (see AppendJoinKey) -> its rows (an array's parent keys without rows may hold empty spans).
  std::unordered_map<std::string, RowSpan> rows_by_key;
  std::vector<ResolvedEmbed> nested;  // one per embed of the embedded table, resolved for `rows`
  // The read-only batches of cached N:1 rows that spans point into, held while this batch is built:
  // an N:1 row read once is shared by every document that embeds it, not copied per batch.
  std::vector<std::shared_ptr<const RowBatch>> borrowed;
};

// The join key of `row` over `columns`; false when any of them is NULL (NULL joins nothing).
bool JoinKeyOf(const RowBatch& batch, size_t row, const std::vector<int>& columns, std::string* key);

struct BuildCounters {
  uint64_t missing_parents = 0;  // object embeds whose key matched no row
};

// Builds the document for row `row` of `rows` (rows of the collection's table). Returns kDataError
// naming the column when a value cannot be converted; the caller turns that into a reject.
Result<BsonPtr> BuildDocument(const CollectionPlan& plan, const RowBatch& rows, size_t row,
                              const std::vector<ResolvedEmbed>& embeds, BuildCounters* counters);

// Appends one Value under `key`. Fails for text that is not valid UTF-8 and for decimals beyond
// Decimal128's 34 digits.
Status AppendValue(bson_t* doc, const char* key, size_t key_length, const Value& value);

// {"_id": ...} of the document the root row with `key` (the _id's columns, in its order) becomes: what
// a delete by _id selects. Not for a generated _id.
Result<BsonPtr> IdDocumentOf(const CollectionPlan& plan, const std::vector<Value>& key);

// The _id of a built document as relaxed Extended JSON, for messages and reject files.
std::string DocumentIdJson(const bson_t* doc);

}  // namespace sql2mongo
