#include "cli/swap_verification.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "sink/mongo/target_reader.h"
#include "verify/collection_verifier.h"
#include "verify/document_digest.h"

namespace sql2mongo {
namespace {

// verify's comparison against the source, for a staging collection that is not what the run wrote (or
// whose earlier part an interrupted run wrote): it reads the source again, in a snapshot of its own.
Status CompareWithTheSource(Job& job, const CollectionPlan& collection, const CollectionPlan& staged,
                            TargetReader& target, const std::string& why) {
  VerifyOptions options;
  options.read_partitions = job.readers;
  spdlog::info("collection {}: verifying {} against the source before it goes live ({})", collection.name, staged.name,
               why);
  Result<CollectionVerdict> verdict = VerifyCollection(job.plan, staged, *job.source, target, options);
  if (!verdict.ok())
    return verdict.status().WithContext(
        fmt::format("verifying collection '{}' before the swap; the live one is as it was", collection.name));
  if (verdict->Differences() == 0) {
    spdlog::info("collection {}: {} holds every document the source builds ({}), and nothing else; swapping it in",
                 collection.name, staged.name, verdict->equal);
    return Status::Ok();
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

const CollectionCounters* CountersOf(const std::vector<CollectionCounters>& counters, const std::string& name) {
  for (const CollectionCounters& c : counters)
    if (c.collection == name) return &c;
  return nullptr;
}

}  // namespace

std::function<Status(const std::vector<CollectionCounters>&)> VerifyBeforeSwap(Job& job, const std::string& target_uri,
                                                                               bool resumed) {
  bool any = false;
  for (const CollectionPlan& collection : job.plan.collections) any = any || collection.swap;
  if (!any) return {};
  return [&job, target_uri, resumed](const std::vector<CollectionCounters>& counters) -> Status {
    Result<TargetReader> target = TargetReader::Open(target_uri);
    if (!target.ok()) return target.status().WithContext("verifying before the swap");
    for (const CollectionPlan& collection : job.plan.collections) {
      if (!collection.swap) continue;
      CollectionPlan staged = collection;
      staged.name = job.sink->WrittenCollection(collection.name);
      const CollectionCounters* written = CountersOf(counters, collection.name);
      // Rejected root rows or documents are documents the staging collection lacks (rejected rows of
      // embedded tables, orphans, belong to no document: they do not).
      const uint64_t lacking = written ? written->rejected - written->rejected_rows : 0;
      if (lacking > 0)
        return Status::Error(StatusCode::kTargetError,
                             fmt::format("collection '{}': {} of its documents were rejected (see the rejects file), so "
                                         "{} lacks them. Not swapped in: the live collection is as it was; fix the "
                                         "rejects' causes and run again",
                                         collection.name, lacking, staged.name));
      if (resumed || !written) {
        S2M_RETURN_IF_ERROR(CompareWithTheSource(job, collection, staged, *target,
                                                 "an interrupted run wrote part of it"));
        continue;
      }
      // Read back, every document counted and digested as the run digested what it sent: equal means
      // the collection holds exactly what this run built, in this run's snapshot. Rows the source
      // changed since do not count against it, as they would in a second read of the source.
      uint64_t stored = 0, digest = 0;
      auto started = std::chrono::steady_clock::now();
      S2M_RETURN_IF_ERROR(target->ForEach(staged.name, [&](const bson_t* doc) {
        ++stored;
        digest += DocumentDigest(doc);
      }).WithContext(fmt::format("reading back {} before the swap; the live collection is as it was", staged.name)));
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (stored == written->documents_written && digest == written->written_digest) {
        spdlog::info("collection {}: {} holds exactly the {} documents this run wrote, byte for byte (read back in "
                     "{:.2f} s); swapping it in",
                     collection.name, staged.name, stored, seconds);
        continue;
      }
      spdlog::warn("collection {}: {} holds {} documents (digest {:016x}), not the {} this run wrote (digest {:016x})",
                   collection.name, staged.name, stored, digest, written->documents_written, written->written_digest);
      std::string what = fmt::format("{} holds {} documents, not the {} this run wrote, or not as written (another "
                                     "writer, or the server changed them)",
                                     staged.name, stored, written->documents_written);
      Status compared = CompareWithTheSource(job, collection, staged, *target, "to name what differs");
      if (!compared.ok()) return Status::Error(compared.code(), what + "; " + compared.message());
      return Status::Error(StatusCode::kTargetError,
                           fmt::format("collection '{}': {}, although a new read of the source matches it. Not swapped "
                                       "in: the live collection is as it was, and {} is kept for a look until the next "
                                       "run",
                                       collection.name, what, staged.name));
    }
    return Status::Ok();
  };
}

}  // namespace sql2mongo
