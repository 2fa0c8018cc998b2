// The SELECT of a scan (Source::Scan's ScanRequest), written once for every source from its dialect and
// what its catalog says about each column. Connectors keep what is theirs: the decoders, the casts they
// choose from their catalog, the transport.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sql/sql_dialect.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// One column as the connector's catalog resolves it for SQL.
struct SqlColumn {
  std::string name;              // as the table spells it (a request may differ in case)
  bool nullable = true;          // key ranges send a row with a NULL key to the range open below
  std::string read_cast;         // after the column in the select list (PostgreSQL: "::text" for some types)
  std::string literal_cast;      // after each key filter literal (PostgreSQL: "::" + the declared type)
  std::string bound_cast;        // after each key range bound (PostgreSQL: "::int8" for integer keys)
  std::string compare_function;  // both sides of every comparison, and ORDER BY, go through it (SQLite dates)
  // Prefixed with a dot to the quoted name wherever it is read or compared: the table in a joined scan.
  std::string qualifier;
};

// What the builder asks the connector's catalog. Errors (kNotFound naming the table or column) are
// returned as they are.
class ScanCatalog {
 public:
  virtual ~ScanCatalog() = default;
  // The table as SQL names it: quoted, schema-qualified where the database has schemas.
  virtual Result<std::string> TableSql(const std::string& table) = 0;
  virtual Result<SqlColumn> Column(const std::string& table, const std::string& column) = 0;
  // Appended to `(expression)` in the select list (PostgreSQL: the cast its type is read through).
  virtual Result<std::string> ExpressionCast(const std::string& table, const std::string& expression) {
    return std::string();
  }
};

// A scan's SELECT in parts, so a connector can add columns, a condition or a LIMIT (MySQL's keyset pages).
struct ScanSql {
  std::vector<std::string> select_items;  // "col", "col::text", "(expr) AS alias"
  std::string from;                       // the table as SQL names it
  std::vector<std::string> conditions;    // ANDed
  std::vector<std::string> order_by;      // "col", "col DESC"

  std::string Select(const SqlDialect& dialect, const std::string& extra_condition = "", uint64_t limit = 0) const;
};

// The request as SQL: columns and expressions, where, key_filter, missing_parent, range, order_by; with a
// parent_join, `FROM table JOIN parent AS s2m_parent ON ...`, every column qualified.
Result<ScanSql> BuildScanSql(const SqlDialect& dialect, ScanCatalog& catalog, const ScanRequest& request);

// `column` as it is compared: quoted, qualified, through its compare_function.
std::string ComparedColumn(const SqlDialect& dialect, const SqlColumn& column);
// `column` quoted, after its qualifier.
std::string QualifiedColumn(const SqlDialect& dialect, const SqlColumn& column);
// `value` as a literal compared with `column`: cast, through its compare_function.
Result<std::string> ComparedLiteral(const SqlDialect& dialect, const SqlColumn& column, const Value& value,
                                    const std::string& cast);

// The rows whose `columns` (resolved, in this order), compared as one row value, lie from `low`
// (inclusive or not) to `high` (inclusive or not); empty when both bounds are open (empty). A bound may hold
// fewer values than there are columns: the leading columns are compared. Rows with a NULL in a nullable
// column are in no range with a low bound, and in every range open below.
Result<std::string> KeyRangeCondition(const SqlDialect& dialect, const std::vector<SqlColumn>& columns,
                                      const std::vector<Value>& low, bool low_inclusive,
                                      const std::vector<Value>& high, bool high_inclusive = false);

// The one query behind Source::CountRows: `table` and `columns` (the request's group_by) already
// quoted. The counts are the last column of the result, after the grouping columns.
std::string RowCountSql(const SqlDialect& dialect, const std::string& table, const std::vector<std::string>& columns,
                        const RowCountRequest& request);

}  // namespace sql2mongo
