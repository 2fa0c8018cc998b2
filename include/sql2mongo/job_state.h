// A job's state, kept in the target beside its data (collection `_sql2mongo` in the target database), so
// that any machine can continue a job: which run holds it (the lease), how the last run ended, and
// every work unit's checkpoint. Scheduled imports read it to resume a killed run and to keep two runs of
// the same job from overlapping.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql2mongo/status.h"
#include "sql2mongo/work_units.h"

namespace sql2mongo {

// The collection in the target database that holds every job's state.
inline constexpr const char* kJobStateCollection = "_sql2mongo";

// Who runs the job now: written into the lease, shown to a run that finds it taken.
struct LeaseHolder {
  std::string run_id;  // unique per run: "<UTC start>-<host>-<pid>"
  std::string host;
  int64_t pid = 0;
  int64_t since_ms = 0;    // Unix milliseconds, the holder's clock
  int64_t expires_ms = 0;  // the holder renews it while it runs; past this, the lease is free
};

// How the job's last run stands.
struct JobRecord {
  std::string job;
  std::string mapping_digest;  // XXH3-64 of the mapping file the run used, hex
  std::string run_id;
  std::string state;           // "running", "succeeded", "failed"
  int64_t started_ms = 0;
  int64_t finished_ms = 0;     // 0 while running, and for a run that was killed
  // Incremental runs: per table (by the name the mapping gives its path, e.g. "customers.invoices"),
  // the highest change-column value the last *successful* run saw; the next run reads what is above.
  std::map<std::string, std::vector<Value>> watermarks;
  // The mapping digest of the run that took `watermarks`: an incremental run needs the same mapping,
  // or it would mix documents of two shapes.
  std::string watermarks_digest;
};

class JobStateStore {
 public:
  virtual ~JobStateStore() = default;
  virtual std::string JobName() const = 0;

  // Takes the job's lease for `holder`: free, expired, already `holder`'s, or left by a process of this
  // host that no longer runs (a killed run). kBusy with the holder's description when another
  // run has it; *current gets that holder.
  virtual Status AcquireLease(const LeaseHolder& holder, LeaseHolder* current) = 0;
  // Pushes the lease's expiry to `expires_ms`; kBusy when the lease is no longer ours (it expired
  // and another run took it: this run must stop writing).
  virtual Status RenewLease(int64_t expires_ms) = 0;
  virtual Status ReleaseLease() = 0;
  // Who holds the lease now, if anyone (reads only: for `status`).
  virtual Result<std::optional<LeaseHolder>> ReadLease() = 0;

  // The last run, and its units (in plan order), when the job ran before.
  virtual Result<std::optional<JobRecord>> LoadJob() = 0;
  virtual Result<std::vector<WorkUnit>> LoadUnits() = 0;
  // A new run: its record, and its units replacing the job's old ones.
  virtual Status StartRun(const JobRecord& record, const std::vector<WorkUnit>& units) = 0;
  // A resumed run takes over the record (same units, new run id).
  virtual Status ContinueRun(const JobRecord& record) = 0;
  // Checkpoints: each unit's checkpoint, done flag and counters.
  virtual Status SaveUnits(const std::vector<WorkUnit>& units) = 0;
  // The watermarks this run took at its snapshot's start: they become the job's watermarks only when
  // FinishRun records success, so a failed or killed run is read again from the old ones.
  virtual Status SetPendingWatermarks(const std::map<std::string, std::vector<Value>>& watermarks) = 0;
  virtual Status FinishRun(const std::string& state, int64_t finished_ms) = 0;
};

// The state of job `job` in the MongoDB target at `target_uri` (its database).
Result<std::unique_ptr<JobStateStore>> OpenJobStateStore(const std::string& target_uri, const std::string& job);

// This machine's name, as a lease records its holder.
std::string ThisHostName();

// Unix milliseconds now.
inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sql2mongo
