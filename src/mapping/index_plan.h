// A collection's indexes and validator level resolved against its documents' fields: what a run
// creates after the load and `check` shows.
#pragma once

#include "sql2mongo/mapping.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// Fills collection->indexes and ->validate from `spec` (and `mapping`'s default). A key path that names
// no field of the collection's documents is an error at its place in the mapping, naming the nearest
// field; so is a TTL on more than one key and two indexes of one name.
Status ResolveIndexes(const Mapping& mapping, const CollectionSpec& spec, CollectionPlan* collection);

}  // namespace sql2mongo
