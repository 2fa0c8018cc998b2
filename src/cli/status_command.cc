// sql2mongo status MAPPING: what the target knows of the job, for an operator or a scheduler's health
// check: its last run and how it ended, who holds the lease, and every work unit's progress. Reads only.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_state.h"
#include "common/utc_time.h"
#include "sql2mongo/job_state.h"
#include "sql2mongo/mapping.h"

namespace sql2mongo {
namespace {

std::string Utc(int64_t millis) { return millis == 0 ? "-" : UtcText(millis); }

std::string KeyText(const std::vector<Value>& key) {
  if (key.empty()) return "-";
  std::string text;
  for (const Value& part : key) text += (text.empty() ? "" : ", ") + ValueToDisplay(part);
  return key.size() == 1 ? text : "(" + text + ")";
}

}  // namespace

void AddStatusCommand(CLI::App& app, StatusArguments* arguments) {
  CLI::App* status = app.add_subcommand("status", "Show the job's state in the target: last run, lease, work units");
  status->add_option("mapping", arguments->mapping_file, "Mapping file of the job")->required();
  status->add_option("--target", arguments->target_uri, "Target URI, overrides the mapping's");
  status->add_option("--job", arguments->job_name, "The job's name (default: the mapping file's name)");
  status->add_flag("--json", arguments->json, "Print the state as one JSON document");
}

int StatusCommand(const StatusArguments& arguments) {
  std::string target = arguments.target_uri;
  if (target.empty()) {
    Result<Mapping> mapping = ParseMappingFile(arguments.mapping_file);
    if (!mapping.ok()) return ReportFailure(mapping.status());
    target = mapping->target_uri;
  }
  std::string job = JobNameOf(arguments.mapping_file, arguments.job_name);
  Result<std::unique_ptr<JobStateStore>> store = OpenJobStateStore(target, job);
  if (!store.ok()) return ReportFailure(store.status());
  Result<std::optional<JobRecord>> record = (*store)->LoadJob();
  if (!record.ok()) return ReportFailure(record.status());
  Result<std::optional<LeaseHolder>> lease = (*store)->ReadLease();
  if (!lease.ok()) return ReportFailure(lease.status());
  Result<std::vector<WorkUnit>> units = (*store)->LoadUnits();
  if (!units.ok()) return ReportFailure(units.status());

  if (arguments.json) {
    nlohmann::ordered_json json;
    json["job"] = job;
    if (record.value()) {
      const JobRecord& r = **record;
      json["last_run"] = {{"run_id", r.run_id}, {"state", r.state}, {"mapping_xxh3_64", r.mapping_digest},
                          {"started_at", Utc(r.started_ms)}, {"finished_at", r.finished_ms ? Utc(r.finished_ms) : ""}};
    } else {
      json["last_run"] = nullptr;
    }
    if (lease.value())
      json["lease"] = {{"run_id", (*lease)->run_id}, {"host", (*lease)->host}, {"pid", (*lease)->pid},
                       {"since", Utc((*lease)->since_ms)}, {"expires", Utc((*lease)->expires_ms)}};
    else
      json["lease"] = nullptr;
    json["units"] = nlohmann::ordered_json::array();
    for (const WorkUnit& unit : units.value())
      json["units"].push_back({{"id", unit.id}, {"collection", unit.collection}, {"done", unit.done},
                               {"checkpoint", KeyText(unit.checkpoint)}, {"rows_read", unit.rows_read},
                               {"documents_written", unit.documents_written}});
    fmt::print("{}\n", json.dump(2));
    return kExitOk;
  }
  if (!record.value()) {
    fmt::print("job '{}': never ran against this target\n", job);
    return kExitOk;
  }
  const JobRecord& r = **record;
  fmt::print("job '{}': last run {} {} (started {}, {})\n", job, r.run_id, r.state, Utc(r.started_ms),
             r.finished_ms ? "finished " + Utc(r.finished_ms) : "not finished");
  if (lease.value())
    fmt::print("lease: held by run {} ({} pid {}) since {}, expires {}\n", (*lease)->run_id, (*lease)->host,
               (*lease)->pid, Utc((*lease)->since_ms), Utc((*lease)->expires_ms));
  else
    fmt::print("lease: free\n");
  std::map<std::string, std::pair<size_t, size_t>> per_collection;  // done, total
  for (const WorkUnit& unit : units.value()) {
    auto& [done, total] = per_collection[unit.collection];
    ++total;
    if (unit.done) ++done;
  }
  for (const auto& [collection, counts] : per_collection)
    fmt::print("  {}: {} of {} work units done\n", collection, counts.first, counts.second);
  for (const WorkUnit& unit : units.value())
    if (!unit.done)
      fmt::print("    {}: {} rows, {} documents so far, checkpoint {}\n", unit.id, unit.rows_read,
                 unit.documents_written, KeyText(unit.checkpoint));
  return kExitOk;
}

}  // namespace sql2mongo
