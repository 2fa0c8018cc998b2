#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "sql2mongo_version.h"

namespace sql2mongo {

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  if (status.code() == StatusCode::kBusy) return kExitJobBusy;
  return status.code() == StatusCode::kMappingError || status.code() == StatusCode::kUsage ? kExitBadInput
                                                                                            : kExitRunFailed;
}

int ReportFailure(const Status& status) {
  spdlog::error("{}", status.message());
  return ExitCodeFor(status);
}

}  // namespace sql2mongo

int main(int argc, char** argv) {
  using namespace sql2mongo;
  // Logs go to stderr so that stdout carries only results (the summary, peeked documents).
  spdlog::set_default_logger(spdlog::stderr_color_mt("sql2mongo"));
  spdlog::set_pattern("%H:%M:%S %^%l%$ %v");

  CLI::App app{"sql2mongo: moves relational data into MongoDB, shaped by a mapping file"};
  app.set_version_flag("--version", std::string("sql2mongo ") + SQL2MONGO_VERSION);
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log more detail");
  RunArguments run;
  AddRunCommand(app, &run);
  CheckArguments check;
  AddCheckCommand(app, &check);
  SchemaArguments schema;
  AddSchemaCommand(app, &schema);
  PeekArguments peek;
  AddPeekCommand(app, &peek);
  InitArguments init;
  AddInitCommand(app, &init);
  VerifyArguments verify;
  AddVerifyCommand(app, &verify);
  StatusArguments status;
  AddStatusCommand(app, &status);
  DiffArguments diff;
  AddDiffCommand(app, &diff);
  CutoverArguments rollback, cleanup;
  AddCutoverCommands(app, &rollback, &cleanup);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  // The last net: the pipeline turns exceptions in its stages into a failed run with its summary; one
  // that escapes anywhere else (a driver throwing while a connection opens) is still a clear failure
  // with exit 1, never std::terminate's core dump.
  try {
    if (app.got_subcommand("run")) return RunCommand(run);
    if (app.got_subcommand("check")) return CheckCommand(check);
    if (app.got_subcommand("schema")) return SchemaCommand(schema);
    if (app.got_subcommand("peek")) return PeekCommand(peek);
    if (app.got_subcommand("init")) return InitCommand(init);
    if (app.got_subcommand("verify")) return VerifyCommand(verify);
    if (app.got_subcommand("status")) return StatusCommand(status);
    if (app.got_subcommand("diff")) return DiffCommand(diff);
    if (app.got_subcommand("rollback")) return RollbackCommand(rollback);
    if (app.got_subcommand("cleanup")) return CleanupCommand(cleanup);
  } catch (const std::exception& e) {
    spdlog::error("stopped on an unexpected error: {}", e.what());
    return kExitRunFailed;
  } catch (...) {
    spdlog::error("stopped on an unexpected error of unknown kind");
    return kExitRunFailed;
  }
  return kExitBadInput;
}
