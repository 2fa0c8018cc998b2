// Counters of one run, per collection, at every stage: read, embedded, written, rejected.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sql2mongo/status.h"

namespace sql2mongo {

struct CollectionCounters {
  std::string collection;
  uint64_t rows_read = 0;       // root rows of this collection
  uint64_t embedded_rows = 0;   // rows read from embedded tables (child and parent rows)
  uint64_t documents_built = 0;
  uint64_t documents_written = 0;
  uint64_t rejected = 0;        // rows or documents that went to the rejects file
  uint64_t missing_parents = 0; // object embeds whose foreign key pointed at no row (embedded as null)
  uint64_t bytes_written = 0;   // BSON bytes sent
  double seconds = 0;
};

struct RunSummary {
  std::vector<CollectionCounters> collections;
  std::string rejects_file;  // empty when nothing was rejected
  double seconds = 0;
  Status failure;  // why the run stopped early; ok when it ran to the end
  uint64_t TotalRejected() const;
};

}  // namespace sql2mongo
