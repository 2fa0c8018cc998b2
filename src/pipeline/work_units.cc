#include "sql2mongo/work_units.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace sql2mongo {
namespace {

bool EmbedsArrays(const TablePlan& table) {
  for (const EmbedPlan& embed : table.embeds)
    if (embed.kind == EmbedKind::kArray || EmbedsArrays(embed.table)) return true;
  return false;
}

}  // namespace

std::vector<std::string> UnitKeyColumns(const CollectionPlan& collection) {
  std::vector<std::string> columns;
  if (collection.id.kind == IdPlan::Kind::kGenerated) return columns;
  for (const auto& [key, column] : collection.id.parts) {
    // A computed _id part has no column to range over or to resume after.
    if (collection.table.ExpressionAt(column)) return {};
    columns.push_back(collection.table.read_columns[column]);
  }
  return columns;
}

// Units for one table: as asked, else one per rows_per_unit of the catalog's estimate, within bounds.
static size_t UnitCount(const CollectionPlan& collection, Source& source, const UnitSizing& sizing) {
  if (sizing.units > 0) return sizing.units;
  size_t wanted = sizing.at_least;
  Result<std::optional<uint64_t>> estimate = source.EstimateRows(collection.table.table);
  if (estimate.ok() && estimate.value() && sizing.rows_per_unit > 0)
    wanted = std::max<size_t>(wanted, static_cast<size_t>(*estimate.value() / sizing.rows_per_unit));
  return std::max<size_t>(1, std::min(wanted, std::max(sizing.at_most, sizing.at_least)));
}

Result<std::vector<WorkUnit>> PlanWorkUnits(const Plan& plan, Source& source, const UnitSizing& sizing) {
  std::vector<WorkUnit> units;
  for (const CollectionPlan& collection : plan.collections) {
    std::vector<std::string> key = UnitKeyColumns(collection);
    std::vector<std::vector<Value>> splits;
    size_t units_per_collection = key.empty() ? 1 : UnitCount(collection, source, sizing);
    if (units_per_collection > 1) {
      Result<std::vector<std::vector<Value>>> found =
          source.KeySplitPoints(collection.table.table, key, units_per_collection, collection.table.where);
      // A source that cannot split reads the table as one unit: slower, never wrong.
      if (found.ok()) splits = std::move(found).value();
      else spdlog::debug("collection {}: one work unit ({})", collection.name, found.status().message());
    }
    for (size_t i = 0; i <= splits.size(); ++i) {
      WorkUnit unit;
      unit.id = fmt::format("{}/{}", collection.name, i + 1);
      unit.collection = collection.name;
      unit.key_columns = key;
      if (i > 0) unit.low = splits[i - 1];
      if (i < splits.size()) unit.high = splits[i];
      units.push_back(std::move(unit));
    }
    if (EmbedsArrays(collection.table)) {
      WorkUnit orphans;
      orphans.id = collection.name + "/orphans";
      orphans.collection = collection.name;
      orphans.kind = WorkUnit::Kind::kOrphans;
      units.push_back(std::move(orphans));
    }
  }
  return units;
}

UnitLedger::UnitLedger(std::vector<WorkUnit> units) : units_(std::move(units)), changed_(units_.size(), true) {}

WorkUnit UnitLedger::Get(size_t unit) const {
  std::lock_guard lock(mutex_);
  return units_[unit];
}

std::vector<size_t> UnitLedger::UnitsOf(const std::string& collection) const {
  std::lock_guard lock(mutex_);
  std::vector<size_t> found;
  for (size_t i = 0; i < units_.size(); ++i)
    if (units_[i].collection == collection) found.push_back(i);
  return found;
}

void UnitLedger::Advance(size_t unit, std::vector<Value> key, uint64_t rows, uint64_t documents) {
  std::lock_guard lock(mutex_);
  WorkUnit& u = units_[unit];
  if (!key.empty()) u.checkpoint = std::move(key);
  u.rows_read += rows;
  u.documents_written += documents;
  changed_[unit] = true;
}

void UnitLedger::MarkDone(size_t unit) {
  std::lock_guard lock(mutex_);
  units_[unit].done = true;
  changed_[unit] = true;
}

std::vector<WorkUnit> UnitLedger::TakeChanged() {
  std::lock_guard lock(mutex_);
  std::vector<WorkUnit> changed;
  for (size_t i = 0; i < units_.size(); ++i) {
    if (!changed_[i]) continue;
    changed.push_back(units_[i]);
    changed_[i] = false;
  }
  return changed;
}

void UnitLedger::MarkAllChanged() {
  std::lock_guard lock(mutex_);
  changed_.assign(units_.size(), true);
}

}  // namespace sql2mongo
