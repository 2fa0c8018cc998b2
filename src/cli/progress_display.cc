#include "cli/progress_display.h"

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "pipeline/summary.h"

namespace sql2mongo {
namespace {

constexpr double kBarRedrawSeconds = 0.25;  // smooth enough, and cheap: a few lines of text
constexpr double kFinishCheckSeconds = 0.25;  // plain and json: how soon a finished collection's line shows
constexpr size_t kBarWidth = 24;
constexpr size_t kMostBars = 12;  // collections shown at once; the rest are in the run's bar

// "12,345": counts a user reads at a glance.
std::string Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// "12.3k", "1.2M": rates.
std::string Rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.1f}M", per_second / 1e6);
  if (per_second >= 1e4) return fmt::format("{:.0f}k", per_second / 1e3);
  if (per_second >= 1e3) return fmt::format("{:.1f}k", per_second / 1e3);
  return fmt::format("{:.0f}", per_second);
}

std::string Bar(double fraction) {
  if (fraction < 0) return std::string(kBarWidth, '.');
  size_t filled = static_cast<size_t>(std::clamp(fraction, 0.0, 1.0) * kBarWidth + 0.5);
  return std::string(filled, '#') + std::string(kBarWidth - filled, '-');
}

std::string StateWord(CollectionState state) {
  switch (state) {
    case CollectionState::kPending: return "waiting";
    case CollectionState::kRunning: return "running";
    case CollectionState::kDone: return "done";
    case CollectionState::kFailed: return "failed";
  }
  return "";
}

// "4,100/~27,000 rows (15%)" or "4,100 rows" when no total is known.
std::string RowsText(const ProgressFigures& f) {
  if (f.expected_rows < 0) return Count(f.rows) + " rows";
  return fmt::format("{}/{}{} rows ({:.0f}%)", Count(f.rows), f.expected_is_estimate ? "~" : "",
                     Count(static_cast<uint64_t>(f.expected_rows)), 100 * std::max(0.0, f.fraction));
}

// The figures of the whole run: every collection's rows against every collection's expected rows
// (its rows so far where no estimate exists), rates over the run's elapsed time.
CollectionCounters RunTotals(const std::vector<CollectionCounters>& all, double elapsed) {
  CollectionCounters total = TotalOf(all, elapsed);
  total.collection = "run";
  total.estimated_rows = 0;
  total.state = CollectionState::kDone;
  bool any_running = false, any_pending = false, any_estimate = false;
  for (const auto& c : all) {
    any_estimate |= c.estimated_rows >= 0;
    total.estimated_rows += c.estimated_rows >= 0 ? std::max<int64_t>(c.estimated_rows, c.rows_read) : c.rows_read;
    any_running |= c.state == CollectionState::kRunning;
    any_pending |= c.state == CollectionState::kPending;
    if (c.state == CollectionState::kFailed) total.state = CollectionState::kFailed;
  }
  if (total.state != CollectionState::kFailed && (any_running || any_pending)) total.state = CollectionState::kRunning;
  if (!any_estimate) total.estimated_rows = -1;
  return total;
}

}  // namespace

Result<ProgressMode> ParseProgressMode(const std::string& text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "bars") return ProgressMode::kBars;
  if (text == "plain") return ProgressMode::kPlain;
  if (text == "json") return ProgressMode::kJson;
  if (text == "none") return ProgressMode::kNone;
  return Status::Error(StatusCode::kUsage,
                       fmt::format("--progress {}: expected auto, bars, plain, json or none", text));
}

ProgressMode ResolveProgressMode(ProgressMode mode) {
  if (mode != ProgressMode::kAuto) return mode;
  return isatty(STDERR_FILENO) ? ProgressMode::kBars : ProgressMode::kPlain;
}

ProgressFigures FiguresOf(const CollectionCounters& c) {
  ProgressFigures f;
  f.rows = c.rows_read;
  f.expected_rows = c.estimated_rows;
  f.expected_is_estimate = c.state != CollectionState::kDone;
  if (c.state == CollectionState::kDone) {
    f.fraction = 1;
  } else if (c.estimated_rows > 0) {
    // An estimate may be short of the truth: never past 99 % before the table is done.
    f.fraction = std::min(0.99, static_cast<double>(c.rows_read) / static_cast<double>(c.estimated_rows));
  } else if (c.estimated_rows == 0) {
    f.fraction = 0;
  }
  if (c.seconds > 0) {
    f.rows_per_second = c.rows_read / c.seconds;
    f.docs_per_second = c.documents_written / c.seconds;
    f.mb_per_second = c.bytes_written / 1e6 / c.seconds;
  }
  if (c.state == CollectionState::kDone) f.eta_seconds = 0;
  else if (c.estimated_rows >= 0 && f.rows_per_second > 0)
    f.eta_seconds = std::max(0.0, (static_cast<double>(c.estimated_rows) - c.rows_read) / f.rows_per_second);
  return f;
}

std::string FormatDuration(double seconds) {
  auto total = static_cast<int64_t>(seconds + 0.5);
  int64_t h = total / 3600, m = total / 60 % 60, s = total % 60;
  return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

ProgressDisplay::ProgressDisplay(const RunProgress& progress, ProgressMode mode, double interval_seconds)
    : progress_(progress),
      mode_(mode),
      interval_seconds_(mode == ProgressMode::kBars ? kBarRedrawSeconds : std::max(0.05, interval_seconds)),
      reported_done_(progress.size(), false) {}

ProgressDisplay::~ProgressDisplay() { Stop(); }

void ProgressDisplay::Start() {
  if (mode_ == ProgressMode::kNone || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void ProgressDisplay::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressDisplay::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (mode_ == ProgressMode::kBars) Tick(false);  // at once: a user sees the run has started
  double wait = mode_ == ProgressMode::kBars ? interval_seconds_ : std::min(interval_seconds_, kFinishCheckSeconds);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::duration<double>(wait), [this] { return stopping_; });
    Tick(stopping_);
  }
}

void ProgressDisplay::Tick(bool final) {
  if (mode_ == ProgressMode::kBars) {
    ClearBars();
    DrawBars();
    if (final) bar_lines_drawn_ = 0;  // the last picture stays on the screen, above the summary
    return;
  }
  double now = progress_.ElapsedSeconds();
  bool periodic = !final && now - last_periodic_ >= interval_seconds_;
  if (periodic) last_periodic_ = now;
  PrintLines(periodic);
}

void ProgressDisplay::ClearBars() {
  if (mode_ != ProgressMode::kBars || bar_lines_drawn_ == 0) return;
  // Up to the first bar line, then erase from there to the end of the screen.
  std::fprintf(stderr, "\033[%zuA\r\033[J", bar_lines_drawn_);
  bar_lines_drawn_ = 0;
}

void ProgressDisplay::DrawBars() {
  if (mode_ != ProgressMode::kBars) return;
  std::vector<std::string> lines = BarLines();
  std::string text;
  for (const auto& line : lines) text += line + "\033[K\n";
  std::fputs(text.c_str(), stderr);
  std::fflush(stderr);
  bar_lines_drawn_ = lines.size();
}

std::vector<std::string> ProgressDisplay::BarLines() const {
  std::vector<CollectionCounters> all = progress_.Read();
  size_t width = 10;
  for (const auto& c : all) width = std::max(width, std::min<size_t>(c.collection.size(), 28));
  auto line = [&](const CollectionCounters& c) {
    ProgressFigures f = FiguresOf(c);
    std::string eta = c.state == CollectionState::kRunning && f.eta_seconds >= 0 ? " ETA " + FormatDuration(f.eta_seconds) : "";
    return fmt::format("{:<{}} [{}] {:<7} {}, {} docs, {} rows/s, {} docs/s, {:.1f} MB/s, {}{}",
                       c.collection.substr(0, 28), width, Bar(f.fraction), StateWord(c.state), RowsText(f),
                       Count(c.documents_written), Rate(f.rows_per_second), Rate(f.docs_per_second), f.mb_per_second,
                       FormatDuration(c.seconds), eta);
  };
  // The running collection and the last finished ones; waiting ones only count in the run's bar.
  std::vector<std::string> lines;
  size_t shown = 0;
  for (const auto& c : all) {
    if (c.state == CollectionState::kPending) continue;
    ++shown;
  }
  size_t skip = shown > kMostBars ? shown - kMostBars : 0;
  for (const auto& c : all) {
    if (c.state == CollectionState::kPending) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    lines.push_back(line(c));
  }
  CollectionCounters total = RunTotals(all, progress_.ElapsedSeconds());
  size_t done = 0;
  for (const auto& c : all) done += c.state == CollectionState::kDone;
  ProgressFigures f = FiguresOf(total);
  std::string eta = total.state == CollectionState::kRunning && f.eta_seconds >= 0 ? " ETA " + FormatDuration(f.eta_seconds) : "";
  lines.push_back(fmt::format("{:<{}} [{}] {}/{} collections, {}, {} docs, {} rows/s, {:.1f} MB/s, {}{}", "run", width,
                              Bar(f.fraction), done, all.size(), RowsText(f), Count(total.documents_written),
                              Rate(f.rows_per_second), f.mb_per_second, FormatDuration(total.seconds), eta));
  std::string notice = progress_.Notice();
  if (!notice.empty()) lines.push_back(notice);
  return lines;
}

void ProgressDisplay::PrintLines(bool periodic) {
  std::vector<CollectionCounters> all = progress_.Read();
  std::string notice = progress_.Notice();
  for (size_t i = 0; i < all.size(); ++i) {
    const CollectionCounters& c = all[i];
    bool finished = c.state == CollectionState::kDone || c.state == CollectionState::kFailed;
    // Running collections every interval; a finished one once, with its final figures.
    if (c.state == CollectionState::kPending || reported_done_[i] || (!finished && !periodic)) continue;
    if (finished) reported_done_[i] = true;
    ProgressFigures f = FiguresOf(c);
    if (mode_ == ProgressMode::kJson) {
      nlohmann::ordered_json line;
      line["event"] = "progress";
      line["collection"] = c.collection;
      line["table"] = c.table;
      line["state"] = StateWord(c.state);
      line["rows_read"] = c.rows_read;
      line["expected_rows"] = f.expected_rows >= 0 ? nlohmann::ordered_json(f.expected_rows) : nullptr;
      line["embedded_rows"] = c.embedded_rows;
      line["documents_written"] = c.documents_written;
      line["rejected"] = c.rejected;
      line["bytes_written"] = c.bytes_written;
      line["rows_per_second"] = static_cast<int64_t>(f.rows_per_second);
      line["docs_per_second"] = static_cast<int64_t>(f.docs_per_second);
      line["mb_per_second"] = static_cast<double>(static_cast<int64_t>(f.mb_per_second * 100)) / 100;
      line["elapsed_seconds"] = static_cast<double>(static_cast<int64_t>(c.seconds * 1000)) / 1000;
      line["eta_seconds"] = f.eta_seconds >= 0 ? nlohmann::ordered_json(static_cast<int64_t>(f.eta_seconds)) : nullptr;
      if (!notice.empty()) line["notice"] = notice;
      std::fputs((line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n").c_str(), stdout);
      std::fflush(stdout);
      continue;
    }
    std::string eta = !finished && f.eta_seconds >= 0 ? ", ETA " + FormatDuration(f.eta_seconds) : "";
    spdlog::info("progress {}: {} {}, {} documents written, {} rejected, {} rows/s, {} docs/s, {:.1f} MB/s, {}{}{}",
                 c.collection, StateWord(c.state), RowsText(f), Count(c.documents_written), Count(c.rejected),
                 Rate(f.rows_per_second), Rate(f.docs_per_second), f.mb_per_second, FormatDuration(c.seconds), eta,
                 notice.empty() || finished ? "" : " (" + notice + ")");
  }
}

namespace {

// Hands each formatted log line to the display, which takes its bars off the screen around it.
class LogAroundBarsSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  LogAroundBarsSink(ProgressDisplay& display, std::shared_ptr<spdlog::sinks::sink> inner)
      : display_(display), inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    display_.AroundLog([&] { inner_->log(message); inner_->flush(); });
  }
  void flush_() override { inner_->flush(); }

 private:
  ProgressDisplay& display_;
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace

ScopedLogAroundBars::ScopedLogAroundBars(ProgressDisplay& display) : previous_(spdlog::default_logger()) {
  // The logger's own sinks (stderr, with main's pattern and colours), each wrapped.
  std::vector<spdlog::sink_ptr> wrapped;
  for (const auto& sink : previous_->sinks()) wrapped.push_back(std::make_shared<LogAroundBarsSink>(display, sink));
  auto logger = std::make_shared<spdlog::logger>(previous_->name(), wrapped.begin(), wrapped.end());
  logger->set_level(previous_->level());
  spdlog::set_default_logger(logger);
}

ScopedLogAroundBars::~ScopedLogAroundBars() { spdlog::set_default_logger(previous_); }

}  // namespace sql2mongo
