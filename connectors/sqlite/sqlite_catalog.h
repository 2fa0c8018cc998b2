// Introspection of a SQLite database: tables, columns, primary and foreign keys.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "sql2mongo/source.h"

namespace sql2mongo {

Result<std::vector<std::string>> ListSqliteTables(sqlite3* db);
// `table` may differ in case from the stored name; kNotFound when no table matches.
Result<TableInfo> DescribeSqliteTable(sqlite3* db, const std::string& table);

// Source::CountRows and Source::DescribeExpression on `table` (as DescribeSqliteTable gave it).
Result<std::vector<RowCount>> CountSqliteRows(sqlite3* db, const TableInfo& table, const RowCountRequest& request);
Result<ColumnInfo> DescribeSqliteExpression(sqlite3* db, const TableInfo& table, const std::string& expression);

// "name" quoted as an SQLite identifier.
std::string QuoteSqliteIdentifier(const std::string& name);

}  // namespace sql2mongo
