// Introspection of a MySQL / MariaDB database through information_schema: tables, columns (with the
// decoding each column needs), primary and foreign keys.
#pragma once

#include <cppconn/connection.h>

#include <string>
#include <vector>

#include "mysql/mysql_types.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

struct MysqlTable {
  TableInfo info;
  std::vector<MysqlColumnKind> kinds;  // one per info.columns entry
};

Result<std::vector<std::string>> ListMysqlTables(sql::Connection* connection, const std::string& database);

// `table` may differ in case from the stored name; kNotFound when no table matches. `is_mariadb` says
// whether to look for MariaDB's JSON columns (LONGTEXT guarded by a json_valid() CHECK constraint).
Result<MysqlTable> DescribeMysqlTable(sql::Connection* connection, const std::string& database,
                                      const std::string& table, bool is_mariadb);

// Source::CountRows and Source::DescribeExpression on `table`, on a connection that is not streaming.
Result<std::vector<RowCount>> CountMysqlRows(sql::Connection* connection, const TableInfo& table,
                                             const RowCountRequest& request);
Result<ColumnInfo> DescribeMysqlExpression(sql::Connection* connection, const TableInfo& table,
                                           const std::string& expression);

}  // namespace sql2mongo
