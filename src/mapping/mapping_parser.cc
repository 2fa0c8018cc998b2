// Mapping file -> Mapping. The file's structure (keys, types, allowed values) is checked against the
// JSON Schema by mapping_structure.cc first; what is left here is turning the document into a Mapping and
// the rules a schema cannot state: how the parts of a mapping refer to each other. Whether tables and
// columns exist is checked against the source by the plan builder.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/uri.h"
#include "mapping/index_reader.h"
#include "mapping/json_locator.h"
#include "mapping/mapping_structure.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

using Json = nlohmann::ordered_json;  // keeps the file's key order: documents get fields in that order

// Reads a document that fits the schema, so every key has the type and values the schema allows.
class MappingReader {
 public:
  MappingReader(const std::string& file, const JsonLocator& locator) : file_(file), locator_(locator) {}

  Result<Mapping> Read(const Json& root) const {
    Mapping mapping;
    mapping.file = file_;
    mapping.source_uri = root.value("source", "");
    mapping.target_uri = root.value("target", "");
    mapping.nulls = ReadNulls(root).value_or(NullPolicy::kKeep);
    mapping.validate = ReadValidation(root).value_or(Validation::kOff);
    ReadSchemaVersion(root, &mapping);
    const Json& collections = root["collections"];
    for (auto it = collections.begin(); it != collections.end(); ++it) {
      std::string pointer = "/collections/" + JsonLocator::Escape(it.key());
      const Json& spec = *it;
      CollectionSpec c;
      c.name = it.key();
      c.pointer = pointer;
      c.place = Place(pointer, /*at_key=*/true);
      c.from = spec["from"].get<std::string>();
      c.from_place = Place(pointer + "/from");
      S2M_RETURN_IF_ERROR(ReadId(spec, pointer, &c));
      ReadFields(spec, pointer, &c.fields, &c.exclude, &c.all_columns);
      for (const auto& f : c.fields) {
        if (f.path == "_id" || f.path.rfind("_id.", 0) == 0)
          return Error(pointer + "/fields/" + JsonLocator::Escape(f.path),
                       "set the document key with \"_id\" at the collection level, not in \"fields\"", true);
      }
      c.where = spec.value("where", "");
      c.order_by = ReadOrderBy(spec);
      c.nulls = ReadNulls(spec);
      S2M_RETURN_IF_ERROR(ReadEmbeds(spec, pointer, &c.embeds));
      if (spec.contains("mode")) c.mode = ParseWriteMode(spec["mode"].get<std::string>());  // one of the schema's
      c.drop = spec.value("drop", false);
      c.swap = spec.value("cutover", "none") == "swap";  // one of the schema's
      c.backups = spec.value("backups", 1);
      c.incremental = ReadIncremental(spec, pointer);
      c.indexes = ReadIndexes(spec, pointer);
      c.validate = ReadValidation(spec);
      mapping.collections.push_back(std::move(c));
    }
    return mapping;
  }

 private:
  Status Error(const std::string& pointer, const std::string& message, bool at_key = false) const {
    return Status::Error(StatusCode::kMappingError, fmt::format("{}: {}", Place(pointer, at_key).ToString(), message));
  }

  MappingPlace Place(const std::string& pointer, bool at_key = false) const {
    TextPosition p = at_key ? locator_.KeyAt(pointer) : locator_.ValueAt(pointer);
    return MappingPlace{file_, p.line, p.column};
  }

  // The schema allows a positive int32 for the version and a name or false for the field.
  static void ReadSchemaVersion(const Json& root, Mapping* mapping) {
    if (root.contains("schema_version")) mapping->schema_version = root["schema_version"].get<int32_t>();
    if (!root.contains("schema_version_field")) return;
    const Json& field = root["schema_version_field"];
    mapping->schema_version_field = field.is_string() ? field.get<std::string>() : "";
  }

  // The schema has checked the shape: a column, "deletes" one of its values, "flag" with "soft" only.
  std::optional<IncrementalSpec> ReadIncremental(const Json& object, const std::string& pointer) const {
    if (!object.contains("incremental")) return std::nullopt;
    const Json& spec = object["incremental"];
    std::string at = pointer + "/incremental";
    IncrementalSpec incremental;
    incremental.place = Place(at, /*at_key=*/true);
    incremental.column = spec["column"].get<std::string>();
    incremental.column_place = Place(at + "/column");
    std::string deletes = spec.value("deletes", "none");
    incremental.deletes = deletes == "soft"     ? DeletePolicy::kSoft
                          : deletes == "detect" ? DeletePolicy::kDetect
                                                : DeletePolicy::kNone;
    incremental.flag = spec.value("flag", "");
    if (!incremental.flag.empty()) incremental.flag_place = Place(at + "/flag");
    return incremental;
  }

  // A column name or a list of them: "CustomerId" or ["OrderId", "LineNo"].
  static std::vector<std::string> Columns(const Json& v) {
    if (v.is_string()) return {v.get<std::string>()};
    return v.get<std::vector<std::string>>();
  }

  static std::optional<NullPolicy> ReadNulls(const Json& object) {
    if (!object.contains("nulls")) return std::nullopt;
    return object["nulls"] == "omit" ? NullPolicy::kOmit : NullPolicy::kKeep;
  }

  // Terms are "Column", "Column ASC" or "Column DESC" (the schema's pattern).
  static std::vector<OrderTerm> ReadOrderBy(const Json& object) {
    std::vector<OrderTerm> terms;
    if (!object.contains("order_by")) return terms;
    for (const auto& term : Columns(object["order_by"])) {
      std::istringstream words(term);
      OrderTerm t;
      std::string direction;
      words >> t.column >> direction;
      for (auto& ch : direction) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      t.descending = direction == "DESC";
      terms.push_back(t);
    }
    return terms;
  }

  void ReadFields(const Json& object, const std::string& pointer, std::vector<FieldSpec>* fields,
                  std::vector<std::string>* exclude, bool* all_columns) const {
    if (object.contains("fields")) {
      *all_columns = false;
      const Json& f = object["fields"];
      for (auto it = f.begin(); it != f.end(); ++it) {
        std::string child = pointer + "/fields/" + JsonLocator::Escape(it.key());
        FieldSpec field;
        field.path = it.key();
        if (it->is_string()) {
          field.column = it->get<std::string>();
          field.place = Place(child);
        } else {
          const Json& spec = *it;
          field.column = spec.value("column", "");
          field.expr = spec.value("expr", "");
          field.place = Place(child + (spec.contains("column") ? "/column" : "/expr"));
          if (spec.contains("type")) ParseTargetType(spec["type"].get<std::string>(), &field.type);  // one of the schema's
          field.nulls = ReadNulls(spec);
          field.ref = spec.value("ref", "");
          field.ref_index = spec.value("index", true);
        }
        fields->push_back(std::move(field));
      }
    }
    if (object.contains("exclude")) *exclude = Columns(object["exclude"]);
  }

  Status ReadEmbeds(const Json& object, const std::string& pointer, std::vector<EmbedSpec>* out) const {
    if (!object.contains("embed")) return Status::Ok();
    const Json& e = object["embed"];
    for (auto it = e.begin(); it != e.end(); ++it) {
      std::string child = pointer + "/embed/" + JsonLocator::Escape(it.key());
      const Json& spec = *it;
      EmbedSpec embed;
      embed.path = it.key();
      embed.pointer = child;
      embed.place = Place(child, /*at_key=*/true);
      embed.from = spec["from"].get<std::string>();
      embed.from_place = Place(child + "/from");
      embed.kind = spec["as"] == "object" ? EmbedKind::kObject : EmbedKind::kArray;
      if (spec.contains("local")) embed.local = Columns(spec["local"]);
      if (spec.contains("foreign")) embed.foreign = Columns(spec["foreign"]);
      if (!embed.local.empty() && !embed.foreign.empty() && embed.local.size() != embed.foreign.size())
        return Error(child + "/foreign", fmt::format("\"local\" has {} columns but \"foreign\" has {}; they pair up "
                                                     "one to one", embed.local.size(), embed.foreign.size()));
      ReadFields(spec, child, &embed.fields, &embed.exclude, &embed.all_columns);
      embed.value_column = spec.value("value", "");
      embed.where = spec.value("where", "");
      embed.order_by = ReadOrderBy(spec);
      embed.nulls = ReadNulls(spec);
      embed.incremental = ReadIncremental(spec, child);
      embed.merge_key = spec.value("merge_key", "");
      if (!embed.merge_key.empty()) embed.merge_key_place = Place(child + "/merge_key");
      S2M_RETURN_IF_ERROR(ReadEmbeds(spec, child, &embed.embeds));
      out->push_back(std::move(embed));
    }
    return Status::Ok();
  }

  Status ReadId(const Json& object, const std::string& pointer, CollectionSpec* c) const {
    if (!object.contains("_id")) return Status::Ok();
    const Json& v = object["_id"];
    if (v.is_string()) {
      c->id_parts.push_back({v.get<std::string>(), v.get<std::string>()});
      return Status::Ok();
    }
    c->id_is_composite = true;
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) c->id_parts.push_back({it.key(), it->get<std::string>()});
      return Status::Ok();
    }
    // A list of columns names the _id's keys by the columns, and a column name need not make a key.
    for (size_t i = 0; i < v.size(); ++i) {
      std::string column = v[i].get<std::string>();
      if (column[0] == '$' || column.find('.') != std::string::npos)
        return Error(pointer + "/_id/" + std::to_string(i),
                     fmt::format("column '{}' cannot be a key of the _id sub-document ('.' would nest, '$' is "
                                 "reserved); use {{\"key\": \"{}\"}} to name it",
                                 column, column));
      c->id_parts.push_back({column, column});
    }
    return Status::Ok();
  }

  const std::string& file_;
  const JsonLocator& locator_;
};

// nlohmann's e.byte is 1-based and points at the last character of the token it could not use; the
// user wants the token's first character ("collections" after a missing comma, not its closing quote).
size_t StartOfOffendingToken(const std::string& text, size_t byte) {
  if (byte == 0 || byte > text.size()) return byte > text.size() ? text.size() : 0;
  size_t end = byte - 1;
  if (text[end] == '"') {
    size_t i = end;
    while (i > 0) {
      --i;
      if (text[i] == '"' && (i == 0 || text[i - 1] != '\\')) return i;
    }
    return end;
  }
  size_t i = end;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+'; };
  while (i > 0 && is_word(text[end]) && is_word(text[i - 1])) --i;
  return i;
}

// Every structural problem, one line each in the order of the file, so one run shows them all (up to
// kShownProblems: past that, fixing the first ones usually fixes many of the rest).
constexpr size_t kShownProblems = 20;

Status StructureStatus(std::vector<StructureProblem> problems, const std::string& file, const JsonLocator& locator) {
  if (problems.empty()) return Status::Ok();
  auto position = [&](const StructureProblem& p) {
    TextPosition at = p.at_key ? locator.KeyAt(p.pointer) : locator.ValueAt(p.pointer);
    return std::make_pair(at.line, at.column);
  };
  std::stable_sort(problems.begin(), problems.end(),
                   [&](const auto& a, const auto& b) { return position(a) < position(b); });
  std::string message;
  for (size_t i = 0; i < problems.size() && i < kShownProblems; ++i) {
    auto [line, column] = position(problems[i]);
    message += fmt::format("{}{}:{}:{}: {}", i == 0 ? "" : "\n", file, line, column, problems[i].message);
  }
  if (problems.size() > kShownProblems)
    message += fmt::format("\n{}: {} more problems of the mapping's structure not shown", file,
                           problems.size() - kShownProblems);
  return Status::Error(StatusCode::kMappingError, message);
}

}  // namespace

std::string MappingPlace::ToString() const { return fmt::format("{}:{}:{}", file, line, column); }

MappingPlace Mapping::PlaceOf(const std::string& json_pointer) const {
  if (!locator) return MappingPlace{file, 0, 0};
  TextPosition p = locator->ValueAt(json_pointer);
  return MappingPlace{file, p.line, p.column};
}

Result<Mapping> ParseMappingText(const std::string& text, const std::string& file_name) {
  Json root;
  try {
    root = Json::parse(text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    TextPosition p = JsonLocator::PositionOfOffset(text, StartOfOffendingToken(text, e.byte));
    std::string detail = e.what();
    size_t colon = detail.find(": ", detail.find("parse error"));
    if (colon != std::string::npos) detail = detail.substr(colon + 2);
    return Status::Error(StatusCode::kMappingError,
                         fmt::format("{}:{}:{}: malformed JSON: {} (look for a missing comma, quote or brace just "
                                     "before this point; comments are allowed, trailing commas are not)",
                                     file_name, p.line, p.column, detail));
  }
  auto locator = std::make_shared<JsonLocator>(text);
  S2M_RETURN_IF_ERROR(StructureStatus(CheckMappingStructure(root), file_name, *locator));
  S2M_ASSIGN_OR_RETURN(Mapping mapping, MappingReader(file_name, *locator).Read(root));
  mapping.locator = locator;
  std::string base_dir = std::filesystem::path(file_name).parent_path().string();
  mapping.source_uri = ResolveRelativeSqlitePath(mapping.source_uri, base_dir);
  return mapping;
}

Result<Mapping> ParseMappingFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::Error(StatusCode::kMappingError,
                         fmt::format("{}: cannot open the mapping file ({}); check the path", path,
                                     std::filesystem::exists(path) ? "permission denied" : "no such file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseMappingText(buffer.str(), path);
}

}  // namespace sql2mongo
