// `sql2mongo init`'s document model: from a CatalogSurvey (catalog + measured row counts and fan-outs),
// which table becomes a collection, which is embedded where, and which becomes a reference, by a few
// rules taken from MongoDB's embed-vs-reference guidance; then the mapping file that says so, with the
// reason for every choice as a `//` comment. The rules (ProposeModel) know nothing of the file's text,
// and the writer (WriteProposedMapping) decides nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "init/catalog_survey.h"
#include "init/proposal_support.h"

namespace sql2mongo {

// The thresholds of the rules; docs/init.md explains each.
struct ProposalRules {
  // A lookup table (folded into the rows that point at it, not a collection): this few columns and rows.
  size_t lookup_max_columns = 4;
  uint64_t lookup_max_rows = 10'000;
  // One-to-few: a child table is embedded in its parent when children per parent stay under both.
  uint64_t embed_max_p99 = 100;
  uint64_t embed_max = 1'000;
  // What one parent's embedded rows may add to its document, estimated from the largest row and the
  // largest fan-out: 1 MiB, a sixteenth of MongoDB's 16 MiB limit, so documents stay far below it.
  uint64_t embed_max_bytes = 1 << 20;
  // An array of ids (the home side of a many-to-many) may be longer than an array of rows.
  uint64_t id_array_max = 100'000;
};

enum class TableRole {
  kCollection,  // a collection of its own
  kEmbedded,    // 1:N: an array in its parent's documents (via_fk points at the parent)
  kLookup,      // N:1: folded into every row that points at it, as an object or one value
  kJoinArray,   // M:N: an array of the far side's keys in the home side (via_fk points at the home side)
  kSkipped,     // not mapped; reasons say why
};

struct TableDecision {
  std::string table;
  TableRole role = TableRole::kCollection;
  int via_fk = -1;              // kEmbedded, kJoinArray: index into the table's foreign_keys
  std::string collection;       // kCollection: the collection's name
  uint64_t estimated_bytes = 0;  // kCollection: the largest document it may hold, estimated (bytes)
  std::vector<std::string> reasons;  // sentences, written as comments
};

struct ModelProposal {
  ProposalRules rules;
  NameCase names = NameCase::kKeep;  // how the collection names here, and the writer's names, are spelled
  // One per survey.tables entry, same order, then one kSkipped per unreadable, unselected table and view.
  std::vector<TableDecision> tables;
};

ModelProposal ProposeModel(const CatalogSurvey& survey, const ProposalRules& rules = {},
                           NameCase names = NameCase::kKeep);

struct ProposedMappingHeader {
  std::string source_uri;  // written as "source" (a relative sqlite: path made absolute; no password)
  std::string command;     // how init was called, for the first comment line
};

// The mapping file's text (JSON with // comments), runnable as it is with `sql2mongo run FILE --target URI`.
std::string WriteProposedMapping(const ModelProposal& proposal, const CatalogSurvey& survey,
                                 const ProposedMappingHeader& header);

}  // namespace sql2mongo
