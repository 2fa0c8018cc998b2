// sql2mongo run MAPPING.json: the whole job, from the source's rows to documents in the target.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <tbb/global_control.h>

#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include "common/redact.h"
#include "pipeline/summary.h"
#include "sql2mongo/mapping.h"
#include "sql2mongo/pipeline.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/target_check.h"

namespace sql2mongo {

void AddRunCommand(CLI::App& app, RunArguments* arguments) {
  CLI::App* run = app.add_subcommand("run", "Migrate: read the source, build documents, write them to the target");
  AddJobOptions(run, &arguments->job);
  run->add_flag("--drop", arguments->drop, "Drop the target collections first, replacing them");
  run->add_option("--batch-size", arguments->batch_size, "Rows read and documents inserted per batch")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  run->add_option("--threads", arguments->job.threads,
                  "Threads, and key ranges each table is read in at once (default: one per core)")
      ->check(CLI::Range(1, 256));
  run->add_option("--writers", arguments->job.writers, "Batches inserted into MongoDB at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--rejects", arguments->rejects_file,
                  "File for rejected rows, one JSON line each (default: MAPPING-NAME.rejects.jsonl here)");
}

int RunCommand(const RunArguments& arguments) {
  auto report = [](const Status& status) {
    spdlog::error("{}", status.message());
    return ExitCodeFor(status);
  };
  Result<Job> loaded = LoadJob(arguments.job, JobPart::kSink);
  if (!loaded.ok()) return report(loaded.status());
  Job& job = loaded.value();
  const TargetInfo& target = job.sink->Target();
  if (target.product != "files") spdlog::info("{}", target.Describe(job.sink->DisplayName()));
  // Before anything is written (and before --drop): a value the target cannot store stops the run here,
  // every such field at once, instead of part of a collection and a lost connection later.
  Result<std::vector<TargetFinding>> findings = CheckPlanAgainstTarget(job.plan, *job.source, target);
  if (!findings.ok()) return report(findings.status());
  if (!findings->empty()) return report(TargetFindingsError(findings.value(), target, job.sink->DisplayName()));

  RunOptions options;
  options.batch_size = arguments.batch_size;
  options.drop = arguments.drop;
  options.writers = arguments.job.writers;
  options.read_partitions = job.readers;
  // Caps every TBB stage of the run; the pipeline's own threads come from this arena.
  std::optional<tbb::global_control> thread_limit;
  if (arguments.job.threads > 0)
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(arguments.job.threads));
  options.rejects_file = arguments.rejects_file.empty()
                             ? std::filesystem::path(arguments.job.mapping_file).stem().string() + ".rejects.jsonl"
                             : arguments.rejects_file;
  std::error_code ignored;
  // A file from an earlier run would mislead; anything else (/dev/null, a pipe) is left as it is.
  if (std::filesystem::is_regular_file(options.rejects_file, ignored))
    std::filesystem::remove(options.rejects_file, ignored);
  spdlog::info("{} -> {}", job.source->DisplayName(), job.sink->DisplayName());
  RunSummary summary = RunPlan(job.plan, *job.source, *job.sink, options);
  fmt::print("{}", FormatSummary(summary));
  std::fflush(stdout);
  if (!summary.failure.ok()) {
    spdlog::error("run stopped: {}", summary.failure.message());
    return ExitCodeFor(summary.failure) == kExitBadInput ? kExitBadInput : kExitRunFailed;
  }
  return summary.TotalRejected() > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace sql2mongo
