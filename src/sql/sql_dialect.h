// How one database spells the SQL that scans need: identifiers, key values as literals, a comparison of
// row values, LIMIT, the anti-join, and the statement a scan streams through. The text of a scan itself
// is written once, in scan_sql.cc, from these pieces; each connector picks its dialect.
//
// Literals never depend on a connection (no PQescapeLiteral, no mysql_real_escape_string), so the SQL
// text can be built, cached and unit-tested without a server.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql2mongo/status.h"
#include "sql2mongo/value.h"

namespace sql2mongo {

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  // "name" with embedded quotes doubled (standard SQL: SQLite, PostgreSQL).
  virtual std::string QuoteIdentifier(const std::string& name) const;

  // `value` (a key's value, as the connector decoded it) as a literal the database reads back as the
  // same value: int32, int64, double, Decimal, string, bool, DateTime, Binary and Null ("NULL").
  // kDataError for what no key can hold (a RawBson; a non-finite double where the database has none).
  virtual Result<std::string> Literal(const Value& value) const = 0;

  // A condition no row satisfies.
  virtual std::string False() const { return "FALSE"; }

  // `columns` (SQL expressions) compared as one row value with `op` ("<", "<=", ">", ">=") against
  // `values` (literals), as many as columns: `(a, b) >= (1, 'x')`, which PostgreSQL and SQLite (3.15+)
  // serve from an index on (a, b); one column is `a >= 1`.
  virtual std::string RowCompare(const std::vector<std::string>& columns, std::string_view op,
                                 const std::vector<std::string>& values) const;

  // `columns` equal to one of `keys` (each a tuple of literals, one per column): `a IN (1, 2)`, or for
  // several columns `(a, b) IN (VALUES (1, 'x'), (2, 'y'))`, which PostgreSQL runs as a hash semi-join.
  virtual std::string InList(const std::vector<std::string>& columns,
                             const std::vector<std::vector<std::string>>& keys) const;

  // Rows for which no row of `parent_table` (quoted) aliased `alias` satisfies `match`.
  virtual std::string NotExists(const std::string& parent_table, const std::string& alias,
                                const std::string& match) const;

  virtual std::string Limit(uint64_t rows) const;

  // The statement a scan's SELECT runs as (PostgreSQL: inside a binary COPY).
  virtual std::string ScanStatement(const std::string& select) const { return select; }
};

// SQLite: literals as SQLite reads them (strings with '' doubled, blobs as X'..', dates as the text
// julianday() reads); "0" for false.
const SqlDialect& SqliteDialect();
// PostgreSQL: every literal quoted ('1', 'x', E'a\\b'); the connector appends the column's cast
// (`'1'::integer`), so the literal reads as the key column's own type. Scans are binary COPY.
const SqlDialect& PostgresDialect();
// MySQL / MariaDB: backtick identifiers, literals right whatever sql_mode says about backslashes, row
// comparisons expanded for the range optimizer.
const SqlDialect& MysqlDialect();

// `text` between two `quote`s, each `quote` inside doubled: how SQL writes a string ('') or an
// identifier ("", ``) with no escape character.
std::string Enclose(const std::string& text, char quote);

// "YYYY-MM-DD HH:MM:SS.mmm" in UTC: the date-time text every dialect's literal builds on.
std::string DateTimeLiteralText(const DateTime& value);

}  // namespace sql2mongo
