#include "cli/job_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <thread>

namespace sql2mongo {

void AddJobOptions(CLI::App* command, JobArguments* arguments) {
  command->add_option("mapping", arguments->mapping_file, "Mapping file (JSON, comments allowed)")->required();
  command->add_option("--source", arguments->source_uri,
                      "Source URI, overrides the mapping's: sqlite:PATH, postgresql://..., mysql://...");
  command->add_option("--target", arguments->target_uri,
                      "Target URI, overrides the mapping's: mongodb://HOST:PORT/DB, null:, jsonl:PATH, dump:DIR");
  command->add_option("--password-file", arguments->password_file,
                      "File holding the source database password (else PGPASSWORD / MYSQL_PWD, else the URI)")
      ->check(CLI::ExistingFile);
}

void AddModeOption(CLI::App* command, JobArguments* arguments) {
  command->add_option("--mode", arguments->mode,
                      "How documents meet those already in the target, for every collection (overrides the "
                      "mapping's \"mode\"): insert (an _id already there is a reject), replace (whole documents, "
                      "upserted), merge ($set of the mapped fields, upserted)")
      ->check(CLI::IsMember({"insert", "replace", "merge"}));
}

Result<Job> LoadJob(const JobArguments& arguments, JobPart up_to) {
  Job job;
  S2M_ASSIGN_OR_RETURN(job.mapping, ParseMappingFile(arguments.mapping_file));
  if (!arguments.source_uri.empty()) job.mapping.source_uri = arguments.source_uri;
  if (!arguments.target_uri.empty()) job.mapping.target_uri = arguments.target_uri;
  if (!arguments.mode.empty())
    for (auto& collection : job.mapping.collections) collection.mode = ParseWriteMode(arguments.mode);
  if (job.mapping.source_uri.empty())
    return Status::Error(StatusCode::kUsage, fmt::format("{}: no source; set \"source\" in the mapping or pass "
                                                         "--source sqlite:PATH", arguments.mapping_file));
  if (up_to == JobPart::kSink && job.mapping.target_uri.empty())
    return Status::Error(StatusCode::kUsage, fmt::format("{}: no target; set \"target\" in the mapping or pass "
                                                         "--target mongodb://HOST:PORT/DB", arguments.mapping_file));

  SourceOptions source_options;
  job.readers =
      arguments.threads > 0 ? arguments.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  source_options.snapshot_readers = job.readers;
  if (!arguments.password_file.empty()) {
    std::ifstream in(arguments.password_file);
    std::getline(in, source_options.password);  // the first line; a trailing newline is not part of it
    if (!in && source_options.password.empty())
      return Status::Error(StatusCode::kUsage, fmt::format("--password-file {}: cannot read it", arguments.password_file));
  }
  S2M_ASSIGN_OR_RETURN(job.source, OpenSource(job.mapping.source_uri, source_options));
  // The plan is checked against the source before the target is touched: a wrong column name is
  // reported without connecting to it.
  S2M_ASSIGN_OR_RETURN(job.plan, BuildPlan(job.mapping, *job.source));
  if (up_to == JobPart::kPlan) return job;

  SinkOptions sink_options;
  sink_options.writers = arguments.writers;
  sink_options.retry_for_seconds = arguments.retry_for;
  S2M_ASSIGN_OR_RETURN(job.sink, OpenSink(job.mapping.target_uri, sink_options));
  return job;
}

}  // namespace sql2mongo
