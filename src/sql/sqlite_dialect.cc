// SQLite's spelling. Literals give what binding the value would: a Decimal and a date as text (a column's
// affinity converts text to a number when it compares, as it would a bound text; dates are compared
// through julianday(), which reads this text), a blob as X'..'.
#include <fmt/format.h>

#include <cmath>

#include "sql/sql_dialect.h"

namespace sql2mongo {
namespace {

std::string QuotedText(const std::string& text) { return Enclose(text, '\''); }

class SqliteSqlDialect : public SqlDialect {
 public:
  Result<std::string> Literal(const Value& value) const override {
    struct Visitor {
      Result<std::string> operator()(const Null&) const { return std::string("NULL"); }
      Result<std::string> operator()(bool v) const { return std::string(v ? "1" : "0"); }
      Result<std::string> operator()(int32_t v) const { return std::to_string(v); }
      Result<std::string> operator()(int64_t v) const { return std::to_string(v); }
      Result<std::string> operator()(double v) const {
        // SQLite stores NaN as NULL and reads a literal past the double range as infinity.
        if (std::isnan(v)) return std::string("NULL");
        if (std::isinf(v)) return std::string(v > 0 ? "9e999" : "-9e999");
        return ShortestDecimalText(v);
      }
      Result<std::string> operator()(const Decimal& v) const { return QuotedText(v.digits); }
      Result<std::string> operator()(const std::string& v) const { return QuotedText(v); }
      Result<std::string> operator()(const Binary& v) const {
        std::string hex = "X'";
        for (uint8_t b : v.bytes) hex += fmt::format("{:02X}", b);
        return hex + "'";
      }
      Result<std::string> operator()(const DateTime& v) const { return QuotedText(DateTimeLiteralText(v)); }
      Result<std::string> operator()(const RawBson&) const {
        return Status::Error(StatusCode::kDataError, "a JSON value cannot be used as a key");
      }
    };
    return std::visit(Visitor{}, value);
  }
  std::string False() const override { return "0"; }
};

}  // namespace

const SqlDialect& SqliteDialect() {
  static const SqliteSqlDialect dialect;
  return dialect;
}

}  // namespace sql2mongo
