// One SQL value on its way to BSON: typed, with no text in between except where text is the exact form
// (decimals keep their digits so that nothing is rounded on the way to Decimal128).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sql2mongo/status.h"

namespace sql2mongo {

struct Null {
  bool operator==(const Null&) const = default;
};
// An exact decimal number as text, e.g. "-12.50" or "1E+3"; becomes Decimal128.
struct Decimal {
  std::string digits;
  bool operator==(const Decimal&) const = default;
};
// Milliseconds since 1970-01-01T00:00:00Z, the unit of a BSON date.
struct DateTime {
  int64_t millis = 0;
  bool operator==(const DateTime&) const = default;
};
struct Binary {
  std::vector<uint8_t> bytes;
  uint8_t subtype = 0;  // BSON binary subtype: 0 generic, 4 UUID
  bool operator==(const Binary&) const = default;
};

// A whole BSON document or array, already encoded (JSON columns, PostgreSQL arrays, MySQL SET):
// embedded as a sub-document or array, never as text. An array is encoded as a document with keys
// "0", "1", ... as BSON requires.
struct RawBson {
  std::vector<uint8_t> bytes;
  bool is_array = false;
  bool operator==(const RawBson&) const = default;
};

using Value = std::variant<Null, bool, int32_t, int64_t, double, Decimal, std::string, Binary, DateTime, RawBson>;

inline bool IsNull(const Value& v) { return std::holds_alternative<Null>(v); }

// The BSON type a mapping can ask a field to become ("type": "...").
enum class TargetType { kAuto, kInt32, kInt64, kDouble, kDecimal, kString, kBool, kDate, kBinary };

// Parses a mapping's type name ("int32", "long", "decimal", ...); false when unknown.
bool ParseTargetType(const std::string& name, TargetType* out);
const char* TargetTypeName(TargetType type);
// The type names a mapping may use, for error messages.
std::string KnownTargetTypeNames();

// Converts `value` to `type`. Null stays null. Fails (kDataError) when the value cannot be represented
// exactly enough: "abc" as int32, 3000000000 as int32, an unparsable date.
Result<Value> ConvertValue(const Value& value, TargetType type);

// BSON bytes of `value` as a field's value (its key, type byte and the key's NUL not included), as
// libbson encodes it: for size estimates without building the document.
uint64_t BsonValueBytes(const Value& value);

// Short readable rendering for messages and reject files ("42", "'text'", "null").
std::string ValueToDisplay(const Value& value);

// A key that is equal for values that join equal: integers of any width compare by number, so an int32
// foreign key finds an int64 primary key. Used to group child rows under their parent.
void AppendJoinKey(const Value& value, std::string* key);

// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" with optional 'T', 'Z' or "+hh:mm" offset.
// Times without an offset are taken as UTC.
bool ParseDateTime(const std::string& text, DateTime* out);
// A RawBson as relaxed Extended JSON ("[1, 2]", "{\"a\": 1}").
std::string RawBsonToJson(const RawBson& raw);
// Shortest decimal text that reads back as exactly `d` ("0.99", not "0.98999999999999999").
std::string ShortestDecimalText(double d);

}  // namespace sql2mongo
