#include "cli/swap_verification.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "sink/mongo/target_reader.h"
#include "verify/collection_verifier.h"

namespace sql2mongo {

std::function<Status()> VerifyBeforeSwap(Job& job, const std::string& target_uri) {
  bool any = false;
  for (const CollectionPlan& collection : job.plan.collections) any = any || collection.swap;
  if (!any) return {};
  return [&job, target_uri]() -> Status {
    Result<TargetReader> target = TargetReader::Open(target_uri);
    if (!target.ok()) return target.status().WithContext("verifying before the swap");
    VerifyOptions options;
    options.read_partitions = job.readers;
    for (const CollectionPlan& collection : job.plan.collections) {
      if (!collection.swap) continue;
      CollectionPlan staged = collection;
      staged.name = job.sink->WrittenCollection(collection.name);
      spdlog::info("collection {}: verifying {} against the source before it goes live", collection.name, staged.name);
      Result<CollectionVerdict> verdict = VerifyCollection(job.plan, staged, *job.source, *target, options);
      if (!verdict.ok())
        return verdict.status().WithContext(fmt::format("verifying collection '{}' before the swap; the live one is as it was",
                                                        collection.name));
      if (verdict->Differences() == 0) {
        spdlog::info("collection {}: {} holds every document the source builds ({}), and nothing else; swapping it in",
                     collection.name, staged.name, verdict->equal);
        continue;
      }
      std::string first;
      for (size_t i = 0; i < verdict->shown.size() && i < 3; ++i) first += "; " + verdict->shown[i].message;
      return Status::Error(
          StatusCode::kTargetError,
          fmt::format("collection '{}': verify found {} differences between {} and the source ({} missing, {} extra, {} "
                      "changed, {} duplicate){}. Not swapped in: the live collection is as it was, and {} is kept for "
                      "a look until the next run (sql2mongo verify compares the live one)",
                      collection.name, verdict->Differences(), staged.name, verdict->missing, verdict->extra,
                      verdict->changed, verdict->duplicate, first, staged.name));
    }
    return Status::Ok();
  };
}

}  // namespace sql2mongo
