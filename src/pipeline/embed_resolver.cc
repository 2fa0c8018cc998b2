#include "pipeline/embed_resolver.h"

#include <fmt/format.h>

#include "pipeline/embed_merge.h"
#include "pipeline/embed_strategy.h"

namespace sql2mongo {
namespace {

void CopyRow(const RowBatch& from, size_t row, RowBatch* to) {
  for (size_t c = 0; c < from.width(); ++c) to->Append(from.at(row, c));
}

bool IntegerKey(const RowBatch& rows, size_t row, const std::vector<int>& columns) {
  for (int column : columns) {
    const Value& value = rows.at(row, column);
    if (!std::holds_alternative<int32_t>(value) && !std::holds_alternative<int64_t>(value)) return false;
  }
  return true;
}

// Removes the rows `drop` (ascending) from out->rows, renumbering out->rows_by_key.
void DropRows(const std::vector<uint32_t>& drop, ResolvedEmbed* out) {
  RowBatch kept(out->rows.columns());
  kept.Reserve(out->rows.rows() - drop.size());
  std::vector<uint32_t> renumbered(out->rows.rows());
  size_t next_drop = 0;
  for (size_t row = 0; row < out->rows.rows(); ++row) {
    if (next_drop < drop.size() && drop[next_drop] == row) {
      ++next_drop;
      continue;
    }
    renumbered[row] = static_cast<uint32_t>(kept.rows());
    CopyRow(out->rows, row, &kept);
  }
  for (auto& [key, rows] : out->rows_by_key)
    for (uint32_t& row : rows) row = renumbered[row];
  out->rows = std::move(kept);
}

}  // namespace

void EmbedResolver::RecordUnmatched(const EmbedPlan& embed, const RowBatch& rows, size_t row) {
  std::string key;
  for (int column : embed.foreign_columns) key += (key.empty() ? "" : ", ") + ValueToDisplay(rows.at(row, column));
  unmatched_.push_back(RejectRecord{
      "", "embed", "null",
      fmt::format("row of table '{}' for {} was returned for key ({}) but its key equals none the batch asked for "
                  "once compared by value and type (the database compared them with its own type conversion or "
                  "collation); give both join columns the same type and collation",
                  embed.table.table, embed.path, key),
      RowToJson(rows, row, embed.table.read_columns.size())});
}

Status EmbedResolver::Resolve(const TablePlan& plan, const RowBatch& parents, std::vector<ResolvedEmbed>* out,
                              uint64_t* embedded_rows) {
  out->clear();
  out->resize(plan.embeds.size());
  for (size_t i = 0; i < plan.embeds.size(); ++i) {
    S2M_RETURN_IF_ERROR(ResolveOne(plan, plan.embeds[i], parents, &(*out)[i], embedded_rows));
  }
  return Status::Ok();
}

// The scan of `embed`'s rows, without the keys: its columns, its "where", and its order.
ScanRequest EmbedResolver::ChildRequest(const EmbedPlan& embed) {
  ScanRequest request = embed.table.ScanOfReadColumns();
  // The join columns first: an index on them then yields the rows already grouped, and the database
  // sorts only within each parent (SQLite: "TEMP B-TREE FOR RIGHT PART OF ORDER BY"; measured 25 %
  // less time than sorting all of a batch's child rows by order_by alone). Within one parent the order
  // is the mapping's order_by, which is all the arrays need.
  for (const auto& column : embed.foreign_names) request.order_by.push_back(OrderTerm{column, false});
  request.order_by.insert(request.order_by.end(), embed.table.order_by.begin(), embed.table.order_by.end());
  return request;
}

Status EmbedResolver::ReadAll(const EmbedPlan& embed, const ScanRequest& request, RowBatch* rows) {
  Result<std::unique_ptr<RowStream>> stream = source_.Scan(request);
  if (!stream.ok()) return stream.status().WithContext("embedding " + embed.path);
  RowBatch chunk;
  while (true) {
    Result<bool> more = (*stream)->Next(&chunk, 4096);
    if (!more.ok()) return more.status().WithContext("embedding " + embed.path);
    if (!more.value()) break;
    rows->AppendRows(std::move(chunk));
  }
  return Status::Ok();
}

Status EmbedResolver::Fetch(const EmbedPlan& embed, std::vector<std::vector<Value>> keys, RowBatch* rows) {
  for (size_t start = 0; start < keys.size(); start += kMaxKeysPerQuery) {
    ScanRequest request = ChildRequest(embed);
    KeyFilter filter;
    filter.columns = embed.foreign_names;
    size_t end = std::min(keys.size(), start + kMaxKeysPerQuery);
    filter.keys.assign(std::make_move_iterator(keys.begin() + start), std::make_move_iterator(keys.begin() + end));
    request.key_filter = std::move(filter);
    S2M_RETURN_IF_ERROR(ReadAll(embed, request, rows));
  }
  return Status::Ok();
}

Status EmbedResolver::FetchRange(const EmbedPlan& embed, std::vector<Value> first, std::vector<Value> last,
                                 RowBatch* rows) {
  ScanRequest request = ChildRequest(embed);
  KeyRange range;
  range.columns = embed.foreign_names;
  range.low = std::move(first);
  range.high = std::move(last);
  range.high_inclusive = true;
  request.range = std::move(range);
  return ReadAll(embed, request, rows);
}

Status EmbedResolver::ResolveOne(const TablePlan& parent, const EmbedPlan& embed, const RowBatch& parents,
                                 ResolvedEmbed* out, uint64_t* embedded_rows) {
  // Distinct non-NULL parent keys, in first-seen order.
  std::unordered_set<std::string> seen;
  std::vector<std::string> key_texts;
  std::vector<std::vector<Value>> keys;
  std::string key;
  for (size_t row = 0; row < parents.rows(); ++row) {
    if (!JoinKeyOf(parents, row, embed.local_columns, &key) || !seen.insert(key).second) continue;
    std::vector<Value> values;
    for (int column : embed.local_columns) values.push_back(parents.at(row, column));
    keys.push_back(std::move(values));
    key_texts.push_back(key);
  }
  out->rows = RowBatch(embed.table.read_columns);
  if (embed.kind == EmbedKind::kObject) return ResolveFromCache(embed, key_texts, std::move(keys), out, embedded_rows);

  const bool by_stream = merge_ && merge_->Streams(embed);
  const bool by_range = !by_stream && (mode_ == EmbedFetchMode::kAuto || mode_ == EmbedFetchMode::kRange) &&
                        RangeFetchAllowed(embed, parent) && KeysFormRange(keys);
  if (by_stream) {
    ++merge_takes_;
    S2M_RETURN_IF_ERROR(merge_->Take(embed, &out->rows));
  } else if (by_range) {
    ++range_fetches_;
    S2M_RETURN_IF_ERROR(FetchRange(embed, keys.front(), keys.back(), &out->rows));
  } else {
    ++list_fetches_;
    S2M_RETURN_IF_ERROR(Fetch(embed, std::move(keys), &out->rows));
  }
  // Rows arrive in order_by order and every key lives in exactly one query (or one stream, where each
  // key's rows are consecutive), so appending keeps each parent's array in order_by order.
  out->rows_by_key.reserve(key_texts.size());
  std::vector<uint32_t> outside;  // range fetch: children of parents outside this batch
  for (size_t row = 0; row < out->rows.rows(); ++row) {
    if (JoinKeyOf(out->rows, row, embed.foreign_columns, &key) && seen.count(key)) {
      out->rows_by_key[key].push_back(static_cast<uint32_t>(row));
    } else if ((by_range || by_stream) && IntegerKey(out->rows, row, embed.foreign_columns)) {
      // An integer key in the range that no parent of the batch holds: the child of a parent read in
      // another batch (which reads it again), or an orphan (which the orphan scan rejects); from a merge
      // stream, also the child of a parent row left out (of a missing grandparent, or a NULL key). A key
      // of another type was matched by the database's own conversion: rejected below, as with a key list.
      outside.push_back(static_cast<uint32_t>(row));
    } else {
      RecordUnmatched(embed, out->rows, row);
    }
  }
  if (!outside.empty()) DropRows(outside, out);
  if (by_stream) streamed_rows_placed_[&embed] += out->rows.rows();
  *embedded_rows += out->rows.rows();
  return Resolve(embed.table, out->rows, &out->nested, embedded_rows);
}

Status EmbedResolver::ResolveFromCache(const EmbedPlan& embed, const std::vector<std::string>& key_texts,
                                       std::vector<std::vector<Value>> keys, ResolvedEmbed* out,
                                       uint64_t* embedded_rows) {
  ParentCache& cache = caches_[&embed];
  if (cache.rows.width() == 0) cache.rows = RowBatch(embed.table.read_columns);
  std::vector<std::vector<Value>> misses;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!cache.row_by_key.count(key_texts[i]) && !cache.missing.count(key_texts[i])) misses.push_back(keys[i]);
  }
  RowBatch fetched(embed.table.read_columns);
  S2M_RETURN_IF_ERROR(Fetch(embed, std::move(misses), &fetched));
  *embedded_rows += fetched.rows();

  // Rows fetched this batch, by key (an N:1 key names one row; should the foreign columns not be
  // unique, the first row in order_by order wins, as without the cache).
  std::unordered_map<std::string, uint32_t> fetched_by_key;
  std::unordered_set<std::string> asked(key_texts.begin(), key_texts.end());
  std::string key;
  for (size_t row = 0; row < fetched.rows(); ++row) {
    if (JoinKeyOf(fetched, row, embed.foreign_columns, &key) && asked.count(key)) {
      fetched_by_key.emplace(key, static_cast<uint32_t>(row));
    } else {
      RecordUnmatched(embed, fetched, row);
    }
  }
  bool cache_has_room = cache.rows.rows() + fetched_by_key.size() <= kParentCacheRows;
  for (const auto& [fetched_key, row] : fetched_by_key) {
    if (!cache_has_room) break;
    cache.row_by_key.emplace(fetched_key, static_cast<uint32_t>(cache.rows.rows()));
    CopyRow(fetched, row, &cache.rows);
  }

  // This batch's rows, one per key that matched, in first-seen order.
  for (const std::string& key_text : key_texts) {
    auto cached = cache.row_by_key.find(key_text);
    auto fresh = fetched_by_key.find(key_text);
    if (cached != cache.row_by_key.end()) {
      CopyRow(cache.rows, cached->second, &out->rows);
    } else if (fresh != fetched_by_key.end()) {
      CopyRow(fetched, fresh->second, &out->rows);
    } else {
      if (cache.missing.size() < kParentCacheRows) cache.missing.insert(key_text);
      continue;
    }
    out->rows_by_key[key_text].push_back(static_cast<uint32_t>(out->rows.rows() - 1));
  }
  return Resolve(embed.table, out->rows, &out->nested, embedded_rows);
}

}  // namespace sql2mongo
