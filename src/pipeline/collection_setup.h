// What a collection gets beside its documents: its $jsonSchema validator, installed before the load
// (so a server that enforces it checks every document written), and its indexes, created after it
// (faster built once over the loaded documents than kept up at every insert) and before the run
// publishes the collection.
#pragma once

#include <string>

#include "sql2mongo/plan.h"
#include "sql2mongo/progress.h"
#include "sql2mongo/sink.h"
#include "sql2mongo/source.h"

namespace sql2mongo {

// Where the run's collection setup goes: the summary collects what became of each index and validator.
struct CollectionSetupContext {
  Sink& sink;
  Source& source;
  std::string schema_dir;  // where a refused validator's schema is written
  bool replacing;          // --drop: a failure says the live collection is as it was
  RunSummary* summary;
};

// When "validate" is not off: the $jsonSchema `sql2mongo schema` prints (CollectionJsonSchema),
// installed. A target that refuses validators gets a warning and the schema in
// `schema_dir`/<collection>.schema.json, and the run goes on.
Status InstallCollectionValidator(const CollectionPlan& collection, const CollectionSetupContext& context);

// The collection's indexes (Sink::CreateIndexes). A failed Status (duplicate keys of a unique index, an
// index name taken by another spec, the target lost) fails the run.
Status CreateCollectionIndexes(const CollectionPlan& collection, const CollectionSetupContext& context);

// "<schema_dir>/<collection>.schema.json".
std::string SchemaFilePath(const std::string& schema_dir, const std::string& collection);

}  // namespace sql2mongo
