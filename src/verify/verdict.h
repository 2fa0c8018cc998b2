// What verify found for each collection: the counts, and the first differences with their _ids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sql2mongo {

// Differences shown per collection; the rest are counted.
inline constexpr size_t kShownDifferences = 20;

enum class DifferenceKind {
  kMissing,    // the source builds it; the target does not hold it
  kExtra,      // the target holds it; the source builds no document with that _id
  kChanged,    // the same _id, other content
  kDuplicate,  // the source builds the _id more than once; the target can hold it once
  kCount,      // --sample: the target holds another number of documents than the source has rows
};
const char* DifferenceKindName(DifferenceKind kind);

struct Difference {
  DifferenceKind kind = DifferenceKind::kMissing;
  std::string id_json;  // the _id as relaxed Extended JSON; "" when there is none to name
  std::string field;    // kChanged: the first differing field's path
  std::string message;  // what a person reads
};

struct CollectionVerdict {
  std::string collection;
  bool sampled = false;       // --sample: `expected` and `stored` count the sampled documents only
  uint64_t expected = 0;      // documents the source builds (what `run` writes)
  uint64_t stored = 0;        // documents the target holds
  uint64_t equal = 0;
  uint64_t missing = 0;
  uint64_t extra = 0;
  uint64_t changed = 0;
  uint64_t duplicate = 0;
  uint64_t count_mismatch = 0;  // --sample: 1 when the counts of the collection differ
  // Source rows that cannot become documents, as `run` rejects them (with the reason in its rejects
  // file): never written, so not expected in the target, and no difference.
  uint64_t rejected = 0;
  uint64_t stored_total = 0;  // --sample: the documents the target holds
  uint64_t source_rows = 0;   // --sample: the rows of the root table (one document each)
  std::vector<Difference> shown;  // the first kShownDifferences, in the order found
  std::vector<std::string> notes;  // how the collection was compared, when not the usual way
  double target_seconds = 0;  // reading the target
  double seconds = 0;         // the whole comparison of this collection
  uint64_t index_bytes = 0;   // memory kept per stored document, in total

  uint64_t Differences() const { return missing + extra + changed + duplicate + count_mismatch; }
};

}  // namespace sql2mongo
