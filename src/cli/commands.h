// Sub-commands of the sql2mongo CLI. Each returns the process exit code (docs/commands.md):
// 0 success, 1 the run failed, 2 bad usage or a bad mapping file, 3 the run finished with rejects,
// 75 another run of the job holds its lease. diff follows diff(1): 0 the same documents, 1 they differ, 2 bad input.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cli/job_loader.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFinishedWithRejects = 3;
// Another run of the same job holds its lease: nothing was done, try later (sysexits' EX_TEMPFAIL,
// which schedulers and cron wrappers read as "retry").
inline constexpr int kExitJobBusy = 75;

// Exit code for a failed Status: mapping and usage errors are the user's input (2), the rest are the run (1).
int ExitCodeFor(const Status& status);
// Logs a failed Status's message as an error and returns ExitCodeFor(status): how a command stops.
int ReportFailure(const Status& status);

struct RunArguments {
  JobArguments job;
  std::string rejects_path;  // a folder, or one file when it ends in .jsonl; empty: the default
  std::string report_file;   // --report: the run's account as JSON
  bool drop = false;
  size_t batch_size = 1000;
  std::string embed_fetch = "auto";  // auto, merge, range, list
  std::string progress = "auto";  // auto, bars, plain, json, none
  double progress_interval = 10;  // seconds between plain or JSON progress lines
  bool quiet = false;             // only errors and the summary
  // Scheduled imports (a MongoDB target): the job's state in the target's _sql2mongo collection.
  std::string job_name;       // --job; default: the mapping file's name without its extension
  bool resume = false;        // continue the job's last run if it did not finish
  bool full = false;          // --full: read every row even where the job has watermarks
  std::string upgrade_from;   // --upgrade OLD.json: bring OLD's documents to this mapping's schema_version
  size_t units = 0;           // work units per collection; 0: from the tables' sizes
  double lease_seconds = 60;  // how long a lease outlives its run's last renewal
};
void AddRunCommand(CLI::App& app, RunArguments* arguments);
int RunCommand(const RunArguments& arguments);

struct CheckArguments {
  JobArguments job;
  int sample = 3;     // documents built and printed per collection
  bool json = false;  // findings as JSON lines
  bool drop = false;  // the run will replace the collections: ones the target holds are no problem
};
void AddCheckCommand(CLI::App& app, CheckArguments* arguments);
int CheckCommand(const CheckArguments& arguments);

struct VerifyArguments {
  JobArguments job;
  int64_t sample = 0;      // documents chosen at random per collection; 0: every document
  bool json = false;       // differences and totals as JSON lines
  std::string collection;  // only this one; empty: all
};
void AddVerifyCommand(CLI::App& app, VerifyArguments* arguments);
int VerifyCommand(const VerifyArguments& arguments);

struct SchemaArguments {
  JobArguments job;
  std::string collection;   // only this one; empty: all
  std::string output_file;  // empty: standard output
};
void AddSchemaCommand(CLI::App& app, SchemaArguments* arguments);
int SchemaCommand(const SchemaArguments& arguments);

struct InitArguments {
  std::string source_uri;
  std::string tables;              // comma-separated; empty: every table
  std::string output_file;         // empty: standard output
  std::string password_file;
  uint64_t max_rows_per_table = 0;  // 0: the survey's default cap
  std::string name_case = "keep";   // --case: keep, snake or camel
};
void AddInitCommand(CLI::App& app, InitArguments* arguments);
int InitCommand(const InitArguments& arguments);

struct StatusArguments {
  std::string mapping_file;
  std::string target_uri;  // overrides the mapping's
  std::string job_name;    // --job; default: the mapping file's name
  bool json = false;
};
void AddStatusCommand(CLI::App& app, StatusArguments* arguments);
int StatusCommand(const StatusArguments& arguments);

// rollback and cleanup: the backups of "cutover": "swap".
struct CutoverArguments {
  std::string mapping_file;
  std::string target_uri;  // overrides the mapping's
  std::string collection;  // only this one; empty: every collection of the mapping
  std::string job_name;    // --job; default: the mapping file's name (whose lease a running run holds)
  int keep = 1;            // cleanup --keep
};
void AddCutoverCommands(CLI::App& app, CutoverArguments* rollback, CutoverArguments* cleanup);
int RollbackCommand(const CutoverArguments& arguments);
int CleanupCommand(const CutoverArguments& arguments);

struct DiffArguments {
  std::string old_file;
  std::string new_file;
  std::string target_uri;  // where to count documents; empty: NEW's "target"
  bool json = false;
};
void AddDiffCommand(CLI::App& app, DiffArguments* arguments);
int DiffCommand(const DiffArguments& arguments);

struct PeekArguments {
  std::string mapping_file;
  std::string collection;
  std::string target_uri;
  std::string filter_json;
  int limit = 1;
};
void AddPeekCommand(CLI::App& app, PeekArguments* arguments);
int PeekCommand(const PeekArguments& arguments);

}  // namespace sql2mongo
