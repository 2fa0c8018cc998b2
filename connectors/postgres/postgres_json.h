// json / jsonb text -> a BSON document or array (RawBson), parsed rather than kept as a string.
#pragma once

#include <string_view>

#include "sql2mongo/value.h"

namespace sql2mongo {

// An object or array becomes RawBson; a top-level scalar becomes the matching Value (JSON null -> Null).
// Keys are taken literally: "$oid" or "$date" are not read as Extended JSON, unlike bson_init_from_json.
// Integers beyond int64 (up to uint64) become Decimal128; other numbers become doubles. Text that
// cannot be parsed (a json column may hold numbers beyond double range) stays a string, so nothing is lost.
Value JsonTextToValue(std::string_view json);

}  // namespace sql2mongo
