// The mapping file's structure (keys, types, allowed values, which keys go together) is whatever
// mappings/sql2mongo-mapping.schema.json says: the document is validated against that schema (compiled
// in) by valijson, and each problem valijson finds becomes one message in the user's words. What the
// schema cannot say (how parts refer to each other) is checked by mapping_parser.cc.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sql2mongo {

struct StructureProblem {
  std::string pointer;   // JSON pointer of the offending value (or key, with at_key): "/collections/c/from"
  bool at_key = false;   // the problem is the key's name or presence: place the key, not its value
  // Starts with where in the document, in its own terms, then what is wrong and how to fix it:
  // "collections.c.embed.e: unknown key 'on' (did you mean 'as'?); allowed keys: from, as, ..."
  std::string message;
};

// Every structural problem of `document` (a parsed mapping file), one per problem; empty when the
// document fits the schema.
std::vector<StructureProblem> CheckMappingStructure(const nlohmann::ordered_json& document);

}  // namespace sql2mongo
