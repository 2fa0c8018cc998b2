#include "pipeline/change_finder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <unordered_set>

#include "common/utc_time.h"
#include "pipeline/embed_resolver.h"  // kMaxKeysPerQuery

namespace sql2mongo {
namespace {

// Keys in the order first seen, each once (compared as joins compare them: integers of any width alike).
class KeySet {
 public:
  bool Add(std::vector<Value> key) {
    std::string text;
    for (const Value& part : key) {
      if (IsNull(part)) return false;  // NULL joins nothing
      AppendJoinKey(part, &text);
    }
    if (!seen_.insert(std::move(text)).second) return false;
    keys_.push_back(std::move(key));
    return true;
  }
  const std::vector<std::vector<Value>>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

 private:
  std::unordered_set<std::string> seen_;
  std::vector<std::vector<Value>> keys_;
};

std::optional<long double> Number(const Value& value) {
  if (auto* v = std::get_if<int32_t>(&value)) return *v;
  if (auto* v = std::get_if<int64_t>(&value)) return static_cast<long double>(*v);
  if (auto* v = std::get_if<double>(&value)) return *v;
  if (auto* v = std::get_if<bool>(&value)) return *v ? 1 : 0;
  if (auto* v = std::get_if<Decimal>(&value)) return std::strtold(v->digits.c_str(), nullptr);
  return std::nullopt;
}

// Rows of one table read whole, `columns` only; `request` says which.
Status ReadRows(Source& source, const ScanRequest& request, const std::function<void(const RowBatch&)>& visit) {
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<RowStream> stream, source.Scan(request));
  RowBatch rows;
  while (true) {
    S2M_ASSIGN_OR_RETURN(bool more, stream->Next(&rows, kMaxKeysPerQuery));
    if (!more) return Status::Ok();
    visit(rows);
  }
}

class ChangeFinder {
 public:
  ChangeFinder(Source& source, const Watermarks* since) : source_(source), since_(since) {}

  Status Collection(const CollectionPlan& collection, ChangeSet* out) {
    std::vector<std::string> id_columns;
    for (const auto& part : collection.id.parts) id_columns.push_back(collection.table.read_columns[part.second]);
    root_ = &collection.table;
    root_ids_ = id_columns;
    keys_ = KeySet();
    reasons_ = RebuildReasons();
    chain_.clear();
    S2M_RETURN_IF_ERROR(Table(collection.table, out));
    if (since_) {
      CollectionChanges& changes = out->collections[collection.name];
      changes.keys = keys_.keys();
      changes.reasons = reasons_;
    }
    return Status::Ok();
  }

 private:
  // `table` (the root, or the last embed of chain_) and every table embedded in it.
  Status Table(const TablePlan& table, ChangeSet* out) {
    if (table.changes) S2M_RETURN_IF_ERROR(Tracked(table, *table.changes, out));
    for (const EmbedPlan& embed : table.embeds) {
      chain_.push_back(&embed);
      Status status = Table(embed.table, out);
      chain_.pop_back();
      S2M_RETURN_IF_ERROR(status);
    }
    return Status::Ok();
  }

  // The columns of `table`'s rows that lead one level up: its foreign columns (an embed), or the _id's.
  std::vector<std::string> UpLink(size_t level) const {
    return level == 0 ? root_ids_ : chain_[level - 1]->foreign_names;
  }

  Status Tracked(const TablePlan& table, const ChangeTracking& changes, ChangeSet* out) {
    const std::vector<Value>* old = nullptr;
    if (since_) {
      auto found = since_->find(changes.path);
      if (found != since_->end() && !found->second.empty()) old = &found->second;
    }
    // Every row, flagged and filtered-out ones too: a row that left the "where" or was soft-deleted
    // changes its document as much as one that was updated.
    ScanRequest request;
    request.table = table.table;
    if (since_) request.columns = UpLink(chain_.size());
    request.columns.push_back(changes.column);
    if (old) request.range = KeyRange{{changes.column}, *old, /*low_inclusive=*/false, {}, false};
    const size_t change_index = request.columns.size() - 1;
    std::optional<Value> highest;
    if (old) highest = old->front();
    KeySet links;
    Status compared;
    S2M_RETURN_IF_ERROR(ReadRows(source_, request, [&](const RowBatch& rows) {
      for (size_t row = 0; row < rows.rows(); ++row) {
        const Value& value = rows.at(row, change_index);
        if (!IsNull(value)) {
          if (!highest) {
            highest = value;
          } else if (compared.ok()) {
            Result<bool> after = ChangeValueAfter(value, *highest);
            if (!after.ok()) compared = after.status();
            else if (*after) highest = value;
          }
        }
        if (!since_) continue;
        std::vector<Value> link;
        for (size_t c = 0; c < change_index; ++c) link.push_back(rows.at(row, c));
        links.Add(std::move(link));
      }
    }).WithContext(fmt::format("reading the changed rows of table '{}' (\"incremental\" of {})", table.table, changes.path)));
    if (!compared.ok())
      return compared.WithContext(fmt::format("change column '{}' of table '{}' ({})", changes.column, table.table,
                                              changes.path));
    out->watermarks[changes.path] = highest ? std::vector<Value>{*highest} : std::vector<Value>{};
    if (!since_) return Status::Ok();
    size_t changed_rows = links.keys().size();
    S2M_ASSIGN_OR_RETURN(KeySet roots, Climb(std::move(links)));
    bool through_object = false;
    for (const EmbedPlan* embed : chain_) through_object = through_object || embed->kind == EmbedKind::kObject;
    uint64_t added = 0;
    for (const auto& key : roots.keys()) added += keys_.Add(key) ? 1 : 0;
    uint64_t& reason = chain_.empty() ? reasons_.root_changed
                       : through_object ? reasons_.parent_changed
                                        : reasons_.child_changed;
    reason += added;
    spdlog::info("{}: {} changed rows of table {} since {} -> {} documents to rebuild ({} not already counted)",
                 changes.path, changed_rows, table.table, old ? WatermarkText(old->front()) : "the start",
                 roots.keys().size(), added);
    return Status::Ok();
  }

  // The up-link values of rows at the end of chain_ -> the root keys of their documents.
  Result<KeySet> Climb(KeySet links) {
    for (size_t level = chain_.size(); level > 0; --level) {
      const EmbedPlan& embed = *chain_[level - 1];
      const TablePlan& parent = level == 1 ? *root_ : chain_[level - 2]->table;
      // The embed's foreign columns match these columns of its parent's rows.
      std::vector<std::string> matched;
      for (int column : embed.local_columns) matched.push_back(parent.read_columns[column]);
      std::vector<std::string> up = UpLink(level - 1);
      if (matched == up) continue;  // the values already are the parent's up-link (or its _id)
      KeySet next;
      const auto& keys = links.keys();
      for (size_t start = 0; start < keys.size(); start += kMaxKeysPerQuery) {
        ScanRequest request;
        request.table = parent.table;
        request.columns = up;
        KeyFilter filter;
        filter.columns = matched;
        filter.keys.assign(keys.begin() + static_cast<long>(start),
                           keys.begin() + static_cast<long>(std::min(keys.size(), start + kMaxKeysPerQuery)));
        request.key_filter = std::move(filter);
        S2M_RETURN_IF_ERROR(ReadRows(source_, request, [&](const RowBatch& rows) {
          for (size_t row = 0; row < rows.rows(); ++row) {
            std::vector<Value> key;
            for (size_t c = 0; c < up.size(); ++c) key.push_back(rows.at(row, c));
            next.Add(std::move(key));
          }
        }).WithContext(fmt::format("finding the rows of table '{}' that {} belongs to", parent.table, embed.path)));
      }
      links = std::move(next);
    }
    return links;
  }

  Source& source_;
  const Watermarks* since_;
  const TablePlan* root_ = nullptr;
  std::vector<std::string> root_ids_;
  std::vector<const EmbedPlan*> chain_;  // from the root's embed down to the table being read
  KeySet keys_;
  RebuildReasons reasons_;
};

}  // namespace

std::string WatermarkText(const Value& value) {
  if (auto* date = std::get_if<DateTime>(&value)) return UtcText(date->millis);
  return ValueToDisplay(value);
}

Result<bool> ChangeValueAfter(const Value& a, const Value& b) {
  if (auto* x = std::get_if<DateTime>(&a))
    if (auto* y = std::get_if<DateTime>(&b)) return x->millis > y->millis;
  if (auto* x = std::get_if<std::string>(&a))
    if (auto* y = std::get_if<std::string>(&b)) return *x > *y;
  std::optional<long double> x = Number(a), y = Number(b);
  if (x && y) return *x > *y;
  return Status::Error(StatusCode::kDataError,
                       fmt::format("values {} and {} cannot be ordered as a change column's: use a timestamp, a "
                                   "number or text column", ValueToDisplay(a), ValueToDisplay(b)));
}

Result<ChangeSet> FindChanges(const Plan& plan, Source& source, const Watermarks* since) {
  ChangeSet changes;
  ChangeFinder finder(source, since);
  for (const CollectionPlan& collection : plan.collections) {
    if (!TracksChanges(collection.table)) continue;
    S2M_RETURN_IF_ERROR(finder.Collection(collection, &changes));
  }
  return changes;
}

}  // namespace sql2mongo
