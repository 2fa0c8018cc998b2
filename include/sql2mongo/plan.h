// The mapping resolved against the source's catalog: which columns to read from which table, how child
// rows join their parents, and the shape of each document. A plan is checked before anything is written.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sql2mongo/mapping.h"
#include "sql2mongo/source.h"
#include "sql2mongo/write_mode.h"

namespace sql2mongo {

struct EmbedPlan;

// One node of a document's shape. Children keep the mapping's order; _id is always first.
struct ShapeNode {
  enum class Kind { kField, kObject, kEmbed };
  Kind kind = Kind::kField;
  std::string key;
  // kField: the column (index into the table plan's read_columns) and its conversion.
  int column = -1;
  TargetType type = TargetType::kAuto;
  NullPolicy nulls = NullPolicy::kKeep;
  // kField with a reference to a collection with a composite _id: the sub-document's keys and columns.
  std::vector<std::pair<std::string, int>> ref_parts;
  std::vector<ShapeNode> children;  // kObject
  int embed = -1;                   // kEmbed: index into the owner's embeds
};

// A table's "incremental": its change column and how its deletes show, as the table spells them.
struct ChangeTracking {
  std::string path;    // the watermark's name: the collection ("customers") or the embed ("customers.invoices")
  std::string column;  // the change column
  DeletePolicy deletes = DeletePolicy::kNone;
};

// What to read from one table and how to shape its rows; shared by collections and embeds.
struct TablePlan {
  std::string table;
  // Column names, and the aliases of computed columns ("s2m_expr_1"; never a column name of `table`).
  std::vector<std::string> read_columns;
  // The computed columns among read_columns: (alias, SQL expression), as ScanRequest::expressions.
  std::vector<std::pair<std::string, std::string>> expressions;
  std::string where;
  std::vector<OrderTerm> order_by;
  std::vector<ShapeNode> shape;        // the fields of the document or sub-document
  std::vector<EmbedPlan> embeds;
  int value_column = -1;               // array of plain values (embeds only)
  TargetType value_type = TargetType::kAuto;
  std::optional<ChangeTracking> changes;  // the mapping's "incremental"
  // "deletes": "soft": rows whose flag column is true are deleted ones, left out of every read.
  std::string deleted_flag;

  // A scan of the rows this plan keeps (its table and "where"), with no columns yet: for reads of other
  // columns of the same rows (keys, counts, probes).
  ScanRequest ScanOfRows() const {
    ScanRequest request;
    request.table = table;
    request.where = where;
    request.deleted_flag = deleted_flag;
    return request;
  }
  // A scan of the rows this plan keeps, reading read_columns (with the computed ones).
  ScanRequest ScanOfReadColumns() const {
    ScanRequest request = ScanOfRows();
    request.columns = read_columns;
    request.expressions = expressions;
    return request;
  }

  // The SQL expression read as read_columns[index], or nullptr when that is a plain column of `table`.
  const std::string* ExpressionAt(int index) const {
    for (const auto& [alias, expression] : expressions)
      if (alias == read_columns[index]) return &expression;
    return nullptr;
  }
};

struct EmbedPlan {
  std::string path;  // for messages and counters, e.g. "customers.invoices.lines"
  EmbedKind kind = EmbedKind::kArray;
  NullPolicy nulls = NullPolicy::kKeep;
  std::vector<int> local_columns;    // in the parent's read_columns
  std::vector<std::string> foreign_names;
  std::vector<int> foreign_columns;  // in this table's read_columns
  TablePlan table;
};

struct IdPlan {
  enum class Kind { kColumn, kComposite, kGenerated };
  Kind kind = Kind::kGenerated;
  std::vector<std::pair<std::string, int>> parts;  // (key, column index in read_columns)
};

struct CollectionPlan {
  std::string name;
  IdPlan id;
  TablePlan table;
  WriteMode write_mode;  // the mapping's "mode" (and merge keys), or run --mode
  bool drop = false;     // the mapping's "drop": true; run --drop sets it for every collection
  // "cutover": "swap": loaded aside like drop, verified against the source, then renamed over the live
  // collection, whose documents are kept as a backup (the newest `backups` are kept).
  bool swap = false;
  int backups = 1;
  // Created after the load: the mapping's "indexes" (key paths checked against the documents' fields,
  // names resolved) then one ascending index per reference field not already indexed first by it.
  std::vector<IndexSpec> indexes;
  Validation validate = Validation::kOff;  // the collection's "validate", else the mapping's
  // The mapping's "schema_version", written by the builder right after _id as an int32 in this field;
  // an empty field: none.
  std::string version_field;
  int32_t schema_version = 0;
};

struct Plan {
  std::string mapping_file;
  std::string source_uri;
  std::string target_uri;
  std::vector<CollectionPlan> collections;
};

// One field a plan writes from a column (or a computed column) of one of its tables.
struct PlannedField {
  const TablePlan* table = nullptr;  // the table whose rows it is read from
  int column = -1;                   // in table->read_columns
  TargetType type = TargetType::kAuto;
  std::string path;                  // dotted path in the document, array levels included: "invoices.lines.price"
};
// Every field of `table`'s rows and of the rows embedded in them, at any depth, in the shape's order;
// an embed of plain values is one field at the embed's path. `prefix`: the path of `table`'s rows.
std::vector<PlannedField> FieldsOf(const TablePlan& table, const std::string& prefix = "");

// Whether `table` or a table embedded in it, at any depth, has "incremental".
bool TracksChanges(const TablePlan& table);

// Resolves `mapping` against `source`'s catalog. Unknown tables and columns are reported with their
// place in the mapping file and the closest existing name.
Result<Plan> BuildPlan(const Mapping& mapping, Source& source);

}  // namespace sql2mongo
