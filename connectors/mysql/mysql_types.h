// MySQL / MariaDB values -> Value. The connector reads the text protocol (the only one that streams in
// Connector/C++ 1.1), so every value arrives as bytes: this file turns those bytes into a typed Value
// by the column's declared type, and knows nothing of connections. The type table is in docs/types.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sql2mongo/value.h"

namespace sql2mongo {

// What a column becomes, decided once per column from information_schema.COLUMNS.
enum class MysqlColumnKind {
  kBool,          // TINYINT(1) / BOOL / BOOLEAN, and BIT(1)
  kInt32,         // TINYINT..INT signed, TINYINT..MEDIUMINT unsigned, YEAR
  kInt64,         // INT UNSIGNED, BIGINT
  kUInt64,        // BIGINT UNSIGNED: int64 when it fits, else Decimal (never wrapped)
  kBit,           // BIT(2..64): the bits as an unsigned number, like kUInt64
  kDecimal,       // DECIMAL / NUMERIC: the server's exact digits
  kDouble,        // FLOAT / DOUBLE
  kString,        // CHAR / VARCHAR / TEXT / ENUM (the connection is utf8mb4, so the server converts)
  kSet,           // SET: an array of its members
  kDate,          // DATE: UTC midnight
  kDateTime,      // DATETIME / TIMESTAMP (the session time zone is UTC, so TIMESTAMP arrives in UTC)
  kTime,          // TIME: its text ("HH:MM:SS[.ffffff]", may be negative or above 24 h)
  kBinary,        // BINARY / VARBINARY / BLOB, geometry (WKB with the SRID in front)
  kJson,          // JSON (MariaDB: LONGTEXT with a json_valid() check): JsonTextToValue
  kUuid,          // MariaDB UUID: Binary subtype 4
  kOther,         // anything else (INET6, types added later): text when valid UTF-8, else Binary
};

// `data_type` and `column_type` are information_schema.COLUMNS.DATA_TYPE and COLUMN_TYPE ("int",
// "int(10) unsigned"); `has_charset` is whether CHARACTER_SET_NAME is set (binary strings have none);
// `is_json` whether the column is JSON (MySQL's DATA_TYPE 'json', or MariaDB's json_valid() check).
MysqlColumnKind ClassifyMysqlColumn(const std::string& data_type, const std::string& column_type,
                                    bool has_charset, bool is_json);
// The kind of a computed column, from result-set metadata: Connector/C++'s type name ("VARCHAR",
// "BIGINT UNSIGNED", "DECIMAL", "DATETIME") and character set ("binary" for bytes), classified as a
// column of that type would be.
MysqlColumnKind ClassifyMysqlResultColumn(const std::string& type_name, const std::string& charset);
const char* MysqlColumnKindName(MysqlColumnKind kind);

// Counts what decoding changed on purpose, so a run can say so once instead of per value.
struct MysqlDecodeCounts {
  uint64_t zero_dates = 0;     // '0000-00-00' and dates with a zero month or day -> Null
  uint64_t unparsed_json = 0;  // text JsonTextToValue kept as a string (common/json_to_bson.h)
  uint64_t unparsed = 0;       // other text that did not match its type -> kept as a string
};

// Decodes the text-protocol bytes of one non-NULL value.
Value DecodeMysqlValue(MysqlColumnKind kind, std::string_view text, MysqlDecodeCounts* counts);

// Parses MySQL's "YYYY-MM-DD[ HH:MM:SS[.ffffff]]". False for text that is not a date; true with
// *is_zero set for zero dates and dates with a zero month or day, which have no instant.
bool ParseMysqlDateTime(std::string_view text, DateTime* out, bool* is_zero);

// `name` quoted as a MySQL identifier: backticks, with backticks inside doubled.
std::string QuoteMysqlIdentifier(const std::string& name);

}  // namespace sql2mongo
