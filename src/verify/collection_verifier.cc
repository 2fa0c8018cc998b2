#include "verify/collection_verifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "common/handles.h"
#include "sql2mongo/pipeline.h"
#include "verify/collection_comparison.h"
#include "verify/comparison_sink.h"
#include "verify/document_digest.h"
#include "verify/documents_by_key.h"

namespace sql2mongo {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Result<CollectionVerdict> VerifyEveryDocument(const Plan& plan, const CollectionPlan& collection, Source& source,
                                              TargetReader& target, const VerifyOptions& options) {
  auto start = std::chrono::steady_clock::now();
  CollectionVerdict verdict;
  std::optional<std::string> not_by_key = WhyNotByKey(collection);
  StoredIndex index(not_by_key ? StoredIndex::MatchBy::kContent : StoredIndex::MatchBy::kId);
  if (not_by_key) verdict.notes.push_back("documents are paired by their content, not by _id: " + *not_by_key);
  S2M_RETURN_IF_ERROR(target.ForEach(collection.name, [&](const bson_t* stored) { index.Add(stored); }));
  verdict.target_seconds = SecondsSince(start);
  spdlog::info("collection {}: read {} stored documents in {:.2f} s ({:.1f} MB kept to compare)", collection.name,
               index.size(), verdict.target_seconds, index.MemoryBytes() / 1e6);

  CollectionComparison comparison(collection.name, std::move(index), /*only_indexed=*/false);
  ComparisonSink sink(target.DisplayName(), comparison);
  Plan one = plan;  // RunPlan runs every collection of a plan; this one only
  one.collections = {collection};
  RunOptions run;
  run.batch_size = options.batch_size;
  run.writers = options.writers;
  run.read_partitions = options.read_partitions;
  // The rows `run` rejects are counted and their first reasons logged; the list itself is `run`'s to keep.
  run.rejects_file = "/dev/null";
  RunSummary summary = RunPlan(one, source, sink, run);
  if (!summary.failure.ok()) return summary.failure;
  if (!summary.collections.empty()) verdict.rejected = summary.collections.front().rejected;
  S2M_RETURN_IF_ERROR(comparison.Conclude(target, &verdict));
  verdict.seconds = SecondsSince(start);
  return verdict;
}

Result<CollectionVerdict> VerifySample(const CollectionPlan& collection, Source& source, TargetReader& target,
                                       const VerifyOptions& options) {
  auto start = std::chrono::steady_clock::now();
  CollectionVerdict verdict;
  verdict.collection = collection.name;
  verdict.sampled = true;
  StoredIndex index(StoredIndex::MatchBy::kId);
  std::vector<BsonPtr> ids;
  std::optional<int64_t> scanned;
  if (!WhyNotByKey(collection)) {
    S2M_RETURN_IF_ERROR(target.ForEachSampled(
        collection.name, options.sample,
        [&](const bson_t* stored) {
          index.Add(stored);
          BsonPtr id(bson_new());
          if (IdDocument(stored, id.get())) ids.push_back(std::move(id));
        },
        &scanned));
  }
  // The counts too: a sample of the stored documents cannot see the ones that are not there.
  if (!scanned) {
    S2M_ASSIGN_OR_RETURN(scanned, target.Count(collection.name));
  }
  verdict.target_seconds = SecondsSince(start);
  verdict.stored_total = static_cast<uint64_t>(*scanned);
  S2M_ASSIGN_OR_RETURN(verdict.source_rows, CountRootRows(collection, source));
  if (verdict.stored_total != verdict.source_rows) {
    verdict.count_mismatch = 1;
    verdict.shown.push_back(Difference{
        DifferenceKind::kCount, "", "",
        fmt::format("the target holds {} documents; the source has {} rows for this collection (rows `run` rejects "
                    "count here too)",
                    verdict.stored_total, verdict.source_rows)});
  }
  if (auto why = WhyNotByKey(collection)) {
    verdict.notes.push_back("counts only: " + *why);
    verdict.seconds = SecondsSince(start);
    return verdict;
  }

  CollectionComparison comparison(collection.name, std::move(index), /*only_indexed=*/true);
  std::vector<const bson_t*> id_pointers;
  for (const auto& id : ids) id_pointers.push_back(id.get());
  S2M_RETURN_IF_ERROR(BuildDocumentsWithIds(
      collection, source, id_pointers, [&](const bson_t* expected) { comparison.Check(expected); }, &verdict.rejected));
  S2M_RETURN_IF_ERROR(comparison.Conclude(target, &verdict));
  verdict.seconds = SecondsSince(start);
  return verdict;
}

}  // namespace

Result<CollectionVerdict> VerifyCollection(const Plan& plan, const CollectionPlan& collection, Source& source,
                                           TargetReader& target, const VerifyOptions& options) {
  Result<CollectionVerdict> verdict = options.sample > 0 ? VerifySample(collection, source, target, options)
                                                         : VerifyEveryDocument(plan, collection, source, target, options);
  if (!verdict.ok()) return verdict.status().WithContext(fmt::format("verifying collection '{}'", collection.name));
  return verdict;
}

}  // namespace sql2mongo
