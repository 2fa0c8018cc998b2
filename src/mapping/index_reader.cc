#include "mapping/index_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sql2mongo {

std::vector<IndexSpec> ReadIndexes(const nlohmann::ordered_json& collection, const std::string& pointer) {
  std::vector<IndexSpec> indexes;
  if (!collection.contains("indexes")) return indexes;
  const auto& list = collection["indexes"];
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& spec = list[i];
    IndexSpec index;
    index.pointer = fmt::format("{}/indexes/{}", pointer, i);
    for (auto key = spec["keys"].begin(); key != spec["keys"].end(); ++key)
      index.keys.emplace_back(key.key(), key->is_string() ? key->get<std::string>() : std::to_string(key->get<int>()));
    index.name = spec.value("name", "");
    index.unique = spec.value("unique", false);
    index.sparse = spec.value("sparse", false);
    if (spec.contains("partial")) index.partial_json = spec["partial"].dump();
    if (spec.contains("ttl")) index.ttl_seconds = spec["ttl"].get<int32_t>();
    if (spec.contains("collation")) index.collation_json = spec["collation"].dump();
    indexes.push_back(std::move(index));
  }
  return indexes;
}

std::optional<Validation> ReadValidation(const nlohmann::ordered_json& object) {
  if (!object.contains("validate")) return std::nullopt;
  const std::string level = object["validate"].get<std::string>();  // one of the schema's
  if (level == "strict") return Validation::kStrict;
  if (level == "moderate") return Validation::kModerate;
  return Validation::kOff;
}

std::string IndexSpec::DefaultName() const {
  std::string name;
  for (const auto& [path, kind] : keys) name += fmt::format("{}{}_{}", name.empty() ? "" : "_", path, kind);
  return name;
}

std::string IndexSpec::DescribeOptions() const {
  std::vector<std::string> options;
  if (unique) options.push_back("unique");
  if (sparse) options.push_back("sparse");
  if (!partial_json.empty()) options.push_back("partial " + partial_json);
  if (ttl_seconds) options.push_back(fmt::format("ttl {} s", *ttl_seconds));
  if (!collation_json.empty()) options.push_back("collation " + collation_json);
  if (for_reference) options.push_back("for a reference");
  return fmt::format("{}", fmt::join(options, ", "));
}

const char* ValidationName(Validation validation) {
  switch (validation) {
    case Validation::kStrict: return "strict";
    case Validation::kModerate: return "moderate";
    case Validation::kOff: break;
  }
  return "off";
}

}  // namespace sql2mongo
