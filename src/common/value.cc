#include "sql2mongo/value.h"
#include "common/civil_date.h"

#include <bson/bson.h>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace sql2mongo {
namespace {

struct TypeName {
  const char* name;
  TargetType type;
};
// The first name of each type is the canonical one; the others are accepted spellings.
constexpr TypeName kTypeNames[] = {
    {"auto", TargetType::kAuto},     {"int32", TargetType::kInt32},   {"int", TargetType::kInt32},
    {"int64", TargetType::kInt64},   {"long", TargetType::kInt64},    {"double", TargetType::kDouble},
    {"decimal", TargetType::kDecimal}, {"string", TargetType::kString}, {"bool", TargetType::kBool},
    {"date", TargetType::kDate},     {"binary", TargetType::kBinary},
};

Status DataError(const Value& value, TargetType type, const std::string& why) {
  return Status::Error(StatusCode::kDataError,
                       fmt::format("cannot convert {} to {}: {}", ValueToDisplay(value), TargetTypeName(type), why));
}

bool ParseInt64(const std::string& text, int64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Integer value of a number-like Value, if it is a whole number that fits int64.
bool AsInt64(const Value& value, int64_t* out) {
  if (auto* v = std::get_if<int32_t>(&value)) return *out = *v, true;
  if (auto* v = std::get_if<int64_t>(&value)) return *out = *v, true;
  if (auto* v = std::get_if<bool>(&value)) return *out = *v ? 1 : 0, true;
  if (auto* v = std::get_if<double>(&value)) {
    // 2^63 is exactly representable as a double; anything at or above it does not fit.
    if (std::trunc(*v) != *v || *v < -9223372036854775808.0 || *v >= 9223372036854775808.0) return false;
    *out = static_cast<int64_t>(*v);
    return true;
  }
  if (auto* v = std::get_if<Decimal>(&value)) {
    if (ParseInt64(v->digits, out)) return true;
    double d;
    return ParseDouble(v->digits, &d) && AsInt64(Value(d), out);
  }
  if (auto* v = std::get_if<std::string>(&value)) return ParseInt64(*v, out);
  return false;
}

bool AsDouble(const Value& value, double* out) {
  if (auto* v = std::get_if<double>(&value)) return *out = *v, true;
  if (auto* v = std::get_if<int32_t>(&value)) return *out = *v, true;
  if (auto* v = std::get_if<int64_t>(&value)) return *out = static_cast<double>(*v), true;
  if (auto* v = std::get_if<bool>(&value)) return *out = *v ? 1 : 0, true;
  if (auto* v = std::get_if<Decimal>(&value)) return ParseDouble(v->digits, out);
  if (auto* v = std::get_if<std::string>(&value)) return ParseDouble(*v, out);
  return false;
}

int DigitsToInt(const std::string& s, size_t pos, size_t len, bool* ok) {
  int n = 0;
  if (pos + len > s.size()) return *ok = false, 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return *ok = false, 0;
    n = n * 10 + (s[i] - '0');
  }
  return n;
}

}  // namespace

std::string RawBsonToJson(const RawBson& raw) {
  bson_t doc;
  if (!bson_init_static(&doc, raw.bytes.data(), raw.bytes.size())) return "<invalid BSON>";
  if (!raw.is_array) {
    size_t length = 0;
    char* json = bson_as_relaxed_extended_json(&doc, &length);
    if (!json) return "<invalid BSON>";
    std::string text(json, length);
    bson_free(json);
    return text;
  }
  // libbson 1.23 has no relaxed writer for a top-level array: wrap it as {"a": [...]} and unwrap.
  bson_t wrapper = BSON_INITIALIZER;
  bson_append_array(&wrapper, "a", 1, &doc);
  size_t length = 0;
  char* json = bson_as_relaxed_extended_json(&wrapper, &length);
  bson_destroy(&wrapper);
  if (!json) return "<invalid BSON>";
  std::string text(json, length);  // { "a" : [ ... ] }
  bson_free(json);
  size_t open = text.find('[');
  size_t close = text.rfind(']');
  return open == std::string::npos || close == std::string::npos ? text : text.substr(open, close - open + 1);
}

bool ParseTargetType(const std::string& name, TargetType* out) {
  for (const auto& t : kTypeNames) {
    if (name == t.name) return *out = t.type, true;
  }
  return false;
}

const char* TargetTypeName(TargetType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "?";
}

std::string KnownTargetTypeNames() {
  std::string names;
  for (const auto& t : kTypeNames) {
    if (!names.empty()) names += ", ";
    names += t.name;
  }
  return names;
}

std::string ShortestDecimalText(double d) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ptr);
}

bool ParseDateTime(const std::string& text, DateTime* out) {
  bool ok = true;
  const std::string& s = text;
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  int year = DigitsToInt(s, 0, 4, &ok), month = DigitsToInt(s, 5, 2, &ok), day = DigitsToInt(s, 8, 2, &ok);
  if (!ok || month < 1 || month > 12 || day < 1) return false;
  // February 31st must be refused, not rolled over into March.
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDaysInMonth[month - 1] + (month == 2 && leap ? 1 : 0)) return false;
  int64_t millis_of_day = 0;
  int64_t offset_minutes = 0;
  size_t pos = 10;
  if (pos < s.size() && (s[pos] == ' ' || s[pos] == 'T')) {
    ++pos;
    int hour = DigitsToInt(s, pos, 2, &ok);
    if (!ok || pos + 2 >= s.size() || s[pos + 2] != ':') return false;
    int minute = DigitsToInt(s, pos + 3, 2, &ok);
    pos += 5;
    int second = 0, millis = 0;
    if (pos < s.size() && s[pos] == ':') {
      second = DigitsToInt(s, pos + 1, 2, &ok);
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          millis += (s[pos] - '0') * scale;  // digits past milliseconds are dropped: BSON dates hold ms
          scale /= 10;
          ++pos;
        }
      }
    }
    // BSON dates have no leap second: 23:59:60 would silently become the next day.
    if (!ok || hour > 23 || minute > 59 || second > 59) return false;
    millis_of_day = ((hour * 60 + minute) * 60 + second) * 1000LL + millis;
    if (pos < s.size() && s[pos] == 'Z') {
      ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
      int sign = s[pos] == '-' ? -1 : 1;
      int oh = DigitsToInt(s, pos + 1, 2, &ok);
      size_t mpos = pos + 3;
      if (mpos < s.size() && s[mpos] == ':') ++mpos;
      int om = mpos < s.size() ? DigitsToInt(s, mpos, 2, &ok) : 0;
      if (!ok) return false;
      offset_minutes = sign * (oh * 60 + om);
      pos = mpos < s.size() ? mpos + 2 : mpos;
    }
  }
  if (pos != s.size()) return false;
  out->millis = DaysFromCivil(year, month, day) * 86400000LL + millis_of_day - offset_minutes * 60000LL;
  return true;
}

Result<Value> ConvertValue(const Value& value, TargetType type) {
  if (type == TargetType::kAuto || IsNull(value)) return value;
  switch (type) {
    case TargetType::kInt32: {
      int64_t n;
      if (!AsInt64(value, &n)) return DataError(value, type, "not a whole number");
      if (n < std::numeric_limits<int32_t>::min() || n > std::numeric_limits<int32_t>::max())
        return DataError(value, type, "out of int32 range (use \"int64\")");
      return Value(static_cast<int32_t>(n));
    }
    case TargetType::kInt64: {
      int64_t n;
      if (!AsInt64(value, &n)) return DataError(value, type, "not a whole number within int64");
      return Value(n);
    }
    case TargetType::kDouble: {
      double d;
      if (!AsDouble(value, &d)) return DataError(value, type, "not a number");
      return Value(d);
    }
    case TargetType::kDecimal: {
      if (std::holds_alternative<Decimal>(value)) return value;
      if (auto* v = std::get_if<double>(&value)) {
        if (!std::isfinite(*v)) return Value(Decimal{*v != *v ? "NaN" : (*v > 0 ? "Infinity" : "-Infinity")});
        return Value(Decimal{ShortestDecimalText(*v)});
      }
      if (auto* v = std::get_if<int32_t>(&value)) return Value(Decimal{std::to_string(*v)});
      if (auto* v = std::get_if<int64_t>(&value)) return Value(Decimal{std::to_string(*v)});
      if (auto* v = std::get_if<std::string>(&value)) {
        double d;
        if (!ParseDouble(*v, &d)) return DataError(value, type, "not a number");
        return Value(Decimal{*v});
      }
      return DataError(value, type, "not a number");
    }
    case TargetType::kString: {
      if (std::holds_alternative<std::string>(value)) return value;
      if (auto* v = std::get_if<Decimal>(&value)) return Value(v->digits);
      if (auto* v = std::get_if<double>(&value)) return Value(ShortestDecimalText(*v));
      if (auto* v = std::get_if<int32_t>(&value)) return Value(std::to_string(*v));
      if (auto* v = std::get_if<int64_t>(&value)) return Value(std::to_string(*v));
      if (auto* v = std::get_if<bool>(&value)) return Value(std::string(*v ? "true" : "false"));
      if (auto* v = std::get_if<Binary>(&value)) return Value(std::string(v->bytes.begin(), v->bytes.end()));
      if (auto* v = std::get_if<RawBson>(&value)) return Value(RawBsonToJson(*v));
      return DataError(value, type, "no text form");
    }
    case TargetType::kBool: {
      if (std::holds_alternative<bool>(value)) return value;
      int64_t n;
      if (AsInt64(value, &n) && (n == 0 || n == 1)) return Value(n == 1);
      if (auto* v = std::get_if<std::string>(&value)) {
        if (*v == "true" || *v == "t" || *v == "yes" || *v == "y") return Value(true);
        if (*v == "false" || *v == "f" || *v == "no" || *v == "n") return Value(false);
      }
      return DataError(value, type, "expected 0/1 or true/false");
    }
    case TargetType::kDate: {
      if (std::holds_alternative<DateTime>(value)) return value;
      if (auto* v = std::get_if<std::string>(&value)) {
        DateTime dt;
        if (ParseDateTime(*v, &dt)) return Value(dt);
        return DataError(value, type, "expected YYYY-MM-DD[ HH:MM:SS[.fff]][Z|+hh:mm]");
      }
      int64_t seconds;
      if (AsInt64(value, &seconds)) return Value(DateTime{seconds * 1000});  // integers are Unix seconds
      return DataError(value, type, "not a date");
    }
    case TargetType::kBinary: {
      if (std::holds_alternative<Binary>(value)) return value;
      if (auto* v = std::get_if<std::string>(&value))
        return Value(Binary{std::vector<uint8_t>(v->begin(), v->end()), 0});
      return DataError(value, type, "only text or bytes become binary");
    }
    case TargetType::kAuto:
      break;
  }
  return value;
}

std::string ValueToDisplay(const Value& value) {
  struct Visitor {
    std::string operator()(const Null&) const { return "null"; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int32_t v) const { return std::to_string(v); }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return ShortestDecimalText(v); }
    std::string operator()(const Decimal& v) const { return v.digits; }
    std::string operator()(const std::string& v) const {
      return "'" + (v.size() > 60 ? v.substr(0, 57) + "..." : v) + "'";
    }
    std::string operator()(const Binary& v) const { return fmt::format("<{} bytes>", v.bytes.size()); }
    std::string operator()(const DateTime& v) const { return fmt::format("date({} ms)", v.millis); }
    std::string operator()(const RawBson& v) const {
      std::string json = RawBsonToJson(v);
      return json.size() > 60 ? json.substr(0, 57) + "..." : json;
    }
  };
  return std::visit(Visitor{}, value);
}

uint64_t BsonValueBytes(const Value& value) {
  struct Visitor {
    uint64_t operator()(const Null&) const { return 0; }
    uint64_t operator()(bool) const { return 1; }
    uint64_t operator()(int32_t) const { return 4; }
    uint64_t operator()(int64_t) const { return 8; }
    uint64_t operator()(double) const { return 8; }
    uint64_t operator()(const Decimal&) const { return 16; }
    uint64_t operator()(const std::string& s) const { return s.size() + 5; }  // length, bytes, NUL
    uint64_t operator()(const Binary& b) const { return b.bytes.size() + 5; }  // length, subtype, bytes
    uint64_t operator()(const DateTime&) const { return 8; }
    uint64_t operator()(const RawBson& r) const { return r.bytes.size(); }
  };
  return std::visit(Visitor{}, value);
}

void AppendJoinKey(const Value& value, std::string* key) {
  // A type tag keeps 1 and '1' apart; all integer widths share one tag so they join with each other.
  int64_t n;
  if (std::holds_alternative<int32_t>(value) || std::holds_alternative<int64_t>(value)) {
    AsInt64(value, &n);
    key->push_back('i');
    key->append(reinterpret_cast<const char*>(&n), sizeof n);
    return;
  }
  if (auto* v = std::get_if<std::string>(&value)) {
    key->push_back('s');
    uint32_t len = static_cast<uint32_t>(v->size());
    key->append(reinterpret_cast<const char*>(&len), sizeof len);
    key->append(*v);
    return;
  }
  if (auto* v = std::get_if<Decimal>(&value)) {
    // A decimal key joins an integer key of the same value (NUMERIC(10,0) against INTEGER), and
    // "1.50" joins "1.5": the key is the number, not its spelling.
    if (AsInt64(value, &n)) {
      key->push_back('i');
      key->append(reinterpret_cast<const char*>(&n), sizeof n);
      return;
    }
    std::string canonical = v->digits;
    if (canonical.find('.') != std::string::npos && canonical.find_first_of("eE") == std::string::npos) {
      canonical.erase(canonical.find_last_not_of('0') + 1);
      if (canonical.back() == '.') canonical.pop_back();
    }
    key->push_back('n');
    uint32_t len = static_cast<uint32_t>(canonical.size());
    key->append(reinterpret_cast<const char*>(&len), sizeof len);
    key->append(canonical);
    return;
  }
  if (auto* v = std::get_if<double>(&value)) {
    if (AsInt64(value, &n)) {  // 3.0 joins 3
      key->push_back('i');
      key->append(reinterpret_cast<const char*>(&n), sizeof n);
      return;
    }
    key->push_back('d');
    key->append(reinterpret_cast<const char*>(v), sizeof *v);
    return;
  }
  std::string display;
  if (auto* v = std::get_if<Binary>(&value)) {
    display.assign(v->bytes.begin(), v->bytes.end());
  } else if (auto* v = std::get_if<RawBson>(&value)) {
    display.assign(v->bytes.begin(), v->bytes.end());
  } else {
    display = ValueToDisplay(value);
  }
  key->push_back(static_cast<char>('a' + value.index()));
  uint32_t len = static_cast<uint32_t>(display.size());
  key->append(reinterpret_cast<const char*>(&len), sizeof len);
  key->append(display);
}

}  // namespace sql2mongo
