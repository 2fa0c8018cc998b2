// sql2mongo run MAPPING.json: the whole job, from the source's rows to documents in the target.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <tbb/global_control.h>

#include <filesystem>
#include <optional>

#include "cli/commands.h"
#include "cli/progress_display.h"
#include "cli/run_report.h"
#include "cli/run_state.h"
#include "cli/swap_verification.h"
#include "cli/upgrade_plan.h"
#include "common/redact.h"
#include "pipeline/summary.h"
#include "sql2mongo/mapping.h"
#include "sql2mongo/pipeline.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/target_check.h"

namespace sql2mongo {
namespace {

// Where rejects go unless --rejects says: rejects/ beside the report, else MAPPING-NAME.rejects/ here
// (so two jobs run from one folder do not mix theirs).
std::string DefaultRejectsPath(const RunArguments& arguments) {
  if (!arguments.report_file.empty())
    return (std::filesystem::path(arguments.report_file).parent_path() / "rejects").string();
  return std::filesystem::path(arguments.job.mapping_file).stem().string() + ".rejects";
}

// Where a collection's $jsonSchema is written when the target refuses its validator: beside the
// report, else in the current folder, as the rejects are (not beside the mapping: a project's mapping
// folder is under version control, and a run should not write into it).
std::string SchemaDir(const RunArguments& arguments) {
  return arguments.report_file.empty() ? "" : std::filesystem::path(arguments.report_file).parent_path().string();
}

int ExitCodeOf(const RunSummary& summary) {
  switch (VerdictOf(summary)) {
    case RunVerdict::kWritten: return kExitOk;
    case RunVerdict::kRejects: return kExitFinishedWithRejects;
    case RunVerdict::kFailed: break;
  }
  return ExitCodeFor(summary.failure) == kExitBadInput ? kExitBadInput : kExitRunFailed;
}

// A mapping with "incremental" tables: every run takes watermarks; a run reads only what changed when
// the job has watermarks of this same mapping, and neither --full, --drop nor --resume of an
// interrupted full run asks for everything. A mapping that changed since the watermarks is refused:
// rebuilding only the changed documents in the new shape would leave the others in the old one.
Status ChooseIncremental(const Plan& plan, const RunState& state, const RunArguments& arguments,
                         const std::string& digest, RunOptions* options) {
  bool tracked = false;
  for (const CollectionPlan& collection : plan.collections) tracked = tracked || TracksChanges(collection.table);
  if (!tracked) return Status::Ok();
  options->take_watermarks = true;
  const std::optional<JobRecord>& last = state.last();
  bool replaced = arguments.drop;
  for (const CollectionPlan& collection : plan.collections) replaced = replaced || collection.drop || collection.swap;
  if (!last || last->watermarks.empty()) {
    spdlog::info("no watermarks yet: this run reads every row and takes the first ones");
    return Status::Ok();
  }
  if (arguments.full || !arguments.upgrade_from.empty() || replaced || state.resumed()) {
    spdlog::info("incremental tables read whole: {}", arguments.full ? "--full" : replaced ? "the run replaces the collections (--drop, \"drop\", \"cutover\": \"swap\")"
                                                                                         : "continuing an interrupted run");
    return Status::Ok();
  }
  if (last->watermarks_digest != digest)
    return Status::Error(StatusCode::kUsage,
                         fmt::format("job '{}': the mapping {} changed since its watermarks were taken (digest {} then, "
                                     "{} now), and an incremental run would rebuild only the changed documents in the "
                                     "new shape, leaving the others in the old one. Run it once with --full (every "
                                     "document rebuilt, new watermarks taken); the runs after it are incremental again",
                                     last->job, plan.mapping_file, last->watermarks_digest.empty() ? "unknown" : last->watermarks_digest,
                                     digest));
  options->changed_since = &last->watermarks;
  return Status::Ok();
}

}  // namespace

void AddRunCommand(CLI::App& app, RunArguments* arguments) {
  CLI::App* run = app.add_subcommand("run", "Migrate: read the source, build documents, write them to the target");
  AddJobOptions(run, &arguments->job);
  AddModeOption(run, &arguments->job);
  run->add_flag("--drop", arguments->drop,
                "Replace the target collections: load each into a staging collection, renamed over the live one "
                "once the whole run succeeded (a failed run leaves the live ones as they were)");
  run->add_option("--batch-size", arguments->batch_size, "Rows read and documents inserted per batch")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  run->add_option("--embed-fetch", arguments->embed_fetch,
                  "How 1:N embeds are fetched: auto (per embed: a streamed merge join where the plan allows it, "
                  "else a key range scan when a batch's parent keys allow it, else an IN list of keys); merge, range, "
                  "list force one where it can serve (key lists elsewhere), to compare them")
      ->check(CLI::IsMember({"auto", "merge", "range", "list"}))
      ->capture_default_str();
  run->add_option("--threads", arguments->job.threads,
                  "Threads, and key ranges each table is read in at once (default: one per core)")
      ->check(CLI::Range(1, 256));
  run->add_option("--writers", arguments->job.writers, "Batches inserted into MongoDB at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_option("--rejects", arguments->rejects_path,
                  "Folder for rejected rows and documents, one <collection>.jsonl each, or one file when the "
                  "path ends in .jsonl (default: rejects/ beside --report, else MAPPING-NAME.rejects/ here)");
  run->add_option("--report", arguments->report_file,
                  "Write the run's account here as JSON: counts, timings, verdict, rejects (docs/report.md)");
  run->add_option("--progress", arguments->progress,
                  "auto (bars on a terminal, else plain lines), bars, plain, json (JSON lines on stdout), none")
      ->check(CLI::IsMember({"auto", "bars", "plain", "json", "none"}))
      ->capture_default_str();
  run->add_option("--progress-interval", arguments->progress_interval, "Seconds between plain or JSON progress lines")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  run->add_flag("-q,--quiet", arguments->quiet, "Print only errors and the summary");
  run->add_flag("--resume", arguments->resume,
                "Continue the job's last run from its checkpoints if it did not finish (killed, failed); "
                "otherwise run as usual");
  run->add_option("--upgrade", arguments->upgrade_from,
                  "OLD.json: upgrade the documents the previous mapping version wrote to this one's schema_version, "
                  "in place (sql2mongo diff says which collections can be); run it again to continue")
      ->check(CLI::ExistingFile);
  run->add_flag("--full", arguments->full,
                "Read every row even when the mapping has \"incremental\" tables and the job has watermarks (a full "
                "reload; it takes new watermarks). Needed once after the mapping changed");
  run->add_option("--job", arguments->job_name,
                  "The job's name, under which its lease and checkpoints are kept in the target's _sql2mongo "
                  "collection (default: the mapping file's name)");
  run->add_option("--units", arguments->units,
                  "Work units (key ranges) each collection is split into; 0: one per 250k rows, at least one per reader")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  run->add_option("--lease-seconds", arguments->lease_seconds,
                  "A run renews its job's lease every few seconds; one not renewed for this long is taken over")
      ->check(CLI::Range(5.0, 86400.0))
      ->capture_default_str();
  run->add_option("--retry-for", arguments->job.retry_for,
                  "Seconds a write keeps retrying when the target is unreachable or its primary steps down; 0: fail at once")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
}

int RunCommand(const RunArguments& arguments) {
  auto started = std::chrono::system_clock::now();
  Result<ProgressMode> requested = ParseProgressMode(arguments.progress);
  if (!requested.ok()) {
    spdlog::error("{}", requested.status().message());
    return kExitBadInput;
  }
  ProgressMode mode = arguments.quiet ? ProgressMode::kNone : ResolveProgressMode(requested.value());
  if (arguments.quiet) spdlog::set_level(spdlog::level::err);

  RunReport report;
  report.mapping_file = arguments.job.mapping_file;
  report.mapping_digest = FileDigest(arguments.job.mapping_file);
  report.started = started;
  // A run that stops before it starts still leaves its account, when one was asked for.
  auto stop_early = [&](const Status& status) {
    spdlog::error("{}", status.message());
    int code = ExitCodeFor(status);
    if (!arguments.report_file.empty()) {
      report.finished = std::chrono::system_clock::now();
      report.exit_code = code;
      report.failure = status;
      Status written = WriteRunReport(arguments.report_file, report);
      if (!written.ok()) spdlog::error("{}", written.message());
    }
    return code;
  };
  Result<Job> loaded = LoadJob(arguments.job, JobPart::kSink);
  if (!loaded.ok()) return stop_early(loaded.status());
  Job& job = loaded.value();
  if (!arguments.upgrade_from.empty()) {
    if (arguments.drop || !arguments.job.mode.empty())
      return stop_early(Status::Error(StatusCode::kUsage, "--upgrade writes in its own mode, in place: it cannot be "
                                                          "combined with --drop or --mode"));
    Status upgrade = PlanUpgrade(arguments.upgrade_from, job.mapping, &job.plan);
    if (!upgrade.ok()) return stop_early(upgrade);
  }
  report.source = job.source->DisplayName();
  report.target = job.sink->DisplayName();
  const TargetInfo& target = job.sink->Target();
  report.target_info = target;
  if (target.product != "files") spdlog::info("{}", target.Describe(job.sink->DisplayName()));
  // Before anything is written (and before --drop): a value the target cannot store stops the run here,
  // every such field at once, instead of part of a collection and a lost connection later.
  Result<std::vector<TargetFinding>> findings = CheckPlanAgainstTarget(job.plan, *job.source, target);
  if (!findings.ok()) return stop_early(findings.status());
  if (!findings->empty()) return stop_early(TargetFindingsError(findings.value(), target, job.sink->DisplayName()));

  RunOptions options;
  options.batch_size = arguments.batch_size;
  options.embed_fetch = arguments.embed_fetch == "list"    ? EmbedFetchMode::kKeyList
                        : arguments.embed_fetch == "merge" ? EmbedFetchMode::kMerge
                        : arguments.embed_fetch == "range" ? EmbedFetchMode::kRange
                                                           : EmbedFetchMode::kAuto;
  options.drop = arguments.drop;
  options.writers = arguments.job.writers;
  options.read_partitions = job.readers;
  if (target.product == "files") {
    for (const CollectionPlan& collection : job.plan.collections)
      if (collection.swap)
        spdlog::warn("collection {}: \"cutover\": \"swap\" needs a MongoDB target; {} is written as it is, "
                     "with nothing to swap", collection.name, job.sink->DisplayName());
  }
  options.finish_collections = true;
  options.schema_dir = SchemaDir(arguments);
  // Caps every TBB stage of the run; the pipeline's own threads come from this arena.
  std::optional<tbb::global_control> thread_limit;
  if (arguments.job.threads > 0)
    thread_limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(arguments.job.threads));
  options.rejects_file = arguments.rejects_path.empty() ? DefaultRejectsPath(arguments) : arguments.rejects_path;
  std::error_code ignored;
  // A one-file rejects path from an earlier run would mislead; anything else (/dev/null, a pipe) is
  // left as it is. A folder's stale files are removed by the run, per collection.
  if (std::filesystem::path(options.rejects_file).extension() == ".jsonl" &&
      std::filesystem::is_regular_file(options.rejects_file, ignored))
    std::filesystem::remove(options.rejects_file, ignored);
  spdlog::info("{} -> {}", job.source->DisplayName(), job.sink->DisplayName());

  // A MongoDB target keeps the job's lease and checkpoints; the file sinks have nowhere to keep them.
  std::unique_ptr<RunState> state;
  if (target.product != "files") {
    RunStateOptions state_options;
    state_options.job = JobNameOf(arguments.job.mapping_file, arguments.job_name);
    state_options.mapping_digest = report.mapping_digest;
    state_options.resume = arguments.resume;
    state_options.units = arguments.units;
    state_options.readers = static_cast<size_t>(std::max(1, job.readers));
    state_options.lease_seconds = arguments.lease_seconds;
    Result<std::unique_ptr<RunState>> begun =
        RunState::Begin(job.mapping.target_uri, job.plan, *job.source, state_options);
    if (!begun.ok()) return stop_early(begun.status());
    state = std::move(begun).value();
    options.units = &state->units();
    options.resumed = state->resumed();
    options.before_publish = VerifyBeforeSwap(job, job.mapping.target_uri, options.resumed);  // --target applied
    report.job = state_options.job;
    report.run_id = state->run_id();
    report.resumed = state->resumed();
    Status incremental = ChooseIncremental(job.plan, *state, arguments, report.mapping_digest, &options);
    if (!incremental.ok()) return stop_early(incremental);
  } else if (arguments.resume) {
    return stop_early(Status::Error(StatusCode::kUsage,
                                    fmt::format("--resume needs a MongoDB target, where the job's checkpoints are "
                                                "kept; {} keeps none",
                                                job.sink->DisplayName())));
  }

  RunProgress progress(CollectionsOf(job.plan));
  options.progress = &progress;
  job.sink->SetNoticeHandler([&progress](const std::string& notice) { progress.SetNotice(notice); });
  RunSummary summary;
  {
    ProgressDisplay display(progress, mode, arguments.progress_interval);
    std::optional<ScopedLogAroundBars> log_around_bars;
    if (mode == ProgressMode::kBars) log_around_bars.emplace(display);
    display.Start();
    if (state) state->StartCheckpoints();
    summary = RunPlan(job.plan, *job.source, *job.sink, options);
    display.Stop();
  }
  if (state) {
    // Promoted to the job's watermarks by Finish only when the run succeeded.
    if (summary.failure.ok() && options.take_watermarks) {
      Status pending = state->SetPendingWatermarks(summary.watermarks);
      if (!pending.ok()) spdlog::warn("the run's watermarks were not saved (the next run reads from the old ones): {}",
                                      pending.message());
    }
    Status kept = state->Finish(summary.failure.ok());
    if (!kept.ok()) spdlog::warn("the job's state was not fully saved: {}", kept.message());
  }
  int code = ExitCodeOf(summary);
  report.finished = std::chrono::system_clock::now();
  report.exit_code = code;
  report.summary = &summary;
  report.failure = summary.failure;
  if (mode == ProgressMode::kJson) {
    fmt::print("{}", RunReportJson(report, -1));
  } else {
    fmt::print("{}", FormatSummary(summary));
  }
  std::fflush(stdout);
  if (!summary.failure.ok()) spdlog::error("run stopped: {}", summary.failure.message());
  for (const auto& problem : UnaccountedRows(summary)) spdlog::error("rows unaccounted for: {}", problem);
  if (!arguments.report_file.empty()) {
    Status written = WriteRunReport(arguments.report_file, report);
    if (!written.ok()) {
      spdlog::error("{}", written.message());
      if (code == kExitOk) code = kExitRunFailed;
    }
  }
  return code;
}

}  // namespace sql2mongo
