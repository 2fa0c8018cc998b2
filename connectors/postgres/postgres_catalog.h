// Introspection of a PostgreSQL database through pg_catalog: tables, columns, keys, and which decoder
// (and which cast in the SELECT list) each column's type needs.
#pragma once

#include <libpq-fe.h>

#include <map>
#include <string>
#include <vector>

#include "postgres/postgres_types.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// A table or view as the source names it: bare in the session's current schema (normally "public"),
// "schema.table" elsewhere.
struct PgTableName {
  std::string schema;
  std::string name;
  std::string display;  // what ListTables returns
  std::string sql;      // "schema"."name", quoted for SQL
  uint32_t oid = 0;
  char relkind = 'r';   // pg_class.relkind: 'r' table, 'p' partitioned table, 'v' view, 'm' materialized view, 'f' foreign
};

// How one column is read: the expression's cast (empty, "::text", "::text[]", "::numeric") and the decoder
// of what the server then sends.
struct PgColumnRead {
  std::string cast;
  PgDecoder decoder;
};

struct PgTable {
  PgTableName name;
  TableInfo info;                     // info.name == name.display
  std::vector<uint32_t> type_oids;    // per column of info.columns
  std::vector<PgColumnRead> reads;    // per column of info.columns
};

// Tables, views, materialized views, foreign and partitioned tables outside the system schemas.
Result<std::vector<PgTableName>> ListPgTables(PGconn* conn);

// Finds `table` ("customer", "public.customer", "Sales.Order"): exact name first, then case-insensitive;
// an unqualified name is looked up in the current schema. kNotFound when nothing matches.
Result<PgTableName> FindPgTable(const std::vector<PgTableName>& tables, const std::string& table);

// Resolved type decoders, cached by type OID for the life of a source.
class PgTypeCache {
 public:
  // Built-in types come from a table; domains, enums, arrays and the rest from pg_type. A type the
  // decoder does not know is read through its text form (`::text`), money through numeric.
  Result<PgColumnRead> Resolve(PGconn* conn, uint32_t type_oid);

 private:
  std::map<uint32_t, PgColumnRead> cache_;
};

// Columns (format_type spelling, NOT NULL), primary key and foreign keys in key order.
Result<PgTable> DescribePgTable(PGconn* conn, const PgTableName& table, PgTypeCache* types);

// Source::CountRows and Source::DescribeExpression on `table`.
Result<std::vector<RowCount>> CountPgRows(PGconn* conn, const PgTable& table, const RowCountRequest& request);
Result<ColumnInfo> DescribePgExpression(PGconn* conn, const PgTable& table, const std::string& expression,
                                        PgTypeCache* types);

}  // namespace sql2mongo
