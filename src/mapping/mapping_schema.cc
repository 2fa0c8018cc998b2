#include "mapping/mapping_schema.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "mapping/json_locator.h"
#include "mapping/mapping_schema_text.h"

namespace sql2mongo {
namespace {

using OrderedJson = nlohmann::ordered_json;
using PlainJson = nlohmann::json;

// The schema says draft 2020-12 (for editors); valijson reads draft 7. The two agree on every keyword
// the schema uses, except that draft 7 ignores whatever stands beside a "$ref": the schema keeps only
// annotations there (a unit test walks it to make sure).
constexpr auto kDraft = valijson::SchemaParser::kDraft7;

bool Compile(const PlainJson& document, valijson::Schema* schema, std::string* error) {
  try {
    valijson::SchemaParser parser(kDraft);
    valijson::adapters::NlohmannJsonAdapter adapter(document);
    parser.populateSchema(adapter, *schema);
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

bool ValidateAgainst(const valijson::Schema& schema, const PlainJson& value, valijson::ValidationResults* results) {
  valijson::Validator validator;  // holds a regex cache, so one per call keeps the schema shareable
  valijson::adapters::NlohmannJsonAdapter adapter(value);
  return validator.validate(schema, adapter, results);
}

}  // namespace

const MappingSchema& MappingSchema::Get() {
  static const MappingSchema schema;
  return schema;
}

MappingSchema::MappingSchema() : compiled_(std::make_unique<valijson::Schema>()) {
  try {
    raw_ = OrderedJson::parse(kMappingSchemaText);
    plain_ = raw_;
  } catch (const std::exception& e) {
    load_error_ = std::string("the compiled-in mapping schema is not JSON: ") + e.what();
    return;
  }
  std::string error;
  if (!Compile(plain_, compiled_.get(), &error))
    load_error_ = "the compiled-in mapping schema does not load: " + error;
}

MappingSchema::~MappingSchema() = default;

bool MappingSchema::Validate(const PlainJson& document, valijson::ValidationResults* results) const {
  return ValidateAgainst(*compiled_, document, results);
}

// A location compiled alone, with the validator that keeps its regexes compiled too.
struct MappingSchema::SubSchema {
  valijson::Schema schema;
  valijson::Validator validator;
  bool loaded = false;
};

bool MappingSchema::Fits(const std::string& location, const PlainJson& value) const {
  std::lock_guard<std::mutex> lock(sub_schemas_mutex_);  // a Validator's regex cache is not thread-safe
  std::unique_ptr<SubSchema>& sub = sub_schemas_[location];
  if (!sub) {
    // A copy of the schema whose root is a $ref to `location`: draft 7 ignores the root's other
    // keywords, and every "#/$defs/..." inside resolves as it does in the whole schema.
    sub = std::make_unique<SubSchema>();
    PlainJson wrapper = plain_;
    wrapper["$ref"] = "#" + location;
    std::string error;
    sub->loaded = Compile(wrapper, &sub->schema, &error);
  }
  if (!sub->loaded) return true;  // nothing to say about a location valijson cannot read
  try {
    valijson::adapters::NlohmannJsonAdapter adapter(value);
    return sub->validator.validate(sub->schema, adapter, nullptr);
  } catch (const std::exception&) {
    return true;
  }
}

const OrderedJson* MappingSchema::NodeAt(const std::string& location) const {
  try {
    return &raw_.at(OrderedJson::json_pointer(location));
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string MappingSchema::Resolve(const std::string& location) const {
  std::string current = location;
  for (int hops = 0; hops < 32; ++hops) {  // a $ref cycle would be a broken schema; stop rather than spin
    const OrderedJson* node = NodeAt(current);
    if (!node || !node->is_object() || !node->contains("$ref") || !(*node)["$ref"].is_string()) break;
    std::string ref = (*node)["$ref"].get<std::string>();
    if (ref.empty() || ref[0] != '#') break;  // the schema refers only inside itself
    current = ref.substr(1);
  }
  return current;
}

const OrderedJson* MappingSchema::Keyword(const std::string& location, const std::string& name) const {
  const OrderedJson* node = NodeAt(Resolve(location));
  if (!node || !node->is_object()) return nullptr;
  auto it = node->find(name);
  return it == node->end() ? nullptr : &*it;
}

const OrderedJson* MappingSchema::Annotation(const std::string& location, const std::string& name) const {
  std::string current = location;
  for (int hops = 0; hops < 32; ++hops) {  // one $ref at a time, so the nearest annotation wins
    const OrderedJson* node = NodeAt(current);
    if (!node || !node->is_object()) return nullptr;
    if (auto it = node->find(name); it != node->end()) return &*it;
    auto ref = node->find("$ref");
    if (ref == node->end() || !ref->is_string() || ref->get<std::string>().rfind('#', 0) != 0) return nullptr;
    current = ref->get<std::string>().substr(1);
  }
  return nullptr;
}

std::vector<std::string> MappingSchema::Forms(const std::string& location) const {
  std::string resolved = Resolve(location);
  const OrderedJson* node = NodeAt(resolved);
  if (!node || !node->is_object() || node->contains("type")) return {location};
  for (const char* combinator : {"oneOf", "anyOf"}) {
    auto it = node->find(combinator);
    if (it == node->end() || !it->is_array()) continue;
    std::vector<std::string> forms;
    for (size_t i = 0; i < it->size(); ++i) {
      for (auto& form : Forms(resolved + "/" + combinator + "/" + std::to_string(i))) forms.push_back(form);
    }
    return forms;
  }
  return {location};
}

namespace {

bool IsOfType(const PlainJson& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  return false;
}

bool SameKind(const OrderedJson& a, const PlainJson& b) {
  return a.type() == b.type() || (a.is_number() && b.is_number());
}

}  // namespace

bool MappingSchema::TypeFits(const std::string& form, const PlainJson& value) const {
  if (const OrderedJson* type = Keyword(form, "type")) {
    if (type->is_string()) return IsOfType(value, type->get<std::string>());
    for (const auto& t : *type) {
      if (t.is_string() && IsOfType(value, t.get<std::string>())) return true;
    }
    return false;
  }
  if (const OrderedJson* values = Keyword(form, "enum")) {
    for (const auto& v : *values) {
      if (SameKind(v, value)) return true;
    }
    return false;
  }
  if (const OrderedJson* constant = Keyword(form, "const")) return SameKind(*constant, value);
  return true;
}

std::optional<std::string> MappingSchema::MemberLocation(const std::string& form, const std::string& key) const {
  std::string resolved = Resolve(form);
  const OrderedJson* properties = Keyword(resolved, "properties");
  if (properties && properties->contains(key)) return resolved + "/properties/" + JsonLocator::Escape(key);
  const OrderedJson* additional = Keyword(resolved, "additionalProperties");
  if (additional && additional->is_object()) return resolved + "/additionalProperties";
  return std::nullopt;
}

std::optional<std::string> MappingSchema::ItemsLocation(const std::string& form) const {
  std::string resolved = Resolve(form);
  const OrderedJson* items = Keyword(resolved, "items");
  if (items && items->is_object()) return resolved + "/items";
  return std::nullopt;
}

}  // namespace sql2mongo
