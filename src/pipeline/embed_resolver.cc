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

// Keeps the rows of `rows` whose group (group[row]) is not kLeftOut, group by group, each group's rows in
// their order: what the database returned is grouped by key already, but the SQL comparison may
// interleave keys that sql2mongo tells apart ('abc' and 'ABC' under a case-blind collation), and rows
// left out (another batch's, rejected) leave holes. `starts`: where each group begins in the result.
constexpr uint32_t kLeftOut = UINT32_MAX;

void Regroup(const std::vector<uint32_t>& group, const std::vector<uint32_t>& starts, uint32_t kept,
             RowBatch* rows) {
  std::vector<uint32_t> order(kept);
  std::vector<uint32_t> next = starts;
  for (size_t row = 0; row < group.size(); ++row)
    if (group[row] != kLeftOut) order[next[group[row]]++] = static_cast<uint32_t>(row);
  RowBatch regrouped(rows->columns());
  regrouped.Reserve(kept);
  for (uint32_t row : order) CopyRow(*rows, row, &regrouped);
  *rows = std::move(regrouped);
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
  // Distinct non-NULL parent keys, in first-seen order (their values only for a query to name them). An
  // array's keys go straight into out->rows_by_key, each with no rows yet (first == kLeftOut): the
  // rows fetched are then looked up there, in one hash map.
  const bool is_array = embed.kind == EmbedKind::kArray;
  const bool by_stream = is_array && merge_ && merge_->Streams(embed);
  std::unordered_set<std::string> seen;  // an object's keys
  std::vector<std::string> key_texts;    // an object's keys, in order
  std::vector<std::vector<Value>> keys;
  std::string key;
  if (is_array) out->rows_by_key.reserve(parents.rows());
  for (size_t row = 0; row < parents.rows(); ++row) {
    if (!JoinKeyOf(parents, row, embed.local_columns, &key)) continue;
    if (is_array ? !out->rows_by_key.try_emplace(key, RowSpan{kLeftOut, 0}).second : !seen.insert(key).second) continue;
    if (!is_array) key_texts.push_back(key);
    if (by_stream) continue;
    std::vector<Value> values;
    for (int column : embed.local_columns) values.push_back(parents.at(row, column));
    keys.push_back(std::move(values));
  }
  out->rows = RowBatch(embed.table.read_columns);
  if (!is_array) return ResolveFromCache(embed, key_texts, std::move(keys), out, embedded_rows);

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
  // key's rows are consecutive), ordered by the join columns first: each key's rows are one run, in
  // order_by order. A row compares its key with the row before it, so the hash maps are asked once per
  // key, not once per row.
  const size_t fetched = out->rows.rows();
  std::vector<uint32_t> group(fetched, kLeftOut);  // per row: its key's place in first-seen order
  std::vector<uint32_t> group_rows;                // per group: its rows
  bool consecutive = true;                         // every group one run, in group order, none left out
  uint64_t unmatched = 0;
  std::string previous;
  uint32_t previous_group = kLeftOut;
  for (size_t row = 0; row < fetched; ++row) {
    bool has_key = JoinKeyOf(out->rows, row, embed.foreign_columns, &key);
    if (has_key && previous_group != kLeftOut && key == previous) {
      group[row] = previous_group;
      ++group_rows[previous_group];
    } else if (auto entry = has_key ? out->rows_by_key.find(key) : out->rows_by_key.end();
               entry != out->rows_by_key.end()) {
      if (entry->second.first == kLeftOut) {
        entry->second.first = static_cast<uint32_t>(group_rows.size());
        group_rows.push_back(0);
      } else {
        consecutive = false;  // a key met again after another one
      }
      previous_group = group[row] = entry->second.first;
      ++group_rows[previous_group];
      previous = key;
    } else if ((by_range || by_stream) && IntegerKey(out->rows, row, embed.foreign_columns)) {
      // An integer key in the range that no parent of the batch holds: the child of a parent read in
      // another batch (which reads it again), or an orphan (which the orphan scan rejects); from a merge
      // stream, also the child of a parent row left out (of a missing grandparent, or a NULL key). A key
      // of another type was matched by the database's own conversion: rejected below, as with a key list.
      consecutive = false;
      previous_group = kLeftOut;
    } else {
      RecordUnmatched(embed, out->rows, row);
      ++unmatched;
      consecutive = false;
      previous_group = kLeftOut;
    }
  }
  std::vector<uint32_t> starts(group_rows.size());
  uint32_t kept = 0;
  for (size_t g = 0; g < group_rows.size(); ++g) {
    starts[g] = kept;
    kept += group_rows[g];
  }
  if (!consecutive) Regroup(group, starts, kept, &out->rows);
  for (auto& [key_text, span] : out->rows_by_key) {
    uint32_t g = span.first;
    span = g == kLeftOut ? RowSpan{} : RowSpan{starts[g], group_rows[g]};  // a parent without rows: empty
  }
  if (by_stream) streamed_rows_placed_[&embed] += kept;
  // Rows rejected above count as read (joined), as the rejects count them.
  *embedded_rows += kept + unmatched;
  return Resolve(embed.table, out->rows, &out->nested, embedded_rows);
}

Status EmbedResolver::ResolveFromCache(const EmbedPlan& embed, const std::vector<std::string>& key_texts,
                                       std::vector<std::vector<Value>> keys, ResolvedEmbed* out,
                                       uint64_t* embedded_rows) {
  ParentCache& cache = caches_[&embed];
  std::vector<std::vector<Value>> misses;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!cache.row_by_key.count(key_texts[i]) && !cache.missing.count(key_texts[i])) misses.push_back(keys[i]);
  }
  auto fetched = std::make_shared<RowBatch>(embed.table.read_columns);
  if (!misses.empty()) S2M_RETURN_IF_ERROR(Fetch(embed, std::move(misses), fetched.get()));
  *embedded_rows += fetched->rows();

  // Rows fetched this batch, by key (an N:1 key names one row; should the foreign columns not be
  // unique, the first row in order_by order wins, as without the cache).
  std::unordered_map<std::string, uint32_t> fetched_by_key;
  std::unordered_set<std::string> asked(key_texts.begin(), key_texts.end());
  std::string key;
  for (size_t row = 0; row < fetched->rows(); ++row) {
    if (JoinKeyOf(*fetched, row, embed.foreign_columns, &key) && asked.count(key)) {
      fetched_by_key.emplace(key, static_cast<uint32_t>(row));
    } else {
      RecordUnmatched(embed, *fetched, row);
    }
  }
  // Only the rows that matched, in a batch of their own size: the stream's chunks keep room for
  // thousands of rows, which a cache of many small fetches would hold for the whole run.
  auto compact = std::make_shared<RowBatch>(embed.table.read_columns);
  compact->Reserve(fetched_by_key.size());
  for (auto& [fetched_key, row] : fetched_by_key) {
    CopyRow(*fetched, row, compact.get());
    row = static_cast<uint32_t>(compact->rows() - 1);
  }
  fetched.reset();
  std::shared_ptr<const RowBatch> fresh_batch = std::move(compact);
  const uint32_t fresh_index = static_cast<uint32_t>(cache.batches.size());
  if (!fetched_by_key.empty() && cache.row_by_key.size() + fetched_by_key.size() <= kParentCacheRows) {
    cache.batches.push_back(fresh_batch);
    for (const auto& [fetched_key, row] : fetched_by_key) cache.row_by_key.emplace(fetched_key, CachedRow{fresh_index, row});
  }

  // This batch's rows, one per key that matched, in first-seen order. A row with nothing nested below it
  // is used where it lies (its batch is borrowed); one whose own embeds are resolved for this batch is
  // copied into out->rows, the parent rows of that resolution.
  const bool in_place = embed.table.embeds.empty();
  std::vector<bool> lent(cache.batches.size() + 1, false);
  auto lend = [&](uint32_t index, const std::shared_ptr<const RowBatch>& batch) {
    if (!lent[index]) out->borrowed.push_back(batch);
    lent[index] = true;
  };
  for (const std::string& key_text : key_texts) {
    const RowBatch* batch = nullptr;
    uint32_t row = 0;
    if (auto cached = cache.row_by_key.find(key_text); cached != cache.row_by_key.end()) {
      const std::shared_ptr<const RowBatch>& held = cache.batches[cached->second.batch];
      batch = held.get();
      row = cached->second.row;
      if (in_place) lend(cached->second.batch, held);
    } else if (auto fresh = fetched_by_key.find(key_text); fresh != fetched_by_key.end()) {
      batch = fresh_batch.get();
      row = fresh->second;
      if (in_place) lend(fresh_index, fresh_batch);
    } else {
      if (cache.missing.size() < kParentCacheRows) cache.missing.insert(key_text);
      continue;
    }
    if (in_place) {
      out->rows_by_key.try_emplace(key_text, RowSpan{row, 1, batch});
    } else {
      CopyRow(*batch, row, &out->rows);
      out->rows_by_key.try_emplace(key_text, RowSpan{static_cast<uint32_t>(out->rows.rows() - 1), 1});
    }
  }
  if (in_place) return Status::Ok();
  return Resolve(embed.table, out->rows, &out->nested, embedded_rows);
}

}  // namespace sql2mongo
