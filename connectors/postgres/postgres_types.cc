#include "postgres/postgres_types.h"
#include "postgres/postgres_wire.h"
#include "common/civil_date.h"

#include <algorithm>
#include <arpa/inet.h>
#include <bson/bson.h>
#include <fmt/format.h>

#include <cstring>
#include <limits>

#include "common/json_to_bson.h"
#include "sql2mongo/document_builder.h"

namespace sql2mongo {
namespace {

// PostgreSQL counts dates and timestamps from 2000-01-01; BSON from 1970-01-01.
constexpr int64_t kPgEpochDays = 10957;
constexpr int64_t kPgEpochMillis = kPgEpochDays * 86400000LL;
constexpr int64_t kMicrosPerSecond = 1000000;

Status BadSize(const char* type, size_t size) {
  return Status::Error(StatusCode::kSourceError, fmt::format("malformed binary {} value ({} bytes)", type, size));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// "HH:MM:SS" plus ".ffffff" without trailing zeros, as PostgreSQL prints times (ISO 8601).
std::string TimeOfDayText(int64_t micros) {
  int64_t seconds = micros / kMicrosPerSecond;
  int64_t fraction = micros % kMicrosPerSecond;
  std::string text = fmt::format("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (fraction) {
    std::string digits = fmt::format("{:06}", fraction);
    while (digits.back() == '0') digits.pop_back();
    text += "." + digits;
  }
  return text;
}

// ISO 8601 duration exactly as PostgreSQL's IntervalStyle iso_8601 prints it ("P1Y2M3DT4H5M6.5S",
// "PT0S", negative fields with their own sign: "P-1Y-2M").
std::string IntervalText(int64_t micros, int32_t days, int32_t months) {
  if (micros == 0 && days == 0 && months == 0) return "PT0S";
  std::string text = "P";
  if (months / 12) text += fmt::format("{}Y", months / 12);
  if (months % 12) text += fmt::format("{}M", months % 12);
  if (days) text += fmt::format("{}D", days);
  if (micros) {
    text += "T";
    int64_t hours = micros / (3600 * kMicrosPerSecond);
    micros -= hours * 3600 * kMicrosPerSecond;
    int64_t minutes = micros / (60 * kMicrosPerSecond);
    micros -= minutes * 60 * kMicrosPerSecond;
    if (hours) text += fmt::format("{}H", hours);
    if (minutes) text += fmt::format("{}M", minutes);
    if (micros) {
      uint64_t magnitude = static_cast<uint64_t>(micros < 0 ? -micros : micros);
      text += fmt::format("{}{}", micros < 0 ? "-" : "", magnitude / kMicrosPerSecond);
      if (magnitude % kMicrosPerSecond) {
        std::string digits = fmt::format("{:06}", magnitude % kMicrosPerSecond);
        while (digits.back() == '0') digits.pop_back();
        text += "." + digits;
      }
      text += "S";
    }
  }
  return text;
}

// date / timestamp: +-infinity have no BSON date, so they stay PostgreSQL's own words (documented).
Value Infinity(bool positive) { return std::string(positive ? "infinity" : "-infinity"); }

Result<Value> DecodeArray(const PgDecoder& decoder, const char* data, size_t size);

Result<Value> DecodeScalar(PgValueKind kind, const char* data, size_t size) {
  switch (kind) {
    case PgValueKind::kBool:
      if (size != 1) return BadSize("bool", size);
      return Value(data[0] != 0);
    case PgValueKind::kInt2:
      if (size != 2) return BadSize("int2", size);
      return Value(static_cast<int32_t>(Int16At(data)));
    case PgValueKind::kInt4:
      if (size != 4) return BadSize("int4", size);
      return Value(Int32At(data));
    case PgValueKind::kInt8:
      if (size != 8) return BadSize("int8", size);
      return Value(Int64At(data));
    case PgValueKind::kOid:  // unsigned 32-bit: does not fit int32
      if (size != 4) return BadSize("oid", size);
      return Value(static_cast<int64_t>(static_cast<uint32_t>(Int32At(data))));
    case PgValueKind::kFloat4: {
      if (size != 4) return BadSize("float4", size);
      uint32_t bits = static_cast<uint32_t>(Int32At(data));
      float f;
      std::memcpy(&f, &bits, 4);
      return Value(static_cast<double>(f));
    }
    case PgValueKind::kFloat8: {
      if (size != 8) return BadSize("float8", size);
      uint64_t bits = static_cast<uint64_t>(Int64At(data));
      double d;
      std::memcpy(&d, &bits, 8);
      return Value(d);
    }
    case PgValueKind::kNumeric: {
      S2M_ASSIGN_OR_RETURN(std::string digits, PgNumericToText(data, size));
      return Value(Decimal{std::move(digits)});
    }
    case PgValueKind::kText:
      return Value(std::string(data, size));
    case PgValueKind::kChar: {
      if (size != 1) return BadSize("\"char\"", size);
      unsigned char c = static_cast<unsigned char>(data[0]);
      // Bytes above 127 are not UTF-8 on their own; PostgreSQL prints them as an octal escape.
      if (c >= 0x80) return Value(fmt::format("\\{:03o}", c));
      return Value(std::string(1, static_cast<char>(c)));
    }
    case PgValueKind::kBytea:
      return Value(Binary{std::vector<uint8_t>(data, data + size), BSON_SUBTYPE_BINARY});
    case PgValueKind::kUuid:
      if (size != 16) return BadSize("uuid", size);
      return Value(Binary{std::vector<uint8_t>(data, data + size), BSON_SUBTYPE_UUID});
    case PgValueKind::kDate: {
      if (size != 4) return BadSize("date", size);
      int32_t days = Int32At(data);
      if (days == std::numeric_limits<int32_t>::max() || days == std::numeric_limits<int32_t>::min())
        return Infinity(days > 0);
      return Value(DateTime{(days + kPgEpochDays) * 86400000LL});
    }
    case PgValueKind::kTimestamp:
    case PgValueKind::kTimestampTz: {
      // timestamptz travels as UTC microseconds whatever the session TimeZone; timestamp as its wall
      // time, taken as UTC. Sub-millisecond digits do not fit a BSON date: floor to the millisecond.
      if (size != 8) return BadSize("timestamp", size);
      int64_t micros = Int64At(data);
      if (micros == std::numeric_limits<int64_t>::max() || micros == std::numeric_limits<int64_t>::min())
        return Infinity(micros > 0);
      return Value(DateTime{FloorDiv(micros, 1000) + kPgEpochMillis});
    }
    case PgValueKind::kTime:
      if (size != 8) return BadSize("time", size);
      return Value(TimeOfDayText(Int64At(data)));
    case PgValueKind::kTimeTz: {
      if (size != 12) return BadSize("timetz", size);
      // The zone is stored in seconds west of UTC; ISO 8601 writes the offset east of UTC.
      int32_t east = -Int32At(data + 8);
      int32_t magnitude = east < 0 ? -east : east;
      std::string offset = fmt::format("{}{:02}:{:02}", east < 0 ? '-' : '+', magnitude / 3600, magnitude / 60 % 60);
      if (magnitude % 60) offset += fmt::format(":{:02}", magnitude % 60);
      return Value(TimeOfDayText(Int64At(data)) + offset);
    }
    case PgValueKind::kInterval:
      if (size != 16) return BadSize("interval", size);
      return Value(IntervalText(Int64At(data), Int32At(data + 8), Int32At(data + 12)));
    case PgValueKind::kJson:
      return JsonTextToValue(std::string_view(data, size));
    case PgValueKind::kJsonb:
      // jsonb's binary form is a format version byte (1) and the JSON text.
      if (size < 1 || data[0] != 1) return BadSize("jsonb (unknown version)", size);
      return JsonTextToValue(std::string_view(data + 1, size - 1));
    case PgValueKind::kArray:
      break;
  }
  return Status::Error(StatusCode::kInternal, "array element decoded as a scalar");
}

// The binary array format: ndim, has-null flag, element OID, (size, lower bound) per dimension, then
// every element as (length, bytes) in row-major order. Dimensions become nested BSON arrays; lower
// bounds are dropped (a BSON array starts at 0).
Result<Value> DecodeArray(const PgDecoder& decoder, const char* data, size_t size) {
  if (size < 12) return BadSize("array", size);
  int32_t ndim = Int32At(data);
  if (ndim < 0 || ndim > 6 || size < 12 + 8 * static_cast<size_t>(ndim)) return BadSize("array", size);
  std::vector<int32_t> dims(ndim);
  for (int32_t d = 0; d < ndim; ++d) dims[d] = Int32At(data + 12 + 8 * d);
  const char* pos = data + 12 + 8 * ndim;
  const char* end = data + size;

  bson_t root = BSON_INITIALIZER;
  Status status;
  // Fills `array` with dimension `level`; recursion depth is at most 6 (PostgreSQL's MAXDIM).
  auto fill = [&](auto&& self, bson_t* array, int32_t level) -> void {
    char index_buffer[16];
    for (int32_t i = 0; i < dims[level] && status.ok(); ++i) {
      const char* key;
      size_t key_length = bson_uint32_to_string(static_cast<uint32_t>(i), &key, index_buffer, sizeof index_buffer);
      if (level + 1 < ndim) {
        bson_t child;
        bson_append_array_begin(array, key, static_cast<int>(key_length), &child);
        self(self, &child, level + 1);
        bson_append_array_end(array, &child);
        continue;
      }
      if (end - pos < 4) {
        status = BadSize("array", size);
        return;
      }
      int32_t length = Int32At(pos);
      pos += 4;
      if (length < 0) {
        bson_append_null(array, key, static_cast<int>(key_length));
        continue;
      }
      if (end - pos < length) {
        status = BadSize("array", size);
        return;
      }
      Result<Value> element = DecodeScalar(decoder.element, pos, static_cast<size_t>(length));
      pos += length;
      if (!element.ok()) {
        status = element.status();
        return;
      }
      status = AppendValue(array, key, key_length, *element);
      // A numeric beyond Decimal128's 34 digits keeps its exact digits as text rather than failing the scan.
      if (!status.ok() && std::holds_alternative<Decimal>(*element))
        status = AppendValue(array, key, key_length, Value(std::get<Decimal>(*element).digits));
    }
  };
  if (ndim > 0) fill(fill, &root, 0);
  if (!status.ok()) {
    bson_destroy(&root);
    return status;
  }
  const uint8_t* bytes = bson_get_data(&root);
  RawBson raw{std::vector<uint8_t>(bytes, bytes + root.len), true};
  bson_destroy(&root);
  return Value(std::move(raw));
}

}  // namespace

std::optional<PgValueKind> BuiltinPgValueKind(uint32_t type_oid) {
  switch (type_oid) {
    case 16: return PgValueKind::kBool;
    case 17: return PgValueKind::kBytea;
    case 18: return PgValueKind::kChar;
    case 19: return PgValueKind::kText;  // name
    case 20: return PgValueKind::kInt8;
    case 21: return PgValueKind::kInt2;
    case 23: return PgValueKind::kInt4;
    case 25: return PgValueKind::kText;
    case 26: return PgValueKind::kOid;
    case 114: return PgValueKind::kJson;
    case 700: return PgValueKind::kFloat4;
    case 701: return PgValueKind::kFloat8;
    case 1042: return PgValueKind::kText;  // bpchar: padded as stored, like its text form
    case 1043: return PgValueKind::kText;  // varchar
    case 1082: return PgValueKind::kDate;
    case 1083: return PgValueKind::kTime;
    case 1114: return PgValueKind::kTimestamp;
    case 1184: return PgValueKind::kTimestampTz;
    case 1186: return PgValueKind::kInterval;
    case 1266: return PgValueKind::kTimeTz;
    case 1700: return PgValueKind::kNumeric;
    case 2950: return PgValueKind::kUuid;
    case 3802: return PgValueKind::kJsonb;
    default: return std::nullopt;
  }
}

Result<std::string> PgNumericToText(const char* data, size_t size) {
  if (size < 8) return BadSize("numeric", size);
  int ndigits = Int16At(data);
  int weight = Int16At(data + 2);
  uint16_t sign = static_cast<uint16_t>(Int16At(data + 4));
  int dscale = Int16At(data + 6);
  if (ndigits < 0 || dscale < 0 || size != 8 + 2 * static_cast<size_t>(ndigits)) return BadSize("numeric", size);
  switch (sign) {
    case 0xC000: return std::string("NaN");
    case 0xD000: return std::string("Infinity");
    case 0xF000: return std::string("-Infinity");
    case 0x0000:
    case 0x4000: break;
    default: return BadSize("numeric (unknown sign)", size);
  }
  auto digit = [&](int i) -> int { return i >= 0 && i < ndigits ? Int16At(data + 8 + 2 * i) : 0; };
  // Written char by char into one string: a NUMERIC column is decoded once per row, and formatting each
  // base-10000 group into a string of its own cost a heap allocation per group (measured: 7 % of a
  // flat PostgreSQL copy's client CPU).
  auto append_group = [](std::string* out, int group, bool leading) {
    char four[4] = {static_cast<char>('0' + group / 1000), static_cast<char>('0' + group / 100 % 10),
                    static_cast<char>('0' + group / 10 % 10), static_cast<char>('0' + group % 10)};
    int from = 0;
    if (leading)
      while (from < 3 && four[from] == '0') ++from;
    out->append(four + from, 4 - from);
  };
  std::string text;
  text.reserve(static_cast<size_t>(std::max(weight + 1, 1)) * 4 + static_cast<size_t>(dscale) + 5);
  if (sign == 0x4000) text += '-';
  // Integer part: base-10000 digits 0..weight, the first without leading zeros.
  if (weight < 0) {
    text += '0';
  } else {
    for (int i = 0; i <= weight; ++i) append_group(&text, digit(i), i == 0);
  }
  if (dscale > 0) {
    text += '.';
    size_t fraction_start = text.size();
    for (int i = weight + 1; static_cast<int>(text.size() - fraction_start) < dscale; ++i)
      append_group(&text, digit(i), false);
    text.resize(fraction_start + static_cast<size_t>(dscale));
  }
  return text;
}

Result<Value> DecodePgValue(const PgDecoder& decoder, const char* data, size_t size) {
  if (decoder.kind == PgValueKind::kArray) return DecodeArray(decoder, data, size);
  return DecodeScalar(decoder.kind, data, size);
}

}  // namespace sql2mongo
