// Builds the documents of one collection for chosen _ids only, reading just their rows: the root table
// filtered on its _id columns (a KeyFilter, the way embeds read their rows), then the embed resolver
// and the document builder `run` uses, so each document is the one `run` writes. What --sample needs:
// building the whole collection would cost as much as a full verify.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// Why the collection's documents cannot be read by _id (its _id is generated: no source key), or nullopt.
std::optional<std::string> WhyNotByKey(const CollectionPlan& plan);

// The key column values of a stored {"_id": value}, in the order of plan.id.parts; nullopt when the
// _id cannot have come from this collection's key (another type, a missing part).
std::optional<std::vector<Value>> SourceKeyOf(const CollectionPlan& plan, const bson_t* id_document);

// Builds the documents whose _id is one of `ids` (each {"_id": value}, as stored) and passes each to
// `visit`. An _id whose row the source lacks (or whose row the mapping's "where" leaves out) builds
// nothing. Rows that cannot become documents are counted in *rejected, as `run` rejects them. Reads in
// one snapshot of the source.
Status BuildDocumentsWithIds(const CollectionPlan& plan, Source& source, const std::vector<const bson_t*>& ids,
                             const std::function<void(const bson_t*)>& visit, uint64_t* rejected);

// The rows the collection's root table yields under the mapping's "where": one document each. Reads
// only the _id columns.
Result<uint64_t> CountRootRows(const CollectionPlan& plan, Source& source);

}  // namespace sql2mongo
