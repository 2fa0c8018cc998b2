// What a user watching a run sees, and the account it leaves: progress bars on a terminal (a real
// pseudo-terminal), plain lines off one (never a '\r'), JSON lines for tools, --quiet, the report's
// figures against the target's real counts, the rejects folder, and every exit code.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/test_support.h"

namespace sql2mongo::testing {
namespace {

using Json = nlohmann::json;

// `rows` rows in table t (id, name, qty) and, for every tenth, one child row in u.
std::string NumbersDatabase(const std::string& name, int rows) {
  return MakeSqliteDatabase(
      name + ".db",
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);"
      "CREATE TABLE u (uid INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id), note TEXT);"
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " + std::to_string(rows) + ")"
      "  INSERT INTO t SELECT x, 'name ' || x, x % 7 FROM n;"
      "INSERT INTO u SELECT id, id, 'note' FROM t WHERE id % 10 = 0;");
}

std::string Mapping(const std::string& name, const std::string& db, const std::string& target) {
  return WriteTempFile(name + ".json", "{\"source\": \"sqlite:" + db + "\", \"target\": \"" + target +
                                           "\", \"collections\": {"
                                           "\"things\": {\"from\": \"t\", \"embed\": {\"notes\": {\"from\": \"u\", "
                                           "\"as\": \"array\"}}},"
                                           "\"plain\": {\"from\": \"t\", \"fields\": {\"name\": \"name\"}}}}");
}

struct SplitResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// The CLI with stdout and stderr apart: --progress json must keep stdout pure JSON lines.
SplitResult RunCliSplit(const std::string& arguments) {
  std::string binary = Env("S2M_BINARY").empty() ? S2M_DEFAULT_BINARY : Env("S2M_BINARY");
  std::string err_file = WriteTempFile("stderr-" + std::to_string(::getpid()) + ".txt", "");
  std::string command = ShellQuote(binary) + " " + arguments + " 2>" + ShellQuote(err_file);
  SplitResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = ReadWholeFile(err_file);
  return result;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class Progress : public TargetTest {
 protected:
  void SetUp() override {
    TargetTest::SetUp();
    if (IsSkipped()) return;
    database_ = UniqueDatabase("progress");
    target_ = TargetBaseUri() + "/" + database_;
  }
  void TearDown() override {
    if (!database_.empty()) DropDatabase(database_);
    TargetTest::TearDown();
  }
  std::string database_;
  std::string target_;
};

TEST_P(Progress, OffATerminalPlainLinesWhileItRunsAndNoCarriageReturn) {
  std::string db = NumbersDatabase("plain", 20000);
  std::string mapping = Mapping("plain", db, target_);
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --drop --threads 1 --batch-size 200 --progress-interval 0.1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << "a pipe must never get a carriage return";
  EXPECT_EQ(r.output.find("\033["), std::string::npos) << "nor a terminal escape";
  // While it runs: lines with rising counts, against the catalog's total; once done, one final line.
  std::regex running(R"(progress things: running ([0-9,]+)/~20,000 rows \(\d+%\), ([0-9,]+) documents written, 0 rejected, )"
                     R"(\S+ rows/s, \S+ docs/s, [0-9.]+ MB/s, \d+:\d\d(, ETA \d+:\d\d)?)");
  int64_t previous = -1, running_lines = 0;
  for (const auto& line : Lines(r.output)) {
    std::smatch m;
    if (!std::regex_search(line, m, running)) continue;
    int64_t rows = std::stoll(std::regex_replace(m[1].str(), std::regex(","), ""));
    EXPECT_GE(rows, previous) << line;
    previous = rows;
    ++running_lines;
  }
  EXPECT_GE(running_lines, 1) << r.output;
  EXPECT_NE(r.output.find("progress things: done 20,000/20,000 rows (100%), 20,000 documents written, 0 rejected"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("progress plain: done 20,000/20,000 rows (100%), 20,000 documents written"), std::string::npos)
      << r.output;
  EXPECT_EQ(CountDocuments(database_, "things"), 20000);
}

TEST_P(Progress, JsonLinesOnStdoutEndWithTheSummaryTheTargetConfirms) {
  std::string db = NumbersDatabase("json", 5000);
  std::string mapping = Mapping("json", db, target_);
  SplitResult r = RunCliSplit("run " + ShellQuote(mapping) + " --drop --progress json --progress-interval 0.05");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<Json> events;
  for (const auto& line : Lines(r.out)) {
    Json event = Json::parse(line, nullptr, false);
    ASSERT_FALSE(event.is_discarded()) << "not JSON: " << line;
    events.push_back(event);
  }
  ASSERT_GE(events.size(), 3u) << r.out;
  const Json& summary = events.back();
  EXPECT_EQ(summary["event"], "summary");
  EXPECT_EQ(summary["verdict"], "written");
  EXPECT_EQ(summary["exit_code"], 0);
  ASSERT_EQ(summary["collections"].size(), 2u);
  for (const auto& c : summary["collections"]) {
    std::string name = c["collection"];
    EXPECT_EQ(c["documents_written"].get<int64_t>(), CountDocuments(database_, name)) << name;
    EXPECT_EQ(c["rows_read"], 5000) << name;
  }
  // One final progress event per collection, the same figures as the summary.
  for (const std::string name : {"things", "plain"}) {
    int done = 0;
    for (const auto& e : events)
      if (e["event"] == "progress" && e["collection"] == name && e["state"] == "done") {
        ++done;
        EXPECT_EQ(e["documents_written"], 5000);
        EXPECT_EQ(e["expected_rows"], 5000);
        EXPECT_EQ(e["table"], "t");
      }
    EXPECT_EQ(done, 1) << name << "\n" << r.out;
  }
  EXPECT_EQ(r.err.find("\"event\""), std::string::npos) << "JSON lines go to stdout only";
}

TEST_P(Progress, QuietPrintsOnlyTheSummary) {
  std::string db = NumbersDatabase("quiet", 100);
  CommandResult r = RunCli("run " + ShellQuote(Mapping("quiet", db, target_)) + " --drop --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find(" info "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("progress"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OK: every row read is written: 200 documents in 2 collections"), std::string::npos)
      << r.output;
}

// A real pseudo-terminal: the bars are drawn and redrawn in place, and the log lines printed meanwhile
// start on a line of their own, never inside a bar.
TEST_P(Progress, OnATerminalBarsRedrawInPlaceAndLogLinesStayWhole) {
  std::string db = NumbersDatabase("bars", 20000);
  std::string mapping = Mapping("bars", db, target_);
  std::string binary = Env("S2M_BINARY").empty() ? S2M_DEFAULT_BINARY : Env("S2M_BINARY");
  int master = -1;
  struct winsize size = {50, 200, 0, 0};
  pid_t child = forkpty(&master, nullptr, nullptr, &size);
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl(binary.c_str(), binary.c_str(), "run", mapping.c_str(), "--drop", "--threads", "1", "--batch-size", "200",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string screen;
  char buffer[4096];
  while (true) {
    struct pollfd fd = {master, POLLIN, 0};
    if (poll(&fd, 1, 60000) <= 0) break;
    ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child has exited
    screen.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  waitpid(child, &status, 0);
  close(master);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << screen;
  EXPECT_NE(screen.find("\033[J"), std::string::npos) << "bars are redrawn in place";
  EXPECT_NE(screen.find("things     [########################] done    20,000/20,000 rows (100%)"), std::string::npos)
      << screen;
  EXPECT_NE(screen.find("run        [########################] 2/2 collections, 40,000/40,000 rows (100%)"),
            std::string::npos)
      << screen;
  std::regex partial_bar(R"(things +\[#*-+\] running [0-9,]+/~20,000 rows)");
  EXPECT_TRUE(std::regex_search(screen, partial_bar)) << "a bar while the collection runs\n" << screen;
  // Every log line begins at the start of a line: after a newline, or after the escape that erased the bars.
  std::regex log_line(R"(\d\d:\d\d:\d\d \x1b\[32minfo)");
  int logs = 0;
  for (auto it = std::sregex_iterator(screen.begin(), screen.end(), log_line); it != std::sregex_iterator(); ++it) {
    ++logs;
    size_t at = static_cast<size_t>(it->position());
    bool after_newline = at == 0 || screen[at - 1] == '\n';
    bool after_erase = at >= 3 && screen.compare(at - 3, 3, "\033[J") == 0;
    EXPECT_TRUE(after_newline || after_erase) << "log line inside a bar at " << at << ":\n"
                                              << screen.substr(at > 80 ? at - 80 : 0, 160);
  }
  EXPECT_GE(logs, 3) << screen;
  EXPECT_EQ(CountDocuments(database_, "things"), 20000);
}

TEST_P(Progress, TheReportsFiguresAreTheTargetsAndNoPassword) {
  std::string db = NumbersDatabase("report", 3000);
  std::string dir = WriteTempFile("report-dir-" + server().name, "");
  std::filesystem::remove(dir);
  std::string report_path = dir + "/nightly/report.json";
  CommandResult r = RunCli("run " + ShellQuote(Mapping("report", db, target_)) + " --drop --report " +
                           ShellQuote(report_path));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Json report = Json::parse(ReadWholeFile(report_path), nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << ReadWholeFile(report_path);
  EXPECT_EQ(report["tool"], "sql2mongo");
  EXPECT_TRUE(std::regex_match(report["mapping"]["xxh3_64"].get<std::string>(), std::regex("[0-9a-f]{16}")));
  EXPECT_EQ(report["verdict"], "written");
  EXPECT_EQ(report["exit_code"], 0);
  EXPECT_TRUE(report["every_row_accounted_for"].get<bool>());
  EXPECT_EQ(report["target"], target_);
  EXPECT_EQ(report["target_server"]["product"], server().name == "ferretdb" ? "FerretDB" : "MongoDB");
  EXPECT_TRUE(std::regex_match(report["started_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  int64_t total = 0;
  for (const auto& c : report["collections"]) {
    std::string name = c["collection"];
    EXPECT_EQ(c["state"], "done");
    EXPECT_EQ(c["rows_read"], 3000);
    EXPECT_EQ(c["estimated_rows"], 3000);
    EXPECT_EQ(c["documents_written"].get<int64_t>(), CountDocuments(database_, name)) << name;
    EXPECT_GT(c["bytes_written"].get<int64_t>(), 0);
    EXPECT_GE(c["stage_seconds"]["write"].get<double>(), 0.0);
    total += c["documents_written"].get<int64_t>();
  }
  EXPECT_EQ(report["totals"]["documents_written"], total);
  EXPECT_EQ(report["collections"][0]["embedded_rows"], 300);  // one note for every tenth row
  EXPECT_EQ(report["rejects"]["files"].size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir + "/nightly/rejects")) << "a clean run leaves no rejects folder";
}

TEST_P(Progress, RejectsGoToAFolderBesideTheReportAndTheRunExits3) {
  std::string db = MakeSqliteDatabase("rejects.db",
                                      "CREATE TABLE t (id INTEGER PRIMARY KEY, qty TEXT);"
                                      "INSERT INTO t VALUES (1, '5'), (2, 'five'), (3, '7'), (4, 'lots');");
  std::string mapping = WriteTempFile("rejects.json", "{\"source\": \"sqlite:" + db + "\", \"target\": \"" + target_ +
                                                          "\", \"collections\": {\"items\": {\"from\": \"t\", "
                                                          "\"fields\": {\"qty\": {\"column\": \"qty\", \"type\": \"int\"}}}}}");
  std::string dir = WriteTempFile("rejects-dir-" + server().name, "");
  std::filesystem::remove(dir);
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --drop --report " + ShellQuote(dir + "/report.json"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("FINISHED WITH REJECTS: 2 documents written, 2 rejected"), std::string::npos) << r.output;
  EXPECT_EQ(CountDocuments(database_, "items"), 2);
  std::vector<std::string> rejects = Lines(ReadWholeFile(dir + "/rejects/items.jsonl"));
  ASSERT_EQ(rejects.size(), 2u);
  std::sort(rejects.begin(), rejects.end());  // key ranges are read in parallel: any order
  Json first = Json::parse(rejects[0]);
  EXPECT_EQ(first["collection"], "items");
  EXPECT_EQ(first["table"], "t");
  EXPECT_EQ(first["stage"], "build");
  EXPECT_EQ(first["_id"], 2);
  EXPECT_NE(first["reason"].get<std::string>().find("cannot convert 'five' to int32"), std::string::npos) << rejects[0];
  EXPECT_EQ(first["row"]["qty"], "five");
  Json report = Json::parse(ReadWholeFile(dir + "/report.json"));
  EXPECT_EQ(report["verdict"], "finished with rejects");
  EXPECT_EQ(report["exit_code"], 3);
  EXPECT_TRUE(report["every_row_accounted_for"].get<bool>());
  EXPECT_EQ(report["collections"][0]["rejected"], 2);
  ASSERT_EQ(report["rejects"]["files"].size(), 1u);
  EXPECT_EQ(report["rejects"]["files"][0], dir + "/rejects/items.jsonl");

  // A second, clean run over the same folder leaves no stale rejects behind.
  std::string clean = WriteTempFile("clean.json", "{\"source\": \"sqlite:" + db + "\", \"target\": \"" + target_ +
                                                      "\", \"collections\": {\"items\": {\"from\": \"t\"}}}");
  CommandResult again = RunCli("run " + ShellQuote(clean) + " --drop --report " + ShellQuote(dir + "/report.json"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/rejects/items.jsonl"));
}

S2M_ON_EVERY_TARGET(Progress);

TEST(RunReport, AFailedRunStillLeavesItsAccountWithoutThePassword) {
  std::string db = NumbersDatabase("unreachable", 10);
  std::string mapping = Mapping("unreachable", db, "mongodb://admin:s3cret-pw@127.0.0.1:1/x?serverSelectionTimeoutMS=300");
  std::string report_path = WriteTempFile("failed-report.json", "");
  CommandResult r = RunCli("run " + ShellQuote(mapping) + " --report " + ShellQuote(report_path));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string text = ReadWholeFile(report_path);
  Json report = Json::parse(text, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << text;
  EXPECT_EQ(report["verdict"], "failed");
  EXPECT_EQ(report["exit_code"], 1);
  EXPECT_FALSE(report["every_row_accounted_for"].get<bool>());
  EXPECT_NE(report["failure"].get<std::string>().find("127.0.0.1:1"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cret-pw"), std::string::npos) << text;
  EXPECT_EQ(r.output.find("s3cret-pw"), std::string::npos) << r.output;
}

TEST(RunExitCodes, BadUsageAndABadMappingExit2) {
  EXPECT_EQ(RunCli("run --progress sideways x.json").exit_code, 2);
  std::string mapping = WriteTempFile("bad-exit.json", "{\"collections\": 3}");
  EXPECT_EQ(RunCli("run " + ShellQuote(mapping)).exit_code, 2);
}

}  // namespace
}  // namespace sql2mongo::testing
