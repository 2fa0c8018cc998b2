// Compares the documents the source builds for one collection with the stored ones of a StoredIndex,
// each as it is built (from the pipeline's writer threads, nothing kept but the first differing ones),
// then names what is left over and where each shown changed document differs.
#pragma once

#include <bson/bson.h>

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "sink/mongo/target_reader.h"
#include "sql2mongo/sink.h"
#include "verify/stored_index.h"
#include "verify/verdict.h"

namespace sql2mongo {

class CollectionComparison {
 public:
  // only_indexed: `index` holds a sample of the collection, so an expected document outside it is not
  // a missing one, only one not checked.
  CollectionComparison(std::string collection, StoredIndex index, bool only_indexed)
      : collection_(std::move(collection)), index_(std::move(index)), only_indexed_(only_indexed) {
    index_.Seal();
  }

  const std::string& collection() const { return collection_; }

  // Thread-safe.
  void Check(const bson_t* expected);

  // After the last Check: every stored document nothing claimed is an extra, and each changed document
  // shown is read from the target once more (only those) to name its first differing field.
  Status Conclude(TargetReader& reader, CollectionVerdict* verdict);

 private:
  // Keeps `difference` when fewer than kShownDifferences are; `expected` (may be null) is copied for a
  // changed one, to compare field by field later.
  void Show(Difference difference, const bson_t* expected);
  Status DescribeChanged(TargetReader& reader);

  std::string collection_;
  StoredIndex index_;
  bool only_indexed_;
  std::atomic<uint64_t> expected_{0}, equal_{0}, missing_{0}, changed_{0}, duplicate_{0};
  std::mutex shown_mutex_;
  std::vector<Difference> shown_;
  std::vector<std::pair<size_t, BsonPtr>> changed_documents_;  // (position in shown_, the expected document)
};

}  // namespace sql2mongo
