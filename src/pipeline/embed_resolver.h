// Fetches the rows every embed needs for one batch of parent rows: one query per embed per batch, at
// every depth: a range scan when the batch's keys allow it, else per (at most kMaxKeysPerQuery) parent
// keys (embed_strategy.h says which when). Never one query per parent row: that N+1
// pattern is ~90x slower than batched fetching on the measured machine (PERFORMANCE-NOTES.md).
// N:1 parent rows are cached across batches (up to kParentCacheRows per embed), so a small parent
// table (genres, categories, the products of an order line) is read once per run, not once per batch.
#pragma once

#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pipeline/reject_writer.h"
#include "sql2mongo/document_builder.h"
#include "sql2mongo/pipeline.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// Keys per IN (...) list. SQLite allows 32766 bound parameters; this leaves room for composite keys and
// keeps each statement's plan cheap.
inline constexpr size_t kMaxKeysPerQuery = 4000;
// Rows kept per N:1 embed across batches. Past it, misses are fetched per batch as before.
inline constexpr size_t kParentCacheRows = 100000;

class MergeStreams;

class EmbedResolver {
 public:
  EmbedResolver(Source& source, EmbedFetchMode mode = EmbedFetchMode::kAuto) : source_(source), mode_(mode) {}

  // Resolves every embed of `plan` for `parents` (rows of plan.table), recursively. Adds the number
  // of rows read from the source to *embedded_rows.
  Status Resolve(const TablePlan& plan, const RowBatch& parents, std::vector<ResolvedEmbed>* out,
                 uint64_t* embedded_rows);

  // Rows the database returned for a batch's keys whose key, compared as sql2mongo compares keys,
  // matches none of them (a type or collation the SQL comparison bridged: '7' = 7, 'abc' = 'ABC'). They
  // could be placed in no document; the caller rejects them so none goes missing silently.
  std::vector<RejectRecord> TakeUnmatched() { return std::move(unmatched_); }

  // Array fetches so far by key range and by key list, and batches of an array taken from a merge stream
  // (for the info log and the tests).
  uint64_t range_fetches() const { return range_fetches_; }
  uint64_t list_fetches() const { return list_fetches_; }
  uint64_t merge_takes() const { return merge_takes_; }
  // Rows of each array embed taken from a merge stream and placed under a parent of their batch. Each row
  // of a stream is taken once, so when an embed's count equals its table's row count, every row of that
  // table is in a document and the orphan scan has nothing to find (RejectOrphans skips it).
  const std::map<const EmbedPlan*, uint64_t>& streamed_rows_placed() const { return streamed_rows_placed_; }

  // The current work unit's merge streams (embed_merge.h): the embeds they stream are taken from them
  // instead of fetched. nullptr: none (a unit not read in key order, or one that fell back).
  void SetMerge(MergeStreams* merge) { merge_ = merge; }

  // The scan of `embed`'s rows, without the keys: its columns, its "where", and its order (the join
  // columns, then order_by).
  static ScanRequest ChildRequest(const EmbedPlan& embed);

 private:
  // Each fetch's rows stay one read-only batch, shared with the ResolvedEmbeds that embed them.
  struct CachedRow {
    uint32_t batch;  // into batches
    uint32_t row;
  };
  struct ParentCache {
    std::vector<std::shared_ptr<const RowBatch>> batches;
    std::unordered_map<std::string, CachedRow> row_by_key;
    std::unordered_set<std::string> missing;  // keys known to match no row: not asked again
  };

  Status ResolveOne(const TablePlan& parent, const EmbedPlan& embed, const RowBatch& parents, ResolvedEmbed* out,
                    uint64_t* embedded_rows);
  // Reads the rows of `embed.table` whose foreign columns lie in [first, last] (one index range scan).
  Status FetchRange(const EmbedPlan& embed, std::vector<Value> first, std::vector<Value> last, RowBatch* rows);
  // Appends every row `request` returns to *rows.
  Status ReadAll(const EmbedPlan& embed, const ScanRequest& request, RowBatch* rows);
  // Reads the rows of `embed.table` whose foreign columns equal one of `keys`, appending to *rows.
  Status Fetch(const EmbedPlan& embed, std::vector<std::vector<Value>> keys, RowBatch* rows);
  Status ResolveFromCache(const EmbedPlan& embed, const std::vector<std::string>& key_texts,
                          std::vector<std::vector<Value>> keys, ResolvedEmbed* out, uint64_t* embedded_rows);

  void RecordUnmatched(const EmbedPlan& embed, const RowBatch& rows, size_t row);

  Source& source_;
  const EmbedFetchMode mode_;
  std::map<const EmbedPlan*, ParentCache> caches_;
  std::vector<RejectRecord> unmatched_;
  uint64_t range_fetches_ = 0;
  uint64_t list_fetches_ = 0;
  uint64_t merge_takes_ = 0;
  std::map<const EmbedPlan*, uint64_t> streamed_rows_placed_;
  MergeStreams* merge_ = nullptr;
};

}  // namespace sql2mongo
