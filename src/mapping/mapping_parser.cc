// Mapping file -> Mapping. Checks the file's own shape (keys, types, allowed values); whether tables
// and columns exist is checked against the source by the plan builder.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/edit_distance.h"
#include "common/uri.h"
#include "mapping/json_locator.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

using Json = nlohmann::ordered_json;  // keeps the file's key order: documents get fields in that order

const std::vector<std::string> kTopKeys = {"$schema", "version", "source", "target", "nulls", "collections"};
const std::vector<std::string> kCollectionKeys = {"from",  "_id",      "fields", "exclude", "where",
                                                  "order_by", "nulls", "embed",  "comment"};
const std::vector<std::string> kEmbedKeys = {"from",  "as",       "local", "foreign", "fields", "exclude",
                                             "value", "where",    "order_by", "nulls", "embed", "comment"};
const std::vector<std::string> kFieldKeys = {"column", "expr", "type", "nulls", "ref", "comment"};

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

class Parser {
 public:
  Parser(const std::string& file, const JsonLocator& locator) : file_(file), locator_(locator) {}

  Status Error(const std::string& pointer, const std::string& message, bool at_key = false) const {
    TextPosition p = at_key ? locator_.KeyAt(pointer) : locator_.ValueAt(pointer);
    return Status::Error(StatusCode::kMappingError, fmt::format("{}:{}:{}: {}", file_, p.line, p.column, message));
  }

  MappingPlace Place(const std::string& pointer, bool at_key = false) const {
    TextPosition p = at_key ? locator_.KeyAt(pointer) : locator_.ValueAt(pointer);
    return MappingPlace{file_, p.line, p.column};
  }

  Status CheckKeys(const Json& object, const std::string& pointer, const std::vector<std::string>& allowed,
                   const std::string& what) const {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      return Error(pointer + "/" + JsonLocator::Escape(it.key()),
                   fmt::format("unknown key '{}' in {}{}; allowed keys: {}", it.key(), what,
                               DidYouMean(it.key(), allowed), Join(allowed)),
                   /*at_key=*/true);
    }
    return Status::Ok();
  }

  Status ReadString(const Json& object, const std::string& pointer, const std::string& key, std::string* out,
                    const std::string& meaning, bool required) const {
    if (!object.contains(key)) {
      if (required)
        return Error(pointer, fmt::format("missing \"{}\" ({}); add \"{}\": \"...\"", key, meaning, key));
      return Status::Ok();
    }
    const Json& v = object[key];
    std::string child = pointer + "/" + JsonLocator::Escape(key);
    if (!v.is_string()) return Error(child, fmt::format("\"{}\" must be a string ({})", key, meaning));
    *out = v.get<std::string>();
    if (out->empty()) return Error(child, fmt::format("\"{}\" is empty; it must name {}", key, meaning));
    return Status::Ok();
  }

  // "expr" is for "fields" only. The run reads key ranges, joins and array order by real columns, with
  // conditions the source can index, so _id parts, join keys, "value" and order_by name columns.
  Status RefuseExpression(const Json& v, const std::string& pointer, const std::string& key) const {
    const Json* found = v.is_object() && v.contains("expr") ? &v : nullptr;
    std::string at = pointer;
    for (size_t i = 0; !found && v.is_array() && i < v.size(); ++i) {
      if (v[i].is_object() && v[i].contains("expr")) {
        found = &v[i];
        at = pointer + "/" + std::to_string(i);
      }
    }
    if (!found) return Status::Ok();
    return Error(at + "/expr",
                 fmt::format("\"{}\" must name columns of the table: a computed value (\"expr\") is allowed only in "
                             "\"fields\"; _id, join keys (local/foreign), \"value\" and order_by are read as columns. "
                             "Compute it in a view of the source and map the view, or make it a field",
                             key),
                 /*at_key=*/true);
  }

  // A column name or a list of them: "CustomerId" or ["OrderId", "LineNo"].
  Status ReadColumnList(const Json& v, const std::string& pointer, const std::string& key,
                        std::vector<std::string>* out) const {
    S2M_RETURN_IF_ERROR(RefuseExpression(v, pointer, key));
    if (v.is_string()) {
      out->push_back(v.get<std::string>());
      return Status::Ok();
    }
    if (v.is_array() && !v.empty()) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string())
          return Error(pointer + "/" + std::to_string(i), fmt::format("\"{}\" items must be column names", key));
        out->push_back(v[i].get<std::string>());
      }
      return Status::Ok();
    }
    return Error(pointer, fmt::format("\"{}\" must be a column name or a non-empty list of column names", key));
  }

  Status ReadNulls(const Json& object, const std::string& pointer, std::optional<NullPolicy>* out) const {
    if (!object.contains("nulls")) return Status::Ok();
    const Json& v = object["nulls"];
    std::string child = pointer + "/nulls";
    if (v == "keep") *out = NullPolicy::kKeep;
    else if (v == "omit") *out = NullPolicy::kOmit;
    else return Error(child, "\"nulls\" must be \"keep\" (store null) or \"omit\" (leave the field out)");
    return Status::Ok();
  }

  Status ReadOrderBy(const Json& object, const std::string& pointer, std::vector<OrderTerm>* out) const {
    if (!object.contains("order_by")) return Status::Ok();
    std::vector<std::string> terms;
    S2M_RETURN_IF_ERROR(ReadColumnList(object["order_by"], pointer + "/order_by", "order_by", &terms));
    for (const auto& term : terms) {
      std::istringstream words(term);
      OrderTerm t;
      std::string direction, extra;
      words >> t.column >> direction >> extra;
      for (auto& c : direction) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (t.column.empty() || !extra.empty() || (!direction.empty() && direction != "ASC" && direction != "DESC"))
        return Error(pointer + "/order_by",
                     fmt::format("order_by term '{}' must be \"Column\", \"Column ASC\" or \"Column DESC\"", term));
      t.descending = direction == "DESC";
      out->push_back(t);
    }
    return Status::Ok();
  }

  Status ReadFields(const Json& object, const std::string& pointer, std::vector<FieldSpec>* fields,
                    std::vector<std::string>* exclude, bool* all_columns) const {
    if (object.contains("fields")) {
      const Json& f = object["fields"];
      std::string fp = pointer + "/fields";
      if (!f.is_object())
        return Error(fp, "\"fields\" must be an object: {\"target.path\": \"Column\", ...}");
      *all_columns = false;
      for (auto it = f.begin(); it != f.end(); ++it) {
        std::string child = fp + "/" + JsonLocator::Escape(it.key());
        FieldSpec field;
        field.path = it.key();
        S2M_RETURN_IF_ERROR(CheckFieldPath(field.path, child));
        if (it->is_string()) {
          field.column = it->get<std::string>();
          field.place = Place(child);
        } else if (it->is_object()) {
          S2M_RETURN_IF_ERROR(CheckKeys(*it, child, kFieldKeys, fmt::format("field '{}'", field.path)));
          const bool has_column = it->contains("column"), has_expr = it->contains("expr");
          if (has_column && has_expr)
            return Error(child + "/expr",
                         fmt::format("field '{}' has both \"column\" and \"expr\"; keep one: \"column\" reads a column "
                                     "as it is, \"expr\" has the source compute the value with an SQL expression",
                                     field.path),
                         /*at_key=*/true);
          if (!has_column && !has_expr)
            return Error(child, fmt::format("field '{}' has neither \"column\" nor \"expr\"; add \"column\": \"Name\" "
                                            "to read a column, or \"expr\": \"LOWER(Email)\" to have the source compute "
                                            "the value with an SQL expression",
                                            field.path));
          if (has_column) {
            S2M_RETURN_IF_ERROR(ReadString(*it, child, "column", &field.column, "the source column", true));
            field.place = Place(child + "/column");
          } else {
            S2M_RETURN_IF_ERROR(
                ReadString(*it, child, "expr", &field.expr, "an SQL expression in the source's dialect", true));
            field.place = Place(child + "/expr");
          }
          std::string type_name;
          S2M_RETURN_IF_ERROR(ReadString(*it, child, "type", &type_name, "a BSON type", false));
          if (!type_name.empty() && !ParseTargetType(type_name, &field.type))
            return Error(child + "/type", fmt::format("unknown type '{}'{}; known types: {}", type_name,
                                                      DidYouMean(type_name, TypeNames()), KnownTargetTypeNames()));
          S2M_RETURN_IF_ERROR(ReadNulls(*it, child, &field.nulls));
          S2M_RETURN_IF_ERROR(ReadString(*it, child, "ref", &field.ref, "the collection this value points at", false));
        } else {
          return Error(child, fmt::format("field '{}' must be a column name or {{\"column\": ..., \"type\": ...}} "
                                          "or {{\"expr\": \"<SQL expression>\", \"type\": ...}}",
                                          field.path));
        }
        if (field.column.empty() && field.expr.empty())
          return Error(child, fmt::format("field '{}' names no column", field.path));
        fields->push_back(std::move(field));
      }
    }
    if (object.contains("exclude")) {
      const Json& e = object["exclude"];
      if (!e.is_array()) return Error(pointer + "/exclude", "\"exclude\" must be a list of column names");
      S2M_RETURN_IF_ERROR(ReadColumnList(e, pointer + "/exclude", "exclude", exclude));
    }
    return Status::Ok();
  }

  // MongoDB field names: no empty segment, no leading '$'. Dots nest (that is what they mean here).
  Status CheckFieldPath(const std::string& path, const std::string& pointer) const {
    size_t start = 0;
    while (true) {
      size_t dot = path.find('.', start);
      std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (segment.empty())
        return Error(pointer, fmt::format("target path '{}' has an empty segment; write \"a.b\", not \"a..b\"", path),
                     true);
      if (segment[0] == '$')
        return Error(pointer, fmt::format("target path '{}': a field name may not start with '$'", path), true);
      if (path.find('\0') != std::string::npos)
        return Error(pointer, fmt::format("target path '{}' contains a NUL character", path), true);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return Status::Ok();
  }

  static std::vector<std::string> TypeNames() {
    std::vector<std::string> names;
    std::istringstream in(KnownTargetTypeNames());
    std::string n;
    while (std::getline(in, n, ',')) names.push_back(n.substr(n.find_first_not_of(' ')));
    return names;
  }

  Status ReadEmbeds(const Json& object, const std::string& pointer, std::vector<EmbedSpec>* out) const {
    if (!object.contains("embed")) return Status::Ok();
    const Json& e = object["embed"];
    std::string ep = pointer + "/embed";
    if (!e.is_object()) return Error(ep, "\"embed\" must be an object: {\"target.path\": {\"from\": ..., \"as\": ...}}");
    for (auto it = e.begin(); it != e.end(); ++it) {
      std::string child = ep + "/" + JsonLocator::Escape(it.key());
      EmbedSpec embed;
      embed.path = it.key();
      embed.pointer = child;
      embed.place = Place(child, true);
      S2M_RETURN_IF_ERROR(CheckFieldPath(embed.path, child));
      if (!it->is_object()) return Error(child, fmt::format("embed '{}' must be an object", embed.path));
      const Json& spec = *it;
      S2M_RETURN_IF_ERROR(CheckKeys(spec, child, kEmbedKeys, fmt::format("embed '{}'", embed.path)));
      S2M_RETURN_IF_ERROR(ReadString(spec, child, "from", &embed.from, "the table to embed", true));
      embed.from_place = Place(child + "/from");
      std::string as;
      S2M_RETURN_IF_ERROR(ReadString(spec, child, "as", &as, "\"array\" (1:N child rows) or \"object\" (N:1 parent row)", true));
      if (as == "array") embed.kind = EmbedKind::kArray;
      else if (as == "object") embed.kind = EmbedKind::kObject;
      else
        return Error(child + "/as", fmt::format("\"as\" is '{}'; use \"array\" for the rows that point at this one "
                                                "(1:N) or \"object\" for the row this one points at (N:1)", as));
      if (spec.contains("local"))
        S2M_RETURN_IF_ERROR(ReadColumnList(spec["local"], child + "/local", "local", &embed.local));
      if (spec.contains("foreign"))
        S2M_RETURN_IF_ERROR(ReadColumnList(spec["foreign"], child + "/foreign", "foreign", &embed.foreign));
      if (!embed.local.empty() && !embed.foreign.empty() && embed.local.size() != embed.foreign.size())
        return Error(child + "/foreign", fmt::format("\"local\" has {} columns but \"foreign\" has {}; they pair up "
                                                     "one to one", embed.local.size(), embed.foreign.size()));
      S2M_RETURN_IF_ERROR(ReadFields(spec, child, &embed.fields, &embed.exclude, &embed.all_columns));
      if (spec.contains("value")) S2M_RETURN_IF_ERROR(RefuseExpression(spec["value"], child + "/value", "value"));
      S2M_RETURN_IF_ERROR(ReadString(spec, child, "value", &embed.value_column, "the column whose values form the array", false));
      if (!embed.value_column.empty()) {
        if (!embed.fields.empty() || spec.contains("embed"))
          return Error(child + "/value", "\"value\" embeds one column's plain value: drop \"fields\" and \"embed\", or drop \"value\"");
      }
      S2M_RETURN_IF_ERROR(ReadString(spec, child, "where", &embed.where, "an SQL condition", false));
      S2M_RETURN_IF_ERROR(ReadOrderBy(spec, child, &embed.order_by));
      if (!embed.order_by.empty() && embed.kind == EmbedKind::kObject)
        return Error(child + "/order_by", "\"order_by\" orders array items; an \"object\" embed holds one row");
      S2M_RETURN_IF_ERROR(ReadNulls(spec, child, &embed.nulls));
      S2M_RETURN_IF_ERROR(ReadEmbeds(spec, child, &embed.embeds));
      out->push_back(std::move(embed));
    }
    return Status::Ok();
  }

  Status ReadId(const Json& object, const std::string& pointer, CollectionSpec* c) const {
    if (!object.contains("_id")) return Status::Ok();
    const Json& v = object["_id"];
    std::string child = pointer + "/_id";
    if (v.is_string()) {
      c->id_parts.push_back({v.get<std::string>(), v.get<std::string>()});
    } else if (v.is_array() && !v.empty()) {
      std::vector<std::string> columns;
      S2M_RETURN_IF_ERROR(ReadColumnList(v, child, "_id", &columns));
      for (const auto& col : columns) c->id_parts.push_back({col, col});
      c->id_is_composite = true;
    } else if (v.is_object() && !v.empty()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        S2M_RETURN_IF_ERROR(RefuseExpression(*it, child + "/" + JsonLocator::Escape(it.key()), "_id"));
        if (!it->is_string())
          return Error(child + "/" + JsonLocator::Escape(it.key()), "_id parts map a key to a column name");
        c->id_parts.push_back({it.key(), it->get<std::string>()});
      }
      c->id_is_composite = true;
    } else {
      return Error(child, "\"_id\" must be a column, a list of columns, or {\"key\": \"Column\", ...}");
    }
    if (c->id_is_composite) {
      for (const auto& [key, column] : c->id_parts) {
        if (key.empty() || key[0] == '$' || key.find('.') != std::string::npos)
          return Error(child, fmt::format("'{}' cannot be a key of the _id sub-document ('.' would nest, '$' is "
                                          "reserved); use {{\"key\": \"Column\"}} to name it", key));
      }
    }
    return Status::Ok();
  }

  Result<Mapping> Parse(const Json& root) const {
    Mapping mapping;
    mapping.file = file_;
    if (!root.is_object()) return Error("", "a mapping file is a JSON object: {\"source\": ..., \"collections\": {...}}");
    S2M_RETURN_IF_ERROR(CheckKeys(root, "", kTopKeys, "the mapping"));
    if (root.contains("version") && root["version"] != 1)
      return Error("/version", "this sql2mongo reads mapping format version 1; set \"version\": 1");
    S2M_RETURN_IF_ERROR(ReadString(root, "", "source", &mapping.source_uri, "the source URI, e.g. \"sqlite:data.db\"", false));
    S2M_RETURN_IF_ERROR(ReadString(root, "", "target", &mapping.target_uri, "the target URI, e.g. \"mongodb://localhost/db\"", false));
    std::optional<NullPolicy> nulls;
    S2M_RETURN_IF_ERROR(ReadNulls(root, "", &nulls));
    mapping.nulls = nulls.value_or(NullPolicy::kKeep);
    if (!root.contains("collections"))
      return Error("", "missing \"collections\"; add \"collections\": {\"name\": {\"from\": \"Table\"}}");
    const Json& collections = root["collections"];
    if (!collections.is_object() || collections.empty())
      return Error("/collections", "\"collections\" must be a non-empty object: {\"name\": {\"from\": \"Table\"}}");
    for (auto it = collections.begin(); it != collections.end(); ++it) {
      std::string pointer = "/collections/" + JsonLocator::Escape(it.key());
      CollectionSpec c;
      c.name = it.key();
      c.pointer = pointer;
      c.place = Place(pointer, true);
      if (c.name.empty() || c.name.find('$') != std::string::npos || c.name.find('\0') != std::string::npos)
        return Error(pointer, fmt::format("'{}' is not a valid collection name (no '$', not empty)", c.name), true);
      if (!it->is_object()) return Error(pointer, fmt::format("collection '{}' must be an object", c.name));
      const Json& spec = *it;
      S2M_RETURN_IF_ERROR(CheckKeys(spec, pointer, kCollectionKeys, fmt::format("collection '{}'", c.name)));
      S2M_RETURN_IF_ERROR(ReadString(spec, pointer, "from", &c.from, "the table to read", true));
      c.from_place = Place(pointer + "/from");
      S2M_RETURN_IF_ERROR(ReadId(spec, pointer, &c));
      S2M_RETURN_IF_ERROR(ReadFields(spec, pointer, &c.fields, &c.exclude, &c.all_columns));
      for (const auto& f : c.fields) {
        if (f.path == "_id" || f.path.rfind("_id.", 0) == 0)
          return Error(pointer + "/fields/" + JsonLocator::Escape(f.path),
                       "set the document key with \"_id\" at the collection level, not in \"fields\"", true);
      }
      S2M_RETURN_IF_ERROR(ReadString(spec, pointer, "where", &c.where, "an SQL condition", false));
      S2M_RETURN_IF_ERROR(ReadOrderBy(spec, pointer, &c.order_by));
      S2M_RETURN_IF_ERROR(ReadNulls(spec, pointer, &c.nulls));
      S2M_RETURN_IF_ERROR(ReadEmbeds(spec, pointer, &c.embeds));
      mapping.collections.push_back(std::move(c));
    }
    return mapping;
  }

 private:
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
  Parser parser(file_name, *locator);
  S2M_ASSIGN_OR_RETURN(Mapping mapping, parser.Parse(root));
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
