// MySQL / MariaDB's spelling.
//
// Strings: a backslash means an escape unless sql_mode has NO_BACKSLASH_ESCAPES, and a session may set
// either. Text without a backslash or NUL is written '..' with quotes doubled, which reads the same in
// both modes; other text as _utf8mb4 X'..' (hex bytes with a character set), which has no escapes at all.
// Both are coercible literals, so the comparison uses the key column's collation, as the database
// compares it.
//
// Row values: MySQL and MariaDB do not use an index's range for `(a, b) >= (1, 'x')`, but they do for
// the expanded `a >= 1 AND (a > 1 OR (a = 1 AND b >= 'x'))`: the leading `a >= 1` is a range on the
// index's first column, the rest is checked on the rows it gives.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "sql/sql_dialect.h"

namespace sql2mongo {
namespace {

std::string HexBytes(const std::string& bytes) {
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02X}", b);
  return hex;
}

std::string StringLiteral(const std::string& text) {
  if (text.find('\\') != std::string::npos || text.find('\0') != std::string::npos)
    return "_utf8mb4 X'" + HexBytes(text) + "'";
  return Enclose(text, '\'');
}

class MysqlSqlDialect : public SqlDialect {
 public:
  std::string QuoteIdentifier(const std::string& name) const override {
    return Enclose(name, '`');
  }

  Result<std::string> Literal(const Value& value) const override {
    if (IsNull(value)) return std::string("NULL");
    if (auto* v = std::get_if<bool>(&value)) return std::string(*v ? "1" : "0");
    if (auto* v = std::get_if<int32_t>(&value)) return std::to_string(*v);
    if (auto* v = std::get_if<int64_t>(&value)) return std::to_string(*v);
    if (auto* v = std::get_if<double>(&value)) {
      if (!std::isfinite(*v)) return Status::Error(StatusCode::kDataError, "a key value is not a finite number");
      return ShortestDecimalText(*v);
    }
    if (auto* v = std::get_if<Decimal>(&value)) {
      bool plain = !v->digits.empty() && std::all_of(v->digits.begin(), v->digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E';
      });
      return plain ? v->digits : StringLiteral(v->digits);
    }
    if (auto* v = std::get_if<std::string>(&value)) return StringLiteral(*v);
    if (auto* v = std::get_if<Binary>(&value))
      return "X'" + HexBytes(std::string(v->bytes.begin(), v->bytes.end())) + "'";
    if (auto* v = std::get_if<DateTime>(&value)) return "'" + DateTimeLiteralText(*v) + "'";
    return Status::Error(StatusCode::kDataError, "a JSON or SET value cannot be used as a key");
  }

  std::string RowCompare(const std::vector<std::string>& columns, std::string_view op,
                         const std::vector<std::string>& values) const override {
    if (columns.size() == 1) return SqlDialect::RowCompare(columns, op, values);
    const bool greater = op[0] == '>';
    const std::string strict = greater ? ">" : "<";
    std::string any;
    for (size_t k = 0; k < columns.size(); ++k) {
      std::string term;
      for (size_t j = 0; j < k; ++j) term += columns[j] + " = " + values[j] + " AND ";
      term += fmt::format("{} {} {}", columns[k], k + 1 == columns.size() ? std::string(op) : strict, values[k]);
      any += (k ? " OR (" : "(") + term + ")";
    }
    return fmt::format("({} {}= {} AND ({}))", columns[0], strict, values[0], any);
  }

  // MySQL has no VALUES list as a table in IN (MariaDB's differs): tuples are row constructors.
  std::string InList(const std::vector<std::string>& columns,
                     const std::vector<std::vector<std::string>>& keys) const override {
    if (columns.size() == 1 || keys.empty()) return SqlDialect::InList(columns, keys);
    std::string list;
    for (size_t k = 0; k < keys.size(); ++k) list += fmt::format("{}({})", k ? ", " : "", fmt::join(keys[k], ", "));
    return fmt::format("({}) IN ({})", fmt::join(columns, ", "), list);
  }
};

}  // namespace

const SqlDialect& MysqlDialect() {
  static const MysqlSqlDialect dialect;
  return dialect;
}

}  // namespace sql2mongo
