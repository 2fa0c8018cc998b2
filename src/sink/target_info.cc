#include "sql2mongo/target_info.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace sql2mongo {
namespace {

std::vector<std::string> MissingSupport(const ValueSupport& s) {
  std::vector<std::string> missing;
  if (!s.decimal128) missing.push_back("Decimal128");
  if (!s.nan) missing.push_back("NaN");
  if (!s.nested_arrays) missing.push_back("nested arrays");
  if (!s.dotted_keys) missing.push_back("keys with '.'");
  if (!s.dollar_keys) missing.push_back("keys with a leading '$'");
  return missing;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out;
}

// Walks one document or array; `in_array` says whether `iter` runs over an array's elements.
std::optional<UnstorableValue> Walk(bson_iter_t* iter, const ValueSupport& s, const std::string& prefix, bool in_array) {
  while (bson_iter_next(iter)) {
    const char* key = bson_iter_key(iter);
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (!in_array) {
      if (!s.dotted_keys && std::strchr(key, '.'))
        return UnstorableValue{prefix.empty() ? "(top level)" : prefix, fmt::format("the key '{}' (it holds '.')", key)};
      if (!s.dollar_keys && key[0] == '$')
        return UnstorableValue{prefix.empty() ? "(top level)" : prefix, fmt::format("the key '{}' (it starts with '$')", key)};
    }
    switch (bson_iter_type(iter)) {
      case BSON_TYPE_DECIMAL128:
        if (!s.decimal128) return UnstorableValue{path, "Decimal128"};
        break;
      case BSON_TYPE_DOUBLE:
        if (!s.nan && std::isnan(bson_iter_double(iter))) return UnstorableValue{path, "NaN"};
        break;
      case BSON_TYPE_ARRAY:
      case BSON_TYPE_DOCUMENT: {
        bool is_array = BSON_ITER_HOLDS_ARRAY(iter);
        if (is_array && in_array && !s.nested_arrays) return UnstorableValue{path, "an array inside an array"};
        bson_iter_t child;
        if (bson_iter_recurse(iter, &child)) {
          if (auto found = Walk(&child, s, path, is_array)) return found;
        }
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string TargetInfo::Name() const {
  if (product == "files") return "file output";
  return version.empty() ? product : product + " " + version;
}

std::string TargetInfo::Missing() const { return Join(MissingSupport(supports)); }

std::string TargetInfo::Describe(const std::string& display_uri) const {
  std::string identity = Name();
  if (product != "files") {
    identity += " (";
    if (!reported_version.empty() && reported_version != version)
      identity += fmt::format("reports MongoDB {}, ", reported_version);
    identity += fmt::format("wire version {}, documents up to {} MiB)", max_wire_version,
                            max_document_bytes / (1024 * 1024));
  }
  std::vector<std::string> missing = MissingSupport(supports);
  std::string support = missing.empty() ? "stores every BSON value"
                                        : fmt::format("cannot store {} ({})", Join(missing), support_source);
  return fmt::format("target {}: {}, {}", display_uri, identity, support);
}

std::optional<UnstorableValue> FindUnstorableValue(const bson_t* document, const ValueSupport& supports) {
  bson_iter_t iter;
  if (supports.StoresEverything() || !bson_iter_init(&iter, document)) return std::nullopt;
  return Walk(&iter, supports, "", false);
}

}  // namespace sql2mongo
