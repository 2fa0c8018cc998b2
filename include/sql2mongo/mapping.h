// The parsed mapping file: one job, i.e. a source, a target and the collections to build.
// Parsing checks the file's own shape; names are checked against the source in plan.h.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/index_spec.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"
#include "sql2mongo/value.h"
#include "sql2mongo/write_mode.h"

namespace sql2mongo {

enum class NullPolicy { kKeep, kOmit };

// Where something was written in the mapping file, for messages: "mappings/x.json:12:7".
struct MappingPlace {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;
};

// One document field taken from one column ("name.first": "FirstName" or {"column": ..., "type": ...}),
// or computed by the source ({"expr": "LOWER(Email)"}): exactly one of `column` and `expr` is set.
struct FieldSpec {
  std::string path;            // dotted target path, e.g. "name.first"
  std::string column;
  std::string expr;            // an SQL expression in the source's dialect, evaluated in the table's SELECT
  TargetType type = TargetType::kAuto;
  std::optional<NullPolicy> nulls;  // unset: inherit
  std::string ref;             // collection this value points at by _id (a reference), or empty
  bool ref_index = true;       // a reference gets an ascending index after the load ("index": false: none)
  MappingPlace place;          // of the column name, or of the expression
};

enum class EmbedKind { kArray, kObject };

// How an incremental run learns that rows of a table are gone.
enum class DeletePolicy {
  kNone,    // deletes are not followed: a deleted row's document (or element) stays until a full run
  kSoft,    // a row whose `flag` column is true counts as deleted (and is never embedded or written)
  kDetect,  // collections only: every run compares the target's _ids with the source's keys
};

// "incremental": {"column": "updated_at", "deletes": "soft", "flag": "deleted"} on a collection or an
// embed: the column that says a row changed (a timestamp, a row version or an increasing key; it must
// grow whenever the row is written), and how deletes show.
struct IncrementalSpec {
  std::string column;
  DeletePolicy deletes = DeletePolicy::kNone;
  std::string flag;  // kSoft
  MappingPlace place;       // of "incremental"
  MappingPlace column_place;
  MappingPlace flag_place;
};

// Rows of another table placed inside the document: child rows as an array (1:N) or the row a foreign
// key points to as a sub-document (N:1). An array embed whose rows carry an object embed is M:N.
struct EmbedSpec {
  std::string path;   // target path of the array or sub-document
  EmbedKind kind = EmbedKind::kArray;
  std::string from;   // table
  std::vector<std::string> local;    // columns of the row being built; default: its key / the FK
  std::vector<std::string> foreign;  // columns of `from`; default: the FK / `from`'s primary key
  bool all_columns = true;           // no "fields": every column but the join columns
  std::vector<FieldSpec> fields;
  std::vector<std::string> exclude;
  std::string value_column;          // array of plain values instead of sub-documents
  std::string where;
  std::vector<OrderTerm> order_by;
  std::optional<NullPolicy> nulls;
  std::vector<EmbedSpec> embeds;
  std::optional<IncrementalSpec> incremental;
  std::string merge_key;        // merge mode: the elements' field this array is merged by; "": replaced whole
  MappingPlace merge_key_place;
  MappingPlace place;       // of the embed's name
  MappingPlace from_place;  // of "from"
  std::string pointer;      // JSON pointer of this embed, to place later errors
};

struct CollectionSpec {
  std::string name;
  std::string from;
  // _id: one column, several (a composite sub-document named by column), or none (the primary key).
  std::vector<std::pair<std::string, std::string>> id_parts;  // (key in the _id sub-document, column)
  bool id_is_composite = false;
  bool all_columns = true;
  std::vector<FieldSpec> fields;
  std::vector<std::string> exclude;
  std::string where;
  std::vector<OrderTerm> order_by;
  std::optional<NullPolicy> nulls;
  std::vector<EmbedSpec> embeds;
  std::optional<WriteModeKind> mode;  // "mode"; unset: insert. run --mode replaces it (LoadJob)
  bool drop = false;                  // "drop": true, as run --drop for this collection
  bool swap = false;                  // "cutover": "swap": staging, verify, rename in, keep a backup
  int backups = 1;                    // "backups": how many backups a swap keeps
  std::optional<IncrementalSpec> incremental;
  std::vector<IndexSpec> indexes;     // "indexes", as written (names unresolved, no reference indexes)
  std::optional<Validation> validate; // "validate"; unset: the mapping's
  MappingPlace place;
  MappingPlace from_place;
  std::string pointer;
};

class JsonLocator;

struct Mapping {
  std::string file;         // path as given, for messages
  std::string source_uri;   // relative sqlite paths already resolved against the mapping's folder
  std::string target_uri;
  NullPolicy nulls = NullPolicy::kKeep;
  Validation validate = Validation::kOff;  // top-level "validate": each collection's default
  // "schema_version": N, the version of the documents this mapping builds; every document carries it in
  // `schema_version_field` (after _id) so documents of two mapping versions can be told apart. Unset: none.
  std::optional<int32_t> schema_version;
  std::string schema_version_field = "_schema_version";  // "": not written ("schema_version_field": false)
  std::vector<CollectionSpec> collections;

  // Where the value at a JSON pointer (e.g. "/collections/tracks/fields/name") was written.
  MappingPlace PlaceOf(const std::string& json_pointer) const;
  std::shared_ptr<const JsonLocator> locator;
};

// Reads and parses a mapping file. Errors name file:line:column and say how to fix the input.
Result<Mapping> ParseMappingFile(const std::string& path);
// Same, from text; `file_name` is used in messages and to resolve relative source paths.
Result<Mapping> ParseMappingText(const std::string& text, const std::string& file_name);

}  // namespace sql2mongo
