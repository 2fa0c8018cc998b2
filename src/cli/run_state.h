// What `run` keeps in the target so that scheduled imports are safe: the job's lease (two runs of one
// job never overlap), its work units and their checkpoints (saved every few seconds while the run goes,
// so `--resume` continues a killed run where the target stopped acknowledging), and how the run ended.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sql2mongo/job_state.h"
#include "sql2mongo/plan.h"
#include "sql2mongo/progress.h"
#include "sql2mongo/source.h"
#include "sql2mongo/work_units.h"

namespace sql2mongo {

// The job's name unless --job says: the mapping file's name without its extension.
std::string JobNameOf(const std::string& mapping_file, const std::string& job_option);

struct RunStateOptions {
  std::string job;              // the job's name: the state's key in the target
  std::string mapping_digest;   // of the mapping file: a resumed run must use the same one
  bool resume = false;          // continue the last run when it did not finish
  size_t units = 0;             // work units per collection; 0: from the tables' sizes
  size_t readers = 1;           // readers of the snapshot, the least units worth having
  double lease_seconds = 60;    // a lease not renewed for this long is free (its run is gone)
  double checkpoint_seconds = 2;
};

class RunState {
 public:
  // Takes the lease (kBusy when another run holds it), then either loads the interrupted run's units
  // (`--resume`) or plans new ones, and records the run as started. Nothing of the data is written.
  static Result<std::unique_ptr<RunState>> Begin(const std::string& target_uri, const Plan& plan, Source& source,
                                                 const RunStateOptions& options);
  ~RunState();

  UnitLedger& units() { return *ledger_; }
  // How the job's last run stood before this one began (nullopt: the job never ran).
  const std::optional<JobRecord>& last() const { return last_; }
  // The watermarks this run took: the job's once Finish records success.
  Status SetPendingWatermarks(const std::map<std::string, std::vector<Value>>& watermarks) {
    return store_->SetPendingWatermarks(watermarks);
  }
  bool resumed() const { return resumed_; }
  const std::string& run_id() const { return run_id_; }
  // Saves every checkpoint every checkpoint_seconds, renewing the lease, until Finish.
  void StartCheckpoints();
  // Saves the last checkpoints, records how the run ended and releases the lease. A failure here means
  // the next --resume may redo some batches (idempotent by _id), never that data is missing.
  Status Finish(bool succeeded);

 private:
  RunState(std::unique_ptr<JobStateStore> store, RunStateOptions options, std::string run_id);
  void CheckpointLoop();
  Status SaveChanged();

  std::unique_ptr<JobStateStore> store_;
  RunStateOptions options_;
  std::string run_id_;
  bool resumed_ = false;
  std::optional<JobRecord> last_;
  std::optional<UnitLedger> ledger_;
  std::thread checkpoints_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool finished_ = false;
};

}  // namespace sql2mongo
