#include "pipeline/embed_resolver.h"

#include <fmt/format.h>

#include <unordered_set>

namespace sql2mongo {
namespace {

Status ResolveOne(Source& source, const EmbedPlan& embed, const RowBatch& parents, ResolvedEmbed* out,
                  uint64_t* embedded_rows) {
  // Distinct non-NULL parent keys, in first-seen order.
  std::unordered_set<std::string> seen;
  std::vector<std::vector<Value>> keys;
  std::string key;
  for (size_t row = 0; row < parents.rows(); ++row) {
    if (!JoinKeyOf(parents, row, embed.local_columns, &key) || !seen.insert(key).second) continue;
    std::vector<Value> values;
    for (int column : embed.local_columns) values.push_back(parents.at(row, column));
    keys.push_back(std::move(values));
  }

  out->rows = RowBatch(embed.table.read_columns);
  for (size_t start = 0; start < keys.size(); start += kMaxKeysPerQuery) {
    ScanRequest request;
    request.table = embed.table.table;
    request.columns = embed.table.read_columns;
    request.where = embed.table.where;
    request.order_by = embed.table.order_by;
    KeyFilter filter;
    filter.columns = embed.foreign_names;
    size_t end = std::min(keys.size(), start + kMaxKeysPerQuery);
    filter.keys.assign(std::make_move_iterator(keys.begin() + start), std::make_move_iterator(keys.begin() + end));
    request.key_filter = std::move(filter);
    Result<std::unique_ptr<RowStream>> stream = source.Scan(request);
    if (!stream.ok()) return stream.status().WithContext("embedding " + embed.path);
    RowBatch chunk;
    while (true) {
      Result<bool> more = (*stream)->Next(&chunk, 4096);
      if (!more.ok()) return more.status().WithContext("embedding " + embed.path);
      if (!more.value()) break;
      out->rows.AppendRows(std::move(chunk));
    }
  }
  *embedded_rows += out->rows.rows();

  // Rows arrive in order_by order and every key lives in exactly one query, so appending keeps each
  // parent's array in order_by order.
  out->rows_by_key.reserve(keys.size());
  for (size_t row = 0; row < out->rows.rows(); ++row) {
    if (JoinKeyOf(out->rows, row, embed.foreign_columns, &key)) out->rows_by_key[key].push_back(static_cast<uint32_t>(row));
  }
  return ResolveEmbeds(source, embed.table, out->rows, &out->nested, embedded_rows);
}

}  // namespace

Status ResolveEmbeds(Source& source, const TablePlan& plan, const RowBatch& parents,
                     std::vector<ResolvedEmbed>* out, uint64_t* embedded_rows) {
  out->clear();
  out->resize(plan.embeds.size());
  for (size_t i = 0; i < plan.embeds.size(); ++i) {
    S2M_RETURN_IF_ERROR(ResolveOne(source, plan.embeds[i], parents, &(*out)[i], embedded_rows));
  }
  return Status::Ok();
}

}  // namespace sql2mongo
