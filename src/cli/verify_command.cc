// sql2mongo verify MAPPING.json: after a run, whether the target holds exactly the documents the source
// builds. Each collection is read from the target once (its _ids and digests kept), then the real
// pipeline builds every document `run` would write and each is compared as it is built. Exit 0 equal,
// 1 differences (or a source or target that failed), 2 bad usage or a bad mapping.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <tbb/global_control.h>

#include <optional>

#include "cli/commands.h"
#include "common/redact.h"
#include "common/uri.h"
#include "sink/mongo/target_reader.h"
#include "verify/collection_verifier.h"
#include "verify/verdict_report.h"

namespace sql2mongo {

void AddVerifyCommand(CLI::App& app, VerifyArguments* arguments) {
  CLI::App* verify = app.add_subcommand(
      "verify", "After a run: compare every document in the target with the one the source builds");
  AddJobOptions(verify, &arguments->job);
  verify->add_option("--sample", arguments->sample,
                     "Check only N documents chosen at random per collection (and the counts), for a quick look")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}));
  verify->add_flag("--json", arguments->json, "Differences and per-collection totals as JSON lines, for programs");
  verify->add_option("--collection", arguments->collection, "Only this collection");
  verify->add_option("--threads", arguments->job.threads,
                     "Threads, and key ranges each table is read in at once, as for run (default: one per core)")
      ->check(CLI::Range(1, 256));
}

int VerifyCommand(const VerifyArguments& arguments) {
  Result<Job> loaded = LoadJob(arguments.job, JobPart::kPlan);
  if (!loaded.ok()) return ReportFailure(loaded.status());
  Job& job = loaded.value();
  const std::string& target_uri = job.mapping.target_uri;
  if (target_uri.empty())
    return ReportFailure(Status::Error(StatusCode::kUsage, fmt::format("{}: no target; set \"target\" in the mapping or pass "
                                                                "--target mongodb://HOST:PORT/DB",
                                                                arguments.job.mapping_file)));
  std::string scheme = UriScheme(target_uri);
  if (scheme != "mongodb" && scheme != "mongodb+srv")
    return ReportFailure(Status::Error(StatusCode::kUsage,
                                fmt::format("target {}: verify reads the documents back from a MongoDB server; pass "
                                            "--target mongodb://HOST:PORT/DB",
                                            RedactUri(target_uri))));
  std::vector<const CollectionPlan*> collections;
  for (const CollectionPlan& collection : job.plan.collections)
    if (arguments.collection.empty() || collection.name == arguments.collection) collections.push_back(&collection);
  if (collections.empty())
    return ReportFailure(Status::Error(StatusCode::kUsage, fmt::format("{}: no collection '{}' in the mapping",
                                                                arguments.job.mapping_file, arguments.collection)));
  Result<TargetReader> target = TargetReader::Open(target_uri);
  if (!target.ok()) return ReportFailure(target.status());

  VerifyOptions options;
  options.sample = arguments.sample;
  options.read_partitions = job.readers;
  std::optional<tbb::global_control> thread_limit;
  if (arguments.job.threads > 0)
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(arguments.job.threads));
  spdlog::info("verifying {} against {}{}", target->DisplayName(), job.source->DisplayName(),
               arguments.sample > 0 ? fmt::format(" ({} sampled documents per collection)", arguments.sample) : "");
  std::vector<CollectionVerdict> verdicts;
  for (const CollectionPlan* collection : collections) {
    Result<CollectionVerdict> verdict = VerifyCollection(job.plan, *collection, *job.source, *target, options);
    if (!verdict.ok()) return ReportFailure(verdict.status());
    verdicts.push_back(std::move(verdict).value());
  }
  fmt::print("{}", arguments.json ? FormatVerdictJson(verdicts, target->DisplayName())
                                  : FormatVerdictText(verdicts, target->DisplayName()));
  std::fflush(stdout);
  return VerdictExitCode(verdicts);
}

}  // namespace sql2mongo
