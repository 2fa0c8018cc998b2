// SQLite values -> Value. SQLite types each value on its own (an INTEGER column may hold text), so the
// conversion looks at the column's declared type and at each value's storage class.
#pragma once

#include <sqlite3.h>

#include <string>

#include "sql2mongo/value.h"

namespace sql2mongo {

// What the declared type asks for, after SQLite's own affinity rules (https://sqlite.org/datatype3.html)
// plus the names that carry meaning beyond affinity (BOOLEAN, DATE, DECIMAL).
enum class SqliteColumnKind { kDynamic, kInteger, kReal, kDecimal, kText, kBlob, kBool, kDate };

struct SqliteColumnType {
  SqliteColumnKind kind = SqliteColumnKind::kDynamic;
  int scale = -1;  // digits after the point of NUMERIC(p,s) / DECIMAL(p,s); -1 when not declared
};

SqliteColumnType ClassifySqliteDeclaredType(const std::string& declared_type);

// Reads column `index` of the current row of `stmt`.
Value ReadSqliteValue(sqlite3_stmt* stmt, int index, const SqliteColumnType& type);

}  // namespace sql2mongo
