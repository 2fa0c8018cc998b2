// Merge mode's update of one document: $set of its top-level fields, and for the arrays the mapping
// merges by a key, the stored array with the new elements put in, guarded by a compare-and-set.
//
// Why on the client: neither test server can do it on its own. FerretDB v1.24 refuses an update
// with an aggregation pipeline ("'update.updates.u' is the wrong type 'array'") and arrayFilters
// ("not implemented yet"), and evaluates $pull with a condition and {"a.k": {"$nin": [...]}} wrongly
// (tried 2026-12-02: both left or matched elements they should not); mongo-java-server fails a
// pipeline update with a ClassCastException. What both do right is an equality filter on a whole
// array and {"$exists": false}, so the merged array is computed here from the stored one, and the
// update's filter holds that stored array exactly: if another writer changed it in between, the
// update matches nothing, its upsert collides on _id (E11000), and the sink reads and merges again.
#pragma once

#include <bson/bson.h>

#include <string>

#include "sql2mongo/write_mode.h"

namespace sql2mongo {

// The raw bytes of a document's _id value (type and value), as a map key; "" without an _id.
std::string IdKey(const bson_t* doc);

// Fills `selector` and `update` (both empty, initialized) for `doc`. `stored`: the document as the
// target holds it, with at least the merged arrays (a projection will do), or nullptr when it is not
// there. Without merged arrays the selector is {_id} and the update plain $set.
void BuildMergeUpdate(const bson_t* doc, const WriteMode& mode, const bson_t* stored, bson_t* selector,
                      bson_t* update);

// The stored array merged with the new one by `key`: each stored element whose key the new array
// holds is replaced by that new element, in place (the first stored one with the key; later ones with
// it are dropped); stored elements with other keys, or none, stay where they were; new elements with a
// key not stored follow, in their order. Keys compare by BSON type and value. Appends it to `out` as
// an array named `name`.
void AppendMergedArray(bson_t* out, const char* name, const bson_iter_t* stored_array, const bson_iter_t& new_array,
                       const std::string& key);

}  // namespace sql2mongo
