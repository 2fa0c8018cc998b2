#include "sqlite/sqlite_types.h"

#include <fmt/format.h>

#include "common/civil_date.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cctype>
#include <cmath>
#include <limits>

namespace sql2mongo {
namespace {

bool Contains(const std::string& upper, const char* word) { return upper.find(word) != std::string::npos; }

// SQLite REAL dates are Julian day numbers; 2440587.5 is 1970-01-01T00:00:00Z.
DateTime FromJulianDay(double julian_day) {
  return DateTime{static_cast<int64_t>(std::llround((julian_day - 2440587.5) * 86400000.0))};
}

}  // namespace

SqliteColumnKind ClassifyKind(const std::string& t) {
  if (t.empty()) return SqliteColumnKind::kDynamic;
  if (Contains(t, "BOOL")) return SqliteColumnKind::kBool;
  if (Contains(t, "DATE") || Contains(t, "TIMESTAMP")) return SqliteColumnKind::kDate;
  // SQLite's affinity rules, in their order.
  if (Contains(t, "INT")) return SqliteColumnKind::kInteger;
  if (Contains(t, "CHAR") || Contains(t, "CLOB") || Contains(t, "TEXT")) return SqliteColumnKind::kText;
  if (Contains(t, "BLOB")) return SqliteColumnKind::kBlob;
  if (Contains(t, "REAL") || Contains(t, "FLOA") || Contains(t, "DOUB")) return SqliteColumnKind::kReal;
  if (Contains(t, "NUMERIC") || Contains(t, "DECIMAL") || Contains(t, "MONEY")) return SqliteColumnKind::kDecimal;
  return SqliteColumnKind::kDynamic;  // NUMERIC affinity with an unknown name: follow each value
}

// The decimal text of `d` with `scale` digits after the point, when that is exact to the double's own
// precision (0.99 in NUMERIC(10,2) -> "0.99", 1.0 -> "1.00", as PostgreSQL and MySQL would give it);
// otherwise the shortest round-trip text, which never invents digits.
std::string DecimalText(double d, int scale) {
  if (scale >= 0 && scale <= 15 && std::fabs(d) < 1e15) {
    char buffer[64];
    auto written = std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::fixed, scale);
    double back = 0;
    auto read = std::from_chars(buffer, written.ptr, back);
    if (written.ec == std::errc() && read.ec == std::errc() && back == d) return std::string(buffer, written.ptr);
  }
  return ShortestDecimalText(d);
}

SqliteColumnType ClassifySqliteDeclaredType(const std::string& declared_type) {
  std::string t = declared_type;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::toupper(c); });
  SqliteColumnType type;
  type.kind = ClassifyKind(t);
  size_t comma = t.find(',');
  if (type.kind == SqliteColumnKind::kDecimal && comma != std::string::npos) {
    int scale = std::atoi(t.c_str() + comma + 1);
    if (scale >= 0) type.scale = scale;
  }
  return type;
}

Value ReadSqliteValue(sqlite3_stmt* stmt, int index, const SqliteColumnType& type) {
  const SqliteColumnKind kind = type.kind;
  switch (sqlite3_column_type(stmt, index)) {
    case SQLITE_NULL:
      return Null{};
    case SQLITE_INTEGER: {
      int64_t n = sqlite3_column_int64(stmt, index);
      switch (kind) {
        case SqliteColumnKind::kBool:
          if (n == 0 || n == 1) return n == 1;
          break;
        case SqliteColumnKind::kDecimal:
          return Decimal{type.scale > 0 ? std::to_string(n) + "." + std::string(type.scale, '0') : std::to_string(n)};
        case SqliteColumnKind::kDate:
          return DateTime{n * 1000};  // an integer in a date column is Unix seconds (SQLite's 'unixepoch')
        case SqliteColumnKind::kReal:
          return static_cast<double>(n);
        default:
          break;
      }
      // SQLite stores integers in 1 to 8 bytes per value and declares no width: keep the narrowest BSON
      // integer that holds the value exactly (MongoDB compares int32 and int64 by value).
      if (n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max())
        return static_cast<int32_t>(n);
      return n;
    }
    case SQLITE_FLOAT: {
      double d = sqlite3_column_double(stmt, index);
      if (kind == SqliteColumnKind::kDecimal && std::isfinite(d)) return Decimal{DecimalText(d, type.scale)};
      if (kind == SqliteColumnKind::kDate) return FromJulianDay(d);
      return d;
    }
    case SQLITE_TEXT: {
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, index));
      std::string s(text, static_cast<size_t>(sqlite3_column_bytes(stmt, index)));
      if (kind == SqliteColumnKind::kDate) {
        DateTime dt;
        if (ParseDateTime(s, &dt)) return dt;
      }
      // Text that does not fit the declared type stays text: SQLite allowed it, so it is the data.
      return s;
    }
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, index));
      size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt, index));
      return Binary{std::vector<uint8_t>(bytes, bytes + size), 0};
    }
  }
  return Null{};
}

}  // namespace sql2mongo
