#include "mapping/catalog_cache.h"

namespace sql2mongo {

Result<const ColumnInfo*> CatalogCache::Column(const std::string& table, const std::string& column) {
  auto found = tables_.find(table);
  if (found == tables_.end()) {
    S2M_ASSIGN_OR_RETURN(TableInfo info, source_.DescribeTable(table));
    found = tables_.emplace(table, std::move(info)).first;
  }
  int index = found->second.ColumnIndex(column);
  return index < 0 ? nullptr : &found->second.columns[index];
}

}  // namespace sql2mongo
