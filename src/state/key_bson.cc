#include "state/key_bson.h"

#include <fmt/format.h>

#include <cstring>
#include <optional>
#include <string>

namespace sql2mongo {
namespace {

struct KeyPartWriter {
  bson_t* part;
  void operator()(const Null&) const {
    BSON_APPEND_UTF8(part, "t", "null");
    BSON_APPEND_NULL(part, "v");
  }
  void operator()(bool v) const {
    BSON_APPEND_UTF8(part, "t", "bool");
    BSON_APPEND_BOOL(part, "v", v);
  }
  void operator()(int32_t v) const {
    BSON_APPEND_UTF8(part, "t", "int32");
    BSON_APPEND_INT32(part, "v", v);
  }
  void operator()(int64_t v) const {
    BSON_APPEND_UTF8(part, "t", "int64");
    BSON_APPEND_INT64(part, "v", v);
  }
  void operator()(double v) const {
    BSON_APPEND_UTF8(part, "t", "double");
    BSON_APPEND_DOUBLE(part, "v", v);
  }
  void operator()(const Decimal& v) const {
    BSON_APPEND_UTF8(part, "t", "decimal");
    BSON_APPEND_UTF8(part, "v", v.digits.c_str());
  }
  void operator()(const std::string& v) const {
    BSON_APPEND_UTF8(part, "t", "string");
    bson_append_utf8(part, "v", 1, v.data(), static_cast<int>(v.size()));
  }
  void operator()(const Binary& v) const {
    BSON_APPEND_UTF8(part, "t", "binary");
    BSON_APPEND_INT32(part, "s", v.subtype);
    bson_append_binary(part, "v", 1, BSON_SUBTYPE_BINARY, v.bytes.data(), static_cast<uint32_t>(v.bytes.size()));
  }
  void operator()(const DateTime& v) const {
    BSON_APPEND_UTF8(part, "t", "datetime");
    BSON_APPEND_DATE_TIME(part, "v", v.millis);
  }
  void operator()(const RawBson& v) const {
    // Keys come from primary key columns, which are never documents or arrays; keep the bytes anyway.
    BSON_APPEND_UTF8(part, "t", v.is_array ? "raw_array" : "raw_document");
    bson_append_binary(part, "v", 1, BSON_SUBTYPE_BINARY, v.bytes.data(), static_cast<uint32_t>(v.bytes.size()));
  }
};

Status Malformed(const char* field, const std::string& what) {
  return Status::Error(StatusCode::kInternal,
                       fmt::format("job state: '{}' is not a key written by sql2mongo ({})", field, what));
}

}  // namespace

void AppendKey(bson_t* parent, const char* field, const std::vector<Value>& key) {
  bson_t array;
  bson_append_array_begin(parent, field, -1, &array);
  for (size_t i = 0; i < key.size(); ++i) {
    std::string index = std::to_string(i);
    bson_t part;
    bson_append_document_begin(&array, index.c_str(), static_cast<int>(index.size()), &part);
    std::visit(KeyPartWriter{&part}, key[i]);
    bson_append_document_end(&array, &part);
  }
  bson_append_array_end(parent, &array);
}

Result<std::vector<Value>> ReadKey(const bson_iter_t& iter, const char* field) {
  std::vector<Value> key;
  if (!BSON_ITER_HOLDS_ARRAY(&iter)) return Malformed(field, "not an array");
  bson_iter_t parts;
  if (!bson_iter_recurse(&iter, &parts)) return Malformed(field, "unreadable array");
  while (bson_iter_next(&parts)) {
    bson_iter_t part;
    if (!BSON_ITER_HOLDS_DOCUMENT(&parts) || !bson_iter_recurse(&parts, &part)) return Malformed(field, "a part is not a document");
    std::string type;
    int32_t subtype = 0;
    std::optional<bson_iter_t> value;
    while (bson_iter_next(&part)) {
      const char* name = bson_iter_key(&part);
      if (std::strcmp(name, "t") == 0 && BSON_ITER_HOLDS_UTF8(&part)) type = bson_iter_utf8(&part, nullptr);
      else if (std::strcmp(name, "s") == 0) subtype = static_cast<int32_t>(bson_iter_as_int64(&part));
      else if (std::strcmp(name, "v") == 0) value = part;
    }
    if (!value) return Malformed(field, "a part has no value");
    bson_iter_t& v = *value;
    if (type == "null") key.emplace_back(Null{});
    else if (type == "bool" && BSON_ITER_HOLDS_BOOL(&v)) key.emplace_back(bson_iter_bool(&v));
    else if (type == "int32" && BSON_ITER_HOLDS_INT32(&v)) key.emplace_back(bson_iter_int32(&v));
    else if (type == "int64" && BSON_ITER_HOLDS_INT64(&v)) key.emplace_back(bson_iter_int64(&v));
    else if (type == "double" && BSON_ITER_HOLDS_DOUBLE(&v)) key.emplace_back(bson_iter_double(&v));
    else if (type == "decimal" && BSON_ITER_HOLDS_UTF8(&v)) key.emplace_back(Decimal{bson_iter_utf8(&v, nullptr)});
    else if (type == "string" && BSON_ITER_HOLDS_UTF8(&v)) {
      uint32_t length = 0;
      const char* text = bson_iter_utf8(&v, &length);
      key.emplace_back(std::string(text, length));
    } else if (type == "datetime" && BSON_ITER_HOLDS_DATE_TIME(&v)) {
      key.emplace_back(DateTime{bson_iter_date_time(&v)});
    } else if ((type == "binary" || type == "raw_array" || type == "raw_document") && BSON_ITER_HOLDS_BINARY(&v)) {
      bson_subtype_t stored;
      uint32_t length = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(&v, &stored, &length, &data);
      std::vector<uint8_t> bytes(data, data + length);
      if (type == "binary") key.emplace_back(Binary{std::move(bytes), static_cast<uint8_t>(subtype)});
      else key.emplace_back(RawBson{std::move(bytes), type == "raw_array"});
    } else {
      return Malformed(field, fmt::format("type '{}' with a value of BSON type {}", type, static_cast<int>(bson_iter_type(&v))));
    }
  }
  return key;
}

}  // namespace sql2mongo
