// Verifies one collection: the target's documents against the ones the source builds, by the pipeline
// `run` uses. The stored collection is read once into a StoredIndex (its _ids and digests), then every
// document the pipeline builds is compared as it is built; nothing is looked up one by one.
#pragma once

#include <cstdint>

#include "sink/mongo/target_reader.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "verify/verdict.h"

namespace sql2mongo {

struct VerifyOptions {
  int64_t sample = 0;        // documents chosen at random from the target; 0: every document
  size_t batch_size = 1000;  // as `run`
  int writers = 2;           // batches compared at once
  int read_partitions = 1;   // key ranges of a root table read at once, as `run --threads`
};

// Source and target failures are errors; differences are the verdict's.
Result<CollectionVerdict> VerifyCollection(const Plan& plan, const CollectionPlan& collection, Source& source,
                                           TargetReader& target, const VerifyOptions& options);

}  // namespace sql2mongo
