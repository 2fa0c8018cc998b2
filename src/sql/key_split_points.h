// Source::KeySplitPoints written once: the queries that find the keys cutting a table into ranges of
// about equal row counts, and what to do with their answers. Each connector runs the queries and decodes
// the keys as it decodes those columns.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sql/scan_sql.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// Runs `select`, whose result columns are the table's `columns` in this order (or aggregates of them),
// and returns its rows decoded as the connector decodes those columns.
using KeyQuery = std::function<Result<std::vector<std::vector<Value>>>(const std::string& select,
                                                                       const std::vector<std::string>& columns)>;

// Up to parts-1 keys of `table` (its rows that satisfy `where`) in `columns` order. One integer column:
// equal widths between its MIN and MAX (one cheap query; as even as the keys are dense). Otherwise, or
// when the column holds other values too (SQLite): quantiles, one query numbering the keys in order
// (ROW_NUMBER) and keeping every step-th, the step from an exact count (`source.CountRows`). Keys with
// a NULL never become a bound: those rows belong to the first range. Empty when the table has fewer
// rows (or integer keys) than `parts`.
Result<std::vector<std::vector<Value>>> FindKeySplitPoints(const SqlDialect& dialect, ScanCatalog& catalog,
                                                           Source& source, const std::string& table,
                                                           const std::vector<std::string>& columns, size_t parts,
                                                           const std::string& where, const KeyQuery& query);

// The SQL of those two queries, for the connectors' tests and the builder's.
Result<std::string> KeyBoundsSql(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                 const std::string& column, const std::string& where);
Result<std::string> KeyQuantilesSql(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                    const std::vector<std::string>& columns, uint64_t step, uint64_t limit,
                                    const std::string& where);

}  // namespace sql2mongo
