#include "cli/upgrade_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "diff/mapping_diff.h"

namespace sql2mongo {

Status PlanUpgrade(const std::string& old_file, const Mapping& new_mapping, Plan* plan) {
  if (!new_mapping.schema_version || new_mapping.schema_version_field.empty())
    return Status::Error(StatusCode::kUsage,
                         fmt::format("{}: --upgrade brings documents to this mapping's \"schema_version\", and it has "
                                     "none{}: give it \"schema_version\": N (greater than {}'s)",
                                     new_mapping.file, new_mapping.schema_version ? " written (\"schema_version_field\": false)" : "",
                                     old_file));
  Result<Mapping> old_mapping = ParseMappingFile(old_file);
  if (!old_mapping.ok()) return old_mapping.status().WithContext("--upgrade");
  MappingDiff diff = DiffMappings(old_mapping.value(), new_mapping);
  for (const std::string& warning : diff.warnings) spdlog::warn("--upgrade: {}", warning);
  if (diff.old_version && *diff.old_version >= *new_mapping.schema_version)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("--upgrade: {} is schema_version {} and {} is {}: the new version must be greater, "
                                     "or documents of both would look alike", old_file, *diff.old_version,
                                     new_mapping.file, *new_mapping.schema_version));
  std::vector<CollectionPlan> kept;
  for (CollectionPlan& collection : plan->collections) {
    const CollectionDiff* changed = nullptr;
    for (const CollectionDiff& c : diff.collections)
      if (c.name == collection.name) changed = &c;
    UpgradeWay way = changed ? changed->way : UpgradeWay::kNone;
    switch (way) {
      case UpgradeWay::kNone:
        if (changed && !changed->setup_changes.empty())
          spdlog::warn("collection {}: the same documents in both versions, so not part of the upgrade; its setup "
                       "changes ({}) are made by a run of {} without --upgrade",
                       collection.name, fmt::join(changed->setup_changes, "; "), new_mapping.file);
        else
          spdlog::info("collection {}: the same documents in both versions; not part of the upgrade", collection.name);
        continue;
      case UpgradeWay::kReload:
        return Status::Error(StatusCode::kUsage,
                             fmt::format("collection '{}' cannot be upgraded in place ({}): load it again, with \"drop\": "
                                         "true or \"cutover\": \"swap\" on it, in a run of its own without --upgrade",
                                         collection.name, changed->reload_reason));
      case UpgradeWay::kLoad:
        spdlog::info("collection {}: new in {}, loaded whole (mode replace)", collection.name, new_mapping.file);
        collection.write_mode = WriteMode{};
        collection.write_mode.kind = WriteModeKind::kReplace;
        break;
      case UpgradeWay::kDrop:  // not in NEW's plan: never reached
        break;
      case UpgradeWay::kInPlace: {
        // The mapping's full-load cut-over is for a reload; an upgrade changes the live documents where
        // they are, which is what keeps both versions readable while it runs.
        if (collection.swap || collection.drop)
          spdlog::info("collection {}: --upgrade writes into the live collection; its {} is for full loads and is "
                       "not used", collection.name, collection.swap ? "\"cutover\": \"swap\"" : "\"drop\": true");
        collection.swap = false;
        collection.drop = false;
        VersionUpgrade upgrade{collection.version_field, collection.schema_version, changed->unset_fields};
        collection.write_mode.kind = WriteModeKind::kMerge;
        collection.write_mode.upgrade = upgrade;
        spdlog::info("collection {}: documents below schema_version {} get {}{}; those at it already are left as they "
                     "are", collection.name, collection.schema_version, fmt::join(changed->set_fields, ", "),
                     changed->unset_fields.empty() ? "" : fmt::format(" and lose {}", fmt::join(changed->unset_fields, ", ")));
        break;
      }
    }
    kept.push_back(std::move(collection));
  }
  for (const CollectionDiff& c : diff.collections)
    if (c.way == UpgradeWay::kDrop)
      spdlog::warn("collection {}: {} no longer builds it; its documents stay until you drop it", c.name, new_mapping.file);
  plan->collections = std::move(kept);
  if (plan->collections.empty())
    spdlog::info("--upgrade: {} and {} build the same documents: nothing to upgrade", old_file, new_mapping.file);
  return Status::Ok();
}

}  // namespace sql2mongo
