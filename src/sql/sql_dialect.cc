#include "sql/sql_dialect.h"

#include <fmt/format.h>

#include "common/civil_date.h"

namespace sql2mongo {

std::string Enclose(const std::string& text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

std::string SqlDialect::QuoteIdentifier(const std::string& name) const { return Enclose(name, '"'); }

std::string SqlDialect::RowCompare(const std::vector<std::string>& columns, std::string_view op,
                                   const std::vector<std::string>& values) const {
  if (columns.size() == 1) return fmt::format("{} {} {}", columns[0], op, values[0]);
  return fmt::format("({}) {} ({})", fmt::join(columns, ", "), op, fmt::join(values, ", "));
}

std::string SqlDialect::InList(const std::vector<std::string>& columns,
                               const std::vector<std::vector<std::string>>& keys) const {
  if (keys.empty()) return False();
  std::string list;
  for (size_t k = 0; k < keys.size(); ++k) {
    list += k ? ", " : "";
    list += columns.size() == 1 ? keys[k][0] : fmt::format("({})", fmt::join(keys[k], ", "));
  }
  if (columns.size() == 1) return fmt::format("{} IN ({})", columns[0], list);
  return fmt::format("({}) IN (VALUES {})", fmt::join(columns, ", "), list);
}

std::string SqlDialect::NotExists(const std::string& parent_table, const std::string& alias,
                                  const std::string& match) const {
  return fmt::format("NOT EXISTS (SELECT 1 FROM {} AS {} WHERE {})", parent_table, alias, match);
}

std::string SqlDialect::Limit(uint64_t rows) const { return fmt::format("LIMIT {}", rows); }

std::string DateTimeLiteralText(const DateTime& value) {
  int64_t days = value.millis >= 0 ? value.millis / 86400000 : -((-value.millis + 86399999) / 86400000);
  int64_t millis_of_day = value.millis - days * 86400000;
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", year, month, day, millis_of_day / 3600000,
                     millis_of_day / 60000 % 60, millis_of_day / 1000 % 60, millis_of_day % 1000);
}

}  // namespace sql2mongo
