// One way to load a job for every command (run, check, and what comes later): parse the mapping, apply
// the command line's overrides, open the source, build the plan, open the sink. A command asks for as
// much as it needs; nothing here writes to the target.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "sql2mongo/mapping.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/sink.h"
#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

// What the command line says about the job itself, shared by every command that loads one.
struct JobArguments {
  std::string mapping_file;
  std::string source_uri;     // overrides the mapping's "source"
  std::string target_uri;     // overrides the mapping's "target"
  std::string password_file;  // the source's password, first line
  int threads = 0;            // 0: one per core; also how many readers of the snapshot the source opens
  int writers = 2;            // concurrent bulk inserts into a MongoDB target
  double retry_for = 120;     // seconds a write retries transient target faults (run --retry-for)
  std::string mode;           // --mode insert|replace|merge for every collection; "": the mapping's
};

// The MAPPING argument and --source, --target, --password-file.
void AddJobOptions(CLI::App* command, JobArguments* arguments);
// --mode, for the commands that write (run) or predict a write (check).
void AddModeOption(CLI::App* command, JobArguments* arguments);

// How far LoadJob goes.
enum class JobPart {
  kPlan,  // the mapping parsed, the source opened, the plan built against its catalog
  kSink,  // and the sink opened: the target reachable and identified (Sink::Target), nothing written
};

struct Job {
  Mapping mapping;  // with the command line's overrides applied
  std::unique_ptr<Source> source;
  Plan plan;
  std::unique_ptr<Sink> sink;  // with JobPart::kSink
  int readers = 1;             // readers of the source's snapshot the run may use
};

// Errors say which input is at fault: kUsage (no source or target anywhere, an unreadable password
// file), kMappingError (the file, or a name the source lacks), kSourceError / kTargetError.
Result<Job> LoadJob(const JobArguments& arguments, JobPart up_to);

}  // namespace sql2mongo
