// --report PATH: a run's account as JSON, for schedulers and audits. What it holds is documented in
// docs/report.md; passwords never appear (every URI is a display name, redacted).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sql2mongo/progress.h"
#include "sql2mongo/status.h"
#include "sql2mongo/target_info.h"

namespace sql2mongo {

struct RunReport {
  std::string mapping_file;
  std::string mapping_digest;  // XXH3-64 of the mapping file's bytes, hex: tells which mapping ran
  std::string source;          // display names, passwords removed
  std::string target;
  TargetInfo target_info;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;
  int exit_code = 0;
  std::string job;              // the job's name and this run's id, when the target keeps its state
  std::string run_id;
  bool resumed = false;         // continued an interrupted run from its checkpoints
  const RunSummary* summary = nullptr;  // null when the run stopped before it began (the plan check)
  Status failure;                       // why, when it did not run to the end
};

// XXH3-64 of the file's bytes as 16 hex digits; empty when it cannot be read.
std::string FileDigest(const std::string& path);

// Indented by `indent` spaces, or on one line when it is -1 (a JSON line of --progress json).
std::string RunReportJson(const RunReport& report, int indent = 2);

// Writes the report through a temporary file renamed over `path`, so a reader never sees half of one.
Status WriteRunReport(const std::string& path, const RunReport& report);

}  // namespace sql2mongo
