// sql2mongo rollback MAPPING and sql2mongo cleanup MAPPING --keep K: the way back from a
// "cutover": "swap", and the disposal of the backups it keeps (collection_cutover.h says how each
// server renames). Neither needs the source: they work on the target's collections alone.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/run_state.h"
#include "common/utc_time.h"
#include "sink/mongo/collection_cutover.h"
#include "sink/mongo/collection_ops.h"
#include "sink/mongo/mongo_connection.h"
#include "sink/mongo/target_identity.h"
#include "sql2mongo/job_state.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

struct CutoverTarget {
  Mapping mapping;
  MongoConnection connection;
  TargetInfo info;
  std::vector<std::string> collections;  // those asked for, in mapping order
  CollectionOps ops{nullptr, "", ""};    // on connection's client
  std::set<std::string> names;           // the target database's collections
};

Result<CutoverTarget> OpenCutoverTarget(const CutoverArguments& arguments) {
  CutoverTarget out;
  S2M_ASSIGN_OR_RETURN(out.mapping, ParseMappingFile(arguments.mapping_file));
  std::string uri = arguments.target_uri.empty() ? out.mapping.target_uri : arguments.target_uri;
  if (uri.empty())
    return Status::Error(StatusCode::kUsage, fmt::format("{}: no target; set \"target\" in the mapping or pass --target "
                                                         "mongodb://HOST:PORT/DB", arguments.mapping_file));
  for (const CollectionSpec& collection : out.mapping.collections)
    if (arguments.collection.empty() || collection.name == arguments.collection) out.collections.push_back(collection.name);
  if (out.collections.empty())
    return Status::Error(StatusCode::kUsage, fmt::format("{}: no collection '{}' in the mapping", arguments.mapping_file,
                                                         arguments.collection));
  // A run of the job in progress would publish over what is put back, or into what is dropped.
  Result<std::unique_ptr<JobStateStore>> store = OpenJobStateStore(uri, JobNameOf(arguments.mapping_file, arguments.job_name));
  if (!store.ok()) return store.status();
  S2M_ASSIGN_OR_RETURN(std::optional<LeaseHolder> lease, (*store)->ReadLease());
  if (lease && lease->expires_ms > NowMillis())
    return Status::Error(StatusCode::kBusy,
                         fmt::format("a run of this job holds its lease since {} (host {} pid {}, run {}): wait until it "
                                     "ends", UtcText(lease->since_ms), lease->host, lease->pid, lease->run_id));
  S2M_ASSIGN_OR_RETURN(out.connection, ConnectMongo(uri));
  S2M_ASSIGN_OR_RETURN(out.info, IdentifyMongoTarget(out.connection.client.get(), out.connection.display_uri));
  out.ops = CollectionOps(out.connection.client.get(), out.connection.database, out.connection.display_uri);
  S2M_ASSIGN_OR_RETURN(out.names, out.ops.Names());
  return out;
}

}  // namespace

void AddCutoverCommands(CLI::App& app, CutoverArguments* rollback, CutoverArguments* cleanup) {
  CLI::App* back = app.add_subcommand("rollback", "Put back the newest backup a \"cutover\": \"swap\" kept, in one step");
  CLI::App* clean = app.add_subcommand("cleanup", "Drop the backups of swapped collections but the newest --keep");
  for (auto [command, arguments] : {std::pair{back, rollback}, std::pair{clean, cleanup}}) {
    command->add_option("mapping", arguments->mapping_file, "Mapping file of the job")->required();
    command->add_option("--target", arguments->target_uri, "Target URI, overrides the mapping's");
    command->add_option("--collection", arguments->collection, "Only this collection of the mapping");
    command->add_option("--job", arguments->job_name, "The job's name (default: the mapping file's name)");
  }
  clean->add_option("--keep", cleanup->keep, "Backups to keep per collection (the newest)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

int RollbackCommand(const CutoverArguments& arguments) {
  Result<CutoverTarget> opened = OpenCutoverTarget(arguments);
  if (!opened.ok()) return ReportFailure(opened.status());
  CutoverTarget& target = opened.value();
  CollectionOps& ops = target.ops;
  const std::set<std::string>* names = &target.names;
  int rolled_back = 0;
  for (const std::string& name : target.collections) {
    std::vector<std::string> backups = BackupsOf(*names, name);
    if (backups.empty()) {
      fmt::print("collection {}: no backup to put back\n", name);
      continue;
    }
    const std::string& newest = backups.back();
    Result<int64_t> live = names->count(name) ? ops.Count(name) : Result<int64_t>(int64_t{0});
    Result<int64_t> kept = ops.Count(newest);
    if (!live.ok()) return ReportFailure(live.status());
    if (!kept.ok()) return ReportFailure(kept.status());
    Status put_back = ReplaceLiveCollection(ops, target.info, name, newest);
    if (!put_back.ok()) return ReportFailure(put_back.WithContext(fmt::format("putting {} back as '{}'", newest, name)));
    ++rolled_back;
    fmt::print("collection {}: put back {} ({} documents); it replaced the live collection of {} documents, which "
               "is dropped; {} older backup(s) left\n",
               name, newest, kept.value(), live.value(), backups.size() - 1);
  }
  std::fflush(stdout);
  if (rolled_back == 0) {
    spdlog::error("nothing was rolled back: no collection of {} has a backup in {} (a \"cutover\": \"swap\" keeps one)",
                  arguments.mapping_file, target.connection.display_uri);
    return kExitRunFailed;
  }
  return kExitOk;
}

int CleanupCommand(const CutoverArguments& arguments) {
  Result<CutoverTarget> opened = OpenCutoverTarget(arguments);
  if (!opened.ok()) return ReportFailure(opened.status());
  CutoverTarget& target = opened.value();
  CollectionOps& ops = target.ops;
  const std::set<std::string>* names = &target.names;
  for (const std::string& name : target.collections) {
    Result<std::vector<std::string>> dropped = DropOldBackups(ops, *names, name, arguments.keep);
    if (!dropped.ok()) return ReportFailure(dropped.status());
    size_t before = BackupsOf(*names, name).size();
    for (const auto& backup : dropped.value()) fmt::print("collection {}: dropped backup {}\n", name, backup);
    fmt::print("collection {}: {} backup(s) kept\n", name, before - dropped->size());
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace sql2mongo
