// Typed key values (a work unit's bounds and checkpoint) to BSON and back, the same on every target:
// each part keeps its Value type by name, so an int32 key comes back int32 and a decimal key (which
// FerretDB v1 cannot store as Decimal128) travels as its digits.
#pragma once

#include <bson/bson.h>

#include <vector>

#include "sql2mongo/status.h"
#include "sql2mongo/value.h"

namespace sql2mongo {

// Appends `key` under `field` as an array of {t: type name, v: value}.
void AppendKey(bson_t* parent, const char* field, const std::vector<Value>& key);
// Reads what AppendKey wrote (`iter` on the array); kInternal naming `field` when it is not that shape.
Result<std::vector<Value>> ReadKey(const bson_iter_t& iter, const char* field);

}  // namespace sql2mongo
