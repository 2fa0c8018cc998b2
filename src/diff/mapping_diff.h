// Two versions of one mapping compared as the documents they build, without a source or a target:
// per collection, each change classed as additive, transformative or destructive, and whether the
// documents already written can be upgraded in place or need a reload. Works on the parsed Mapping
// (not the Plan), so what it knows of a field is what the mapping says: its path, column or expression,
// "type", "nulls" and "ref"; a collection without "fields" is "every column" of its table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/mapping.h"

namespace sql2mongo {

enum class ChangeClass {
  kAdditive,        // the new documents have more: stored ones only lack it
  kTransformative,  // the same data in another place or form: stored values must be rewritten
  kDestructive,     // the new documents have less: stored data is dropped
};
const char* ChangeClassName(ChangeClass change_class);

struct MappingChange {
  ChangeClass change_class = ChangeClass::kAdditive;
  std::string what;      // "field added", "field renamed", "embed turned into a reference", ...
  std::string old_path;  // dotted path in OLD's documents (array levels included); "" for an addition
  std::string new_path;  // in NEW's; "" for a removal; a split names every new path, comma-separated
  std::string detail;    // e.g. "column Milliseconds", "type auto -> int64"
};

enum class UpgradeWay {
  kNone,     // nothing changes in the documents
  kInPlace,  // a merge of the changed top-level fields into documents whose schema_version < N
  kReload,   // the documents' identity changes (_id, table, filter, collection name): write them again
  kLoad,     // a new collection: a plain load
  kDrop,     // a collection NEW no longer builds: its documents stay until dropped
};
const char* UpgradeWayName(UpgradeWay way);

struct CollectionDiff {
  std::string name;      // NEW's name (OLD's for a removed collection)
  std::string old_name;  // OLD's name; "" for a new collection; differs from `name` when renamed
  std::vector<MappingChange> changes;
  UpgradeWay way = UpgradeWay::kNone;
  std::string reload_reason;  // kReload: which change forces it
  // kInPlace: the top-level fields the upgrade writes ($set, the version field included) and removes ($unset).
  std::vector<std::string> set_fields;
  std::vector<std::string> unset_fields;
  // How the collection is set up in the target, which changes no document: "index added: email_1
  // (email 1; unique)", "validator moderate -> strict", "cut-over drop -> swap (2 backups)", "mode insert
  // -> replace". The next run of NEW makes them (run --upgrade too, for the collections it upgrades;
  // it leaves a collection whose documents do not change alone, and says so).
  std::vector<std::string> setup_changes;
};

struct MappingDiff {
  std::optional<int32_t> old_version;
  std::optional<int32_t> new_version;
  std::string old_version_field;  // "" when OLD writes none
  std::string new_version_field;
  std::vector<CollectionDiff> collections;  // NEW's order, then the removed ones in OLD's order
  std::vector<std::string> warnings;        // e.g. the documents change but schema_version does not grow

  // True when any document NEW builds differs from the one OLD builds (the version stamp included).
  bool DocumentsDiffer() const;
};

MappingDiff DiffMappings(const Mapping& old_mapping, const Mapping& new_mapping);

}  // namespace sql2mongo
