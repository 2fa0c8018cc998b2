// Decimal128 from the plain decimal text most NUMERIC values arrive as ("123.45", "-0.50", "7"), without
// libbson's general parser: that parser (exponents, NaN, Infinity, 34 digits) was 3-5 % of a run's
// client time on PostgreSQL (perf, flat copy and two levels). Anything else is left to it.
#pragma once

#include <bson/bson.h>

#include <string_view>

namespace sql2mongo {

// Whether `text` is [-]digits[.digits] with at most 19 significant digits; then *out is the value
// with exactly the digits written (trailing zeros kept: "1.50" is 150E-2), as
// bson_decimal128_from_string gives it.
bool PlainDecimalToDecimal128(std::string_view text, bson_decimal128_t* out);

}  // namespace sql2mongo
