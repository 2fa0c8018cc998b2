#include "pipeline/source_reopen.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

namespace sql2mongo {
namespace {

Status NotContinued(const Status& lost, const std::string& why) {
  return Status::Error(StatusCode::kSourceError, fmt::format("{} (not continued: {})", lost.message(), why));
}

}  // namespace

Status SourceReopener::ReadOn(const Status& lost, const std::function<Status()>& read_on, const std::string& why_not) {
  if (!why_not.empty()) return NotContinued(lost, why_not);
  if (++losses_in_a_row_ > losses_without_progress_)
    return NotContinued(lost, fmt::format("the connection was lost {} times in a row with no row read in between",
                                          losses_in_a_row_));
  std::chrono::milliseconds wait = first_wait_;
  Status last = lost;
  for (int attempt = 1; attempt <= attempts_; ++attempt) {
    Status reopened = source_.ReopenInSnapshot();
    if (reopened.code() == StatusCode::kUnsupported) return NotContinued(lost, reopened.message());
    if (reopened.ok()) {
      Status continued = read_on();
      if (continued.ok()) {
        ++reopened_;
        return Status::Ok();
      }
      if (continued.code() != StatusCode::kSourceLost) return continued;
      reopened = continued;
    }
    last = reopened;
    if (attempt == attempts_) break;
    spdlog::warn("source connection lost, reopening in the run's snapshot (attempt {} of {}, next in {} ms): {}",
                 attempt + 1, attempts_, wait.count(), last.message());
    std::this_thread::sleep_for(wait);
    wait *= 2;
  }
  return NotContinued(lost, fmt::format("{} attempts to reopen it failed, the last with: {}", attempts_, last.message()));
}

}  // namespace sql2mongo
