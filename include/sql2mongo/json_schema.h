// A collection's $jsonSchema validator, derived from the plan and the source columns' types and
// nullability: what `sql2mongo schema` prints, for users to install with the collection.
#pragma once

#include <nlohmann/json.hpp>

#include "sql2mongo/plan.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// {"bsonType": "object", "required": [...], "properties": {...}} for the documents of `collection`,
// embedded arrays and objects included. A field is required when its value is never missing: not
// "nulls": "omit" on a nullable column. A nullable column's field also allows null. Columns whose values
// can be of any type (JSON, types the connector reads as text) get no bsonType.
Result<nlohmann::ordered_json> CollectionJsonSchema(const CollectionPlan& collection, Source& source);

}  // namespace sql2mongo
