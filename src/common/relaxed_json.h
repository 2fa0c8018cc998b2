// Relaxed Extended JSON as mongoexport writes it. libbson 1.23 prints doubles with "%.20g"
// (0.99 -> 0.98999999999999999112): exact, but not what users or other tools expect to read.
#pragma once

#include <bson/bson.h>

#include <string>

namespace sql2mongo {

// libbson's relaxed Extended JSON, except that each finite double is written in the shortest form that
// reads back as the same double ("0.99", "1.0", "1e+300"). Documents without doubles are libbson's
// output unchanged.
std::string RelaxedJson(const bson_t* doc);

// The same, always through the element walk (for tests: with no double in `doc` it must equal libbson's).
std::string RelaxedJsonWalked(const bson_t* doc);

}  // namespace sql2mongo
