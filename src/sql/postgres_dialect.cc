// PostgreSQL's spelling. Every key value is written as its text form in a quoted literal, and the
// connector appends the key column's cast, so '1'::integer or '2024-01-03 10:00:00.000+00'::timestamptz
// reads exactly as the column's type reads its input. A string holding a backslash is written E'..'
// with the backslash doubled: that means the same whatever standard_conforming_strings says, so no
// connection has to be asked how to escape.
#include <fmt/format.h>

#include <limits>

#include "sql/sql_dialect.h"

namespace sql2mongo {
namespace {

// The input text PostgreSQL reads back as `value` for the key column's type.
std::string PostgresInputText(const Value& value) {
  struct Visitor {
    std::string operator()(const Null&) const { return ""; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(int32_t v) const { return std::to_string(v); }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      if (v != v) return "NaN";
      if (v == std::numeric_limits<double>::infinity()) return "Infinity";
      if (v == -std::numeric_limits<double>::infinity()) return "-Infinity";
      return ShortestDecimalText(v);
    }
    std::string operator()(const Decimal& v) const { return v.digits; }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const Binary& v) const {
      std::string hex;
      for (uint8_t b : v.bytes) hex += fmt::format("{:02x}", b);
      if (v.subtype == 4 /* BSON_SUBTYPE_UUID */ && hex.size() == 32)
        return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
               hex.substr(20);
      return "\\x" + hex;
    }
    // "+00": a timestamptz key reads it as UTC, a timestamp or date key ignores it.
    std::string operator()(const DateTime& v) const { return DateTimeLiteralText(v) + "+00"; }
    std::string operator()(const RawBson& v) const { return RawBsonToJson(v); }
  };
  return std::visit(Visitor{}, value);
}

class PostgresSqlDialect : public SqlDialect {
 public:
  Result<std::string> Literal(const Value& value) const override {
    if (IsNull(value)) return std::string("NULL");
    std::string text = PostgresInputText(value);
    if (text.find('\\') == std::string::npos) return Enclose(text, '\'');
    std::string doubled;
    for (char c : text) {
      if (c == '\\') doubled += c;
      doubled += c;
    }
    return "E" + Enclose(doubled, '\'');
  }
  std::string False() const override { return "false"; }
  std::string ScanStatement(const std::string& select) const override {
    return "COPY (" + select + ") TO STDOUT (FORMAT binary)";
  }
};

}  // namespace

const SqlDialect& PostgresDialect() {
  static const PostgresSqlDialect dialect;
  return dialect;
}

}  // namespace sql2mongo
