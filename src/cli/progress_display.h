// Shows a run's progress while it goes, from the pipeline's live counters (RunProgress):
// - bars: one per collection and one for the run, redrawn in place on a terminal (stderr);
// - plain: one log line per running collection every interval, for cron, CI and pipes (never a '\r');
// - json: the same figures as JSON lines on stdout, for other tools;
// - none.
// No C++ progress-bar library is packaged in Debian, so this small renderer is our own.
#pragma once

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sql2mongo/progress.h"

namespace sql2mongo {

enum class ProgressMode { kAuto, kBars, kPlain, kJson, kNone };

// "auto" (bars when stderr is a terminal, plain otherwise), "bars", "plain", "json", "none".
Result<ProgressMode> ParseProgressMode(const std::string& text);

// The figures one progress line or bar shows, computed from counters.
struct ProgressFigures {
  uint64_t rows = 0;
  int64_t expected_rows = -1;  // -1 unknown
  bool expected_is_estimate = true;
  double fraction = -1;         // 0..1, -1 unknown
  double rows_per_second = 0;
  double docs_per_second = 0;
  double mb_per_second = 0;
  double eta_seconds = -1;      // -1 unknown
};
ProgressFigures FiguresOf(const CollectionCounters& counters);

// "0:07", "12:03", "1:02:03".
std::string FormatDuration(double seconds);

class ProgressDisplay {
 public:
  // `mode` must not be kAuto (resolve it with ResolveProgressMode first).
  ProgressDisplay(const RunProgress& progress, ProgressMode mode, double interval_seconds);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Starts the thread that redraws (bars) or prints (plain, json) every interval.
  void Start();
  // Shows the final state (bars at 100 %, a last line per collection) and stops the thread.
  void Stop();

  // Runs `write` (a log line to stderr) with the bars taken off the screen, then puts them back, so
  // log lines printed during a run never garble the bars.
  template <typename Write>
  void AroundLog(Write&& write) {
    std::lock_guard<std::mutex> lock(mutex_);
    ClearBars();
    write();
    DrawBars();
  }

 private:
  void Loop();
  void Tick(bool final);  // mutex_ held
  void ClearBars();       // mutex_ held
  void DrawBars();        // mutex_ held
  // Plain and JSON: a line per finished collection as soon as it finishes; with `periodic`, one per
  // running collection too.
  void PrintLines(bool periodic);
  std::vector<std::string> BarLines() const;

  const RunProgress& progress_;
  const ProgressMode mode_;
  const double interval_seconds_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
  size_t bar_lines_drawn_ = 0;
  std::vector<bool> reported_done_;  // plain and json: the collections whose last line was printed
  double last_periodic_ = 0;         // plain and json: run time of the last periodic lines
};

// Bars when stderr is a terminal, else plain lines.
ProgressMode ResolveProgressMode(ProgressMode mode);

// While it lives, log lines go to stderr around the bars of `display`; the logger it replaced is put
// back when it ends.
class ScopedLogAroundBars {
 public:
  explicit ScopedLogAroundBars(ProgressDisplay& display);
  ~ScopedLogAroundBars();
  ScopedLogAroundBars(const ScopedLogAroundBars&) = delete;
  ScopedLogAroundBars& operator=(const ScopedLogAroundBars&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace sql2mongo
