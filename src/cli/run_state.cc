#include "cli/run_state.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "common/utc_time.h"

namespace sql2mongo {
namespace {

// "20261201T140512Z-host-4242": unique per run, and sorts by start time.
std::string NewRunId(int64_t now_ms) {
  return fmt::format("{}-{}-{}", UtcText(now_ms, "%Y%m%dT%H%M%SZ"), ThisHostName(), static_cast<long>(getpid()));
}

int64_t Millis(double seconds) { return static_cast<int64_t>(seconds * 1000); }

// A unit without a key cannot be resumed part-way: its documents (a generated _id) cannot be told apart
// from the ones a new read would write.
Status CheckResumable(const std::vector<WorkUnit>& units) {
  for (const WorkUnit& unit : units)
    if (unit.kind == WorkUnit::Kind::kRange && !unit.done && !unit.Resumable() && unit.rows_read > 0)
      return Status::Error(StatusCode::kUsage,
                           fmt::format("cannot resume collection '{}': its _id is generated, so the {} documents the "
                                       "interrupted run wrote cannot be told apart from new ones. Run it again "
                                       "without --resume and with --drop, or give it an \"_id\" from its key",
                                       unit.collection, unit.documents_written));
  return Status::Ok();
}

}  // namespace

std::string JobNameOf(const std::string& mapping_file, const std::string& job_option) {
  return job_option.empty() ? std::filesystem::path(mapping_file).stem().string() : job_option;
}

RunState::RunState(std::unique_ptr<JobStateStore> store, RunStateOptions options, std::string run_id)
    : store_(std::move(store)), options_(std::move(options)), run_id_(std::move(run_id)) {}

Result<std::unique_ptr<RunState>> RunState::Begin(const std::string& target_uri, const Plan& plan, Source& source,
                                                 const RunStateOptions& options) {
  S2M_ASSIGN_OR_RETURN(std::unique_ptr<JobStateStore> store, OpenJobStateStore(target_uri, options.job));
  int64_t now = NowMillis();
  std::unique_ptr<RunState> state(new RunState(std::move(store), options, NewRunId(now)));
  LeaseHolder holder{state->run_id_, ThisHostName(), static_cast<int64_t>(getpid()), now,
                     now + Millis(options.lease_seconds)};
  LeaseHolder current;
  S2M_RETURN_IF_ERROR(state->store_->AcquireLease(holder, &current));
  // From here on the lease is ours: an early return releases it (the destructor).

  S2M_ASSIGN_OR_RETURN(std::optional<JobRecord> last, state->store_->LoadJob());
  state->last_ = last;
  JobRecord record{options.job, options.mapping_digest, state->run_id_, "running", now, 0};
  bool unfinished = last && last->state != "succeeded";
  if (options.resume && unfinished) {
    if (last->mapping_digest != options.mapping_digest)
      return Status::Error(StatusCode::kUsage,
                           fmt::format("cannot resume job '{}': the mapping changed since run {} (digest {} then, {} "
                                       "now), and documents of two mappings must not mix. Run without --resume to "
                                       "start again",
                                       options.job, last->run_id, last->mapping_digest, options.mapping_digest));
    S2M_ASSIGN_OR_RETURN(std::vector<WorkUnit> units, state->store_->LoadUnits());
    S2M_RETURN_IF_ERROR(CheckResumable(units));
    size_t done = 0;
    for (const WorkUnit& unit : units) done += unit.done ? 1 : 0;
    spdlog::info("job '{}': resuming run {} ({}): {} of {} work units were done", options.job, last->run_id,
                 last->state == "running" ? "it was interrupted" : "it failed", done, units.size());
    S2M_RETURN_IF_ERROR(state->store_->ContinueRun(record));
    state->ledger_.emplace(std::move(units));
    state->resumed_ = true;
    return state;
  }
  if (options.resume)
    spdlog::info("job '{}': nothing to resume ({}): a new run starts", options.job,
                 last ? fmt::format("run {} succeeded", last->run_id) : "it never ran");
  else if (unfinished)
    spdlog::warn("job '{}': the last run ({}) did not finish; this run starts again from the beginning (--resume "
                 "would have continued it)",
                 options.job, last->run_id);
  UnitSizing sizing;
  sizing.units = options.units;
  sizing.at_least = options.readers;
  S2M_ASSIGN_OR_RETURN(std::vector<WorkUnit> units, PlanWorkUnits(plan, source, sizing));
  S2M_RETURN_IF_ERROR(state->store_->StartRun(record, units));
  state->ledger_.emplace(std::move(units));
  return state;
}

RunState::~RunState() {
  if (finished_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (checkpoints_.joinable()) checkpoints_.join();
  Status released = store_->ReleaseLease();
  if (!released.ok()) spdlog::warn("{}", released.message());
}

void RunState::StartCheckpoints() {
  checkpoints_ = std::thread([this] { CheckpointLoop(); });
}

void RunState::CheckpointLoop() {
  auto interval = std::chrono::duration<double>(options_.checkpoint_seconds);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // A lost target is the writers' business (they retry, then fail the run): here it only delays the
    // checkpoint, which the next save or Finish carries.
    Status saved = SaveChanged();
    if (saved.ok()) saved = store_->RenewLease(NowMillis() + Millis(options_.lease_seconds));
    if (!saved.ok()) spdlog::warn("{}", saved.message());
    lock.lock();
  }
}

Status RunState::SaveChanged() {
  std::vector<WorkUnit> changed = ledger_->TakeChanged();
  Status saved = store_->SaveUnits(changed);
  if (!saved.ok()) ledger_->MarkAllChanged();  // not saved: they go with the next save
  return saved;
}

Status RunState::Finish(bool succeeded) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (checkpoints_.joinable()) checkpoints_.join();
  finished_ = true;
  Status saved = SaveChanged();
  Status ended = store_->FinishRun(succeeded ? "succeeded" : "failed", NowMillis());
  Status released = store_->ReleaseLease();
  if (!saved.ok()) return saved;
  if (!ended.ok()) return ended;
  return released;
}

}  // namespace sql2mongo
