#include "sqlite/sqlite_catalog.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/handles.h"
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

std::string QuoteSqliteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

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

}  // namespace sql2mongo
