#include "common/relaxed_json.h"

#include <charconv>
#include <cmath>

#include "common/handles.h"

namespace sql2mongo {
namespace {

bool HasDouble(bson_iter_t* iter) {
  while (bson_iter_next(iter)) {
    if (BSON_ITER_HOLDS_DOUBLE(iter)) return true;
    if (BSON_ITER_HOLDS_DOCUMENT(iter) || BSON_ITER_HOLDS_ARRAY(iter)) {
      bson_iter_t child;
      if (bson_iter_recurse(iter, &child) && HasDouble(&child)) return true;
    }
  }
  return false;
}

// One value as libbson writes it: the element copied into {"v": value}, printed, the wrapper cut off.
// Only for values that are neither documents, arrays nor doubles, so the cut is at a known place.
void AppendLibbsonValue(const bson_iter_t* iter, std::string* out) {
  bson_t wrapper;
  bson_init(&wrapper);
  bson_append_iter(&wrapper, "v", 1, iter);
  size_t length = 0;
  BsonString json(bson_as_relaxed_extended_json(&wrapper, &length));
  bson_destroy(&wrapper);
  static constexpr size_t kPrefix = sizeof("{ \"v\" : ") - 1, kSuffix = sizeof(" }") - 1;
  if (json && length >= kPrefix + kSuffix) out->append(json.get() + kPrefix, length - kPrefix - kSuffix);
}

void AppendDouble(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("{ \"$numberDouble\" : \"NaN\" }");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "{ \"$numberDouble\" : \"Infinity\" }" : "{ \"$numberDouble\" : \"-Infinity\" }");
  } else {
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
    std::string text(buffer, end);
    // Keep it a double for readers: "1" would read back as an integer.
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    out->append(text);
  }
}

void AppendContainer(bson_iter_t* iter, bool is_array, std::string* out);

void AppendValue(bson_iter_t* iter, std::string* out) {
  if (BSON_ITER_HOLDS_DOUBLE(iter)) {
    AppendDouble(bson_iter_double(iter), out);
  } else if (BSON_ITER_HOLDS_DOCUMENT(iter) || BSON_ITER_HOLDS_ARRAY(iter)) {
    bson_iter_t child;
    bool is_array = BSON_ITER_HOLDS_ARRAY(iter);
    if (bson_iter_recurse(iter, &child)) AppendContainer(&child, is_array, out);
  } else {
    AppendLibbsonValue(iter, out);
  }
}

// libbson's layout: "{ "a" : 1, "b" : 2 }", "[ 1, 2 ]", and "{  }" / "[  ]" (two blanks) when empty.
void AppendContainer(bson_iter_t* iter, bool is_array, std::string* out) {
  out->append(is_array ? "[ " : "{ ");
  bool first = true;
  while (bson_iter_next(iter)) {
    if (!first) out->append(", ");
    first = false;
    if (!is_array) {
      BsonString key(bson_utf8_escape_for_json(bson_iter_key(iter), -1));
      out->append("\"").append(key ? key.get() : "").append("\" : ");
    }
    AppendValue(iter, out);
  }
  out->append(is_array ? " ]" : " }");
}

}  // namespace

std::string RelaxedJsonWalked(const bson_t* doc) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) return "";
  std::string out;
  out.reserve(doc->len * 2);
  AppendContainer(&iter, false, &out);
  return out;
}

std::string RelaxedJson(const bson_t* doc) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, doc)) return "";
  if (HasDouble(&iter)) return RelaxedJsonWalked(doc);
  size_t length = 0;
  BsonString json(bson_as_relaxed_extended_json(doc, &length));
  return json ? std::string(json.get(), length) : "";
}

}  // namespace sql2mongo
