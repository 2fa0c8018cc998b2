// The sink `verify` gives the real pipeline: every document `run` would write for a collection is
// handed to its CollectionComparison instead of the target, and nothing is written anywhere.
#pragma once

#include <string>
#include <vector>

#include "sql2mongo/sink.h"
#include "verify/collection_comparison.h"

namespace sql2mongo {

class ComparisonSink : public Sink {
 public:
  ComparisonSink(std::string target_name, CollectionComparison& comparison)
      : target_name_(std::move(target_name)), comparison_(comparison) {}

  std::string DisplayName() const override { return "verification against " + target_name_; }
  Status Prepare(const std::vector<CollectionSetup>&) override { return Status::Ok(); }
  // Thread-safe, as the pipeline's writers need: the comparison is. The mode does not matter: what
  // the documents are is compared, not how a run would write them.
  Result<WriteOutcome> Write(const std::string& collection, const std::vector<BsonPtr>& documents,
                             const WriteMode& mode) override;

 private:
  std::string target_name_;  // password removed
  CollectionComparison& comparison_;
};

}  // namespace sql2mongo
