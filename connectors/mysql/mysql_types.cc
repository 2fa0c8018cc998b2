#include "mysql/mysql_types.h"

#include "common/civil_date.h"
#include "common/json_to_bson.h"
#include "sql/sql_dialect.h"

#include <bson/bson.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace sql2mongo {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

template <typename Int>
bool ParseInteger(std::string_view text, Int* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool Digits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

// An unsigned number: int64 when it fits, else Decimal, so 18446744073709551615 is never wrapped.
Value UnsignedValue(std::string_view text, MysqlDecodeCounts* counts) {
  uint64_t n = 0;
  if (!ParseInteger(text, &n)) {
    ++counts->unparsed;
    return std::string(text);
  }
  if (n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return static_cast<int64_t>(n);
  return Decimal{std::string(text)};
}

Value SetValue(std::string_view text) {
  bson_t array = BSON_INITIALIZER;
  size_t index = 0;
  size_t start = 0;
  // SET members cannot contain commas (CREATE TABLE refuses them), so splitting on ',' is exact.
  while (!text.empty() && start <= text.size()) {
    size_t comma = text.find(',', start);
    size_t end = comma == std::string_view::npos ? text.size() : comma;
    std::string key = std::to_string(index++);
    bson_append_utf8(&array, key.c_str(), static_cast<int>(key.size()), text.data() + start,
                     static_cast<int>(end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  const uint8_t* data = bson_get_data(&array);
  RawBson raw{std::vector<uint8_t>(data, data + array.len), true};
  bson_destroy(&array);
  return raw;
}

Value UuidValue(std::string_view text, MysqlDecodeCounts* counts) {
  std::vector<uint8_t> bytes;
  bytes.reserve(16);
  int high = -1;
  for (char c : text) {
    if (c == '-') continue;
    int nibble = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                 : (c >= 'a' && c <= 'f')                     ? c - 'a' + 10
                 : (c >= 'A' && c <= 'F')                     ? c - 'A' + 10
                                                              : -1;
    if (nibble < 0) break;
    if (high < 0) {
      high = nibble;
    } else {
      bytes.push_back(static_cast<uint8_t>(high << 4 | nibble));
      high = -1;
    }
  }
  if (bytes.size() != 16) {
    ++counts->unparsed;
    return std::string(text);
  }
  return Binary{std::move(bytes), 4};
}

}  // namespace

MysqlColumnKind ClassifyMysqlColumn(const std::string& data_type, const std::string& column_type, bool has_charset,
                                    bool is_json) {
  const std::string type = Lower(data_type);
  const std::string full = Lower(column_type);
  const bool is_unsigned = full.find("unsigned") != std::string::npos;
  if (is_json || type == "json") return MysqlColumnKind::kJson;
  if (type == "tinyint" || type == "bool" || type == "boolean")
    return StartsWith(full, "tinyint(1)") || type != "tinyint" ? MysqlColumnKind::kBool : MysqlColumnKind::kInt32;
  if (type == "smallint" || type == "mediumint" || type == "year") return MysqlColumnKind::kInt32;
  if (type == "int" || type == "integer") return is_unsigned ? MysqlColumnKind::kInt64 : MysqlColumnKind::kInt32;
  if (type == "bigint") return is_unsigned ? MysqlColumnKind::kUInt64 : MysqlColumnKind::kInt64;
  if (type == "bit") return full == "bit(1)" ? MysqlColumnKind::kBool : MysqlColumnKind::kBit;
  if (type == "decimal" || type == "numeric" || type == "dec" || type == "fixed") return MysqlColumnKind::kDecimal;
  if (type == "float" || type == "double" || type == "real" || type == "double precision")
    return MysqlColumnKind::kDouble;
  if (type == "char" || type == "varchar" || type == "tinytext" || type == "text" || type == "mediumtext" ||
      type == "longtext" || type == "enum")
    return has_charset ? MysqlColumnKind::kString : MysqlColumnKind::kBinary;
  if (type == "set") return MysqlColumnKind::kSet;
  if (type == "date") return MysqlColumnKind::kDate;
  if (type == "datetime" || type == "timestamp") return MysqlColumnKind::kDateTime;
  if (type == "time") return MysqlColumnKind::kTime;
  if (type == "binary" || type == "varbinary" || type == "tinyblob" || type == "blob" || type == "mediumblob" ||
      type == "longblob")
    return MysqlColumnKind::kBinary;
  if (type == "geometry" || type == "point" || type == "linestring" || type == "polygon" || type == "multipoint" ||
      type == "multilinestring" || type == "multipolygon" || type == "geometrycollection" ||
      type == "geomcollection")
    return MysqlColumnKind::kBinary;
  if (type == "uuid") return MysqlColumnKind::kUuid;
  return MysqlColumnKind::kOther;
}

MysqlColumnKind ClassifyMysqlResultColumn(const std::string& type_name, const std::string& charset) {
  const std::string full = Lower(type_name);
  const std::string type = full.substr(0, full.find(' '));
  return ClassifyMysqlColumn(type, full, Lower(charset) != "binary", type == "json");
}

const char* MysqlColumnKindName(MysqlColumnKind kind) {
  switch (kind) {
    case MysqlColumnKind::kBool: return "bool";
    case MysqlColumnKind::kInt32: return "int32";
    case MysqlColumnKind::kInt64: return "int64";
    case MysqlColumnKind::kUInt64: return "uint64";
    case MysqlColumnKind::kBit: return "bit";
    case MysqlColumnKind::kDecimal: return "decimal";
    case MysqlColumnKind::kDouble: return "double";
    case MysqlColumnKind::kString: return "string";
    case MysqlColumnKind::kSet: return "set";
    case MysqlColumnKind::kDate: return "date";
    case MysqlColumnKind::kDateTime: return "datetime";
    case MysqlColumnKind::kTime: return "time";
    case MysqlColumnKind::kBinary: return "binary";
    case MysqlColumnKind::kJson: return "json";
    case MysqlColumnKind::kUuid: return "uuid";
    case MysqlColumnKind::kOther: return "other";
  }
  return "?";
}

bool ParseMysqlDateTime(std::string_view text, DateTime* out, bool* is_zero) {
  int year, month, day;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &year) ||
      !Digits(text, 5, 2, &month) || !Digits(text, 8, 2, &day))
    return false;
  int hour = 0, minute = 0, second = 0, micros = 0;
  if (text.size() > 10) {
    if (text.size() < 19 || text[10] != ' ' || text[13] != ':' || text[16] != ':' || !Digits(text, 11, 2, &hour) ||
        !Digits(text, 14, 2, &minute) || !Digits(text, 17, 2, &second))
      return false;
    if (text.size() > 19) {
      size_t fraction = text.size() - 20;
      if (text[19] != '.' || fraction == 0 || fraction > 6 || !Digits(text, 20, fraction, &micros)) return false;
      for (size_t i = fraction; i < 6; ++i) micros *= 10;
    }
  }
  *is_zero = month == 0 || day == 0;
  if (*is_zero) return true;
  if (month > 12 || day > 31 || hour > 23 || minute > 59 || second > 59) return false;
  // BSON dates hold milliseconds: DATETIME(6) microseconds are truncated toward the earlier instant.
  int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                    hour * 3600 + minute * 60 + second;
  out->millis = seconds * 1000 + micros / 1000;
  return true;
}

Value DecodeMysqlValue(MysqlColumnKind kind, std::string_view text, MysqlDecodeCounts* counts) {
  switch (kind) {
    case MysqlColumnKind::kBool:
      if (text == "0") return false;
      if (text == "1") return true;
      [[fallthrough]];  // TINYINT(1) may hold any TINYINT: keep the number rather than lose it
    case MysqlColumnKind::kInt32: {
      int32_t n = 0;
      if (ParseInteger(text, &n)) return n;
      break;
    }
    case MysqlColumnKind::kInt64: {
      int64_t n = 0;
      if (ParseInteger(text, &n)) return n;
      break;
    }
    case MysqlColumnKind::kUInt64:
    case MysqlColumnKind::kBit:  // Connector/C++ renders BIT as its unsigned value in decimal
      return UnsignedValue(text, counts);
    case MysqlColumnKind::kDecimal:
      return Decimal{std::string(text)};
    case MysqlColumnKind::kDouble: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc() && ptr == text.data() + text.size()) return d;
      break;
    }
    case MysqlColumnKind::kString:
    case MysqlColumnKind::kTime:
      return std::string(text);
    case MysqlColumnKind::kSet:
      return SetValue(text);
    case MysqlColumnKind::kDate:
    case MysqlColumnKind::kDateTime: {
      DateTime dt;
      bool is_zero = false;
      if (!ParseMysqlDateTime(text, &dt, &is_zero)) break;
      if (!is_zero) return dt;
      ++counts->zero_dates;
      return Null{};
    }
    case MysqlColumnKind::kBinary:
      return Binary{std::vector<uint8_t>(text.begin(), text.end()), 0};
    case MysqlColumnKind::kJson: {
      // The same rule as PostgreSQL's json / jsonb, so a JSON value gives the same BSON from either.
      bool kept_as_text = false;
      Value value = JsonTextToValue(text, &kept_as_text);
      if (kept_as_text) ++counts->unparsed_json;
      return value;
    }
    case MysqlColumnKind::kUuid:
      return UuidValue(text, counts);
    case MysqlColumnKind::kOther:
      if (bson_utf8_validate(text.data(), text.size(), false)) return std::string(text);
      return Binary{std::vector<uint8_t>(text.begin(), text.end()), 0};
  }
  ++counts->unparsed;
  return std::string(text);
}

std::string QuoteMysqlIdentifier(const std::string& name) { return MysqlDialect().QuoteIdentifier(name); }

}  // namespace sql2mongo
