#include "verify/document_difference.h"

#include <fmt/format.h>

#include <cstring>

#include "common/handles.h"
#include "common/relaxed_json.h"

namespace sql2mongo {
namespace {

// Values longer than this are cut in messages: a changed 2 KB text needs only its start to be found.
constexpr size_t kShownValueChars = 60;

// The $jsonSchema name of the element's BSON type, as users meet them in MongoDB's tools.
const char* TypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_UTF8: return "string";
    case BSON_TYPE_DOCUMENT: return "object";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_BINARY: return "binData";
    case BSON_TYPE_OID: return "objectId";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "date";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_REGEX: return "regex";
    case BSON_TYPE_INT32: return "int";
    case BSON_TYPE_TIMESTAMP: return "timestamp";
    case BSON_TYPE_INT64: return "long";
    case BSON_TYPE_DECIMAL128: return "decimal";
    default: return "other";
  }
}

// The element's value alone, {"v": value}: equal bytes for equal values of one type.
void WrapValue(const bson_iter_t* element, bson_t* out) { bson_append_iter(out, "v", 1, element); }

// The value as relaxed Extended JSON ("3.98", "\"Lisbon\"", "{\"$date\": ...}"), cut to a readable length.
std::string ShowValue(const bson_iter_t* element) {
  ScopedBson wrapped;
  WrapValue(element, wrapped.get());
  std::string json = RelaxedJson(wrapped.get());  // {"v" : VALUE }
  size_t colon = json.find(':');
  size_t end = json.rfind('}');
  std::string value = colon == std::string::npos || end == std::string::npos || end <= colon
                          ? json
                          : json.substr(colon + 1, end - colon - 1);
  size_t first = value.find_first_not_of(' ');
  size_t last = value.find_last_not_of(' ');
  value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
  if (value.size() > kShownValueChars) value = value.substr(0, kShownValueChars) + "...";
  return value;
}

uint32_t CountElements(const bson_iter_t* array) {
  bson_iter_t child;
  uint32_t count = 0;
  if (bson_iter_recurse(array, &child))
    while (bson_iter_next(&child)) ++count;
  return count;
}

std::string Join(const std::string& prefix, const char* key) { return prefix.empty() ? key : prefix + "." + key; }

bool HasKey(bson_iter_t from, const char* key) {  // by value: the caller's position stays
  while (bson_iter_next(&from))
    if (std::strcmp(bson_iter_key(&from), key) == 0) return true;
  return false;
}

std::optional<FieldDifference> Walk(bson_iter_t expected, bson_iter_t stored, const std::string& prefix) {
  while (true) {
    bool has_expected = bson_iter_next(&expected);
    bool has_stored = bson_iter_next(&stored);
    if (!has_expected && !has_stored) return std::nullopt;
    if (!has_stored) {
      std::string path = Join(prefix, bson_iter_key(&expected));
      return FieldDifference{path, fmt::format("{}: not stored, expected {}", path, ShowValue(&expected))};
    }
    if (!has_expected) {
      std::string path = Join(prefix, bson_iter_key(&stored));
      return FieldDifference{path, fmt::format("{}: stored {}, not expected", path, ShowValue(&stored))};
    }
    const char* expected_key = bson_iter_key(&expected);
    const char* stored_key = bson_iter_key(&stored);
    if (std::strcmp(expected_key, stored_key) != 0) {
      std::string path = Join(prefix, expected_key);
      // The same keys in another order hold the same data for most readers, but not the same bytes.
      if (HasKey(stored, expected_key))
        return FieldDifference{path, fmt::format("{}: stored after '{}', expected before it", path, stored_key)};
      return FieldDifference{path, fmt::format("{}: not stored (expected {}); '{}' is stored in its place", path,
                                               ShowValue(&expected), Join(prefix, stored_key))};
    }
    std::string path = Join(prefix, expected_key);
    bson_type_t expected_type = bson_iter_type(&expected);
    bson_type_t stored_type = bson_iter_type(&stored);
    if (expected_type != stored_type)
      return FieldDifference{path, fmt::format("{}: stored {} {}, expected {} {}", path, TypeName(stored_type),
                                               ShowValue(&stored), TypeName(expected_type), ShowValue(&expected))};
    if (expected_type == BSON_TYPE_ARRAY) {
      uint32_t expected_length = CountElements(&expected);
      uint32_t stored_length = CountElements(&stored);
      if (expected_length != stored_length)
        return FieldDifference{path, fmt::format("{}: {} element{} stored, {} expected", path, stored_length,
                                                 stored_length == 1 ? "" : "s", expected_length)};
    }
    if (expected_type == BSON_TYPE_ARRAY || expected_type == BSON_TYPE_DOCUMENT) {
      bson_iter_t expected_child, stored_child;
      if (bson_iter_recurse(&expected, &expected_child) && bson_iter_recurse(&stored, &stored_child)) {
        if (auto inner = Walk(expected_child, stored_child, path)) return inner;
      }
      continue;
    }
    ScopedBson expected_value, stored_value;
    WrapValue(&expected, expected_value.get());
    WrapValue(&stored, stored_value.get());
    if (!bson_equal(expected_value.get(), stored_value.get()))
      return FieldDifference{path, fmt::format("{}: stored {}, expected {}", path, ShowValue(&stored),
                                               ShowValue(&expected))};
  }
}

}  // namespace

std::optional<FieldDifference> FirstDifference(const bson_t* expected, const bson_t* stored) {
  bson_iter_t expected_iter, stored_iter;
  if (!bson_iter_init(&expected_iter, expected) || !bson_iter_init(&stored_iter, stored))
    return FieldDifference{"", "a document is not valid BSON"};
  return Walk(expected_iter, stored_iter, "");
}

}  // namespace sql2mongo
