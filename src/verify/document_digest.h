// What verify compares documents by: a 64-bit digest of their BSON bytes, and their _id as bytes.
//
// The bytes themselves are compared, not a canonical form: FerretDB v1.24 and mongo-java-server 1.47
// both return a document's fields in the order written and its values in the types written (tried on
// every BSON type sql2mongo writes), so the stored bytes equal the built ones. One exception is
// known: FerretDB stores the double -0.0 as 0.0, which verify reports as the difference it is.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string_view>

namespace sql2mongo {

// XXH3-64 of the whole document, _id included.
uint64_t DocumentDigest(const bson_t* doc);

// XXH3-64 of the document without its _id: what matches documents whose _id sql2mongo generates (an
// ObjectId, different on every run).
uint64_t ContentDigest(const bson_t* doc);

// XXH3-64 of any bytes.
uint64_t BytesDigest(std::string_view bytes);

// Sets *id to the one-field document {"_id": <the document's _id>}: equal bytes for equal _ids of the
// same BSON type, and a ready filter for the server. False when `doc` has no _id.
bool IdDocument(const bson_t* doc, bson_t* id);

}  // namespace sql2mongo
