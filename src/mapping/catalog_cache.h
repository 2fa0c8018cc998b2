// The source's table descriptions, asked once per table: the plan checks (target, schema, check) look
// up the same columns many times.
#pragma once

#include <map>
#include <string>

#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

class CatalogCache {
 public:
  explicit CatalogCache(Source& source) : source_(source) {}

  // The column of `table` (exact name first, then case-insensitive), or nullptr when the table has no
  // such column (a computed field's alias). Fails when the source cannot describe the table.
  // The pointer stays valid as long as the cache.
  Result<const ColumnInfo*> Column(const std::string& table, const std::string& column);

 private:
  Source& source_;
  std::map<std::string, TableInfo> tables_;
};

}  // namespace sql2mongo
