// The one interface every relational source implements (SQLite now; PostgreSQL and MySQL next).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/row_batch.h"
#include "sql2mongo/status.h"
#include "sql2mongo/value_warnings.h"

namespace sql2mongo {

// What a connector makes of a column's values when the mapping leaves "type" to auto, as far as the
// catalog tells: a plan is checked against what the target can store before any row is read.
struct ValueTraits {
  bool decimal = false;     // values (or array elements) become Decimal128: NUMERIC, DECIMAL
  bool may_be_nan = false;  // the column can hold NaN (PostgreSQL float4, float8, numeric)
  bool array = false;       // values are arrays (PostgreSQL arrays, MySQL SET)
  bool may_nest = false;    // ... which may have more than one dimension (PostgreSQL arrays)
  // The BSON types the values take, as $jsonSchema names them ("int", "long", "double", "decimal",
  // "string", "bool", "date", "binData", "object", "array", and "null" where a NOT NULL column still
  // gives null: MySQL zero dates); empty when any (JSON, types read as text).
  std::vector<std::string> bson_types;
};

struct ColumnInfo {
  std::string name;
  std::string declared_type;  // as the database spells it, e.g. "NVARCHAR(40)", "NUMERIC(10,2)"
  bool nullable = true;
  ValueTraits yields;
};

// Values a column may hold that some targets cannot store, found by looking at the data.
enum class ValueHazard {
  kNaN,          // a NaN (also inside an array)
  kNestedArray,  // an array of more than one dimension
};

struct ForeignKey {
  std::vector<std::string> columns;      // in the table that holds the key
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
};

struct TableInfo {
  std::string name;
  std::vector<ColumnInfo> columns;
  std::vector<std::string> primary_key;  // empty when the table has none
  std::vector<ForeignKey> foreign_keys;
  // A view (PostgreSQL: or a materialized view). A mapping may read one like a table; init proposes
  // no collection for it, since its rows come from its base tables.
  bool is_view = false;

  // Index of `column` (exact name first, then case-insensitive), or -1.
  int ColumnIndex(const std::string& column) const;
};

struct OrderTerm {
  std::string column;
  bool descending = false;
};

// Restricts a scan to rows whose `columns` equal one of `keys` (each key has one value per column).
// This is how child rows are fetched for a whole batch of parents in one query, never one per parent.
struct KeyFilter {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> keys;
};

// Keeps only the rows whose `columns` are all non-NULL and equal no row of `parent_table` on
// `parent_columns`: child rows whose parent does not exist (orphans), which an embed can never place.
struct MissingParentFilter {
  std::vector<std::string> columns;
  std::string parent_table;
  std::vector<std::string> parent_columns;
};

// Rows whose key `columns`, compared as one row value in this order, lie in [low, high): one work
// unit of a table read in parallel or resumed. An empty bound is open. `low_inclusive=false` reads
// the rows strictly after `low` (resuming after the last key written); `high_inclusive=true` reads
// [low, high] (the children of a batch of parents whose keys run from low to high). An open `low` also takes the
// rows with a NULL in a key column (a SQLite primary key other than INTEGER PRIMARY KEY may hold
// NULL; NULLs sort first there), so the ranges together cover every row.
struct KeyRange {
  std::vector<std::string> columns;
  std::vector<Value> low;
  bool low_inclusive = true;
  std::vector<Value> high;
  bool high_inclusive = false;
};

// Reads the scanned table's rows joined to their parent rows (the scanned table's `columns` equal the
// parent table's `parent_columns`), each row carrying the parent's `carried` column under the name
// `carried_as`: the rows of a grandchild ordered by its grandparent's key, for the streamed merge join
// (src/pipeline/embed_merge.h). Wherever a request names `carried_as` (columns, range, order_by) it means
// that parent column; every other name is a column of the scanned table. Not with the scanned table's
// "where", expressions or deleted flag (the user's SQL is unqualified and could name a parent column).
struct ParentJoin {
  std::string parent_table;
  std::vector<std::string> columns;         // of the scanned table
  std::vector<std::string> parent_columns;  // of parent_table, matched in order
  std::string carried;                      // a column of parent_table
  std::string carried_as;                   // never a column name of the scanned table
};

struct ScanRequest {
  std::string table;
  std::vector<std::string> columns;  // read in this order; RowBatch columns match
  std::string where;                 // SQL condition from the mapping, in the source's dialect; may be empty
  std::optional<KeyFilter> key_filter;
  std::optional<MissingParentFilter> missing_parent;
  std::optional<KeyRange> range;
  std::vector<OrderTerm> order_by;
  // Soft deletes: a column whose true (non-zero) rows are left out, as deleted ones; NULL counts as
  // false. Empty: none.
  std::string deleted_flag;
  // Computed columns (the mapping's "expr"): (alias, SQL expression in the source's dialect). Each alias
  // is also an entry of `columns`, which the connector reads as `(expression) AS alias`, typed by what
  // the database says the expression yields. The expression is the user's SQL, like `where`: nothing in
  // it is quoted or checked here. Aliases never equal a column name of `table`. Last, so that
  // ScanRequest{table, columns, where} still reads as before.
  std::vector<std::pair<std::string, std::string>> expressions;
  // Rows joined to their parent, carrying one of its columns (last, like `expressions`).
  std::optional<ParentJoin> parent_join;

  // The expression read under `column`, or nullptr when `column` is a column of `table`.
  const std::string* ExpressionFor(const std::string& column) const {
    for (const auto& [alias, expression] : expressions)
      if (alias == column) return &expression;
    return nullptr;
  }
  // Whether `column` names the parent column a parent_join carries.
  bool IsCarried(const std::string& column) const { return parent_join && parent_join->carried_as == column; }
};

// Rows of one table counted per distinct value of `group_by` (GROUP BY; NULLs group together, as SQL
// groups them): the groups of more than `more_than` rows, the largest first, at most `limit` of them.
// With no `group_by`, one count: every row that satisfies `where`.
struct RowCountRequest {
  std::string table;
  std::vector<std::string> group_by;
  std::string where;  // the mapping's SQL condition, may be empty
  uint64_t more_than = 0;
  size_t limit = 10;
};
struct RowCount {
  std::vector<std::optional<std::string>> key;  // per group_by column: the value as the database prints it, or NULL
  uint64_t rows = 0;
};

// Streams the rows of one scan. Memory stays bounded by max_rows, whatever the table size.
class RowStream {
 public:
  virtual ~RowStream() = default;
  // Replaces the content of *batch with up to max_rows rows. Returns false once the scan is exhausted
  // (and then *batch is empty).
  virtual Result<bool> Next(RowBatch* batch, size_t max_rows) = 0;
};

class Source {
 public:
  virtual ~Source() = default;

  // The source URI with any password removed, for messages.
  virtual std::string DisplayName() const = 0;
  virtual Result<std::vector<std::string>> ListTables() = 0;
  // kNotFound when there is no such table.
  virtual Result<TableInfo> DescribeTable(const std::string& table) = 0;

  // Every scan between BeginSnapshot and EndSnapshot reads the database as of one moment, so a child row
  // never points at a parent the run did not see.
  virtual Status BeginSnapshot() = 0;
  virtual Status EndSnapshot() = 0;

  // The stream may be used until the Source is destroyed. Not thread-safe: one caller at a time.
  virtual Result<std::unique_ptr<RowStream>> Scan(const ScanRequest& request) = 0;

  // For reading one table as several key ranges at once. Sources that cannot do it keep these defaults
  // (kUnsupported) and the run reads each table with one reader.
  //
  // Smallest and largest value of an integer column; nullopt for an empty table.
  virtual Result<std::optional<std::pair<int64_t, int64_t>>> IntegerKeyBounds(const std::string& table,
                                                                               const std::string& column) {
    return Status::Error(StatusCode::kUnsupported, "key bounds are not supported by " + DisplayName());
  }
  // Up to parts-1 keys of `table` (its rows that satisfy `where`), in `columns` order, that cut it into
  // `parts` ranges of about equal row counts: the bounds of work units. Empty when the table is too small.
  virtual Result<std::vector<std::vector<Value>>> KeySplitPoints(const std::string& table,
      const std::vector<std::string>& columns, size_t parts, const std::string& where) {
    return Status::Error(StatusCode::kUnsupported, "key split points are not supported by " + DisplayName());
  }
  // Roughly how many rows `table` holds, from the catalog's statistics where it keeps them (cheap, may be
  // stale) or a count where counting is cheap; nullopt when the source cannot tell. For progress totals
  // and plan estimates only: never for correctness.
  virtual Result<std::optional<uint64_t>> EstimateRows(const std::string& table) {
    return Status::Error(StatusCode::kUnsupported, "row estimates are not supported by " + DisplayName());
  }
  // Whether some row of `table` that satisfies `where` (the mapping's SQL condition, may be empty)
  // holds `hazard` in `column`, for columns whose ValueTraits say they can (may_be_nan, may_nest).
  // kUnsupported on sources that cannot tell; the caller then assumes it may.
  virtual Result<bool> ColumnHolds(const std::string& table, const std::string& column, ValueHazard hazard,
                                   const std::string& where) {
    return Status::Error(StatusCode::kUnsupported, "value probes are not supported by " + DisplayName());
  }
  // The values decoded since the last call that did not arrive as their column declares (kept as text,
  // made null), per column with examples; the connector forgets them once taken.
  virtual std::vector<ValueWarning> TakeWarnings() { return {}; }
  // One query counting rows (see RowCountRequest), so that finding the few parents with too many
  // children does not stream the child table. kUnsupported on sources that cannot.
  virtual Result<std::vector<RowCount>> CountRows(const RowCountRequest& request) {
    return Status::Error(StatusCode::kUnsupported, "row counts are not supported by " + DisplayName());
  }
  // What the database says `expression` (SQL in its dialect, as a mapping's "expr") yields on `table`'s
  // rows: declared_type as the database names the type, and what the connector makes of its values.
  // The expression is typed, not run. kUnsupported on sources that cannot tell.
  virtual Result<ColumnInfo> DescribeExpression(const std::string& table, const std::string& expression) {
    return Status::Error(StatusCode::kUnsupported, "expression types are not supported by " + DisplayName());
  }
  // After a read failed with kSourceLost (its connection broke): makes the next Scan read through a
  // connection that sees this source's snapshot as before, so the caller can scan again after the last
  // key it read. PostgreSQL: a new connection imports the exported snapshot, held by a connection that
  // reads nothing. kUnsupported where no new connection can join the snapshot (MySQL's lives only in
  // the connections opened with it); another error when the snapshot itself is gone.
  virtual Status ReopenInSnapshot() {
    return Status::Error(StatusCode::kUnsupported,
                         DisplayName() + " cannot open a connection in a snapshot that is already under way");
  }
  // How many scans of this reader may be open at once, all in its snapshot (a root stream, the merge
  // join's child streams, and one more for the key-list fetches in between). Sources whose scan holds a
  // connection till its end say how many snapshot connections they have; the default, 1, keeps the
  // streamed merge join off.
  virtual size_t ScansOpenAtOnce() const { return 1; }
  // Another reader that sees exactly this source's snapshot, to be used by another thread (each reader
  // by one thread at a time). Call after BeginSnapshot; its snapshot ends when it is destroyed, and it
  // must be destroyed before this source's EndSnapshot.
  virtual Result<std::unique_ptr<Source>> OpenSnapshotReader() {
    return Status::Error(StatusCode::kUnsupported, "parallel readers are not supported by " + DisplayName());
  }
};

struct SourceOptions {
  // From --password-file; when empty, connectors fall back to their environment variable
  // (PGPASSWORD, MYSQL_PWD) and then to the URI. Never logged.
  std::string password;
  // How many readers a run may use at once (itself and OpenSnapshotReader()s), so a source that can
  // only share its snapshot among connections opened when it starts (MySQL) opens enough of them.
  int snapshot_readers = 1;
};

// Opens a source from a URI: "sqlite:PATH", "postgresql://user@host:port/db?sslmode=...",
// "mysql://user@host:port/db". Errors name the URI with any password removed.
Result<std::unique_ptr<Source>> OpenSource(const std::string& uri, const SourceOptions& options = {});

}  // namespace sql2mongo
