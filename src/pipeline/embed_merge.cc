#include "pipeline/embed_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "pipeline/embed_resolver.h"
#include "pipeline/embed_strategy.h"
#include "sql2mongo/work_units.h"

namespace sql2mongo {
namespace {

// Rows read from a stream at a time.
constexpr size_t kStreamChunkRows = 4096;

// Whether the catalog says every value of `column` of `table` is an integer.
bool IntegerColumn(Source& source, const std::string& table, const std::string& column) {
  Result<TableInfo> info = source.DescribeTable(table);
  if (!info.ok()) return false;
  int index = info->ColumnIndex(column);
  if (index < 0) return false;
  const std::vector<std::string>& types = info->columns[index].yields.bson_types;
  return !types.empty() && std::all_of(types.begin(), types.end(), [](const std::string& t) { return t == "int" || t == "long"; });
}

bool HasRowFilters(const TablePlan& table) { return !table.where.empty() || !table.deleted_flag.empty(); }

// Whether `columns` of `table` are exactly its primary key (in any order, named as the catalog names
// them or in another case).
bool ArePrimaryKey(Source& source, const std::string& table, const std::vector<std::string>& columns) {
  Result<TableInfo> info = source.DescribeTable(table);
  if (!info.ok() || info->primary_key.empty()) return false;
  std::set<std::string> named;
  for (const std::string& column : columns) {
    int index = info->ColumnIndex(column);
    if (index < 0) return false;
    named.insert(info->columns[index].name);
  }
  return named == std::set<std::string>(info->primary_key.begin(), info->primary_key.end());
}

// Why the second level `nested` of the merged first level `first` cannot be joined up to the root key, or "".
std::string WhyNotSecondLevel(Source& source, const EmbedPlan& first, const EmbedPlan& nested) {
  if (nested.kind != EmbedKind::kArray) return "N:1 object";
  if (HasRowFilters(first.table))
    return fmt::format("its parent {} has a \"where\" (or soft deletes): the join would read the children of "
                       "its filtered rows for nothing", first.table.table);
  if (HasRowFilters(nested.table) || !nested.table.expressions.empty())
    return "it has a \"where\", soft deletes or computed columns, whose SQL cannot be qualified in a join";
  for (int column : nested.local_columns)
    if (first.table.ExpressionAt(column)) return "it joins a computed column of its parent";
  // Joined in the database, a row comes once per parent row that holds its key: two parents of one key
  // (under one root or two) would each get the rows of both.
  std::vector<std::string> joined;
  for (int column : nested.local_columns) joined.push_back(first.table.read_columns[column]);
  if (!ArePrimaryKey(source, first.table.table, joined))
    return fmt::format("it joins {}.{}, which is not {}'s primary key: the join would repeat its rows for every "
                       "parent row of the same key", first.table.table, fmt::join(joined, ", "), first.table.table);
  if (std::find(nested.table.read_columns.begin(), nested.table.read_columns.end(), kCarriedRootKey) !=
      nested.table.read_columns.end())
    return fmt::format("its table has a column named {}", kCarriedRootKey);
  return "";
}

}  // namespace

std::map<const EmbedPlan*, MergeDecision> PlanMergeJoin(const CollectionPlan& collection, Source& source) {
  std::map<const EmbedPlan*, MergeDecision> plan;
  const TablePlan& root = collection.table;
  std::vector<std::string> key = UnitKeyColumns(collection);
  std::string root_reason;
  if (key.size() != 1)
    root_reason = key.empty() ? "the collection's _id is generated or computed: its rows have no key order to merge in"
                              : "the root key is composite (a merge on its leading column alone would interleave parents)";
  else if (HasRowFilters(root))
    root_reason = "the root table has a \"where\" (or soft deletes): the gaps' children would be streamed for nothing";
  else if (!IntegerColumn(source, root.table, key[0]))
    root_reason = fmt::format("the root key {} is not an integer column (the database's collation may order text "
                              "otherwise than sql2mongo compares it)", key[0]);
  // The root stream, one per merged embed, and one for key-list fetches in between.
  const size_t scans = source.ScansOpenAtOnce();
  size_t streams = 0;
  for (const EmbedPlan& first : root.embeds) {
    if (first.kind != EmbedKind::kArray) continue;
    MergeDecision decision;
    if (!root_reason.empty()) {
      decision.why = root_reason;
    } else if (first.local_columns.size() != 1 || root.read_columns[first.local_columns[0]] != key[0]) {
      decision.why = fmt::format("it joins {} rather than the root key {}, the order the root is read in",
                                 first.local_columns.size() == 1 ? root.read_columns[first.local_columns[0]] : "several columns", key[0]);
    } else if (!IntegerColumn(source, first.table.table, first.foreign_names[0])) {
      decision.why = fmt::format("its foreign key {}.{} is not an integer column", first.table.table, first.foreign_names[0]);
    } else if (streams + 3 > scans) {
      decision.why = fmt::format("the source keeps {} scans open at once (a streamed result holds its connection)", scans);
    } else {
      decision.merged = true;
      decision.why = fmt::format("one stream per work unit, {} in the unit's key range ORDER BY {}, no query per "
                                 "batch", first.foreign_names[0], first.foreign_names[0]);
      ++streams;
    }
    plan[&first] = decision;
    for (const EmbedPlan& nested : first.table.embeds) {
      if (nested.kind != EmbedKind::kArray) continue;
      MergeDecision second;
      std::string why_not = decision.merged ? WhyNotSecondLevel(source, first, nested) : "its parent level is not merged";
      if (why_not.empty() && streams + 3 > scans)
        why_not = fmt::format("the source keeps {} scans open at once (a streamed result holds its connection)", scans);
      if (why_not.empty()) {
        second.merged = true;
        second.through = &first;
        second.why = fmt::format("one stream per work unit, {} joined to {} in the database and "
                                 "ORDER BY {}.{} (the root key), then {}",
                                 nested.table.table, first.table.table, first.table.table, first.foreign_names[0],
                                 fmt::join(nested.foreign_names, ", "));
        ++streams;
      } else {
        second.why = why_not;
      }
      plan[&nested] = second;
    }
  }
  return plan;
}

Result<std::unique_ptr<MergeStreams>> MergeStreams::Open(Source& source,
                                                         const std::map<const EmbedPlan*, MergeDecision>& plan,
                                                         const std::optional<KeyRange>& root_range) {
  auto merge = std::make_unique<MergeStreams>();
  for (const auto& [embed, decision] : plan) {
    if (!decision.merged) continue;
    ScanRequest request;
    std::string key_name;
    int key_column = -1;
    if (!decision.through) {
      request = EmbedResolver::ChildRequest(*embed);  // ORDER BY fk, order_by
      key_name = embed->foreign_names[0];
      key_column = embed->foreign_columns[0];
    } else {
      const EmbedPlan& first = *decision.through;
      request = embed->table.ScanOfReadColumns();
      request.columns.push_back(kCarriedRootKey);
      ParentJoin join;
      join.parent_table = first.table.table;
      join.columns = embed->foreign_names;
      for (int column : embed->local_columns) join.parent_columns.push_back(first.table.read_columns[column]);
      join.carried = first.foreign_names[0];
      join.carried_as = kCarriedRootKey;
      request.parent_join = std::move(join);
      request.order_by.push_back(OrderTerm{kCarriedRootKey, false});
      for (const auto& column : embed->foreign_names) request.order_by.push_back(OrderTerm{column, false});
      request.order_by.insert(request.order_by.end(), embed->table.order_by.begin(), embed->table.order_by.end());
      key_name = kCarriedRootKey;
      key_column = static_cast<int>(embed->table.read_columns.size());
    }
    if (root_range) {
      KeyRange range = *root_range;
      range.columns = {key_name};
      request.range = std::move(range);
    }
    Result<std::unique_ptr<RowStream>> stream = source.Scan(request);
    if (!stream.ok()) return stream.status().WithContext("streaming " + embed->path + " for the merge join");
    Stream& opened = merge->streams_[embed];
    opened.rows = std::move(stream).value();
    opened.table = embed->table.table;
    opened.key_column = key_column;
    opened.pending = RowBatch(request.columns);
  }
  return merge;
}

bool MergeStreams::StartBatch(const RowBatch& roots, int key_column) {
  int64_t previous = batch_last_;
  for (size_t row = 0; row < roots.rows(); ++row) {
    std::optional<int64_t> key = IntegerKeyOf(roots.at(row, key_column));
    if (!key || ((started_ || row > 0) && *key <= previous)) return false;
    previous = *key;
  }
  started_ = started_ || roots.rows() > 0;
  batch_last_ = previous;
  return true;
}

Status MergeStreams::Take(const EmbedPlan& embed, RowBatch* rows) {
  Stream& stream = streams_.at(&embed);
  *rows = RowBatch(stream.pending.columns());
  if (!started_) return Status::Ok();
  // Batches take similar numbers of rows: one allocation per batch rather than a growth by doubling
  // that moves every cell again (perf, two levels from PostgreSQL: Take, with the memmove and the Value
  // moves under it, was 16 % of the client's time).
  rows->Reserve(stream.last_batch_rows + stream.last_batch_rows / 8);
  struct Remember {
    Stream& stream;
    RowBatch* rows;
    ~Remember() { stream.last_batch_rows = rows->rows(); }
  } remember{stream, rows};
  while (true) {
    if (stream.next == stream.pending.rows()) {
      if (stream.ended) return Status::Ok();
      stream.next = 0;
      Result<bool> more = stream.rows->Next(&stream.pending, kStreamChunkRows);
      if (!more.ok()) return more.status();
      if (!more.value()) {
        stream.ended = true;
        return Status::Ok();
      }
    }
    // The run of rows from `next` that belong to this batch, moved at once; NULL and non-integer keys
    // are stepped over (see the file comment).
    size_t start = stream.next;
    size_t row = start;
    for (; row < stream.pending.rows(); ++row) {
      std::optional<int64_t> key = IntegerKeyOf(stream.pending.at(row, stream.key_column));
      if (!key) break;
      if (*key > batch_last_) break;
      if (stream.took_any && *key < stream.last_taken)
        return Status::Error(StatusCode::kInternal,
                             fmt::format("merge join of table '{}': the database returned key {} after {}, out of "
                                         "the order asked for; run with --embed-fetch list",
                                         stream.table, *key, stream.last_taken));
      stream.last_taken = *key;
      stream.took_any = true;
    }
    rows->MoveRowsFrom(stream.pending, start, row);
    stream.next = row;
    if (row == stream.pending.rows()) continue;
    if (IntegerKeyOf(stream.pending.at(row, stream.key_column))) return Status::Ok();  // the head is a later batch's
    ++stream.next;  // a NULL or non-integer key: in no document through this join
  }
}

}  // namespace sql2mongo
