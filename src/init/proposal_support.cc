#include "init/proposal_support.h"

#include <cctype>

namespace sql2mongo {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::set<std::string> LowerSet(const std::vector<std::string>& names) {
  std::set<std::string> out;
  for (const auto& name : names) out.insert(Lower(name));
  return out;
}

std::string SnakeName(const std::string& name) {
  std::string out;
  auto is_upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
  auto is_lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  auto is_alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!is_alnum(c)) {
      if (!out.empty() && out.back() != '_') out.push_back('_');
      continue;
    }
    if (is_upper(c) && i > 0 && !out.empty() && out.back() != '_') {
      // A word starts at "aB" and at the last capital of a run followed by lower case ("HTTPLog").
      bool after_lower = is_lower(name[i - 1]) || std::isdigit(static_cast<unsigned char>(name[i - 1]));
      bool ends_run = is_upper(name[i - 1]) && i + 1 < name.size() && is_lower(name[i + 1]);
      if (after_lower || ends_run) out.push_back('_');
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "table" : out;
}

std::string CamelName(const std::string& name) {
  std::string out;
  bool word_start = false;
  for (char c : SnakeName(name)) {
    if (c == '_') {
      word_start = !out.empty();
      continue;
    }
    out.push_back(word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    word_start = false;
  }
  return out;
}

bool ParseNameCase(const std::string& text, NameCase* out) {
  for (NameCase name_case : {NameCase::kKeep, NameCase::kSnake, NameCase::kCamel})
    if (text == NameCaseName(name_case)) return *out = name_case, true;
  return false;
}

const char* NameCaseName(NameCase name_case) {
  switch (name_case) {
    case NameCase::kKeep: return "keep";
    case NameCase::kSnake: return "snake";
    case NameCase::kCamel: return "camel";
  }
  return "";
}

std::string FieldName(const std::string& column, NameCase name_case) {
  switch (name_case) {
    case NameCase::kKeep: return column;
    case NameCase::kSnake: return SnakeName(column);
    case NameCase::kCamel: return CamelName(column);
  }
  return column;
}

std::string MadeUpName(const std::string& snake_name, NameCase name_case) {
  return name_case == NameCase::kCamel ? CamelName(snake_name) : snake_name;
}

std::string PluralName(const std::string& name) {
  auto ends = [&](const char* suffix) { return name.ends_with(suffix); };
  if (ends("s") || ends("x") || ends("z") || ends("ch") || ends("sh")) return name + "es";
  if (name.size() > 1 && ends("y") && std::string("aeiou").find(name[name.size() - 2]) == std::string::npos)
    return name.substr(0, name.size() - 1) + "ies";
  return name + "s";
}

std::string UniqueName(const std::string& name, std::set<std::string>* taken) {
  std::string candidate = name;
  for (int n = 2; taken->count(candidate); ++n) candidate = name + "_" + std::to_string(n);
  taken->insert(candidate);
  return candidate;
}

std::string PointeeName(const std::string& column) {
  std::string snake = SnakeName(column);
  if (snake.size() > 3 && snake.ends_with("_id")) return snake.substr(0, snake.size() - 3);
  return snake;
}

std::vector<std::string> DescriptiveColumns(const TableInfo& info) {
  std::set<std::string> keys = LowerSet(info.primary_key);
  for (const auto& fk : info.foreign_keys)
    for (const auto& column : fk.columns) keys.insert(Lower(column));
  std::vector<std::string> out;
  for (const auto& column : info.columns)
    if (!keys.count(Lower(column.name))) out.push_back(column.name);
  return out;
}

}  // namespace sql2mongo
