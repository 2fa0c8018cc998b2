// How a run writes a collection's documents into a target that may already hold some of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sql2mongo {

enum class WriteModeKind {
  kInsert,   // first loads: a document whose _id is already there is a reject, with the server's reason
  kReplace,  // the whole document by _id, inserted when missing (upsert)
  kMerge,    // $set of the mapped top-level fields by _id (upsert): fields other tools added stay
};

// An embedded array that merge mode merges element by element instead of replacing it whole: an
// element of the new array replaces the stored element with the same `key`; stored elements with other
// keys stay.
struct ArrayMerge {
  std::string field;  // a top-level field of the document, e.g. "invoices"
  std::string key;    // a field of its elements, e.g. "invoice_id"
};

// run --upgrade: merge mode restricted to the documents of an older schema version, which also loses
// the top-level fields the new mapping version no longer builds. A document already at `version` is
// left as it is, so an interrupted upgrade run again continues where it stopped.
struct VersionUpgrade {
  std::string version_field;  // e.g. "_schema_version"
  int32_t version = 0;        // the new mapping's "schema_version"
  std::vector<std::string> unset_fields;
};

struct WriteMode {
  WriteModeKind kind = WriteModeKind::kInsert;
  std::vector<ArrayMerge> merged_arrays;  // kMerge only
  std::optional<VersionUpgrade> upgrade;  // kMerge only
  // A resumed run writes again the batches after each unit's checkpoint, which the interrupted run may
  // have stored before it was killed: in insert mode, a duplicate _id stored byte for byte as sent now
  // is that run's document and counts as written, not as a reject (replace and merge are idempotent).
  bool earlier_run_may_have_written = false;
};

// "insert", "replace", "merge".
const char* WriteModeName(WriteModeKind kind);
// nullopt when `name` is none of them.
std::optional<WriteModeKind> ParseWriteMode(const std::string& name);

// The collection a --drop (or "drop": true) run loads into, renamed over `collection` once the whole
// run succeeded. Deterministic, so the next run finds a killed run's staging collection.
std::string StagingCollectionName(const std::string& collection);

}  // namespace sql2mongo
