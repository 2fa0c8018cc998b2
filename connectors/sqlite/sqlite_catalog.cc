#include "sqlite/sqlite_catalog.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/handles.h"
#include "sql/scan_sql.h"
#include "sqlite/sqlite_types.h"

namespace sql2mongo {
namespace {

// What ReadSqliteValue (sqlite_types.cc) makes of a declared kind when a value's storage class fits it.
// SQLite types values, not columns: a value of another class (text in an INTEGER column) keeps its own
// type, so these describe a column whose data matches its declaration.
std::vector<std::string> SqliteBsonTypes(SqliteColumnKind kind) {
  switch (kind) {
    case SqliteColumnKind::kInteger: return {"int", "long"};  // the narrowest that holds each value
    case SqliteColumnKind::kReal: return {"double"};
    case SqliteColumnKind::kDecimal: return {"decimal"};
    case SqliteColumnKind::kText: return {"string"};
    case SqliteColumnKind::kBlob: return {"binData"};
    case SqliteColumnKind::kBool: return {"bool"};
    case SqliteColumnKind::kDate: return {"date"};
    case SqliteColumnKind::kDynamic: return {};
  }
  return {};
}



Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::Error(StatusCode::kSourceError, fmt::format("{}: {}", what, sqlite3_errmsg(db)));
}

Result<SqliteStatement> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    return SqliteError(db, "cannot read the catalog (" + sql + ")");
  return SqliteStatement(raw);
}

std::string ColumnText(sqlite3_stmt* stmt, int index) {
  const unsigned char* text = sqlite3_column_text(stmt, index);
  return text ? reinterpret_cast<const char*>(text) : "";
}

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string QuoteIdentifier(const std::string& name);

// The primary key columns of `table`, in key order (empty when it has none or does not exist).
Result<std::vector<std::string>> PrimaryKeyOf(sqlite3* db, const std::string& table) {
  S2M_ASSIGN_OR_RETURN(SqliteStatement columns, Prepare(db, "PRAGMA table_info(" + QuoteIdentifier(table) + ")"));
  std::vector<std::pair<int, std::string>> key;
  int rc;
  while ((rc = sqlite3_step(columns.get())) == SQLITE_ROW) {
    int position = sqlite3_column_int(columns.get(), 5);
    if (position > 0) key.push_back({position, ColumnText(columns.get(), 1)});
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "cannot describe table " + table);
  std::sort(key.begin(), key.end());
  std::vector<std::string> names;
  for (auto& [position, name] : key) names.push_back(name);
  return names;
}

std::string QuoteIdentifier(const std::string& name) { return QuoteSqliteIdentifier(name); }

}  // namespace

std::string QuoteSqliteIdentifier(const std::string& name) { return SqliteDialect().QuoteIdentifier(name); }

Result<std::vector<std::string>> ListSqliteTables(sqlite3* db) {
  S2M_ASSIGN_OR_RETURN(SqliteStatement stmt,
                       Prepare(db, "SELECT name FROM sqlite_schema WHERE type IN ('table','view') "
                                   "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"));
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) names.push_back(ColumnText(stmt.get(), 0));
  if (rc != SQLITE_DONE) return SqliteError(db, "cannot list tables");
  return names;
}

Result<TableInfo> DescribeSqliteTable(sqlite3* db, const std::string& table) {
  S2M_ASSIGN_OR_RETURN(std::vector<std::string> names, ListSqliteTables(db));
  auto exact = std::find(names.begin(), names.end(), table);
  auto match = exact != names.end()
                   ? exact
                   : std::find_if(names.begin(), names.end(), [&](const std::string& n) { return EqualsIgnoreCase(n, table); });
  if (match == names.end())
    return Status::Error(StatusCode::kNotFound, fmt::format("no table '{}'", table));

  TableInfo info;
  info.name = *match;
  S2M_ASSIGN_OR_RETURN(SqliteStatement kind, Prepare(db, "SELECT type FROM sqlite_schema WHERE name = ?1"));
  sqlite3_bind_text(kind.get(), 1, info.name.c_str(), static_cast<int>(info.name.size()), SQLITE_TRANSIENT);
  info.is_view = sqlite3_step(kind.get()) == SQLITE_ROW && ColumnText(kind.get(), 0) == "view";
  S2M_ASSIGN_OR_RETURN(SqliteStatement columns, Prepare(db, "PRAGMA table_info(" + QuoteSqliteIdentifier(info.name) + ")"));
  std::vector<std::pair<int, std::string>> primary_key;  // (position in key, column)
  int rc;
  while ((rc = sqlite3_step(columns.get())) == SQLITE_ROW) {
    ColumnInfo column;
    column.name = ColumnText(columns.get(), 1);
    column.declared_type = ColumnText(columns.get(), 2);
    column.nullable = sqlite3_column_int(columns.get(), 3) == 0;
    // SQLite stores no NaN (it turns one into NULL), and has no arrays.
    SqliteColumnKind kind = ClassifySqliteDeclaredType(column.declared_type).kind;
    column.yields.decimal = kind == SqliteColumnKind::kDecimal;
    column.yields.bson_types = SqliteBsonTypes(kind);
    int pk_position = sqlite3_column_int(columns.get(), 5);
    if (pk_position > 0) primary_key.push_back({pk_position, column.name});
    info.columns.push_back(std::move(column));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "cannot describe table " + info.name);
  std::sort(primary_key.begin(), primary_key.end());
  for (auto& [position, name] : primary_key) info.primary_key.push_back(name);

  S2M_ASSIGN_OR_RETURN(SqliteStatement fks, Prepare(db, "PRAGMA foreign_key_list(" + QuoteSqliteIdentifier(info.name) + ")"));
  int current_id = -1;
  while ((rc = sqlite3_step(fks.get())) == SQLITE_ROW) {
    int id = sqlite3_column_int(fks.get(), 0);
    if (id != current_id) {
      info.foreign_keys.emplace_back();
      info.foreign_keys.back().referenced_table = ColumnText(fks.get(), 2);
      current_id = id;
    }
    ForeignKey& fk = info.foreign_keys.back();
    fk.columns.push_back(ColumnText(fks.get(), 3));
    // A NULL "to" means the key points at the referenced table's primary key.
    if (sqlite3_column_type(fks.get(), 4) != SQLITE_NULL) fk.referenced_columns.push_back(ColumnText(fks.get(), 4));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, "cannot read foreign keys of " + info.name);
  for (auto& fk : info.foreign_keys) {
    if (!fk.referenced_columns.empty()) continue;
    if (EqualsIgnoreCase(fk.referenced_table, info.name)) {
      fk.referenced_columns = info.primary_key;
    } else {
      // Only the referenced table's key, not its whole description: describing it would follow its own
      // foreign keys, and a cycle (emp -> dept -> emp) would never end.
      S2M_ASSIGN_OR_RETURN(fk.referenced_columns, PrimaryKeyOf(db, fk.referenced_table));
    }
  }
  return info;
}

Result<std::vector<RowCount>> CountSqliteRows(sqlite3* db, const TableInfo& table, const RowCountRequest& request) {
  std::vector<std::string> columns;
  for (const auto& name : request.group_by) {
    int index = table.ColumnIndex(name);
    if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", name, table.name));
    columns.push_back(QuoteSqliteIdentifier(table.columns[index].name));
  }
  std::string sql = RowCountSql(SqliteDialect(), QuoteSqliteIdentifier(table.name), columns, request);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    return SqliteError(db, fmt::format("cannot count the rows of table '{}'", table.name));
  SqliteStatement stmt(raw);
  std::vector<RowCount> counts;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    RowCount count;
    for (int i = 0; i < static_cast<int>(columns.size()); ++i)
      count.key.push_back(sqlite3_column_type(stmt.get(), i) == SQLITE_NULL ? std::nullopt
                                                                            : std::optional(ColumnText(stmt.get(), i)));
    count.rows = static_cast<uint64_t>(sqlite3_column_int64(stmt.get(), static_cast<int>(columns.size())));
    counts.push_back(std::move(count));
  }
  if (rc != SQLITE_DONE) return SqliteError(db, fmt::format("cannot count the rows of table '{}'", table.name));
  return counts;
}

Result<ColumnInfo> DescribeSqliteExpression(sqlite3* db, const TableInfo& table, const std::string& expression) {
  // SQLite gives an expression no declared type (sqlite3_column_decltype is NULL): each value has its
  // own storage class, so the classes the first rows' values have are what it can say.
  constexpr int kRows = 1000;
  std::string sql = fmt::format("SELECT typeof(({})) FROM {} LIMIT {}", expression, QuoteSqliteIdentifier(table.name), kRows);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    return SqliteError(db, fmt::format("expression ({}) on table '{}'", expression, table.name));
  SqliteStatement stmt(raw);
  std::vector<std::string> classes;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    std::string storage = ColumnText(stmt.get(), 0);
    if (std::find(classes.begin(), classes.end(), storage) == classes.end()) classes.push_back(storage);
  }
  if (rc != SQLITE_DONE) return SqliteError(db, fmt::format("expression ({}) on table '{}'", expression, table.name));
  ColumnInfo column;
  column.name = expression;
  column.declared_type =
      classes.empty() ? "nothing yet (SQLite declares no type for an expression, and the table has no rows)"
                      : fmt::format("{} (SQLite declares no type for an expression: the storage classes of the first "
                                    "{} rows' values)", fmt::join(classes, ", "), kRows);
  for (const auto& storage : classes) {
    std::vector<std::string> types = storage == "integer" ? std::vector<std::string>{"int", "long"}
                                     : storage == "real"  ? std::vector<std::string>{"double"}
                                     : storage == "text"  ? std::vector<std::string>{"string"}
                                     : storage == "blob"  ? std::vector<std::string>{"binData"}
                                                          : std::vector<std::string>{};  // null: nullable says so
    column.yields.bson_types.insert(column.yields.bson_types.end(), types.begin(), types.end());
  }
  return column;
}

}  // namespace sql2mongo
