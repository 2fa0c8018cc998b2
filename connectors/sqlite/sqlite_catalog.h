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

// "name" quoted as an SQLite identifier.
std::string QuoteSqliteIdentifier(const std::string& name);

}  // namespace sql2mongo
