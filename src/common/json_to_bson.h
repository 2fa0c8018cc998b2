// JSON text (PostgreSQL json / jsonb, MySQL / MariaDB JSON) -> a Value: one rule for every source, so
// the same JSON gives the same BSON whichever database held it. The table is in docs/types.md.
#pragma once

#include <string_view>

#include "sql2mongo/value.h"

namespace sql2mongo {

// An object or array becomes RawBson; a top-level scalar becomes that scalar (JSON null -> Null).
// - Keys are taken literally: "$oid", "$date" or "a.b" stay ordinary keys (this is not Extended JSON,
//   unlike bson_init_from_json). Whether the target may store such keys is decided later, not here.
// - A key given twice in one object keeps its last value (as jsonb, MySQL and JavaScript's JSON.parse
//   do, so MariaDB's kept text agrees with them) at the place of its first (as JSON.parse does):
//   MongoDB does not support a field name twice in one document.
// - Integers take the narrowest of int32 / int64; beyond int64 they become Decimal128 with their exact
//   digits. Other numbers become doubles, except those no double holds (1e400, 1e-400), which become
//   Decimal128 from their text.
// - Text that is not one JSON value, or holds a number no Decimal128 holds exactly (more than 34
//   significant digits, below 1e-6176, or beyond 1e4932, the reach of the parser's long double), or a
//   key containing \u0000 (a BSON key is a C string), stays the text itself as a string, so nothing is
//   lost; *kept_as_text says so.
Value JsonTextToValue(std::string_view json, bool* kept_as_text = nullptr);

}  // namespace sql2mongo
