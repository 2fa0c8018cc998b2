#include "mysql/mysql_catalog.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>

#include "sql/scan_sql.h"
#include "mysql/mysql_connection.h"

namespace sql2mongo {
namespace {

// What the decoder (mysql_types.cc) makes of a kind, for Source::DescribeTable's ValueTraits.
std::vector<std::string> MysqlBsonTypes(MysqlColumnKind kind) {
  switch (kind) {
    case MysqlColumnKind::kBool: return {"bool", "int"};  // TINYINT(1) values other than 0/1 stay numbers
    case MysqlColumnKind::kInt32: return {"int"};
    case MysqlColumnKind::kInt64: return {"long"};
    case MysqlColumnKind::kUInt64:
    case MysqlColumnKind::kBit: return {"long", "decimal"};  // Decimal128 past 2^63-1
    case MysqlColumnKind::kDecimal: return {"decimal"};
    case MysqlColumnKind::kDouble: return {"double"};
    case MysqlColumnKind::kString:
    case MysqlColumnKind::kTime: return {"string"};
    case MysqlColumnKind::kSet: return {"array"};
    case MysqlColumnKind::kDate:
    case MysqlColumnKind::kDateTime: return {"date", "null"};  // zero dates become null, even NOT NULL
    case MysqlColumnKind::kBinary:
    case MysqlColumnKind::kUuid: return {"binData"};
    case MysqlColumnKind::kJson:
    case MysqlColumnKind::kOther: return {};  // any JSON value; text or bytes
  }
  return {};
}



bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Catalog results are small, so a prepared (buffered) statement with bound names is the simple, safe
// choice here; only table scans need the streamed plain-statement path.
std::unique_ptr<sql::ResultSet> QueryCatalog(sql::Connection* connection, const std::string& sql,
                                             const std::vector<std::string>& parameters) {
  std::unique_ptr<sql::PreparedStatement> statement(connection->prepareStatement(sql));
  for (size_t i = 0; i < parameters.size(); ++i) statement->setString(static_cast<unsigned>(i + 1), parameters[i]);
  return std::unique_ptr<sql::ResultSet>(statement->executeQuery());
}

}  // namespace

Result<std::vector<std::string>> ListMysqlTables(sql::Connection* connection, const std::string& database) {
  try {
    auto rows = QueryCatalog(connection,
                             "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "
                             "ORDER BY TABLE_NAME",
                             {database});
    std::vector<std::string> names;
    while (rows->next()) names.push_back(rows->getString(1));
    return names;
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("listing the tables of database '{}'", database));
  }
}

Result<MysqlTable> DescribeMysqlTable(sql::Connection* connection, const std::string& database,
                                      const std::string& table, bool is_mariadb) {
  S2M_ASSIGN_OR_RETURN(std::vector<std::string> names, ListMysqlTables(connection, database));
  auto match = std::find(names.begin(), names.end(), table);
  if (match == names.end())
    match = std::find_if(names.begin(), names.end(), [&](const std::string& n) { return EqualsIgnoreCase(n, table); });
  if (match == names.end())
    return Status::Error(StatusCode::kNotFound, fmt::format("no table '{}' in database '{}'", table, database));

  MysqlTable result;
  TableInfo& info = result.info;
  info.name = *match;
  try {
    auto kind = QueryCatalog(connection,
                             "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
                             {database, info.name});
    info.is_view = kind->next() && std::string(kind->getString(1)) == "VIEW";
    // MariaDB has no JSON type: JSON is LONGTEXT with a json_valid(`col`) CHECK constraint, which
    // information_schema.CHECK_CONSTRAINTS shows (MySQL's JSON is a real type there: DATA_TYPE 'json').
    std::set<std::string> json_columns;
    if (is_mariadb) {
      auto checks = QueryCatalog(connection,
                                 "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                                 "WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?",
                                 {database, info.name});
      while (checks->next()) {
        std::string clause = checks->getString(1);
        std::string lower = clause;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        const std::string prefix = "json_valid(`";
        if (lower.rfind(prefix, 0) == 0 && clause.size() > prefix.size() + 2 && clause.substr(clause.size() - 2) == "`)") {
          std::string name = clause.substr(prefix.size(), clause.size() - prefix.size() - 2);
          std::string unquoted;
          for (size_t i = 0; i < name.size(); ++i) {
            unquoted += name[i];
            if (name[i] == '`' && i + 1 < name.size() && name[i + 1] == '`') ++i;
          }
          json_columns.insert(unquoted);
        }
      }
    }

    auto columns = QueryCatalog(connection,
                                "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME "
                                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
                                "ORDER BY ORDINAL_POSITION",
                                {database, info.name});
    while (columns->next()) {
      ColumnInfo column;
      column.name = columns->getString(1);
      std::string data_type = columns->getString(2);
      column.declared_type = columns->getString(3);
      column.nullable = columns->getString(4) == "YES";
      columns->getString(5);
      bool has_charset = !columns->wasNull();
      bool is_json = json_columns.count(column.name) > 0;
      if (is_json) column.declared_type = "json";  // as the CREATE TABLE said, not MariaDB's LONGTEXT alias
      result.kinds.push_back(ClassifyMysqlColumn(data_type, column.declared_type, has_charset, is_json));
      // MySQL stores no NaN, and its arrays (SET) are flat. BIGINT UNSIGNED values past 2^63-1 become
      // Decimal128 too; the sink's value check catches those document by document.
      column.yields.decimal = result.kinds.back() == MysqlColumnKind::kDecimal;
      column.yields.array = result.kinds.back() == MysqlColumnKind::kSet;
      column.yields.bson_types = MysqlBsonTypes(result.kinds.back());
      info.columns.push_back(std::move(column));
    }

    auto primary = QueryCatalog(connection,
                                "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                                "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' "
                                "ORDER BY ORDINAL_POSITION",
                                {database, info.name});
    while (primary->next()) info.primary_key.push_back(primary->getString(1));

    // Keys into other databases cannot be embedded from this source, so only same-database keys count.
    auto foreign = QueryCatalog(connection,
                                "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
                                "FROM information_schema.KEY_COLUMN_USAGE "
                                "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL "
                                "AND REFERENCED_TABLE_SCHEMA = TABLE_SCHEMA "
                                "ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION",
                                {database, info.name});
    std::string current;
    while (foreign->next()) {
      std::string constraint = foreign->getString(1);
      if (info.foreign_keys.empty() || constraint != current) {
        info.foreign_keys.emplace_back();
        info.foreign_keys.back().referenced_table = foreign->getString(3);
        current = constraint;
      }
      info.foreign_keys.back().columns.push_back(foreign->getString(2));
      info.foreign_keys.back().referenced_columns.push_back(foreign->getString(4));
    }
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("describing table '{}'", info.name));
  }
  return result;
}

Result<std::vector<RowCount>> CountMysqlRows(sql::Connection* connection, const TableInfo& table,
                                             const RowCountRequest& request) {
  std::vector<std::string> columns;
  for (const auto& name : request.group_by) {
    int index = table.ColumnIndex(name);
    if (index < 0) return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", name, table.name));
    columns.push_back(QuoteMysqlIdentifier(table.columns[index].name));
  }
  std::vector<RowCount> counts;
  try {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(RowCountSql(MysqlDialect(), QuoteMysqlIdentifier(table.name), columns, request)));
    while (rows->next()) {
      RowCount count;
      for (unsigned i = 1; i <= columns.size(); ++i)
        count.key.push_back(rows->isNull(i) ? std::nullopt : std::optional<std::string>(rows->getString(i)));
      count.rows = rows->getUInt64(static_cast<unsigned>(columns.size() + 1));
      counts.push_back(std::move(count));
    }
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("cannot count the rows of table '{}'", table.name));
  }
  return counts;
}

// The server types the SELECT when it runs it with LIMIT 0: no rows, but the result's metadata.
Result<ColumnInfo> DescribeMysqlExpression(sql::Connection* connection, const TableInfo& table,
                                           const std::string& expression) {
  ColumnInfo column;
  column.name = expression;
  try {
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(
        fmt::format("SELECT ({}) FROM {} LIMIT 0", expression, QuoteMysqlIdentifier(table.name))));
    sql::ResultSetMetaData* metadata = result->getMetaData();  // owned by the result set
    // The type's name only: Connector/C++ 1.1 reports no usable precision for a LIMIT 0 result.
    std::string type_name = metadata->getColumnTypeName(1);
    column.declared_type = type_name;
    MysqlColumnKind kind = ClassifyMysqlResultColumn(type_name, metadata->getColumnCharset(1));
    column.yields.decimal = kind == MysqlColumnKind::kDecimal;
    column.yields.array = kind == MysqlColumnKind::kSet;
    column.yields.bson_types = MysqlBsonTypes(kind);
  } catch (const sql::SQLException& e) {
    return MysqlErrorStatus(e, fmt::format("expression ({}) on table '{}'", expression, table.name));
  }
  return column;
}

}  // namespace sql2mongo
