#include "common/plain_decimal.h"

#include <cstdint>

namespace sql2mongo {

bool PlainDecimalToDecimal128(std::string_view text, bson_decimal128_t* out) {
  size_t at = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++at;
  uint64_t coefficient = 0;
  int digits = 0;       // significant: leading zeros of the coefficient do not count
  int fraction = 0;     // digits after the point
  bool point = false;
  bool any = false;
  for (; at < text.size(); ++at) {
    char c = text[at];
    if (c == '.') {
      if (point) return false;
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return false;
    any = true;
    if (coefficient != 0 || c != '0') ++digits;
    if (digits > 19) return false;  // 10^19 - 1 fits 64 bits; more is libbson's to parse
    coefficient = coefficient * 10 + static_cast<uint64_t>(c - '0');
    if (point) ++fraction;
  }
  // "-", ".", "5." and ".5" are left to libbson, which says what it makes of them.
  if (!any || text.back() == '.' || text[negative ? 1 : 0] == '.' || fraction > 6000) return false;
  // BID encoding: sign, then the exponent biased by 6176 in the 14 bits below it, then the coefficient
  // (under 2^64 here, so the high word holds none of it).
  const uint64_t biased_exponent = static_cast<uint64_t>(6176 - fraction);
  out->high = (negative ? (uint64_t{1} << 63) : 0) | (biased_exponent << 49);
  out->low = coefficient;
  return true;
}

}  // namespace sql2mongo
