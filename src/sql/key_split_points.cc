#include "sql/key_split_points.h"

#include <fmt/format.h>

#include <optional>

namespace sql2mongo {
namespace {

std::string WhereClause(const std::vector<std::string>& conditions) {
  return conditions.empty() ? "" : fmt::format(" WHERE {}", fmt::join(conditions, " AND "));
}

std::optional<int64_t> IntegerOf(const Value& value) {
  if (auto* v = std::get_if<int32_t>(&value)) return *v;
  if (auto* v = std::get_if<int64_t>(&value)) return *v;
  return std::nullopt;
}

}  // namespace

Result<std::string> KeyBoundsSql(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                 const std::string& column, const std::string& where) {
  S2M_ASSIGN_OR_RETURN(std::string table_sql, catalog.TableSql(table));
  S2M_ASSIGN_OR_RETURN(SqlColumn key, catalog.Column(table, column));
  std::string quoted = dialect.QuoteIdentifier(key.name);
  std::vector<std::string> conditions;
  if (!where.empty()) conditions.push_back("(" + where + ")");
  return fmt::format("SELECT min({0}){1}, max({0}){1} FROM {2}{3}", quoted, key.read_cast, table_sql,
                     WhereClause(conditions));
}

Result<std::string> KeyQuantilesSql(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                    const std::vector<std::string>& columns, uint64_t step, uint64_t limit,
                                    const std::string& where) {
  S2M_ASSIGN_OR_RETURN(std::string table_sql, catalog.TableSql(table));
  std::vector<std::string> inner, outer, order, conditions;
  if (!where.empty()) conditions.push_back("(" + where + ")");
  for (const std::string& name : columns) {
    S2M_ASSIGN_OR_RETURN(SqlColumn column, catalog.Column(table, name));
    std::string quoted = dialect.QuoteIdentifier(column.name);
    inner.push_back(quoted);
    outer.push_back(quoted + column.read_cast);
    // In the order the ranges compare (SQLite dates through julianday), so the bounds are increasing.
    order.push_back(ComparedColumn(dialect, column));
    if (column.nullable) conditions.push_back(ComparedColumn(dialect, column) + " IS NOT NULL");
  }
  return fmt::format(
      "SELECT {0} FROM (SELECT {1}, ROW_NUMBER() OVER (ORDER BY {2}) AS s2m_row FROM {3}{4}) AS s2m_keys "
      "WHERE s2m_row % {5} = 0 ORDER BY s2m_row {6}",
      fmt::join(outer, ", "), fmt::join(inner, ", "), fmt::join(order, ", "), table_sql, WhereClause(conditions), step,
      dialect.Limit(limit));
}

Result<std::vector<std::vector<Value>>> FindKeySplitPoints(const SqlDialect& dialect, ScanCatalog& catalog,
                                                           Source& source, const std::string& table,
                                                           const std::vector<std::string>& columns, size_t parts,
                                                           const std::string& where, const KeyQuery& query) {
  std::vector<std::vector<Value>> points;
  if (parts <= 1 || columns.empty()) return points;
  if (columns.size() == 1) {
    S2M_ASSIGN_OR_RETURN(std::string sql, KeyBoundsSql(dialect, catalog, table, columns[0], where));
    // A type without min() (PostgreSQL's uuid) is cut by quantiles, which only need an order.
    auto answer = query(sql, {columns[0], columns[0]});
    std::vector<std::vector<Value>> bounds = answer.ok() ? std::move(answer).value() : std::vector<std::vector<Value>>{};
    if (answer.ok() && (bounds.empty() || bounds[0].size() != 2 || IsNull(bounds[0][0]))) return points;  // no rows
    std::optional<int64_t> low, high;
    if (answer.ok()) low = IntegerOf(bounds[0][0]), high = IntegerOf(bounds[0][1]);
    if (low && high) {
      if (static_cast<__int128>(*high) - *low < static_cast<__int128>(parts)) return points;
      // Equal widths of the key space, as the key's own type (an int32 key gets int32 bounds).
      const bool narrow = std::holds_alternative<int32_t>(bounds[0][0]) && std::holds_alternative<int32_t>(bounds[0][1]);
      __int128 width = static_cast<__int128>(*high) - *low + 1;
      for (size_t i = 1; i < parts; ++i) {
        int64_t cut = static_cast<int64_t>(*low + width * static_cast<__int128>(i) / static_cast<__int128>(parts));
        points.push_back({narrow ? Value(static_cast<int32_t>(cut)) : Value(cut)});
      }
      return points;
    }
  }
  S2M_ASSIGN_OR_RETURN(std::vector<RowCount> counted, source.CountRows(RowCountRequest{table, {}, where}));
  uint64_t rows = counted.empty() ? 0 : counted[0].rows;
  if (rows < parts) return points;
  uint64_t step = (rows + parts - 1) / parts;
  S2M_ASSIGN_OR_RETURN(std::string sql, KeyQuantilesSql(dialect, catalog, table, columns, step, parts - 1, where));
  return query(sql, columns);
}

}  // namespace sql2mongo
