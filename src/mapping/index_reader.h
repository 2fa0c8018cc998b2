// The "indexes" and "validate" keys of a mapping, read into IndexSpecs: the structure was checked by
// the JSON Schema already, so every key here has the type and values it allows.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/index_spec.h"

namespace sql2mongo {

// The collection's "indexes" (`pointer`: the collection's JSON pointer), in file order.
std::vector<IndexSpec> ReadIndexes(const nlohmann::ordered_json& collection, const std::string& pointer);
// "validate" of a collection or of the mapping; unset when the key is absent.
std::optional<Validation> ReadValidation(const nlohmann::ordered_json& object);

}  // namespace sql2mongo
