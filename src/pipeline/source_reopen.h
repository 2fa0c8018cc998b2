// How a reader survives a source connection that breaks mid-table (a backend ended by an operator, a
// network fault, a proxy's idle timeout): it asks the source for another connection in the same
// snapshot and reads on from where it was. Where the source cannot (MySQL) or the snapshot itself is
// gone, the loss stays a failure, worded so the user knows why and what to run next.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "sql2mongo/source.h"
#include "sql2mongo/status.h"

namespace sql2mongo {

class SourceReopener {
 public:
  // Tries to reopen at most `attempts` times per loss, waiting `first_wait` then twice as long each
  // time; and gives up once `losses_without_progress` losses came with no row read in between (a
  // connection that breaks again at once, whatever is tried).
  explicit SourceReopener(Source& source, int attempts = 5,
                          std::chrono::milliseconds first_wait = std::chrono::milliseconds(500),
                          int losses_without_progress = 3)
      : source_(source), attempts_(attempts), first_wait_(first_wait), losses_without_progress_(losses_without_progress) {}

  // After `lost` (code kSourceLost): ReopenInSnapshot, then `read_on` (which scans again after the last
  // key read), until `read_on` succeeds. Ok: reading may go on. Otherwise the error to fail with: the
  // cause, and why it was not continued. `why_not` non-empty: continuing is impossible for the caller's
  // own reason (rows not read in key order), said in the message; nothing is tried.
  Status ReadOn(const Status& lost, const std::function<Status()>& read_on, const std::string& why_not = "");

  // Rows were read since the last loss.
  void Progressed() { losses_in_a_row_ = 0; }
  // Losses survived so far.
  int reopened() const { return reopened_; }

 private:
  Source& source_;
  const int attempts_;
  const std::chrono::milliseconds first_wait_;
  const int losses_without_progress_;
  int losses_in_a_row_ = 0;
  int reopened_ = 0;
};

}  // namespace sql2mongo
