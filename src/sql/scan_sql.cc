#include "sql/scan_sql.h"

#include <fmt/format.h>

namespace sql2mongo {
namespace {

// The alias of the parent table in the anti-join: it keeps a self-reference (employee -> employee)
// unambiguous, while the scanned table keeps its own name (a mapping's "where" may qualify columns with it).
constexpr const char* kParentAlias = "s2m_parent";

std::string Through(const std::string& function, const std::string& sql) {
  return function.empty() ? sql : function + "(" + sql + ")";
}

Result<std::string> KeyFilterCondition(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                       const KeyFilter& filter) {
  std::vector<SqlColumn> columns;
  std::vector<std::string> compared;
  for (const std::string& name : filter.columns) {
    S2M_ASSIGN_OR_RETURN(SqlColumn column, catalog.Column(table, name));
    compared.push_back(ComparedColumn(dialect, column));
    columns.push_back(std::move(column));
  }
  std::vector<std::vector<std::string>> keys;
  keys.reserve(filter.keys.size());
  for (const std::vector<Value>& key : filter.keys) {
    if (key.size() != columns.size())
      return Status::Error(StatusCode::kInternal, fmt::format("key filter on '{}': a key has {} values for {} columns",
                                                              table, key.size(), columns.size()));
    std::vector<std::string> literals;
    for (size_t i = 0; i < key.size(); ++i) {
      Result<std::string> literal = ComparedLiteral(dialect, columns[i], key[i], columns[i].literal_cast);
      if (!literal.ok())
        return literal.status().WithContext(fmt::format("table '{}', key column '{}'", table, columns[i].name));
      literals.push_back(std::move(literal).value());
    }
    keys.push_back(std::move(literals));
  }
  return dialect.InList(compared, keys);
}

Status AddMissingParentConditions(const SqlDialect& dialect, ScanCatalog& catalog, const std::string& table,
                                  const std::string& table_sql, const MissingParentFilter& filter,
                                  std::vector<std::string>* conditions) {
  if (filter.columns.size() != filter.parent_columns.size() || filter.columns.empty())
    return Status::Error(StatusCode::kInternal, fmt::format("missing-parent filter on '{}': {} columns for {} parent columns",
                                                            table, filter.columns.size(), filter.parent_columns.size()));
  S2M_ASSIGN_OR_RETURN(std::string parent_sql, catalog.TableSql(filter.parent_table));
  std::string match;
  for (size_t i = 0; i < filter.columns.size(); ++i) {
    S2M_ASSIGN_OR_RETURN(SqlColumn column, catalog.Column(table, filter.columns[i]));
    S2M_ASSIGN_OR_RETURN(SqlColumn parent, catalog.Column(filter.parent_table, filter.parent_columns[i]));
    std::string child = table_sql + "." + dialect.QuoteIdentifier(column.name);
    conditions->push_back(child + " IS NOT NULL");
    // Compared as the key filter compares them (SQLite: dates as dates, whatever their spelling).
    match += fmt::format("{}{} = {}", i ? " AND " : "",
                         Through(column.compare_function, std::string(kParentAlias) + "." + dialect.QuoteIdentifier(parent.name)),
                         Through(column.compare_function, child));
  }
  conditions->push_back(dialect.NotExists(parent_sql, kParentAlias, match));
  return Status::Ok();
}

}  // namespace

std::string ComparedColumn(const SqlDialect& dialect, const SqlColumn& column) {
  return Through(column.compare_function, QualifiedColumn(dialect, column));
}

std::string QualifiedColumn(const SqlDialect& dialect, const SqlColumn& column) {
  std::string quoted = dialect.QuoteIdentifier(column.name);
  return column.qualifier.empty() ? quoted : column.qualifier + "." + quoted;
}

Result<std::string> ComparedLiteral(const SqlDialect& dialect, const SqlColumn& column, const Value& value,
                                    const std::string& cast) {
  S2M_ASSIGN_OR_RETURN(std::string literal, dialect.Literal(value));
  return Through(column.compare_function, literal + cast);
}

Result<std::string> KeyRangeCondition(const SqlDialect& dialect, const std::vector<SqlColumn>& columns,
                                      const std::vector<Value>& low, bool low_inclusive,
                                      const std::vector<Value>& high, bool high_inclusive) {
  if (low.size() > columns.size() || high.size() > columns.size())
    return Status::Error(StatusCode::kInternal, fmt::format("key range with bounds of {} and {} values on {} columns",
                                                            low.size(), high.size(), columns.size()));
  auto bound = [&](const std::vector<Value>& values, std::string_view op) -> Result<std::string> {
    std::vector<std::string> compared, literals;
    for (size_t i = 0; i < values.size(); ++i) {
      compared.push_back(ComparedColumn(dialect, columns[i]));
      Result<std::string> literal = ComparedLiteral(dialect, columns[i], values[i], columns[i].bound_cast);
      if (!literal.ok()) return literal.status().WithContext(fmt::format("key range on '{}'", columns[i].name));
      literals.push_back(std::move(literal).value());
    }
    return dialect.RowCompare(compared, op, literals);
  };
  // A row value with a NULL in it compares as unknown or, once an earlier column decides, as true: such
  // rows are kept out of every range with a low bound and all go to the ranges open below.
  std::vector<std::string> null_tests;
  for (const SqlColumn& column : columns)
    if (column.nullable) null_tests.push_back(ComparedColumn(dialect, column) + " IS NULL");
  std::vector<std::string> parts;
  if (!low.empty()) {
    for (const SqlColumn& column : columns)
      if (column.nullable) parts.push_back(ComparedColumn(dialect, column) + " IS NOT NULL");
    S2M_ASSIGN_OR_RETURN(std::string low, bound(low, low_inclusive ? ">=" : ">"));
    parts.push_back(std::move(low));
  }
  if (!high.empty()) {
    S2M_ASSIGN_OR_RETURN(std::string high, bound(high, high_inclusive ? "<=" : "<"));
    if (low.empty() && !null_tests.empty())
      high = fmt::format("({} OR {})", high, fmt::join(null_tests, " OR "));
    parts.push_back(std::move(high));
  }
  return fmt::format("{}", fmt::join(parts, " AND "));
}

Result<ScanSql> BuildScanSql(const SqlDialect& dialect, ScanCatalog& catalog, const ScanRequest& request) {
  ScanSql sql;
  S2M_ASSIGN_OR_RETURN(sql.from, catalog.TableSql(request.table));
  const std::string table_sql = sql.from;
  // A name of the request as SQL reads it: the parent's carried column, or a column of the scanned table
  // (qualified when the scan is a join, where the parent may have a column of the same name).
  auto resolve = [&](const std::string& name) -> Result<SqlColumn> {
    if (request.IsCarried(name)) {
      S2M_ASSIGN_OR_RETURN(SqlColumn column, catalog.Column(request.parent_join->parent_table, request.parent_join->carried));
      column.qualifier = kParentAlias;
      return column;
    }
    S2M_ASSIGN_OR_RETURN(SqlColumn column, catalog.Column(request.table, name));
    if (request.parent_join) column.qualifier = table_sql;
    return column;
  };
  if (request.parent_join) {
    const ParentJoin& join = *request.parent_join;
    if (!request.where.empty() || !request.expressions.empty() || !request.deleted_flag.empty() ||
        request.key_filter || request.missing_parent || join.columns.empty() ||
        join.columns.size() != join.parent_columns.size())
      return Status::Error(StatusCode::kInternal,
                           fmt::format("a scan of '{}' joined to its parent '{}' takes no \"where\", expression, "
                                       "deleted flag, key filter or anti-join, and one parent column per join column",
                                       request.table, join.parent_table));
    S2M_ASSIGN_OR_RETURN(std::string parent_sql, catalog.TableSql(join.parent_table));
    std::string on;
    for (size_t i = 0; i < join.columns.size(); ++i) {
      S2M_ASSIGN_OR_RETURN(SqlColumn column, resolve(join.columns[i]));
      S2M_ASSIGN_OR_RETURN(SqlColumn parent, catalog.Column(join.parent_table, join.parent_columns[i]));
      parent.qualifier = kParentAlias;
      // Compared as a key filter compares them (SQLite: dates as dates, whatever their spelling).
      on += fmt::format("{}{} = {}", i ? " AND " : "", Through(column.compare_function, QualifiedColumn(dialect, parent)),
                        ComparedColumn(dialect, column));
    }
    sql.from = fmt::format("{} JOIN {} AS {} ON {}", table_sql, parent_sql, kParentAlias, on);
  }
  for (const std::string& name : request.columns) {
    if (const std::string* expression = request.ExpressionFor(name)) {
      S2M_ASSIGN_OR_RETURN(std::string cast, catalog.ExpressionCast(request.table, *expression));
      sql.select_items.push_back("(" + *expression + ")" + cast + " AS " + dialect.QuoteIdentifier(name));
      continue;
    }
    S2M_ASSIGN_OR_RETURN(SqlColumn column, resolve(name));
    sql.select_items.push_back(QualifiedColumn(dialect, column) + column.read_cast +
                               (request.IsCarried(name) ? " AS " + dialect.QuoteIdentifier(name) : ""));
  }
  if (!request.where.empty()) sql.conditions.push_back("(" + request.where + ")");
  if (!request.deleted_flag.empty()) {
    S2M_ASSIGN_OR_RETURN(SqlColumn flag, catalog.Column(request.table, request.deleted_flag));
    // NOT reads a boolean, and SQLite's and MySQL's 0/1 integers, as SQL means them.
    std::string quoted = dialect.QuoteIdentifier(flag.name);
    sql.conditions.push_back(fmt::format("({0} IS NULL OR NOT {0})", quoted));
  }
  if (request.key_filter) {
    S2M_ASSIGN_OR_RETURN(std::string condition, KeyFilterCondition(dialect, catalog, request.table, *request.key_filter));
    sql.conditions.push_back(std::move(condition));
  }
  if (request.missing_parent)
    S2M_RETURN_IF_ERROR(
        AddMissingParentConditions(dialect, catalog, request.table, sql.from, *request.missing_parent, &sql.conditions));
  if (request.range) {
    const KeyRange& range = *request.range;
    std::vector<SqlColumn> columns;
    for (const std::string& name : range.columns) {
      S2M_ASSIGN_OR_RETURN(SqlColumn column, resolve(name));
      columns.push_back(std::move(column));
    }
    S2M_ASSIGN_OR_RETURN(std::string condition,
                         KeyRangeCondition(dialect, columns, range.low, range.low_inclusive, range.high, range.high_inclusive));
    if (!condition.empty()) sql.conditions.push_back(std::move(condition));
  }
  for (const OrderTerm& term : request.order_by) {
    S2M_ASSIGN_OR_RETURN(SqlColumn column, resolve(term.column));
    sql.order_by.push_back(ComparedColumn(dialect, column) + (term.descending ? " DESC" : ""));
  }
  return sql;
}

std::string ScanSql::Select(const SqlDialect& dialect, const std::string& extra_condition, uint64_t limit) const {
  std::string sql = "SELECT " + (select_items.empty() ? std::string("1") : fmt::format("{}", fmt::join(select_items, ", ")));
  sql += " FROM " + from;
  size_t n = 0;
  for (const std::string& condition : conditions) sql += (n++ ? " AND " : " WHERE ") + condition;
  if (!extra_condition.empty()) sql += (n++ ? " AND " : " WHERE ") + extra_condition;
  if (!order_by.empty()) sql += fmt::format(" ORDER BY {}", fmt::join(order_by, ", "));
  if (limit > 0) sql += " " + dialect.Limit(limit);
  return sql;
}

std::string RowCountSql(const SqlDialect& dialect, const std::string& table, const std::vector<std::string>& columns,
                        const RowCountRequest& request) {
  std::string where = request.where.empty() ? "" : " WHERE (" + request.where + ")";
  if (columns.empty()) return fmt::format("SELECT count(*) FROM {}{}", table, where);
  std::string list = fmt::format("{}", fmt::join(columns, ", "));
  return fmt::format("SELECT {0}, count(*) FROM {1}{2} GROUP BY {0} HAVING count(*) > {3} ORDER BY count(*) DESC {4}",
                     list, table, where, request.more_than, dialect.Limit(request.limit));
}

}  // namespace sql2mongo
