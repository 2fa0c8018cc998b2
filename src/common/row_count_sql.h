// The one query behind Source::CountRows, in the SQL that SQLite, PostgreSQL and MySQL all accept; each
// connector quotes the names its own way and reads the result.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "sql2mongo/source.h"

namespace sql2mongo {

// `table` and `columns` (the request's group_by) already quoted for the source. The counts are the last
// column of the result, after the grouping columns.
inline std::string RowCountSql(const std::string& table, const std::vector<std::string>& columns,
                               const RowCountRequest& request) {
  std::string where = request.where.empty() ? "" : " WHERE (" + request.where + ")";
  if (columns.empty()) return fmt::format("SELECT count(*) FROM {}{}", table, where);
  std::string list = fmt::format("{}", fmt::join(columns, ", "));
  return fmt::format("SELECT {0}, count(*) FROM {1}{2} GROUP BY {0} HAVING count(*) > {3} ORDER BY count(*) DESC LIMIT {4}",
                     list, table, where, request.more_than, request.limit);
}

}  // namespace sql2mongo
