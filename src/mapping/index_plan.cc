#include "mapping/index_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "common/edit_distance.h"
#include "mapping/json_locator.h"

namespace sql2mongo {
namespace {

// Every path a key may name: each field and every sub-document or array on the way to one
// ("invoices" and "invoices.lines.price" for a price in lines in invoices).
std::set<std::string> IndexablePaths(const CollectionPlan& collection) {
  std::set<std::string> paths{"_id"};
  if (!collection.version_field.empty()) paths.insert(collection.version_field);
  for (const PlannedField& field : FieldsOf(collection.table)) {
    for (size_t dot = field.path.find('.'); dot != std::string::npos; dot = field.path.find('.', dot + 1))
      paths.insert(field.path.substr(0, dot));
    paths.insert(field.path);
  }
  return paths;
}

// The reference fields of a collection or embed's rows, as document paths: a composite reference's
// sub-document has no column of its own, so the mapping says where references are, not the plan.
void CollectReferences(const std::vector<FieldSpec>& fields, const std::vector<EmbedSpec>& embeds,
                       const std::string& prefix, const std::string& pointer,
                       std::vector<std::pair<std::string, std::string>>* out) {
  for (const FieldSpec& field : fields)
    if (!field.ref.empty() && field.ref_index)
      out->emplace_back(prefix + field.path, pointer + "/fields/" + JsonLocator::Escape(field.path));
  for (const EmbedSpec& embed : embeds)
    CollectReferences(embed.fields, embed.embeds, prefix + embed.path + ".",
                      pointer + "/embed/" + JsonLocator::Escape(embed.path), out);
}

}  // namespace

Status ResolveIndexes(const Mapping& mapping, const CollectionSpec& spec, CollectionPlan* collection) {
  collection->validate = spec.validate.value_or(mapping.validate);
  auto error = [&](const std::string& pointer, const std::string& message, bool at_key) {
    TextPosition at = !mapping.locator ? TextPosition{}
                      : at_key         ? mapping.locator->KeyAt(pointer)
                                       : mapping.locator->ValueAt(pointer);
    return Status::Error(StatusCode::kMappingError,
                         fmt::format("{}:{}:{}: {}", mapping.file, at.line, at.column, message));
  };
  std::set<std::string> paths = IndexablePaths(*collection);
  std::vector<std::string> candidates(paths.begin(), paths.end());
  std::set<std::string> names;
  std::set<std::string> first_keys;  // a reference indexed first by one of these needs no index of its own
  for (IndexSpec index : spec.indexes) {
    for (const auto& [path, kind] : index.keys) {
      if (paths.count(path)) continue;
      std::string nearest = ClosestName(path, candidates);
      return error(index.pointer + "/keys/" + JsonLocator::Escape(path),
                   fmt::format("index key '{}' names no field of the documents of collection '{}'{}", path,
                               spec.name,
                               nearest.empty() ? fmt::format(" (its fields: {})", fmt::join(candidates, ", "))
                                               : fmt::format("; the nearest field is '{}'", nearest)),
                   /*at_key=*/true);
    }
    if (index.ttl_seconds && index.keys.size() != 1)
      return error(index.pointer + "/ttl",
                   "\"ttl\" needs an index of one key, the date field documents expire by (MongoDB refuses a "
                   "TTL on a compound index)", false);
    if (index.name.empty()) index.name = index.DefaultName();
    if (!names.insert(index.name).second)
      return error(index.pointer, fmt::format("two indexes of collection '{}' are named '{}'; give one a \"name\"",
                                              spec.name, index.name), false);
    first_keys.insert(index.keys.front().first);
    collection->indexes.push_back(std::move(index));
  }
  std::vector<std::pair<std::string, std::string>> references;
  CollectReferences(spec.fields, spec.embeds, "", spec.pointer, &references);
  for (const auto& [path, pointer] : references) {
    if (first_keys.count(path)) continue;
    IndexSpec index;
    index.keys = {{path, "1"}};
    index.name = index.DefaultName();
    index.for_reference = true;
    index.pointer = pointer;
    if (!names.insert(index.name).second) continue;
    first_keys.insert(path);
    collection->indexes.push_back(std::move(index));
  }
  return Status::Ok();
}

}  // namespace sql2mongo
