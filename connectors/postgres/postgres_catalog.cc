#include "postgres/postgres_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "sql/scan_sql.h"
#include "postgres/postgres_connection.h"

namespace sql2mongo {
namespace {

bool EqualsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string Text(const PGresult* result, int row, int column) { return PQgetvalue(result, row, column); }
uint32_t Oid(const PGresult* result, int row, int column) {
  return static_cast<uint32_t>(std::strtoul(PQgetvalue(result, row, column), nullptr, 10));
}

std::string DisplayName(const std::string& schema, const std::string& name, bool in_current_schema) {
  return in_current_schema ? name : schema + "." + name;
}

}  // namespace

Result<std::vector<PgTableName>> ListPgTables(PGconn* conn) {
  S2M_ASSIGN_OR_RETURN(
      PgResult result,
      ExecPostgres(conn,
                   "SELECT n.nspname, c.relname, n.nspname = current_schema(), c.oid, c.relkind "
                   "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition "
                   "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                   "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
                   "ORDER BY n.nspname = current_schema() DESC, n.nspname, c.relname",
                   "cannot list tables"));
  std::vector<PgTableName> tables;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    PgTableName t;
    t.schema = Text(result.get(), row, 0);
    t.name = Text(result.get(), row, 1);
    t.display = DisplayName(t.schema, t.name, Text(result.get(), row, 2) == "t");
    t.sql = QuotePgIdentifier(t.schema) + "." + QuotePgIdentifier(t.name);
    t.oid = Oid(result.get(), row, 3);
    t.relkind = Text(result.get(), row, 4)[0];
    tables.push_back(std::move(t));
  }
  return tables;
}

Result<PgTableName> FindPgTable(const std::vector<PgTableName>& tables, const std::string& table) {
  std::string schema, name = table;
  size_t dot = table.find('.');
  if (dot != std::string::npos) {
    schema = table.substr(0, dot);
    name = table.substr(dot + 1);
  }
  auto matches = [&](const PgTableName& t, bool ignore_case) {
    auto eq = [&](const std::string& a, const std::string& b) { return ignore_case ? EqualsIgnoreCase(a, b) : a == b; };
    if (eq(t.display, table)) return true;
    return !schema.empty() && eq(t.schema, schema) && eq(t.name, name);
  };
  for (bool ignore_case : {false, true}) {
    for (const PgTableName& t : tables) {
      if (matches(t, ignore_case)) return t;
    }
  }
  return Status::Error(StatusCode::kNotFound, fmt::format("no table '{}'", table));
}

Result<PgColumnRead> PgTypeCache::Resolve(PGconn* conn, uint32_t type_oid) {
  auto cached = cache_.find(type_oid);
  if (cached != cache_.end()) return cached->second;
  PgColumnRead read;
  if (auto kind = BuiltinPgValueKind(type_oid)) {
    read.decoder.kind = *kind;
  } else if (type_oid == 790) {
    // money's binary form is an integer in the lc_monetary's minor unit: numeric carries the scale.
    read.cast = "::numeric";
    read.decoder.kind = PgValueKind::kNumeric;
  } else {
    S2M_ASSIGN_OR_RETURN(PgResult result,
                         ExecPostgres(conn,
                                      "SELECT typtype, typbasetype, typelem, typcategory FROM pg_catalog.pg_type "
                                      "WHERE oid = $1",
                                      fmt::format("cannot read type {}", type_oid), {std::to_string(type_oid)}));
    if (PQntuples(result.get()) != 1)
      return Status::Error(StatusCode::kSourceError, fmt::format("type {} is not in pg_type", type_oid));
    std::string typtype = Text(result.get(), 0, 0);
    uint32_t base = Oid(result.get(), 0, 1);
    uint32_t element = Oid(result.get(), 0, 2);
    std::string category = Text(result.get(), 0, 3);
    if (typtype == "d") {
      // A domain sends its base type's binary form; a cast on the base (money) works on the domain too.
      S2M_ASSIGN_OR_RETURN(read, Resolve(conn, base));
    } else if (typtype == "e") {
      read.decoder.kind = PgValueKind::kText;  // enum_send sends the label
    } else if (category == "A" && element != 0) {
      S2M_ASSIGN_OR_RETURN(PgColumnRead element_read, Resolve(conn, element));
      read.decoder.kind = PgValueKind::kArray;
      if (element_read.decoder.kind == PgValueKind::kArray || !element_read.cast.empty()) {
        // Elements the decoder does not read in binary: the whole array as text[] (any dimension).
        read.cast = "::text[]";
        read.decoder.element = PgValueKind::kText;
      } else {
        read.decoder.element = element_read.decoder.kind;
      }
    } else {
      // Anything else (inet, point, ranges, composites, xml, extension types): its text form, as psql
      // shows it. Documented in docs/types.md.
      read.cast = "::text";
      read.decoder.kind = PgValueKind::kText;
    }
  }
  cache_[type_oid] = read;
  return read;
}

namespace {

// What the decoder (postgres_types.cc) makes of a kind, for Source::DescribeTable's ValueTraits.
std::vector<std::string> PgBsonTypes(PgValueKind kind) {
  switch (kind) {
    case PgValueKind::kBool: return {"bool"};
    case PgValueKind::kInt2:
    case PgValueKind::kInt4: return {"int"};
    case PgValueKind::kInt8:
    case PgValueKind::kOid: return {"long"};
    case PgValueKind::kFloat4:
    case PgValueKind::kFloat8: return {"double"};
    case PgValueKind::kNumeric: return {"decimal"};
    case PgValueKind::kBytea:
    case PgValueKind::kUuid: return {"binData"};
    case PgValueKind::kDate:
    case PgValueKind::kTimestamp:
    case PgValueKind::kTimestampTz: return {"date", "string"};  // 'infinity' keeps its text
    case PgValueKind::kText:
    case PgValueKind::kChar:
    case PgValueKind::kTime:
    case PgValueKind::kTimeTz:
    case PgValueKind::kInterval: return {"string"};
    case PgValueKind::kJson:
    case PgValueKind::kJsonb:
    case PgValueKind::kArray: return {};
  }
  return {};
}

ValueTraits PgValueTraits(const PgColumnRead& read) {
  ValueTraits yields;
  PgValueKind value_kind = read.decoder.kind == PgValueKind::kArray ? read.decoder.element : read.decoder.kind;
  yields.array = read.decoder.kind == PgValueKind::kArray;
  yields.decimal = value_kind == PgValueKind::kNumeric;
  yields.may_be_nan =
      value_kind == PgValueKind::kNumeric || value_kind == PgValueKind::kFloat4 || value_kind == PgValueKind::kFloat8;
  yields.bson_types = yields.array ? std::vector<std::string>{"array"} : PgBsonTypes(value_kind);
  yields.may_nest = yields.array;  // int[] may hold '{{1,2},{3,4}}': dimensions are not declared
  return yields;
}

}  // namespace

Result<PgTable> DescribePgTable(PGconn* conn, const PgTableName& name, PgTypeCache* types) {
  PgTable table;
  table.name = name;
  table.info.name = name.display;
  table.info.is_view = name.relkind == 'v' || name.relkind == 'm';
  std::vector<std::string> oid = {std::to_string(name.oid)};
  std::string what = fmt::format("cannot describe table '{}'", name.display);

  S2M_ASSIGN_OR_RETURN(PgResult columns,
                       ExecPostgres(conn,
                                    "SELECT attname, pg_catalog.format_type(atttypid, atttypmod), attnotnull, atttypid "
                                    "FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0 "
                                    "AND NOT attisdropped ORDER BY attnum",
                                    what, oid));
  for (int row = 0; row < PQntuples(columns.get()); ++row) {
    ColumnInfo column;
    column.name = Text(columns.get(), row, 0);
    column.declared_type = Text(columns.get(), row, 1);
    column.nullable = Text(columns.get(), row, 2) != "t";
    uint32_t type_oid = Oid(columns.get(), row, 3);
    Result<PgColumnRead> read = types->Resolve(conn, type_oid);
    if (!read.ok()) return read.status().WithContext(fmt::format("column {}.{}", name.display, column.name));
    column.yields = PgValueTraits(*read);
    table.info.columns.push_back(std::move(column));
    table.type_oids.push_back(type_oid);
    table.reads.push_back(*read);
  }

  S2M_ASSIGN_OR_RETURN(PgResult primary_key,
                       ExecPostgres(conn,
                                    "SELECT a.attname FROM pg_catalog.pg_constraint c "
                                    "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
                                    "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                                    "WHERE c.conrelid = $1 AND c.contype = 'p' ORDER BY k.ord",
                                    what, oid));
  for (int row = 0; row < PQntuples(primary_key.get()); ++row) table.info.primary_key.push_back(Text(primary_key.get(), row, 0));

  S2M_ASSIGN_OR_RETURN(
      PgResult foreign_keys,
      ExecPostgres(conn,
                   "SELECT c.conname, a.attname, rn.nspname, rc.relname, rn.nspname = current_schema(), ra.attname "
                   "FROM pg_catalog.pg_constraint c "
                   "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) "
                   "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                   "JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid "
                   "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
                   "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum "
                   "WHERE c.conrelid = $1 AND c.contype = 'f' ORDER BY c.conname, k.ord",
                   what, oid));
  std::string current;
  for (int row = 0; row < PQntuples(foreign_keys.get()); ++row) {
    std::string constraint = Text(foreign_keys.get(), row, 0);
    if (table.info.foreign_keys.empty() || constraint != current) {
      current = constraint;
      table.info.foreign_keys.emplace_back();
      table.info.foreign_keys.back().referenced_table =
          DisplayName(Text(foreign_keys.get(), row, 2), Text(foreign_keys.get(), row, 3), Text(foreign_keys.get(), row, 4) == "t");
    }
    table.info.foreign_keys.back().columns.push_back(Text(foreign_keys.get(), row, 1));
    table.info.foreign_keys.back().referenced_columns.push_back(Text(foreign_keys.get(), row, 5));
  }
  return table;
}

Result<std::vector<RowCount>> CountPgRows(PGconn* conn, const PgTable& table, const RowCountRequest& request) {
  std::vector<std::string> columns;
  for (const auto& name : request.group_by) {
    int index = table.info.ColumnIndex(name);
    if (index < 0)
      return Status::Error(StatusCode::kNotFound, fmt::format("no column '{}' in table '{}'", name, table.info.name));
    columns.push_back(QuotePgIdentifier(table.info.columns[index].name));
  }
  S2M_ASSIGN_OR_RETURN(PgResult result, ExecPostgres(conn, RowCountSql(PostgresDialect(), table.name.sql, columns, request),
                                                     fmt::format("cannot count the rows of table '{}'", table.info.name)));
  std::vector<RowCount> counts;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    RowCount count;
    for (int i = 0; i < static_cast<int>(columns.size()); ++i)
      count.key.push_back(PQgetisnull(result.get(), row, i) ? std::nullopt : std::optional(Text(result.get(), row, i)));
    count.rows = std::strtoull(PQgetvalue(result.get(), row, static_cast<int>(columns.size())), nullptr, 10);
    counts.push_back(std::move(count));
  }
  return counts;
}

// With LIMIT 0 the server parses, types and plans the SELECT, and returns no row.
Result<ColumnInfo> DescribePgExpression(PGconn* conn, const PgTable& table, const std::string& expression,
                                        PgTypeCache* types) {
  std::string what = fmt::format("expression ({}) on table '{}'", expression, table.info.name);
  S2M_ASSIGN_OR_RETURN(PgResult described,
                       ExecPostgres(conn, fmt::format("SELECT ({}) FROM {} LIMIT 0", expression, table.name.sql), what));
  uint32_t type_oid = PQftype(described.get(), 0);
  S2M_ASSIGN_OR_RETURN(PgResult type_name,
                       ExecPostgres(conn, "SELECT pg_catalog.format_type($1, $2)", what,
                                    {std::to_string(type_oid), std::to_string(PQfmod(described.get(), 0))}));
  S2M_ASSIGN_OR_RETURN(PgColumnRead read, types->Resolve(conn, type_oid));
  ColumnInfo column;
  column.name = expression;
  column.declared_type = Text(type_name.get(), 0, 0);
  column.yields = PgValueTraits(read);
  return column;
}

}  // namespace sql2mongo
