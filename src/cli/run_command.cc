// sql2mongo run MAPPING.json: the whole job, from the source's rows to documents in the target.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <tbb/global_control.h>

#include <filesystem>
#include <optional>
#include <thread>
#include <fstream>

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
  run->add_option("mapping", arguments->mapping_file, "Mapping file (JSON, comments allowed)")->required();
  run->add_option("--source", arguments->source_uri, "Source URI, overrides the mapping's (sqlite:PATH)");
  run->add_option("--target", arguments->target_uri,
                  "Target URI, overrides the mapping's: mongodb://HOST:PORT/DB, null:, jsonl:PATH, dump:DIR");
  run->add_flag("--drop", arguments->drop, "Drop the target collections first, replacing them");
  run->add_option("--batch-size", arguments->batch_size, "Rows read and documents inserted per batch")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  run->add_option("--threads", arguments->threads,
                  "Threads, and key ranges each table is read in at once (default: one per core)")
      ->check(CLI::Range(1, 256));
  run->add_option("--writers", arguments->writers, "Batches inserted into MongoDB at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--password-file", arguments->password_file,
                  "File holding the source database password (else PGPASSWORD / MYSQL_PWD, else the URI)")
      ->check(CLI::ExistingFile);
  run->add_option("--rejects", arguments->rejects_file,
                  "File for rejected rows, one JSON line each (default: MAPPING-NAME.rejects.jsonl here)");
}

int RunCommand(const RunArguments& arguments) {
  auto report = [](const Status& status) {
    spdlog::error("{}", status.message());
    return ExitCodeFor(status);
  };
  Result<Mapping> mapping = ParseMappingFile(arguments.mapping_file);
  if (!mapping.ok()) return report(mapping.status());
  if (!arguments.source_uri.empty()) mapping->source_uri = arguments.source_uri;
  if (!arguments.target_uri.empty()) mapping->target_uri = arguments.target_uri;
  if (mapping->source_uri.empty())
    return report(Status::Error(StatusCode::kUsage, fmt::format("{}: no source; set \"source\" in the mapping or pass "
                                                                "--source sqlite:PATH", arguments.mapping_file)));
  if (mapping->target_uri.empty())
    return report(Status::Error(StatusCode::kUsage, fmt::format("{}: no target; set \"target\" in the mapping or pass "
                                                                "--target mongodb://HOST:PORT/DB", arguments.mapping_file)));

  SourceOptions source_options;
  source_options.snapshot_readers =
      arguments.threads > 0 ? arguments.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!arguments.password_file.empty()) {
    std::ifstream in(arguments.password_file);
    std::getline(in, source_options.password);  // the first line; a trailing newline is not part of it
    if (!in && source_options.password.empty())
      return report(Status::Error(StatusCode::kUsage, fmt::format("--password-file {}: cannot read it", arguments.password_file)));
  }
  Result<std::unique_ptr<Source>> source = OpenSource(mapping->source_uri, source_options);
  if (!source.ok()) return report(source.status());
  // The plan is checked against the source before the target is touched: a wrong column name is
  // reported without writing anything.
  Result<Plan> plan = BuildPlan(mapping.value(), **source);
  if (!plan.ok()) return report(plan.status());
  SinkOptions sink_options;
  sink_options.writers = arguments.writers;
  Result<std::unique_ptr<Sink>> sink = OpenSink(mapping->target_uri, sink_options);
  if (!sink.ok()) return report(sink.status());
  const TargetInfo& target = (*sink)->Target();
  if (target.product != "files") spdlog::info("{}", target.Describe((*sink)->DisplayName()));
  // Before anything is written (and before --drop): a value the target cannot store stops the run here,
  // every such field at once, instead of part of a collection and a lost connection later.
  Result<std::vector<TargetFinding>> findings = CheckPlanAgainstTarget(plan.value(), **source, target);
  if (!findings.ok()) return report(findings.status());
  if (!findings->empty())
    return report(TargetFindingsError(findings.value(), target, (*sink)->DisplayName()));

  RunOptions options;
  options.batch_size = arguments.batch_size;
  options.drop = arguments.drop;
  options.writers = arguments.writers;
  options.read_partitions = source_options.snapshot_readers;
  // Caps every TBB stage of the run; the pipeline's own threads come from this arena.
  std::optional<tbb::global_control> thread_limit;
  if (arguments.threads > 0)
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(arguments.threads));
  options.rejects_file = arguments.rejects_file.empty()
                             ? std::filesystem::path(arguments.mapping_file).stem().string() + ".rejects.jsonl"
                             : arguments.rejects_file;
  std::error_code ignored;
  // A file from an earlier run would mislead; anything else (/dev/null, a pipe) is left as it is.
  if (std::filesystem::is_regular_file(options.rejects_file, ignored))
    std::filesystem::remove(options.rejects_file, ignored);
  spdlog::info("{} -> {}", (*source)->DisplayName(), (*sink)->DisplayName());
  RunSummary summary = RunPlan(plan.value(), **source, **sink, options);
  fmt::print("{}", FormatSummary(summary));
  std::fflush(stdout);
  if (!summary.failure.ok()) {
    spdlog::error("run stopped: {}", summary.failure.message());
    return ExitCodeFor(summary.failure) == kExitBadInput ? kExitBadInput : kExitRunFailed;
  }
  return summary.TotalRejected() > 0 ? kExitRunFailed : kExitOk;
}

}  // namespace sql2mongo
