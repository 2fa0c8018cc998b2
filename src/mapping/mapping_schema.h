// mappings/sql2mongo-mapping.schema.json as sql2mongo uses it: compiled once for valijson, which decides
// what fits, and kept as JSON for what messages quote from it (titles, descriptions, examples, the order
// of the allowed keys). Locations are JSON pointers into the schema: "" (the root), "/$defs/embed".
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace valijson {
class Schema;
class ValidationResults;
}  // namespace valijson

namespace sql2mongo {

class MappingSchema {
 public:
  // The compiled-in schema, loaded on first use; immutable afterwards, so safe to share between threads.
  static const MappingSchema& Get();
  ~MappingSchema();

  // Empty unless the compiled-in text did not load (a build problem; a unit test loads it).
  const std::string& load_error() const { return load_error_; }

  // valijson's verdict on a whole document, every failure reported into `results`.
  bool Validate(const nlohmann::json& document, valijson::ValidationResults* results) const;
  // Whether `value` fits the sub-schema at `location` (valijson's verdict too). Thread-safe.
  bool Fits(const std::string& location, const nlohmann::json& value) const;

  // `location` with its $ref followed to the end of the chain.
  std::string Resolve(const std::string& location) const;
  // A validation keyword of the resolved node ("required", "enum"), or nullptr.
  const nlohmann::ordered_json* Keyword(const std::string& location, const std::string& name) const;
  // An annotation ("title", "description", "examples"): the location's own, else the one of what its
  // $ref names, so "from": {"$ref": "#/$defs/column", "title": "a table name"} is a table name.
  const nlohmann::ordered_json* Annotation(const std::string& location, const std::string& name) const;

  // The forms a value at `location` may take: each branch of a oneOf/anyOf that stands alone (no "type"
  // beside it), else the location itself.
  std::vector<std::string> Forms(const std::string& location) const;
  // Whether `value`'s JSON type is one the form takes (by "type", else by the values of "enum"/"const").
  bool TypeFits(const std::string& form, const nlohmann::json& value) const;
  // The location that describes member `key` of an object of this form ("properties", else
  // "additionalProperties"), or of every item of an array of this form ("items"); none if not described.
  std::optional<std::string> MemberLocation(const std::string& form, const std::string& key) const;
  std::optional<std::string> ItemsLocation(const std::string& form) const;

 private:
  MappingSchema();
  const nlohmann::ordered_json* NodeAt(const std::string& location) const;

  nlohmann::ordered_json raw_;  // the file's key order: "allowed keys" are listed as the schema lists them
  nlohmann::json plain_;        // the same, for valijson's nlohmann adapter
  std::unique_ptr<valijson::Schema> compiled_;
  std::string load_error_;

  // Sub-schemas Fits() was asked about, compiled on first use: a mapping with an error has each of its
  // keys checked against "propertyNames", one Fits() each (10 000 fields: 2 s without this, 0.3 s with).
  struct SubSchema;
  mutable std::mutex sub_schemas_mutex_;
  mutable std::map<std::string, std::unique_ptr<SubSchema>> sub_schemas_;
};

}  // namespace sql2mongo
