#include "sql2mongo/json_schema.h"

#include <fmt/format.h>

#include <algorithm>

#include "mapping/catalog_cache.h"

namespace sql2mongo {
namespace {

const char* BsonTypeOf(TargetType type) {
  switch (type) {
    case TargetType::kInt32: return "int";
    case TargetType::kInt64: return "long";
    case TargetType::kDouble: return "double";
    case TargetType::kDecimal: return "decimal";
    case TargetType::kString: return "string";
    case TargetType::kBool: return "bool";
    case TargetType::kDate: return "date";
    case TargetType::kBinary: return "binData";
    case TargetType::kAuto: return nullptr;
  }
  return nullptr;
}

// A bsonType value: one name as a string, several as an array (MongoDB takes both).
nlohmann::ordered_json BsonType(std::vector<std::string> types) {
  if (types.size() == 1) return types[0];
  return types;
}

class SchemaBuilder {
 public:
  explicit SchemaBuilder(Source& source) : catalog_(source) {}

  Result<nlohmann::ordered_json> Collection(const CollectionPlan& collection) {
    nlohmann::ordered_json properties = nlohmann::ordered_json::object();
    std::vector<std::string> required = {"_id"};
    if (collection.id.kind == IdPlan::Kind::kColumn) {
      // A NULL _id never reaches the target (its row is rejected), so _id is never null.
      S2M_ASSIGN_OR_RETURN(properties["_id"], Value(collection.table, collection.id.parts[0].second,
                                                      TargetType::kAuto, NullPolicy::kOmit, nullptr));
    } else if (collection.id.kind == IdPlan::Kind::kComposite) {
      nlohmann::ordered_json id_properties = nlohmann::ordered_json::object();
      std::vector<std::string> id_required;
      for (const auto& [key, column] : collection.id.parts) {
        S2M_ASSIGN_OR_RETURN(id_properties[key],
                             Value(collection.table, column, TargetType::kAuto, NullPolicy::kKeep, nullptr));
        id_required.push_back(key);
      }
      properties["_id"] = {{"bsonType", "object"}, {"required", id_required}, {"properties", id_properties}};
    } else {
      properties["_id"] = {{"bsonType", "objectId"}};
    }
    if (!collection.version_field.empty()) {
      properties[collection.version_field] = {
          {"bsonType", "int"}, {"description", fmt::format("the mapping's schema_version ({})", collection.schema_version)}};
      required.push_back(collection.version_field);
    }
    S2M_RETURN_IF_ERROR(Shape(collection.table, collection.table.shape, &properties, &required));
    return Object(std::move(properties), std::move(required), /*nullable=*/false);
  }

 private:
  static nlohmann::ordered_json Object(nlohmann::ordered_json properties, std::vector<std::string> required,
                                       bool nullable) {
    nlohmann::ordered_json schema;
    schema["bsonType"] = nullable ? nlohmann::ordered_json({"object", "null"}) : nlohmann::ordered_json("object");
    if (!required.empty()) schema["required"] = required;
    schema["properties"] = std::move(properties);
    return schema;
  }

  // The fields of one document or sub-document, into `properties`; the ones always present into `required`.
  Status Shape(const TablePlan& table, const std::vector<ShapeNode>& shape, nlohmann::ordered_json* properties,
               std::vector<std::string>* required) {
    for (const ShapeNode& node : shape) {
      bool always = true;
      switch (node.kind) {
        case ShapeNode::Kind::kField: {
          if (!node.ref_parts.empty()) {
            nlohmann::ordered_json parts = nlohmann::ordered_json::object();
            std::vector<std::string> part_keys;
            for (const auto& [key, column] : node.ref_parts) {
              S2M_ASSIGN_OR_RETURN(parts[key], Value(table, column, TargetType::kAuto, NullPolicy::kKeep, nullptr));
              part_keys.push_back(key);
            }
            (*properties)[node.key] = Object(std::move(parts), std::move(part_keys), true);
          } else {
            S2M_ASSIGN_OR_RETURN((*properties)[node.key], Value(table, node.column, node.type, node.nulls, &always));
          }
          break;
        }
        case ShapeNode::Kind::kObject: {
          nlohmann::ordered_json children = nlohmann::ordered_json::object();
          std::vector<std::string> child_required;
          S2M_RETURN_IF_ERROR(Shape(table, node.children, &children, &child_required));
          (*properties)[node.key] = Object(std::move(children), std::move(child_required), false);
          break;
        }
        case ShapeNode::Kind::kEmbed: {
          const EmbedPlan& embed = table.embeds[node.embed];
          S2M_ASSIGN_OR_RETURN(nlohmann::ordered_json rows, Rows(embed.table, embed.kind == EmbedKind::kObject));
          if (embed.kind == EmbedKind::kArray) {
            (*properties)[node.key] = {{"bsonType", "array"}, {"items", std::move(rows)}};  // [] when no rows
          } else {
            (*properties)[node.key] = std::move(rows);
            always = embed.nulls != NullPolicy::kOmit;  // a key that matches no row gives null, or nothing
          }
          break;
        }
      }
      if (always) required->push_back(node.key);
    }
    return Status::Ok();
  }

  // One embedded row: a sub-document, or its one value ("value" embeds). `nullable`: an object embed
  // whose key matches no row is null.
  Result<nlohmann::ordered_json> Rows(const TablePlan& table, bool nullable) {
    if (table.value_column >= 0) {
      nlohmann::ordered_json value;
      S2M_ASSIGN_OR_RETURN(value, Value(table, table.value_column, table.value_type, NullPolicy::kKeep, nullptr));
      if (nullable && value.contains("bsonType")) {
        std::vector<std::string> types = value["bsonType"].is_array() ? value["bsonType"].get<std::vector<std::string>>()
                                                                      : std::vector<std::string>{value["bsonType"]};
        if (std::find(types.begin(), types.end(), "null") == types.end()) types.push_back("null");
        value["bsonType"] = BsonType(types);
      }
      return value;
    }
    nlohmann::ordered_json properties = nlohmann::ordered_json::object();
    std::vector<std::string> required;
    S2M_RETURN_IF_ERROR(Shape(table, table.shape, &properties, &required));
    return Object(std::move(properties), std::move(required), nullable);
  }

  // The schema of one column's value. `always` (may be null): set to whether the field is always present.
  Result<nlohmann::ordered_json> Value(const TablePlan& table, int column_index, TargetType type, NullPolicy nulls,
                                       bool* always) {
    const std::string& name = table.read_columns[column_index];
    S2M_ASSIGN_OR_RETURN(const ColumnInfo* column, catalog_.Column(table.table, name));
    std::vector<std::string> types;
    if (const char* forced = BsonTypeOf(type)) types = {forced};
    else if (column) types = column->yields.bson_types;
    // A NOT NULL column may still give null (MySQL's zero dates): its types say so.
    bool gives_null = std::find(types.begin(), types.end(), "null") != types.end();
    bool nullable = !column || column->nullable || gives_null;
    if (always) *always = !(nullable && nulls == NullPolicy::kOmit);
    nlohmann::ordered_json schema = nlohmann::ordered_json::object();
    if (!types.empty()) {
      if (nullable && nulls == NullPolicy::kKeep && !gives_null) types.push_back("null");
      if (nulls == NullPolicy::kOmit && gives_null) types.erase(std::find(types.begin(), types.end(), "null"));
      schema["bsonType"] = BsonType(types);
    }
    if (const std::string* expression = table.ExpressionAt(column_index))
      schema["description"] = fmt::format("computed from {}: {}", table.table, *expression);
    else
      schema["description"] = column ? fmt::format("{}.{} ({}{})", table.table, column->name, column->declared_type,
                                                   column->nullable ? "" : ", NOT NULL")
                                     : fmt::format("{} of {}", name, table.table);
    return schema;
  }


  CatalogCache catalog_;
};

}  // namespace

Result<nlohmann::ordered_json> CollectionJsonSchema(const CollectionPlan& collection, Source& source) {
  return SchemaBuilder(source).Collection(collection);
}

}  // namespace sql2mongo
